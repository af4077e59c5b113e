"""Gradescope: an autograder zip that runs the native sandboxed grader.

- build.py: the zip (``nndl-hw4 gradescope``, cli.py): setup.sh, run_autograder, wheel, rubric.
- wheel.py: the kit as a wheel, built from its installed files.
- run.py: what run_autograder runs for each submission (results.json in Gradescope's schema).
- setup.sh, run_autograder: the two scripts Gradescope calls.
"""
