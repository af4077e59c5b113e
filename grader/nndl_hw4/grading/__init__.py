"""Grading a submission: prepare a private copy, observe checks in the sandbox, judge them."""
