"""Build a rating register with a few monthly runs of the bundled samples, to back-test.

The samples (templates/samples, as of 2026-06-30) and what followed them (templates/samples-history,
up to 2026-11-30) are rated as of each month-end from 2025-12-31 to 2026-06-30, and each run is
recorded in the register OUT the way ``credit-desk score --register OUT`` records it (the same
session use case; no workbook is written). A rating as of a month-end reads only the invoices and
payments dated up to it, so the history changes none of these ratings; the customer sheet is the
samples' one (June's facts) in every run, where a clerk's own monthly runs would each have used
that month's sheet. Then:

    credit-desk backtest templates/samples/* templates/samples-history/* --as-of 2026-11-30 --register OUT ...

    python scripts/make_history_register.py OUT.sqlite [--replace] [--policy FILE] [--operator NAME]

An existing OUT is refused (exit 2) unless ``--replace`` is given: a register is a hash chain that
only grows, and these runs are not meant to land in someone's real one.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import pandas as pd

MONTH_ENDS = tuple(d.date() for d in pd.date_range("2025-12-31", "2026-06-30", freq="ME"))


def sample_inputs() -> list[Path]:
    """The samples' files, then the history's, each folder sorted (as a shell expands ``*``)."""
    from desktop.paths import samples_dir, samples_history_dir
    return [p for folder in (samples_dir(), samples_history_dir()) for p in sorted(folder.iterdir()) if p.is_file()]


def build(out: Path, dates: tuple[date, ...] = MONTH_ENDS, inputs: list[Path] | None = None,
          policy: Path | None = None, operator: str | None = None) -> list:
    """Rate ``inputs`` (default: the samples and their history) as of each of ``dates`` and record
    every run in the register ``out``; the runs' results (``desktop.session.RateDone``), in order."""
    from desktop.session import ScoreRequest, Session

    files = inputs if inputs is not None else sample_inputs()
    session = Session()
    return [session.score(ScoreRequest(inputs=list(files), policy_path=policy, as_of=d, register=out,
                                       operator=operator)) for d in dates]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, metavar="OUT.sqlite", help="the register to create")
    ap.add_argument("--replace", action="store_true", help="delete OUT first when it exists")
    ap.add_argument("--policy", type=Path, help="policy file (default: the shipped default policy)")
    ap.add_argument("--operator", help="name recorded as operator (default: the login name)")
    a = ap.parse_args(argv)
    out: Path = a.out
    if out.is_dir():
        ap.error(f"{out} is a folder, not a register file")
    if out.exists() and not a.replace:
        print(f"make_history_register: {out} exists; give --replace to delete it and build it again",
              file=sys.stderr)
        return 2
    if a.replace:  # the register and what SQLite may have left beside it
        for path in (out, *(out.with_name(out.name + tail) for tail in ("-wal", "-shm", "-journal"))):
            path.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    for done in build(out, policy=a.policy, operator=a.operator):
        levels = ", ".join(f"{lv.level} {done.counts['totals'].by_level.get(lv.level, 0)}" for lv in done.policy.levels)
        print(f"{done.rating.as_of}: run {done.run.run_id}, {len(done.rating.decisions)} customers ({levels}), "
              f"register {done.run.register_head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
