"""The one exception tree of Credit Desk; every message is meant for a finance clerk."""

from __future__ import annotations


class CreditDeskError(Exception):
    """Base class: a problem the user can act on, with a message that says what and where."""


class PolicyError(CreditDeskError):
    """The policy is invalid. ``issues`` are its problems (``desktop.core.policy.PolicyProblem``:
    key path, line or None, message, place); ``text(lang)`` words them for a clerk (the place as
    a clerk reads it, the line of the file); ``str(exc)`` and ``problems`` are the technical
    English of the command line and the log: (key path, line or None, message)."""

    def __init__(self, source: str, problems: list):
        self.source = source
        self.issues = list(problems)
        self.code = "policy.invalid"
        self.values = {"file": source.replace("\\", "/").rsplit("/", 1)[-1], "problems": self.issues}
        self.detail = ""
        lines = [f"{source}: {p.technical()}" for p in self.issues]
        # One problem, one line (the command line's error is a single line on stderr).
        Exception.__init__(self, "Invalid policy file:" + (f" {lines[0]}" if len(lines) == 1 else "\n" + "\n".join(lines)))

    @property
    def problems(self) -> list[tuple[str, int | None, str]]:
        return [(p.path, p.line, p.message.text("en")) for p in self.issues]

    def lines(self, lang: str = "zh") -> list[str]:
        """Each problem in the clerk's words, one a line."""
        return [p.text(lang) for p in self.issues]

    def text(self, lang: str = "zh") -> str:
        from desktop.messages import Message
        return Message("policy.invalid", {"file": self.values["file"],
                                          "problems": ("；" if lang == "zh" else "; ").join(self.lines(lang))}).text(lang)

    def __str__(self) -> str:
        return self.args[0]

    def __reduce__(self):
        return PolicyError, (self.source, self.issues)


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
