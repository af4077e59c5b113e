"""Running untrusted student code in a child process with limits.

``limits`` holds the instructor-tunable limits, ``backends`` builds the
command line (bubblewrap where the OS has it, a plain child process with
resource limits elsewhere), ``launch`` runs one child, drains its pipes and
keeps its clocks. docs/sandbox.md says what each backend does and does not
protect.
"""
