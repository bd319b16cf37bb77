"""Command line: ``credit-desk score ...`` (headless use of the same services as the window)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from desktop import __version__
from desktop.errors import CreditDeskError, OutputFileError

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_OUTPUT = 0, 2, 3, 4


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="credit-desk", description="Customer credit rating, terms and approvals.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
    s.add_argument("--lang", choices=("zh", "en"), default="zh", help="workbook language (default zh)")
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

    a = sub.add_parser("approvals", help="read filled approval workbooks back and write the decisions",
                       description="Check each decision in filled approval workbooks and list the final terms.")
    a.add_argument("filled", nargs="+", type=Path, metavar="FILLED.xlsx", help="filled approval workbooks")
    a.add_argument("--results", type=Path, required=True, metavar="RESULTS.xlsx",
                   help="the results workbook of the run the forms came from")
    a.add_argument("--out", type=Path, metavar="DECISIONS.xlsx", help="decisions workbook to write")
    a.add_argument("--json", type=Path, metavar="DECISIONS.json", help="also write the decisions as JSON")
    a.add_argument("--policy", type=Path, help="the policy file of that run (default: the shipped policy)")
    a.add_argument("--notices", type=Path, metavar="NOTICES.xlsx",
                   help="also write customer notices (terms only) for the approved customers")
    return p


def main(argv: list[str] | None = None) -> int:
    """``credit-desk`` with no arguments opens the window; subcommands run headless."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] == "--smoke-test":
        from desktop.app import main as gui_main
        return gui_main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from desktop import services
    from desktop.io.importer import parse_sheet_spec

    if args.command == "approvals":
        return _approvals(args, parser)
    for opt, path in (("--out", args.out), ("--forms", args.forms)):
        if path is not None and path.suffix.lower() != ".xlsx":
            parser.error(f"{opt} must name an .xlsx file, got {path}")
    if args.out.suffix.lower() != ".xlsx":
        parser.error(f"--out must name an .xlsx file, got {args.out}")
    choices = [parse_sheet_spec(v, k) for k, vals in (("customers", args.customers), ("ledger", args.sales),
                                                      ("receipts", args.receipts)) for v in vals]
    if not args.inputs and not choices:
        parser.error("give at least one INPUT file or --customers")
    req = services.ScoreRequest(inputs=args.inputs, choices=choices, policy_path=args.policy,
                                as_of=args.as_of, lang=args.lang, out=args.out, json_out=args.json,
                                operator=args.operator, forms_out=args.forms,
                                forms_for=frozenset(x.strip() for x in args.forms_for.split(",") if x.strip()),
                                forms_split=args.forms_split, forms_password=args.forms_password,
                                notices_out=args.notices, password=args.password)
    result, code = _call(services.score, req)
    if result is None:
        return code
    levels = {}
    for d in result.rating.decisions:
        levels[d.level] = levels.get(d.level, 0) + 1
    counts = ", ".join(f"{lv.level} {levels.get(lv.level, 0)}" for lv in result.policy.levels)
    errors = sum(1 for i in result.issues if i.severity == "error")
    print(f"Rated {len(result.rating.decisions)} customers as of {result.rating.as_of} ({counts}); "
          f"{len(result.issues)} row issues ({errors} rows not used).")
    for path in result.written:
        print(f"Wrote {path}")
    return EXIT_OK


def _call(use_case, req):
    """Run a use case; a problem the clerk can act on becomes one line on stderr and an exit code."""
    try:
        return use_case(req), EXIT_OK
    except OutputFileError as exc:
        print(f"credit-desk: {exc}", file=sys.stderr)
        return None, EXIT_OUTPUT
    except CreditDeskError as exc:  # input, policy, nothing to rate
        print(f"credit-desk: {exc}", file=sys.stderr)
        return None, EXIT_INPUT


def _approvals(args, parser) -> int:
    from desktop import services

    if args.out is None and args.json is None and args.notices is None:
        parser.error("approvals: give --out DECISIONS.xlsx, --json DECISIONS.json or --notices NOTICES.xlsx")
    req = services.ApprovalsRequest(filled=args.filled, results=args.results, out=args.out, json_out=args.json,
                                    policy_path=args.policy, notices_out=args.notices)
    result, code = _call(services.read_approvals, req)
    if result is None:
        return code
    finals = result.outcome.finals
    counts = {}
    for f in finals:
        counts[f.status] = counts.get(f.status, 0) + 1
    errors = sum(p.severity == "error" for p in result.outcome.problems) + len(result.unreadable)
    print(f"Read {len(result.outcome.records)} forms of run {result.run_id}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f"; {errors} problems.")
    for path in result.written:
        print(f"Wrote {path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
