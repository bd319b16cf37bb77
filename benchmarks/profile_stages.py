"""Where ``credit-desk score`` spends its time, stage by stage.

    python benchmarks/profile_stages.py [--data DIR] [--size full|small|CxR] [--csv ROWS] [--json FILE] [--cprofile N]

Runs the score of the benchmark's generated workbooks (full: 100,000 customers and 1,000,000
ledger rows; small: a tenth of that) in this process, through the command line's own entry
point, with a timer around each stage's function (wall time, its own part: a stage's time leaves
out the stages inside it):

    read        the reader (``read_file``: the zip check, calamine, the error-cell scan), both
                files side by side (the time the two overlap is counted once)
    parse       classifying the sheets, parsing each column, building the customers and ledger rows
    metrics     ledger lines, FIFO receipts, per-customer aggregates (``compute_metrics``)
    score       the scorecard, overrides, terms and limits of each customer (``decide``)
    link        finding the groups of related customers and their rules
    register    the register's entries prepared and written
    write …     each sheet of the results workbook, then pack (xlsxwriter zipping the parts)

and prints the table with each stage's share of the whole run, and the most memory the process
held while each stage ran (sampled every 20 ms; Linux only). ``--cprofile N`` runs it under
cProfile instead and adds the N functions with the most time of their own (the profiler's own
cost inflates Python-heavy stages, so the stage figures come from a run without it).

Not named profile.py: that is a module of the standard library, which cProfile imports; with
this folder on the path (the benchmark's tests put it there) cProfile would import this file.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (stage, module, function): each wrapped wherever the module's namespace or another holds it
STAGES = (
    ("read", "desktop.io.workbook", "read_file"),
    ("parse", "desktop.io.importer", "import_files"),
    ("metrics", "desktop.core.metrics", "compute_metrics"),
    ("score", "desktop.core.rating", "rate"),
    ("link", "desktop.core.groups", "find_groups"),
    ("link", "desktop.core.rating", "apply_group_rules"),
    ("register", "desktop.services", "register_rows"),
    ("register", "desktop.io.register", "prepare_after"),
    ("register", "desktop.io.register", "_Chain.prepare"),
    ("register", "desktop.io.register", "_Chain.commit"),
    ("write audit", "desktop.io.writers.results", "_write_audit"),
    ("write results", "desktop.io.writers.results_sheet", "write_results_sheet"),
    ("write groups", "desktop.io.writers.results_sheet", "write_group_sheet"),
    ("write aging", "desktop.io.writers.results", "_write_aging"),
    ("write exceptions", "desktop.io.writers.results", "_write_exceptions"),
    ("write summary", "desktop.io.writers.results", "_write_summary"),
    ("write facts", "desktop.io.writers.results", "_write_facts"),
    ("pack", "xlsxwriter.workbook", "Workbook.close"),
    ("write", "desktop.io.writers.results", "write_results"),
)


class Timers:
    """Intervals of each stage; nested stages' time is taken out of the stage around them."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, float, float, int]] = []  # (stage, start, end, depth)
        self.local = threading.local()

    def wrap(self, stage: str, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            depth = getattr(self.local, "depth", 0)
            self.local.depth = depth + 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spans.append((stage, start, time.perf_counter(), depth))
                self.local.depth = depth
        return timed

    def peaks(self, samples: list[tuple[float, float]]) -> dict[str, float]:
        """The highest resident memory (MB) sampled while each stage ran (its own time or not)."""
        out: dict[str, float] = {}
        for stage, start, end, _ in self.spans:
            inside = [mb for t, mb in samples if start <= t <= end]
            if inside:
                out[stage] = max(out.get(stage, 0.0), max(inside))
        return out

    def table(self) -> dict[str, float]:
        """Each stage's own wall time: its intervals' union, less the union of what ran inside them."""
        def union(spans) -> float:
            total, end = 0.0, float("-inf")
            for s, e in sorted(spans):
                if e > end:
                    total += e - max(s, end)
                    end = e
            return total

        own: dict[str, float] = {}
        for stage in dict.fromkeys(s for s, *_ in self.spans):
            mine = [(s, e) for st, s, e, _ in self.spans if st == stage]
            inner = [(s, e) for st, s, e, _ in self.spans if st != stage
                     and any(a <= s and e <= b for a, b in mine)]
            own[stage] = union(mine) - union(inner)
        return own


def install(timers: Timers) -> None:
    import importlib

    for stage, module, name in STAGES:
        mod = importlib.import_module(module)
        owner_name, _, attr = name.rpartition(".")
        owner = getattr(mod, owner_name) if owner_name else mod
        original = getattr(owner, attr)
        wrapped = timers.wrap(stage, original)
        setattr(owner, attr, wrapped)
        if not owner_name:  # also where another module imported it by name
            for other in list(sys.modules.values()):
                if other is not mod and getattr(other, "__name__", "").startswith("desktop") \
                        and getattr(other, attr, None) is original:
                    setattr(other, attr, wrapped)


def _sample_memory(samples: list[tuple[float, float]], done: threading.Event) -> None:
    """This process's resident memory every 20 ms (Linux: /proc/self/statm), until ``done``."""
    import os
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        with open("/proc/self/statm", "rb") as statm:
            while not done.is_set():
                statm.seek(0)
                samples.append((time.perf_counter(), int(statm.read().split()[1]) * page / 2**20))
                done.wait(0.02)
    except (OSError, ValueError, AttributeError):  # not Linux: no figures by stage
        return


def run(data: Path, size: str, out: Path, cprofile: int = 0, csv_rows: int = 0) -> dict:
    sys.path.insert(0, str(HERE))  # the benchmark's data generator and sizes
    from data import ledger_csv, make
    from run import AS_OF, SIZES

    n_cust, n_rows = SIZES[size] if size in SIZES else (int(n) for n in size.split("x"))
    customers, ledger = make(data, n_cust, n_rows)
    if csv_rows:  # the same customers, and a GBK CSV ledger of that many rows instead
        ledger, n_rows = ledger_csv(data, n_cust, csv_rows), csv_rows
    import desktop.cli
    import desktop.io.importer  # noqa: F401  (imported before the wrappers go in)
    import desktop.io.writers.results  # noqa: F401
    import desktop.services  # noqa: F401

    timers = Timers()
    argv = ["score", str(customers), str(ledger), "--as-of", AS_OF, "--out", str(out / "results.xlsx"),
            "--register", str(out / "register.sqlite")]
    profiler = None
    if cprofile:
        import cProfile
        profiler = cProfile.Profile()
    else:
        install(timers)
    samples: list[tuple[float, float]] = []
    done = threading.Event()
    sampler = threading.Thread(target=_sample_memory, args=(samples, done), daemon=True)
    sampler.start()
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    code = desktop.cli.main(argv)
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"credit-desk score failed ({code})")
    result = {"size": size, "customers": n_cust, "ledger_rows": n_rows, "wall_s": wall,
              "stages": timers.table(), "peak_mb": timers.peaks(samples),
              "run_peak_mb": max((mb for _, mb in samples), default=0.0)}
    if profiler:
        import io
        import pstats
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(cprofile)
        result["cprofile"] = text.getvalue()
    return result


def show(result: dict) -> None:
    wall, stages = result["wall_s"], result["stages"]
    print(f"credit-desk score, {result['customers']:,} customers and {result['ledger_rows']:,} ledger rows: "
          f"{wall:.2f} s")
    peaks = result.get("peak_mb", {})
    for stage, secs in stages.items():
        peak = f"   memory up to {peaks[stage]:,.0f} MB" if stage in peaks else ""
        print(f"  {stage:<18} {secs:7.2f} s  {100 * secs / wall:5.1f} %{peak}")
    rest = wall - sum(stages.values())
    print(f"  {'(the rest)':<18} {rest:7.2f} s  {100 * rest / wall:5.1f} %   start-up, policy, checks, "
          f"moving the files into place")
    if result.get("run_peak_mb"):
        print(f"  peak resident memory {result['run_peak_mb']:,.0f} MB (sampled every 20 ms)")
    if "cprofile" in result:
        print(result["cprofile"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--size", default="full", help="full, small, or CUSTOMERSxROWS (200x2000)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--cprofile", type=int, default=0, metavar="N",
                    help="run under cProfile and list the N functions with the most time of their own")
    ap.add_argument("--csv", type=int, default=0, metavar="ROWS",
                    help="the ledger as a GBK CSV file of ROWS rows (benchmarks/data.py --csv), with the size's customers")
    a = ap.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="credit-desk-profile-") as tmp:
        result = run(a.data, a.size, Path(tmp), a.cprofile, a.csv)
    show(result)
    if a.json:
        a.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
