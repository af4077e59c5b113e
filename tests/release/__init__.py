"""Tests of the student-release builder (nndl_hw4.release, `nndl-hw4 build`)."""
