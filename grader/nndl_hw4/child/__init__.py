"""Code that runs inside the sandbox, next to untrusted student code.

This package is copied into every sandbox as the top-level package
``hw4child``; the grader also imports it as ``nndl_hw4.child`` to run the same
probes against the trusted reference. It must therefore:

- import only the standard library, numpy, and its own modules (relatively);
- hold no expected values, no reference code and nothing secret: students can
  read every byte of it at grading time.

The parent process never trusts what comes back: it decodes raw outputs with
``wire`` (no pickle) and decides every score itself.
"""
