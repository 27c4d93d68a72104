"""Checks for the exercises, one module per chapter: ``from bplib.checks import ch01 as check``.

The machinery they share (verdicts, comparisons, the grading switch) is ``bplib.checks.feedback``.
"""
