"""nbgrader's settings for this course: run ``nbgrader`` from the folder that holds this file
(README, "With nbgrader").

- The kernel's environment gets the grading switch (``BPLIB_GRADING=1``,
  ``bplib.checks.feedback.GRADING_ENV``): a check whose exercise still raises
  NotImplementedError then raises NotDoneYet, and its test cell scores 0. Without it the check
  prints "not done yet" and returns, and nbgrader gives the points for an unfinished exercise.
- A cell may run for 10 minutes: chapters 08-10 train networks on MNIST.

nbgrader runs the test cells in the student's kernel, so the student's code can change the
checks' verdicts and read what the kernel's user can; ``python -m bplib.instructor.grade``
judges outside the kernel and contains it.
"""

import os

from bplib.checks.feedback import GRADING_ENV

c = get_config()  # noqa: F821 (nbgrader's config loader defines it)

os.environ[GRADING_ENV] = "1"  # the kernels nbgrader starts inherit it
c.Execute.timeout = 600
