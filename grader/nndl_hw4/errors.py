"""The kit's exceptions: each carries the message a user reads and a hint.

The CLI turns a KitError into one red ``ERROR`` line plus a ``TIP`` line and a
non-zero exit status (see nndl_hw4.cli); nothing else formats errors.
"""


class KitError(Exception):
    """Base of every error the kit reports to a user.

    ``exit_code`` is 2 for bad usage (wrong arguments, missing inputs) and 1
    for a fault of the kit or the grading machine.
    """

    exit_code = 1

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self):
        return self.message


class UsageError(KitError):
    """The user asked for something that cannot be done as asked."""

    exit_code = 2


class StaleReleaseError(KitError):
    """The committed assignment/ differs from what `nndl-hw4 build` writes."""

    exit_code = 1


class DataError(KitError):
    """A dataset is missing, corrupt, or failed to download."""

    exit_code = 1
