"""The one exception tree of Credit Desk; every message is meant for a finance clerk.

An error is a catalogue code and its named values (``desktop.messages``): ``str(exc)`` is its
English text (logs, scripts), ``exc.text("zh")`` the Chinese one; the technical detail (a
library's error text, an errno string) goes to the log, never on screen.
"""

from __future__ import annotations

from typing import Any

from desktop.messages import CATALOGUE, Message


def _restore(cls: type, state: dict, args: tuple) -> CreditDeskError:
    exc = cls.__new__(cls)
    exc.__dict__.update(state)
    exc.args = args
    return exc


class CreditDeskError(Exception):
    """Base class: a problem the user can act on, with a message that says what and where."""

    def __init__(self, code: str, /, *, detail: str = "", **values: Any):
        # A code not in the catalogue is a text of its own, not yet worded in two languages
        # (PolicyError's lines): shown as it is in either language.
        self.code = code
        self.values = values
        self.detail = detail
        super().__init__(self.text("en"))
        if detail:
            from desktop.diagnostics import LOG
            try:
                LOG.info("%s: %s (%s)", code, self.args[0], detail)
            except Exception:  # noqa: BLE001  (a full disk must not turn one problem into two)
                pass

    @property
    def message(self) -> Message:
        """The message not yet worded (picklable: the engine sends it, a problem list keeps it)."""
        if self.code in CATALOGUE:
            return Message(self.code, dict(self.values))
        return Message("error.unknown", {"detail": self.code})

    def text(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return Message(self.code, self.values).text(lang) if self.code in CATALOGUE else self.code

    def texts(self) -> dict[str, str]:
        """The message in every language the program speaks."""
        return {lang: self.text(lang) for lang in ("zh", "en")}

    def __reduce__(self):  # subclasses take other arguments: rebuilt from their state, not called again
        return _restore, (type(self), self.__dict__.copy(), self.args)


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
        super().__init__("error.run_not_registered", run=run_id, register=register)
        self.run_id = run_id


class Cancelled(Exception):  # noqa: N818  (not an error: the clerk's choice)
    """The user cancelled the job (Cancel, Ctrl+C, SIGTERM): nothing was written or recorded."""


class StaleRatingError(CreditDeskError):
    """The rating asked for is not the one the session holds (inputs changed, or the engine restarted)."""
