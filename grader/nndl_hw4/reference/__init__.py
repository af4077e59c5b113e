"""The trusted reference solution, mapped from solutions/ at install time."""
