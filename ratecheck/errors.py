"""Errors that reach the user as one clear line (exit code 2), never a traceback."""


class RatecheckError(Exception):
    """Base class of every error ratecheck reports to the user."""


class SpecError(RatecheckError):
    """Bad input: a malformed spec, an unknown name, an invalid constant.

    The message names the offending field, e.g. ``problem.L: must be > 0, got -1``.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class FileError(SpecError):
    """Bad content of an input file: the field is ``<file>:<line>`` (reported as is)."""

    def __init__(self, path, line: int | None, message: str):
        super().__init__(f"{path}:{line}" if line is not None else str(path), message)


class CardError(SpecError):
    """A theorem card that cannot be loaded: names the card file and the field."""

    def __init__(self, card: str, field: str, message: str):
        self.card = card
        super().__init__(f"{card}: {field}", message)
