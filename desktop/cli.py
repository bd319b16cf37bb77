"""Command line: ``credit-desk score ...``, ``approvals``, ``history``, ``verify-register``, ``backtest``,
``compare``, ``register init|migrate`` (headless use of the same services as the window)."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from datetime import date
from pathlib import Path

from desktop import __version__
from desktop.errors import CreditDeskError, OutputFileError, UsageError
from desktop.messages import text

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_OUTPUT = 0, 2, 3, 4
EXIT_INTERNAL = 70  # a bug (EX_SOFTWARE): one line on stderr, the traceback in the log
EXIT_SIGINT, EXIT_SIGTERM = 130, 143  # 128 + the signal's number, as shells report it
CANCELLED_LINE = "已取消 / cancelled: nothing was written"
LANG_VARIABLE = "CREDIT_DESK_LANG"

# The command line's own words for what the window asks the clerk in its own way: the option to use.
_REGISTER_READ = ("not_a_register", "empty_file", "foreign_database", "newer", "a_folder", "cannot_access", "cannot",
                  "damaged", "disk_full", "foreign_tables", "busy", "on_network")
_REGISTER_WRITE = ("read_only", "folder_is_file", "cannot_open_write", "disk_full_write", "cannot_write", "is_input",
                   "busy_write", "drive_failed_write", "no_memory_write", "read_only_opened", "on_network_write")
HINTS = {
    "error.nothing.no_customer_sheet": "cli.hint.customers",
    "error.backtest.no_customers": "cli.hint.customers",
    "error.backtest.no_ledger": "cli.hint.sales",
    "error.backtest.no_source": "cli.hint.backtest_source",
    "error.compare.no_run": "cli.hint.runs",
    "error.compare.two_runs": "cli.hint.runs",
    "error.compare.two_policies": "cli.hint.policy_b",
    "error.run_not_registered": "cli.hint.results",
    "error.run_other_policy": "cli.hint.policy",
    "error.output.temp_full": "cli.hint.tmpdir",
    "error.file.too_large": "cli.hint.max_unpacked",
    "error.sheet.too_many_cells": "cli.hint.max_cells",
    "error.file.too_many_cells": "cli.hint.max_cells",
    "error.register.key_damaged": "cli.hint.verify",
    "error.register.entry_changed": "cli.hint.verify",
    "error.register.entry_unreadable": "cli.hint.verify",
    **{f"error.register.{c}": "cli.hint.register" for c in _REGISTER_READ},
    **{f"error.register.{c}": "cli.hint.register_write" for c in _REGISTER_WRITE},
}
_language = {"code": "en"}  # of this call's messages (see message_language)
_records = {"register": True}  # False for the commands that only read the register (no --no-register there)


def message_language(given: str | None = None) -> str:
    """The language of the command line's messages: ``--lang`` when it was given, else the
    environment variable CREDIT_DESK_LANG (zh or en), else English (scripts and logs read them)."""
    if given in ("zh", "en"):
        return given
    env = os.environ.get(LANG_VARIABLE, "").strip().lower()
    return env if env in ("zh", "en") else "en"


def _say(code: str, **values) -> str:
    return text(code, _language["code"], **values)


def error_line(exc: CreditDeskError, lang: str | None = None) -> str:
    """The one stderr line of a problem the user can act on, with the option that helps, if any."""
    lang = lang or _language["code"]
    line = str(exc) if lang == "en" else exc.text(lang)  # str(): the English of scripts and logs (a policy's key paths)
    hint = HINTS.get(getattr(exc, "code", ""))
    if hint == "cli.hint.register_write" and not _records["register"]:
        hint = "cli.hint.register"
    if hint is not None:
        line += f"（{text(hint, lang)}）" if lang == "zh" else f" ({text(hint, lang)})"
    return f"credit-desk: {line}"


def _as_of(text: str) -> date:
    from desktop.core.models import check_as_of
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None
    try:
        return check_as_of(day)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="credit-desk", description="Customer credit rating, terms and approvals.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _log_option(p)
    sub = p.add_subparsers(dest="command")
    s = sub.add_parser("score", help="rate customers and write the results workbook",
                       description="Rate every customer of the customer sheet against the credit policy.")
    s.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                   help="workbooks or CSV files; each sheet is classified by its headers")
    s.add_argument("--customers", action="append", default=[], metavar="FILE[:SHEET]",
                   help="read this file (or sheet) as the customer credit sheet")
    s.add_argument("--sales", action="append", default=[], metavar="FILE[:SHEET]",
                   help="read this file (or sheet) as the sales/receivables ledger")
    s.add_argument("--receipts", action="append", default=[], metavar="FILE[:SHEET]",
                   help="read this file (or sheet) as the receipts list")
    s.add_argument("--policy", type=Path, help="policy file (default: the shipped default policy)")
    s.add_argument("--as-of", type=_as_of, help="assessment date YYYY-MM-DD (default: today)")
    s.add_argument("--lang", choices=("zh", "en"),
                   help="language of the workbooks (default zh) and, when given, of these messages (default English, "
                        f"or {LANG_VARIABLE}=zh|en)")
    s.add_argument("--out", type=Path, required=True, metavar="RESULTS.xlsx", help="results workbook to write")
    s.add_argument("--json", type=Path, metavar="SUMMARY.json", help="also write a JSON summary")
    s.add_argument("--operator", help="name recorded as operator (default: the login name)")
    s.add_argument("--password", help="password of encrypted input workbooks (decrypted in memory only)")
    s.add_argument("--forms", type=Path, metavar="APPROVALS.xlsx",
                   help="also write the approval workbook (application and special-term forms)")
    s.add_argument("--forms-for", default="", metavar="ID,ID",
                   help="customer IDs that get an application form even when no approval is needed")
    s.add_argument("--forms-split", choices=("salesperson", "manager"),
                   help="one approval workbook per salesperson or per sales manager")
    s.add_argument("--forms-password", help="password for the form sheets' protection (default: none)")
    s.add_argument("--notices", type=Path, metavar="NOTICES.xlsx",
                   help="also write customer notices (terms only) for customers that need no approval")
    s.add_argument("--detail", type=Path, metavar="DETAIL.xlsx",
                   help="also write the working papers (明细底稿): every ledger line, payment and receipt the "
                        "metrics come from, with each customer's figures as formulas over them")
    s.add_argument("--detail-customers", metavar="ID,ID",
                   help="working papers for these customer IDs only (default: every customer rated)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--profiles", type=Path, metavar="FOLDER",
                   help="read sheets with the column mapping profiles saved in this folder (default: the "
                        "user's folder, where the window saves them)")
    g.add_argument("--no-profiles", action="store_true", help="use no saved mapping profile")
    _register_options(s)
    _protection_options(s)
    _log_option(s)

    a = sub.add_parser("approvals", help="read filled approval workbooks back and write the decisions",
                       description="Check each decision in filled approval workbooks and list the final terms.")
    a.add_argument("filled", nargs="+", type=Path, metavar="FILLED.xlsx", help="filled approval workbooks")
    a.add_argument("--results", type=Path, metavar="RESULTS.xlsx",
                   help="the results workbook of the run the forms came from; needed only when the run is not in "
                        "the rating register (the forms are then checked against it, with a warning)")
    a.add_argument("--out", type=Path, metavar="DECISIONS.xlsx", help="decisions workbook to write")
    a.add_argument("--json", type=Path, metavar="DECISIONS.json", help="also write the decisions as JSON")
    a.add_argument("--policy", type=Path, help="the policy file of that run (default: the shipped policy)")
    a.add_argument("--notices", type=Path, metavar="NOTICES.xlsx",
                   help="also write customer notices (terms only) for the approved customers")
    a.add_argument("--password", help="password of encrypted results or filled workbooks (decrypted in memory)")
    a.add_argument("--prefer", type=Path, action="append", default=[], metavar="FILLED.xlsx",
                   help="resolve a conflict: the decisions in this filled workbook (one of those read) replace "
                        "the ones recorded before or read from another copy; repeat for several files")
    a.add_argument("--lang", choices=("zh", "en"),
                   help="language of the decisions workbook (default: the forms') and, when given, of these messages "
                        f"(default English, or {LANG_VARIABLE}=zh|en)")
    _register_options(a)
    _protection_options(a)
    _log_option(a)

    h = sub.add_parser("history", help="a customer's ratings over time, from the rating register",
                       description="Every recorded rating of a customer, its level changes and approvals.")
    h.add_argument("customer_id", metavar="CUSTOMER_ID")
    h.add_argument("--register", type=_location, metavar="REGISTER", help=_REGISTER_HELP)
    _log_option(h)
    v = sub.add_parser("verify-register", help="check that no recorded rating was changed or deleted",
                       description="Recompute the register's hash chain; with --head, also check that the "
                                   "entry printed on a results workbook's audit sheet is still there.")
    v.add_argument("--register", type=_location, metavar="REGISTER", help=_REGISTER_HELP)
    v.add_argument("--head", metavar='"#N HASH"', type=_head,
                   help="the register entry from a results workbook's audit sheet")
    v.add_argument("--due", type=_as_of, metavar="YYYY-MM-DD", help="also list the reviews due by this date")
    _log_option(v)

    b = sub.add_parser("backtest", help="does the rating predict who pays late? (back-test)",
                       description="Back-test: the ratings of earlier dates (the register's runs, or the same data "
                                   "re-rated as of earlier dates) against what the customers paid up to the "
                                   "evaluation date. Nothing is recorded in the register.")
    b.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                   help="the ledger, the receipts and the customer sheet as of the evaluation date (workbooks or "
                        "CSV files, classified as score does; the customer sheet links the ledger to customers)")
    _kind_options(b)
    b.add_argument("--as-of", type=_as_of, required=True, metavar="YYYY-MM-DD",
                   help="the evaluation date E: what was paid is judged up to it (the ledger's as-of date)")
    b.add_argument("--register", type=_location, metavar="REGISTER",
                   help="cases from the past runs recorded in this rating register (read only)")
    b.add_argument("--rerate-at", metavar="YYYY-MM-DD[,...]",
                   help="cases from re-rating the inputs as of these dates (each before --as-of), using only the "
                        "invoices and payments dated up to each")
    b.add_argument("--policy", type=Path, help="policy file (default: the shipped default policy)")
    b.add_argument("--horizon-months", type=int, metavar="N",
                   help="months after each rating within which a late payment counts (default: the policy's, 6)")
    b.add_argument("--late-days", type=int, metavar="N",
                   help="days past due that make a case bad, more than this (default: the policy's, 30)")
    b.add_argument("--tolerance", type=float, metavar="AMOUNT",
                   help="unpaid balance ignored, in yuan: at most this is not bad (default: the policy's, 100)")
    _report_options(b, "BACKTEST")
    _log_option(b)

    c = sub.add_parser("compare", help="two ratings of the same customers side by side",
                       description="Compare the inputs rated under two policies (--policy and --policy-b), or two "
                                   "runs recorded in the rating register (--run and --run-b): the level migration "
                                   "matrix, what changed, the total limit and the approvals.")
    c.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                   help="workbooks or CSV files to rate under both policies (classified as score does)")
    _kind_options(c)
    c.add_argument("--policy", type=Path, metavar="A.toml",
                   help="the first policy (default: the shipped default policy); with --run, the policy whose "
                        "levels order the matrix")
    c.add_argument("--policy-b", type=Path, metavar="B.toml", help="the second policy")
    c.add_argument("--as-of", type=_as_of, metavar="YYYY-MM-DD", help="assessment date of both ratings "
                                                                       "(default: today)")
    c.add_argument("--run", metavar="RUN_A", help="the first run's ID, as the register and the audit sheet name it")
    c.add_argument("--run-b", metavar="RUN_B", help="the second run's ID")
    c.add_argument("--register", type=_location, metavar="REGISTER",
                   help="the rating register holding the runs (default: the user's register; read only)")
    _report_options(c, "COMPARE")
    _log_option(c)

    r = sub.add_parser("register", help="set up a team register on a database server, or move a register there",
                       description="The team register on PostgreSQL: create its schema and roles (init), or copy "
                                   "a desktop register into it (migrate).")
    rs = r.add_subparsers(dest="register_command", required=True, metavar="{init,migrate}")
    ri = rs.add_parser("init", help="create the schema credit_desk, its tables and roles (harmless when run again)",
                       description="Create the team register in the database URL names, as a superuser: the "
                                   "schema credit_desk, its tables and triggers, the "
                                   "roles credit_desk_owner, credit_desk_clerk and credit_desk_auditor and their "
                                   "grants (templates/register/postgresql.sql). What exists is kept.")
    ri.add_argument("url", metavar="URL", help="postgresql://user@host:5432/db (the password from pgpass or "
                                               "PGPASSWORD, or in the URL: never printed)")
    _log_option(ri)
    rm = rs.add_parser("migrate", help="copy a desktop register into an empty team register",
                       description="Copy every entry of a register file, and its key, into an empty team register "
                                   "in one transaction; the copy's chain is verified and its head compared with the "
                                   "file's before it is committed. A team register that already holds exactly "
                                   "these entries is left as it is; one holding others is refused.")
    rm.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE", help="the register file")
    rm.add_argument("--to", dest="target", type=_location, required=True, metavar="URL",
                    help="the team register's URL (made by register init)")
    _log_option(rm)
    return p


def _kind_options(p: argparse.ArgumentParser) -> None:
    """The inputs' options that force a file's (or sheet's) kind and say how sheets are read, as ``score``'s."""
    p.add_argument("--customers", action="append", default=[], metavar="FILE[:SHEET]",
                   help="read this file (or sheet) as the customer credit sheet")
    p.add_argument("--sales", action="append", default=[], metavar="FILE[:SHEET]",
                   help="read this file (or sheet) as the sales/receivables ledger")
    p.add_argument("--receipts", action="append", default=[], metavar="FILE[:SHEET]",
                   help="read this file (or sheet) as the receipts list")
    p.add_argument("--password", help="password of encrypted input workbooks (decrypted in memory only)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--profiles", type=Path, metavar="FOLDER",
                   help="read sheets with the column mapping profiles saved in this folder (default: the user's)")
    g.add_argument("--no-profiles", action="store_true", help="use no saved mapping profile")


def _report_options(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--out", type=Path, metavar=f"{name}.xlsx", help="workbook to write")
    p.add_argument("--json", type=Path, metavar=f"{name}.json", help="also (or only) write the figures as JSON")
    p.add_argument("--lang", choices=("zh", "en"),
                   help="language of the workbook (default zh) and, when given, of these messages (default English, "
                        f"or {LANG_VARIABLE}=zh|en)")
    p.add_argument("--operator", help="name recorded as operator (default: the login name)")
    _protection_options(p)


def _log_option(p: argparse.ArgumentParser) -> None:
    """--log-level, before the subcommand or after it (SUPPRESS: a subcommand's parser leaves the
    value given before it alone)."""
    from desktop.diagnostics import LEVEL_VARIABLE, LEVELS
    p.add_argument("--log-level", choices=tuple(LEVELS), type=str.lower, default=argparse.SUPPRESS,
                   help="how much the log file (cli.log in the log folder) holds: debug adds each stage of the run "
                        f"(default info, or {LEVEL_VARIABLE}=debug|info|warning|error)")


def _protection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--protect-password", metavar="PASSWORD",
                   help="lock the structure of the exported workbooks (no sheet added, deleted or unhidden "
                        "without this password)")
    p.add_argument("--open-password", metavar="PASSWORD",
                   help="encrypt the exported workbooks: Excel and LibreOffice ask for this password to open them")


def _register_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--register", type=_location, metavar="REGISTER",
                   help="record the run in this rating register: a file, or a team register's URL "
                        "postgresql://user@host:5432/db (default: the user's register)")
    g.add_argument("--no-register", action="store_true", help="do not record the run")


def _location(text: str) -> Path | str:
    """--register: a file's path, or a team register's URL kept as text (a Path collapses its ``//``)."""
    from desktop.io.register import is_url
    return text.strip() if is_url(text) else Path(text)


_REGISTER_HELP = ("the rating register: a file, or a team register's URL postgresql://user@host:5432/db "
                  "(default: the user's register)")


def _profiles_folder(args) -> Path | None:
    from desktop.paths import profiles_folder
    if args.no_profiles:
        return None
    return args.profiles or profiles_folder()


def _register_path(args) -> Path | str | None:
    from desktop.paths import default_register_path
    if getattr(args, "no_register", False):
        return None
    return args.register or default_register_path()


class _Terminated(KeyboardInterrupt):
    """SIGTERM outside a job (while the libraries load): stop as Ctrl+C does."""


_pending = {"signal": ""}  # a signal that came while the libraries loaded, in case its exception was lost


def _terminate(signum, frame) -> None:
    # Remembered before it is raised: raised inside a finalizer or a callback (a garbage collection
    # while pandas loads) the exception goes to sys.unraisablehook, the log, and the job would run
    # on as if no signal had come; the job's cancel token takes it up (_signals_cancel).
    _pending["signal"] = _signal_name(signum)
    raise _Terminated if _pending["signal"] == "SIGTERM" else KeyboardInterrupt


def _signal_name(signum: int) -> str:
    """SIGTERM, or SIGINT for Ctrl+C and Ctrl+Break: the cancel's reason."""
    import signal
    return "SIGTERM" if signum == getattr(signal, "SIGTERM", None) else "SIGINT"


def console_never_fails() -> None:
    """stdout and stderr write what their encoding cannot show as an escape (\\u5df2) instead of failing.

    A console or pipe in cp1252 (an English Windows, GitHub's runner) or ascii cannot encode
    Chinese: the summary line would otherwise end the run with a UnicodeEncodeError after its
    outputs were written. The encoding is kept: a cp936 console or pipe shows Chinese as it is
    (and Python writes a real Windows console in UTF-16 anyway). A UTF stream that already
    passes a file name's undecodable bytes through (surrogateescape) is left as it is.
    """
    import codecs
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):  # None (a windowed build), or a caller's own object
            continue
        try:
            utf = codecs.lookup(stream.encoding).name.startswith("utf")
        except (LookupError, TypeError):
            utf = False
        if utf and stream.errors == "surrogateescape":
            continue
        try:
            stream.reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # closed, or a stream that cannot change now: it stays as it was
            continue


def main(argv: list[str] | None = None) -> int:
    """``credit-desk``: see :func:`_guarded_main`. Run as the program, a KeyboardInterrupt that gets
    out of it (a signal in the instant between a cancel and the handlers' reset, seen once in CI
    as exit -2 with the cancel line said) ends in the cancel's exit code, not in Python's own death
    by SIGINT, which a shell reports as a crash; the line is said if it was not."""
    if argv is not None or not sys.argv[1:] or sys.argv[1] == "--smoke-test":  # in process, or the window
        return _guarded_main(argv)
    try:
        return _guarded_main(None)
    except KeyboardInterrupt as exc:
        _ignore_signals(True)
        if not _job_state["cancel_said"]:
            print(CANCELLED_LINE, file=sys.stderr)
        return EXIT_SIGTERM if isinstance(exc, _Terminated) else EXIT_SIGINT


def _guarded_main(argv: list[str] | None) -> int:
    """``credit-desk`` with no arguments opens the window; subcommands run headless.

    Run as the program (``argv`` None), Ctrl+C and SIGTERM stay handled until the process has
    exited: once a job has ended (committed, or cancelled and said so) a late signal is
    ignored, never a traceback or a second message. Called in-process with ``argv``, the
    caller's handlers are put back on return.
    """
    import signal
    import threading

    program = argv is None
    if program:  # in-process callers (tests) keep their own streams
        console_never_fails()
    argv = sys.argv[1:] if argv is None else argv
    _language["code"] = message_language()  # until the arguments are read (--lang)
    _job_state["committed"] = False  # this call's job has not yet passed its commit point
    _job_state["cancel_said"] = False
    _pending["signal"] = ""
    headless = bool(argv) and argv[0] != "--smoke-test"
    handled = headless and threading.current_thread() is threading.main_thread()
    previous = {}
    if handled:
        previous = {sig: signal.getsignal(sig) for sig in _signals()}
        for sig in _signals():  # Ctrl+C as Python's own handler takes it (KeyboardInterrupt), remembered too
            signal.signal(sig, _terminate)
    try:
        return _guarded_job(argv, program, headless, handled)
    finally:  # argparse's exit too: an in-process caller gets its own handlers back
        if handled and not program:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _guarded_job(argv: list[str], program: bool, headless: bool, handled: bool) -> int:
    """The body of ``_guarded_main``, its handlers set."""
    try:  # a signal while the set-up below imports and sweeps is a cancel too, not a traceback
        if headless:
            from desktop import diagnostics
            from desktop.io.safe_write import sweep_leftovers
            from desktop.upgrade import carry_over_old_data
            diagnostics.setup_logging("cli")
            carry_over_old_data()  # an upgrade from a version that kept the data in Roaming AppData
            sweep_leftovers()  # what a killed run left in the temporary folder goes now
            if program:  # in-process callers (tests) keep their own hooks
                diagnostics.install_hooks()
        code = _main(argv)
    except KeyboardInterrupt as exc:  # outside a job (while loading, in history): nothing was written
        _ignore_signals(handled)
        print(CANCELLED_LINE, file=sys.stderr)
        _job_state["cancel_said"] = True
        code = EXIT_SIGTERM if isinstance(exc, _Terminated) else EXIT_SIGINT
    except SystemExit:
        raise  # argparse's usage message and exit code 2
    except BaseException as exc:  # noqa: BLE001  (the last line of defence: no traceback reaches the user)
        _ignore_signals(handled)
        code = _last_resort(exc, committed=_job_state["committed"])
    _ignore_signals(handled)
    return code


_job_state = {"committed": False, "cancel_said": False}  # a job passed its commit point; the cancel was said


def _last_resort(exc: BaseException, committed: bool = False) -> int:
    """Any exception no use case turned into a message: one line for the user, the detail in the log.

    ``committed``: the job had passed its commit point, so its outputs may stand.
    """
    from desktop import diagnostics
    if isinstance(exc, CreditDeskError):
        print(error_line(exc), file=sys.stderr)
        return EXIT_OUTPUT if isinstance(exc, OutputFileError) else EXIT_USAGE if isinstance(exc, UsageError) \
            else EXIT_INPUT
    if isinstance(exc, BrokenPipeError) and committed:  # `| head`, `| more` quit early: the work is done and stands
        import contextlib
        with contextlib.suppress(OSError, ValueError):  # Python's own flush at exit then says nothing either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    diagnostics.log_exception(exc, "command line")
    if isinstance(exc, MemoryError):
        print("credit-desk: " + _say("cli.no_memory") + ("" if committed else _say("cli.nothing_written")),
              file=sys.stderr)
        return EXIT_INPUT
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        print("credit-desk: " + _say("cli.disk_full", where=f" ({exc.filename})" if exc.filename else "")
              + ("" if committed else _say("cli.nothing_replaced")), file=sys.stderr)
        return EXIT_OUTPUT
    log = diagnostics.log_file()
    line = _say("cli.internal_error", kind=type(exc).__name__,
                done=_say("cli.after_commit" if committed else "cli.nothing_written"),
                where=_say("cli.log_at", file=log) if log else _say("cli.no_log"))
    hint = _say("cli.hint.log_level")
    print(f"credit-desk: {line}" + (f"（{hint}）" if _language["code"] == "zh" else f" ({hint})"), file=sys.stderr)
    return EXIT_INTERNAL


def _policy_note(policy: Path | None) -> None:
    """A policy file Notepad saved as ANSI (GBK) is read: said once, on stderr."""
    if policy is None:
        return
    from desktop.io.policy_file import ANSI, file_encoding
    if file_encoding(policy) == ANSI:
        print("credit-desk: " + _say("policy.file.read_as_ansi", file=policy), file=sys.stderr)


def _signals() -> list:
    """The signals that cancel a job: Ctrl+C, SIGTERM, and Ctrl+Break in a Windows console."""
    import signal
    return [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(signal, name)]


def _ignore_signals(handled: bool) -> None:
    """From here on nothing is left to cancel: a late Ctrl+C or SIGTERM changes nothing."""
    if handled:
        import signal
        for sig in _signals():
            signal.signal(sig, signal.SIG_IGN)


def _main(argv: list[str]) -> int:
    if not argv or argv[0] == "--smoke-test":
        from desktop.app import main as gui_main
        return gui_main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    _language["code"] = message_language(getattr(args, "lang", None))
    _records["register"] = args.command in ("score", "approvals", None)
    if getattr(args, "log_level", None):
        from desktop.diagnostics import set_level
        set_level(args.log_level)
    _policy_note(getattr(args, "policy", None))
    _policy_note(getattr(args, "policy_b", None))
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "approvals":
        return _approvals(args, parser)
    if args.command == "backtest":
        return _backtest(args, parser)
    if args.command == "compare":
        return _compare(args, parser)
    if args.command in ("history", "verify-register"):
        return _register_command(args)  # without pandas and the readers: it starts at once
    if args.command == "register":
        return _register_admin(args, parser)
    from desktop.io.importer import parse_sheet_spec
    from desktop.session import ScoreRequest, Session

    for opt, path in (("--out", args.out), ("--forms", args.forms), ("--detail", args.detail)):
        if path is not None and path.suffix.lower() != ".xlsx":
            parser.error(_say("cli.usage.not_xlsx", option=opt, file=path))
    if args.out.suffix.lower() != ".xlsx":
        parser.error(_say("cli.usage.not_xlsx", option="--out", file=args.out))
    detail_customers = None
    if args.detail_customers is not None:
        if args.detail is None:
            parser.error(_say("cli.usage.detail_customers_alone"))
        detail_customers = frozenset(x.strip() for x in args.detail_customers.split(",") if x.strip())
        if not detail_customers:
            parser.error(_say("cli.usage.detail_customers_empty"))
    choices = [parse_sheet_spec(v, k) for k, vals in (("customers", args.customers), ("ledger", args.sales),
                                                      ("receipts", args.receipts)) for v in vals]
    args.inputs = _input_files(args.inputs, parser, needed=not choices)
    if not args.inputs and not choices:
        parser.error(_say("cli.usage.no_input"))
    req = ScoreRequest(inputs=args.inputs, choices=choices, policy_path=args.policy,
                       as_of=args.as_of, lang=args.lang or "zh", out=args.out, json_out=args.json,
                       operator=args.operator, forms_out=args.forms,
                       forms_for=frozenset(x.strip() for x in args.forms_for.split(",") if x.strip()),
                       forms_split=args.forms_split, forms_password=args.forms_password,
                       notices_out=args.notices, detail_out=args.detail, detail_customers=detail_customers,
                       password=args.password,
                       register=_register_path(args), protect_password=args.protect_password,
                       open_password=args.open_password, profiles=_profiles_folder(args))
    result, code = _call(lambda cancel: Session().score(req, cancel=cancel))
    if result is None:
        return code
    levels = {}
    for d in result.rating.decisions:
        levels[d.level] = levels.get(d.level, 0) + 1
    counts = ", ".join(f"{lv.level} {levels.get(lv.level, 0)}" for lv in result.policy.levels)
    errors = sum(1 for i in result.issues if i.severity == "error")
    print(_say("cli.rated", count=len(result.rating.decisions), as_of=result.rating.as_of, levels=counts,
               issues=len(result.issues), errors=errors))
    groups = result.rating.groups
    if groups:
        from desktop.core.scoring import GROUP_WARNING
        warned = sum(1 for d in result.rating.decisions if any(h.code == GROUP_WARNING for h in d.caps))
        scaled = sum(1 for d in result.rating.decisions if d.eligible_limit < d.limit_before_rules)
        print(_say("cli.groups", groups=len(groups), members=sum(len(g.members) for g in groups), warned=warned,
                   scaled=scaled))
    for path in result.written:
        print(_say("cli.wrote", file=path))
    return EXIT_OK


def _input_files(given: list[Path], parser: argparse.ArgumentParser, needed: bool) -> list[Path]:
    """The input arguments as files: patterns expanded (cmd.exe and PowerShell pass ``*.xlsx`` as
    typed), Excel's lock files, hidden or system files and dot-files a pattern matched left out with
    a note on stderr each (desktop.input_files). A pattern that matches nothing is a mistake of use
    (exit 2), and so is nothing left to read when ``needed``."""
    from desktop.input_files import expand
    found = expand(given)
    if found.unmatched:
        parser.error(_say("cli.usage.no_match", pattern=", ".join(found.unmatched)))
    for path, code in found.skipped:
        print("credit-desk: " + _say(code, file=path), file=sys.stderr)
    if given and not found.files and needed:
        parser.error(_say("cli.usage.all_skipped"))
    return found.files


def _call(job):
    """Run ``job(cancel)``; a problem the clerk can act on becomes one line on stderr and an exit code.

    Ctrl+C and SIGTERM cancel the job: it stops at its next checkpoint, before its commit, so
    nothing is written or recorded; one line says so, with exit code 130 or 143 (a second
    Ctrl+C stops at once, with the same guarantee: temporary files are removed on the way out).
    """
    import threading

    from desktop.core.cancel import CancelToken
    from desktop.errors import Cancelled

    cancel = CancelToken()
    with _signals_cancel(cancel):
        try:
            result = job(cancel)
            _job_state["committed"] = True
            if cancel.cancelled:  # after the commit point: what was written stands
                print("credit-desk: 取消请求到达时已全部写入 / the cancel came after everything was written; "
                      "the outputs stand", file=sys.stderr)
            return result, EXIT_OK
        except (Cancelled, KeyboardInterrupt) as exc:
            _ignore_signals(threading.current_thread() is threading.main_thread())  # said once, whatever follows
            print(CANCELLED_LINE, file=sys.stderr)
            _job_state["cancel_said"] = True
            terminated = cancel.reason == "SIGTERM" or isinstance(exc, _Terminated)
            return None, EXIT_SIGTERM if terminated else EXIT_SIGINT
        except UsageError as exc:  # two outputs named the same file, say
            print(error_line(exc), file=sys.stderr)
            return None, EXIT_USAGE
        except OutputFileError as exc:
            print(error_line(exc), file=sys.stderr)
            return None, EXIT_OUTPUT
        except CreditDeskError as exc:  # input, policy, nothing to rate
            print(error_line(exc), file=sys.stderr)
            return None, EXIT_INPUT
        except Exception as exc:  # noqa: BLE001  (a bug, a full disk, no memory)
            return None, _last_resort(exc, committed=cancel.committing)


class _signals_cancel:  # noqa: N801  (a context manager, used like a function)
    """SIGINT and SIGTERM set ``cancel`` while a job runs; a second signal interrupts at once."""

    def __init__(self, cancel) -> None:
        self.cancel, self.saved = cancel, {}

    def _handler(self, signum, frame) -> None:
        name = _signal_name(signum)
        if self.cancel.committing:  # past the commit point: the job finishes, and says the signal came late
            self.cancel.cancel(name)
            return
        if self.cancel.cancelled:  # a second signal: stop now (temporary files go on the way out)
            raise _Terminated if name == "SIGTERM" else KeyboardInterrupt
        self.cancel.cancel(name)

    def __enter__(self):
        import signal
        import threading
        if threading.current_thread() is threading.main_thread():
            for sig in _signals():
                self.saved[sig] = signal.signal(sig, self._handler)
        if _pending["signal"]:  # it came while loading and its exception was lost: the job is cancelled
            self.cancel.cancel(_pending["signal"])
            _pending["signal"] = ""
        return self

    def __exit__(self, *exc) -> None:
        import signal
        for sig in self.saved:  # the job has ended: a late signal changes nothing (main restores if asked)
            signal.signal(sig, signal.SIG_IGN)


def _head(text: str) -> tuple[int, str]:
    """--head as the audit sheet prints it: "#N HASH" (N the entry's number, HASH its 64 hex digits;
    the # may be left out, the hash given in capitals)."""
    import re
    found = re.fullmatch(r"\s*#?\s*([0-9]+)\s+([0-9a-fA-F]{64})\s*", text)
    if found is None:
        raise argparse.ArgumentTypeError(f'not a register entry as the audit sheet prints it ("#N" and a 64-digit '
                                         f"hexadecimal hash): {text!r}")
    return int(found[1]), found[2].lower()


def _register_command(args) -> int:
    from desktop.io.register import Head, open_register, shown

    def cell(value, spec: str) -> str:  # an entry changed by hand may hold anything: printed as it is
        try:
            return format(value, spec)
        except (TypeError, ValueError):
            return format("" if value is None else str(value), spec.replace(",", ""))

    path = _register_path(args)
    if (code := _readable_register(path)) is not None:
        return code
    try:
        with open_register(path, readonly=True) as reg:  # never written: works on read-only media too
            if args.command == "history":
                rows = reg.history(args.customer_id)
                if not rows:
                    print(_say("cli.no_ratings", customer=args.customer_id, file=shown(path)))
                for r in rows:
                    approved = "; ".join(f"{a.get('status')} {a.get('approved_term_days')}天 {a.get('approved_limit')}"
                                         for a in r["approvals"])
                    print(f"{r['as_of']}  {r['run_id']}  {cell(r.get('total'), '>3')}  {cell(r.get('level'), '<3')} "
                          f"{r['level_change']:<7} {cell(r.get('term_days'), '>3')}天  "
                          f"{cell(r.get('limit'), '>12,')}  {cell(r.get('route'), '<13')} {approved}".rstrip())
                return EXIT_OK
            head = Head(*args.head) if args.head else None
            problems = reg.verify(head)
            for problem in problems:
                print(problem)
            if args.due:
                for d in reg.reviews_due(args.due.isoformat()):
                    print(_say("cli.review_due", date=d["next_review"], customer=d["customer_id"], name=d["name"],
                               level=d["level"]))
            if problems:
                return EXIT_INPUT
            print(_say("cli.intact", file=shown(path), head=reg.head()))
            return EXIT_OK
    except CreditDeskError as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_INPUT


def _register_admin(args, parser) -> int:
    """``register init URL`` and ``register migrate --from FILE --to URL``: what was done, one line each."""
    from desktop.io import register_pg
    from desktop.io.register import Register, RegisterError, is_url, shown
    url = args.url if args.register_command == "init" else args.target
    if not is_url(url):
        parser.error(_say("error.register.pg_bad_url", file=url))
    try:
        if args.register_command == "init":
            done = register_pg.init(url)
            if done["created"]:
                print(_say("cli.register.init_created", file=shown(url), version=done["version"]))
            elif done["old_version"] != done["version"]:
                print(_say("cli.register.init_migrated", file=shown(url), old=done["old_version"],
                           version=done["version"]))
            else:
                print(_say("cli.register.init_kept", file=shown(url), version=done["version"],
                           entries=done["entries"]))
            if done["roles_created"]:
                print(_say("cli.register.roles_created", roles=", ".join(done["roles_created"])))
            if done["roles_kept"]:
                print(_say("cli.register.roles_kept", roles=", ".join(done["roles_kept"])))
            print(_say("cli.register.grant_hint"))
            return EXIT_OK
        if (code := _readable_register(args.source)) is not None:
            return code
        with Register(args.source, readonly=True) as src:
            problems = src.verify()
            for problem in problems:
                print(problem)
            if problems:
                print(error_line(RegisterError("error.register.source_broken", file=args.source,
                                                           count=len(problems))), file=sys.stderr)
                return EXIT_INPUT
            head, key = src.head(), src.key()
            with register_pg.PgRegister(url) as dst:
                there = dst.count()
                if there and dst.head() == head and dst.verify(head) == [] and dst.key() == key:
                    print(_say("cli.register.already_there", file=shown(url), source=args.source, entries=there,
                               head=head))
                    return EXIT_OK
                copied = dst.copy_in(src.entries(), key, head, str(args.source))
                head_there = dst.head()
        print(_say("cli.register.migrated", source=args.source, entries=copied, file=shown(url), head=head_there,
                   key=_say("cli.register.migrated_key") if key is not None else ""))
        return EXIT_OK
    except OutputFileError as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_OUTPUT
    except CreditDeskError as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_INPUT


def _approvals(args, parser) -> int:
    from desktop.session import ApprovalsRequest, Session

    if args.out is None and args.json is None and args.notices is None:
        parser.error(_say("cli.usage.approvals_no_output"))
    args.filled = _input_files(args.filled, parser, needed=True)
    req = ApprovalsRequest(filled=tuple(args.filled), results=args.results, out=args.out, json_out=args.json,
                           policy_path=args.policy, notices_out=args.notices,
                           register=_register_path(args), password=args.password,
                           protect_password=args.protect_password, open_password=args.open_password,
                           prefer=tuple(args.prefer), lang=args.lang)
    named = {Path(p).resolve() for p in args.filled}
    stray = [str(p) for p in args.prefer if Path(p).resolve() not in named]
    if stray:
        parser.error(_say("cli.usage.prefer_not_read", files=", ".join(stray)))
    result, code = _call(lambda cancel: Session().run(req, cancel=cancel))
    if result is None:
        return code
    finals = result.outcome.finals
    counts = {}
    for f in finals:
        counts[f.status] = counts.get(f.status, 0) + 1
    errors = sum(p["severity"] == "error" for p in result.problems)
    warnings = sum(p["severity"] == "warning" for p in result.problems)
    conflicts = counts.get("conflict", 0)
    from desktop.io.writers.labels import Labels
    lab = Labels(_language["code"])
    decided = ("，" if lab.lang == "zh" else ", ").join(
        f"{lab('status.' + k)} {v}" for k, v in sorted(counts.items())) or _say("cli.no_decision")
    print(_say("cli.read_forms", forms=result.forms_read, run=result.run_id or _say("cli.no_run"), decided=decided,
               errors=errors, warnings=warnings)
          + (_say("cli.results_only") if result.source == "results" else ""))
    if conflicts:
        print(_say("cli.conflicts", count=conflicts))
    for path in result.written:
        print(_say("cli.wrote", file=path))
    if not result.forms_read:  # no form found in the files is the input's fault: each file's problem, and no workbook
        print("credit-desk: " + result.nothing_read.get(_language["code"], ""), file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


# ---------------------------------------------------------------- backtest and compare

def _report_outputs(args, parser: argparse.ArgumentParser, command: str) -> None:
    """``--out`` (a workbook) or ``--json``, at least one: a script may want the figures alone."""
    if args.out is None and args.json is None:
        parser.error(_say("cli.usage.report_no_output", command=command))
    if args.out is not None and args.out.suffix.lower() != ".xlsx":
        parser.error(_say("cli.usage.not_xlsx", option="--out", file=args.out))


def _given_inputs(args) -> bool:
    return bool(args.inputs or args.customers or args.sales or args.receipts)


def _reading(args, parser: argparse.ArgumentParser, as_of: date | None):
    """What ``backtest`` and ``compare`` read: the files as ``score`` reads them (each sheet classified
    by its headers, or of the kind --customers, --sales, --receipts give it), as of ``as_of``."""
    from desktop.io.importer import parse_sheet_spec
    from desktop.session import ImportRequest
    choices = [parse_sheet_spec(v, k) for k, vals in (("customers", args.customers), ("ledger", args.sales),
                                                      ("receipts", args.receipts)) for v in vals]
    files = _input_files(args.inputs, parser, needed=not choices)
    if not files and not choices:
        parser.error(_say("cli.usage.no_input"))
    return ImportRequest(tuple(files), tuple(choices), as_of or date.today(), _profiles_folder(args),
                         {"*": args.password} if args.password else {}, strict=True)


def _rerate_dates(given: str, evaluation: date, parser: argparse.ArgumentParser) -> tuple[date, ...]:
    """--rerate-at as typed: dates separated by commas, each once, each before the evaluation date."""
    from desktop.core.models import FIRST_DAY, LAST_DAY
    days: list[date] = []
    for n, item in enumerate(given.split(","), 1):
        item = item.strip()
        if not item:
            parser.error(_say("cli.usage.rerate_empty", value=given, position=n))
        try:
            day = date.fromisoformat(item)
        except ValueError:
            parser.error(_say("cli.usage.rerate_not_a_date", value=item))
        if not FIRST_DAY <= day <= LAST_DAY:
            parser.error(_say("cli.usage.rerate_range", day=item, first=FIRST_DAY.isoformat(),
                              last=LAST_DAY.isoformat()))
        if day in days:
            parser.error(_say("cli.usage.rerate_twice", day=day.isoformat()))
        if day >= evaluation:
            parser.error("--rerate-at: " + _say("error.backtest.rerate_after", day=day.isoformat(),
                                                evaluation=evaluation.isoformat()))
        days.append(day)
    return tuple(days)


def _check_rule_options(args, parser: argparse.ArgumentParser) -> None:
    """The outcome rule's overrides within the ranges the policy file allows for them."""
    import math

    from desktop.core.policy import HORIZON_MONTHS, LATE_DAYS, TOLERANCE
    for option, value, allowed in (("--horizon-months", args.horizon_months, HORIZON_MONTHS),
                                   ("--late-days", args.late_days, LATE_DAYS),
                                   ("--tolerance", args.tolerance, TOLERANCE)):
        if value is None:
            continue
        problem = allowed.problem(value) if math.isfinite(value) else allowed.allowed()
        if problem is not None:  # the policy file's own words: its range (1,000,000,000) and decimals
            parser.error(_say("cli.usage.rule_option", option=option, value=f"{value:g}",
                              allowed=problem.text(_language["code"])))


def _readable_register(path: Path | str) -> int | None:
    """The exit code when there is no register at ``path`` to read (said on stderr), else None.
    The reading commands never create one: a path that names none is said, not made (a URL's
    server says itself, when it is opened, whether it holds a register)."""
    from desktop.io.register import is_url, refuse_network
    if is_url(path):
        return None
    try:
        refuse_network(path, writing=False)  # before even asking the share whether it is there
    except CreditDeskError as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_INPUT
    if not path.exists():
        print("credit-desk: " + _say("error.register.none_yet", file=path), file=sys.stderr)
        return EXIT_INPUT
    return None


def _backtest(args, parser: argparse.ArgumentParser) -> int:
    from desktop.session import BacktestRequest, Session

    _report_outputs(args, parser, "backtest")
    if args.register is None and args.rerate_at is None:
        parser.error(_say("cli.usage.backtest_source"))
    if args.register is not None and args.rerate_at is not None:
        parser.error(_say("cli.usage.backtest_two_sources"))
    rerate = _rerate_dates(args.rerate_at, args.as_of, parser) if args.rerate_at is not None else ()
    _check_rule_options(args, parser)
    reading = _reading(args, parser, args.as_of)
    if args.register is not None and (code := _readable_register(args.register)) is not None:
        return code
    req = BacktestRequest(args.as_of, reading, register=args.register, rerate_at=rerate, policy_path=args.policy,
                          horizon_months=args.horizon_months, late_days=args.late_days, tolerance=args.tolerance,
                          out=args.out, json_out=args.json, lang=args.lang or "zh", operator=args.operator,
                          protect_password=args.protect_password, open_password=args.open_password)
    result, code = _call(lambda cancel: Session().run(req, cancel=cancel))
    if result is None:
        return code
    for line in backtest_lines(result.report, args.register):
        print(line)
    for path in result.written:
        print(_say("cli.wrote", file=path))
    return EXIT_OK


def _share(x: float | None) -> str:
    return _say("cli.none") if x is None else f"{x * 100:.1f}%"


def _ratio(x: float | None) -> str:
    return _say("cli.none") if x is None else f"{x:.3f}"


def _yuan(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def backtest_lines(rep, register: Path | str | None = None) -> list[str]:
    """A back-test's report in a few lines of the messages' language: cases per level with the bad
    rate and its 95% interval, whether the bad rate rises level by level, AUC and KS, the level
    mix's PSI, and the cases not counted (the figures are the JSON's, rounded)."""
    counted = [r for r in rep.runs if r.observable]
    from desktop.io.register import shown
    source = (_say("cli.backtest.from_register", file=shown(register)) if rep.source == "register" else
              _say("cli.backtest.from_rerate", dates=("、" if _language["code"] == "zh" else ", ").join(
                  r.as_of.isoformat() for r in rep.runs)))
    rule = rep.rule
    lines = [_say("cli.backtest.summary", evaluation=rep.evaluation_date.isoformat(), source=source,
                  cases=sum(lv.cases for lv in rep.levels), runs=len(counted), horizon=rule.horizon_months,
                  late=rule.late_days, tolerance=_yuan(rule.tolerance_fen / 100))]
    width = max((len(lv.level) for lv in rep.levels), default=1)
    for lv in rep.levels:
        interval = (_say("cli.none") if lv.ci_low is None else
                    _say("cli.backtest.interval", low=_share(lv.ci_low), high=_share(lv.ci_high)))
        lines.append(_say("cli.backtest.level", level=lv.level.ljust(width), cases=lv.cases, bad=lv.bad,
                          rate=_share(lv.bad_rate), interval=interval))
    with_cases = [lv.level for lv in rep.levels if lv.cases]
    ends = {"best": with_cases[0], "worst": with_cases[-1]} if with_cases else {}
    lines.append(_say("cli.backtest.monotonic_unknown") if rep.monotonic is None else
                 _say("cli.backtest.monotonic" if rep.monotonic else "cli.backtest.not_monotonic", **ends))
    lines.append(_say("cli.backtest.discrimination", auc=_ratio(rep.auc), ks=_ratio(rep.ks)))
    if rep.psi is None:
        lines.append(_say("cli.backtest.psi_none"))
    else:
        lines.append(_say("cli.backtest.psi", first=rep.psi_runs[0], last=rep.psi_runs[1], psi=_ratio(rep.psi),
                          reading=_say(f"cli.backtest.psi.{rep.psi_reading}")))
    lines.append(_say("cli.backtest.not_observable", count=rep.not_observable, horizon=rule.horizon_months,
                      evaluation=rep.evaluation_date.isoformat()))
    superseded = sum(1 for r in rep.runs if r.superseded_by)
    if superseded:
        lines.append(_say("cli.backtest.superseded", count=superseded))
    if rep.source == "rerate":
        lines.append(_say("cli.backtest.not_trading", count=rep.not_trading))
    if rep.not_on_sheet:
        lines.append(_say("cli.backtest.not_on_sheet", count=rep.not_on_sheet))
    if "customer_facts_today" in rep.notes:
        lines.append(_say("cli.backtest.facts_today"))
    if "ledger_ends_before_evaluation" in rep.notes:
        lines.append(_say("cli.backtest.ledger_ends", last=rep.data_end.isoformat(),
                          evaluation=rep.evaluation_date.isoformat()))
    return lines


def _compare(args, parser: argparse.ArgumentParser) -> int:
    from desktop.session import CompareRequest, Session

    _report_outputs(args, parser, "compare")
    common = {"out": args.out, "json_out": args.json, "lang": args.lang or "zh", "operator": args.operator,
              "protect_password": args.protect_password, "open_password": args.open_password}
    if args.run is not None or args.run_b is not None:
        if not (args.run or "").strip() or not (args.run_b or "").strip():
            parser.error(_say("cli.usage.run_pair"))
        if _given_inputs(args) or args.policy_b is not None or args.as_of is not None:
            parser.error(_say("cli.usage.compare_two_ways"))
        register = _register_path(args)
        if (code := _readable_register(register)) is not None:
            return code
        req = CompareRequest(None, args.policy, None, args.run.strip(), args.run_b.strip(), register, **common)
    else:
        if args.register is not None:
            parser.error(_say("cli.usage.register_without_runs"))
        if args.policy_b is None:
            parser.error(_say("cli.usage.policy_b_missing" if _given_inputs(args) else "cli.usage.compare_nothing"))
        if not _given_inputs(args):
            parser.error(_say("cli.usage.policy_b_no_input"))
        req = CompareRequest(_reading(args, parser, args.as_of), args.policy, args.policy_b, **common)
    result, code = _call(lambda cancel: Session().run(req, cancel=cancel))
    if result is None:
        return code
    for line in compare_lines(result.comparison):
        print(line)
    for path in result.written:
        print(_say("cli.wrote", file=path))
    return EXIT_OK


def compare_lines(c) -> list[str]:
    """A comparison in a few lines: who was compared, the level migration matrix (rows A, columns
    B), the changed counts, the total eligible limit and the approvals, A then B."""
    lines = [_say("cli.compare.summary", a=c.a.label, a_as_of=c.a.as_of or _say("cli.none"), b=c.b.label,
                  b_as_of=c.b.as_of or _say("cli.none"), both=c.both, only_a=len(c.only_a), only_b=len(c.only_b)),
             _say("cli.compare.matrix")]
    width = max([3, *(len(lv) for lv in c.levels), *(len(str(n)) for row in c.matrix.values() for n in row.values())])
    lines.append("  " + "A\\B".ljust(width) + "".join(f" {lv:>{width}}" for lv in c.levels))
    for la in c.levels:
        lines.append("  " + la.ljust(width) + "".join(f" {c.matrix[la][lb]:>{width}}" for lb in c.levels))
    lines.append(_say("cli.compare.changed", **{k: c.changed.get(k, 0) for k in ("level", "term", "limit", "route")}))
    a, b = c.total_limit
    lines.append(_say("cli.compare.total_limit", a=f"{a:,}", b=f"{b:,}", change=f"{b - a:+,}"))
    (ma, mb) = c.approvals
    lines.append(_say("cli.compare.approvals", manager_a=ma.get("sales_manager", 0), manager_b=mb.get("sales_manager", 0),
                      cfo_a=ma.get("cfo", 0), cfo_b=mb.get("cfo", 0)))
    return lines


def console_main(argv: list[str] | None = None) -> int:
    """The console program of the frozen app (``credit-desk.exe`` beside the window's ``CreditDesk.exe``):
    the command line only. With no arguments it prints the usage and exits 2, as a command with no
    subcommand does (a clerk typing ``credit-desk`` in cmd.exe learns the commands; the window is
    CreditDesk.exe's)."""
    given = sys.argv[1:] if argv is None else argv
    if not given:
        build_parser().print_help()
        if started_from_explorer():  # a double click: the console window would close before it is read
            print("\n" + text("cli.double_clicked", "zh") + "\n" + text("cli.double_clicked", "en"))
            try:
                input()
            except (EOFError, KeyboardInterrupt):
                pass
        return EXIT_USAGE
    return main(argv)


def started_from_explorer(kernel32=None) -> bool:
    """Whether this console program owns its console alone (Windows made one for it: a double click in
    Explorer, not cmd.exe or PowerShell, which share theirs). ``kernel32``: a fake, in tests."""
    if kernel32 is None:
        if sys.platform != "win32":
            return False
        import ctypes
        kernel32 = ctypes.windll.kernel32
    try:
        import ctypes
        pids = (ctypes.c_ulong * 4)()
        return kernel32.GetConsoleProcessList(pids, 4) == 1
    except Exception:  # noqa: BLE001  (best effort: without it the usage is printed as in a console)
        return False


if __name__ == "__main__":
    sys.exit(main())
