"""The one exception tree of Credit Desk; every message is meant for a finance clerk."""

from __future__ import annotations


class CreditDeskError(Exception):
    """Base class: a problem the user can act on, with a message that says what and where."""


class PolicyError(CreditDeskError):
    """The policy file is invalid; ``problems`` lists (key path, line or None, message)."""

    def __init__(self, source: str, problems: list[tuple[str, int | None, str]]):
        self.source = source
        self.problems = problems
        lines = [
            f"{source}: {path}" + (f" (line {line})" if line else "") + f": {message}"
            for path, line, message in problems
        ]
        # One problem, one line (the command line's error is a single line on stderr).
        super().__init__("Invalid policy file:" + (f" {lines[0]}" if len(lines) == 1 else "\n" + "\n".join(lines)))


class InputFileError(CreditDeskError):
    """An input file cannot be read at all (missing, locked, corrupt, unsupported)."""


class NothingToRateError(CreditDeskError):
    """No customer sheet was found, or no customer could be read from it."""


class OutputFileError(CreditDeskError):
    """An output file cannot be written (locked by Excel, no permission, is an input)."""


class UsageError(CreditDeskError):
    """The command was called with arguments that do not make sense together."""


class RunNotRegistered(UsageError):
    """Filled forms of a run the rating register does not hold, and no results workbook to check them against."""

    def __init__(self, run_id: str, register: str):
        super().__init__(f"run {run_id} is not in the rating register {register}; give the results workbook of that "
                         f"run with --results (its forms are then checked against it, with a warning)")
        self.run_id = run_id


class Cancelled(Exception):  # noqa: N818  (not an error: the clerk's choice)
    """The user cancelled the job (Cancel, Ctrl+C, SIGTERM): nothing was written or recorded."""


class StaleRatingError(CreditDeskError):
    """The rating asked for is not the one the session holds (inputs changed, or the engine restarted)."""
