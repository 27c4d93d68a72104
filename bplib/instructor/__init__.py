"""The instructor's tools: the student copies of the notebooks and the autograder.

Nothing in the library or the checks imports this package.
"""
