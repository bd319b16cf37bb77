"""The back-test of the bundled samples, as README "回测与对比 / Back-testing and comparing" tells it:
scripts/make_history_register.py records the samples rated as of the month-ends 2025-12-31 ..
2026-06-30 in a register of its own; back-tested with their history (templates/samples-history) as
of 2026-11-30, the runs of December to May are observable and June's is not yet, and the bad rate
rises from AA to C. The history changes nothing the samples alone give, and the stricter example
policy differs from the default only where its comment says."""

from __future__ import annotations

import glob
import json
import os
import shlex
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core.rating import rate
from desktop.io.importer import import_files
from desktop.io.policy_file import load_policy
from desktop.io.register import Register
from desktop.paths import samples_dir, samples_history_dir, templates_dir
from desktop.session import BacktestRequest, CompareRequest, ImportRequest, Session

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_history_register.py"
MONTH_ENDS = ["2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"]
E = date(2026, 11, 30)
SAMPLES = sorted(samples_dir().iterdir())
HISTORY = sorted(samples_history_dir().iterdir())
STRICT = templates_dir() / "policy" / "示例-收紧.toml"


def run_script(out: Path, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
           "CREDIT_DESK_LOG_DIR": str(home / "logs"), "CREDIT_DESK_REGISTER": str(home / "not-this.sqlite"),
           "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, str(SCRIPT), str(out), *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("history-register")
    out = folder / "回测登记簿.sqlite"
    proc = run_script(out, home=folder / "home")
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout, folder


@pytest.fixture(scope="module")
def backtested(built):
    out, _, _ = built
    files = tuple(SAMPLES + HISTORY)
    return Session().run(BacktestRequest(E, ImportRequest(files, (), E), register=out)).report


def runs_of(register: Path) -> list[dict]:
    with Register(register, readonly=True) as reg:
        return list(reversed(reg.runs()))  # oldest first


def test_the_script_records_one_run_a_month_end_and_the_chain_verifies(built):
    out, stdout, folder = built
    runs = runs_of(out)
    assert [r["as_of"] for r in runs] == MONTH_ENDS
    with Register(out, readonly=True) as reg:
        assert [len(reg.run_record(r["run_id"])[1]) for r in runs] == [42] * 7  # every customer rated, each run
    assert len(stdout.splitlines()) == 7 and all(r["run_id"] in stdout for r in runs)
    assert not (folder / "home" / "not-this.sqlite").exists()  # recorded in OUT, not in the user's register
    assert not list(folder.glob("*.xlsx"))  # no workbook written
    proc = subprocess.run([sys.executable, "-m", "desktop", "verify-register", "--register", str(out)],
                          capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120,
                          env={**os.environ, "CREDIT_DESK_LOG_DIR": str(folder / "logs")})
    assert proc.returncode == 0 and "intact" in proc.stdout, proc.stdout + proc.stderr


def test_an_existing_register_is_refused_unless_replace_is_given(tmp_path):
    out = tmp_path / "r.sqlite"
    out.write_bytes(b"someone's register")
    proc = run_script(out, home=tmp_path / "home")
    assert proc.returncode == 2 and "--replace" in proc.stderr
    assert out.read_bytes() == b"someone's register"  # untouched
    proc = run_script(out, "--replace", home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    assert [r["as_of"] for r in runs_of(out)] == MONTH_ENDS  # built anew: seven runs, not appended to


def test_the_back_test_observes_december_to_may_and_not_june_yet(backtested):
    r = backtested
    assert r.source == "register" and r.evaluation_date == E and r.notes == ()
    assert [(x.as_of.isoformat(), x.cases, x.observable) for x in r.runs] == \
        [(d, 42, d != "2026-06-30") for d in MONTH_ENDS]  # June + 6 months = 2026-12-31, after E
    assert r.not_observable == 42
    assert sum(lv.cases for lv in r.levels) == 6 * 42


def test_the_bad_rate_rises_from_aa_to_c_as_the_readme_says(backtested):
    r = backtested
    assert [(lv.level, lv.cases, lv.bad) for lv in r.levels] == \
        [("AAA", 0, 0), ("AA", 12, 0), ("A", 21, 3), ("B", 76, 30), ("C", 143, 92)]
    rates = [lv.bad_rate for lv in r.levels if lv.cases]
    assert rates == sorted(rates) and rates[0] < rates[-1] and r.monotonic is True
    assert round(r.auc, 2) == 0.70 and round(r.ks, 2) == 0.38
    assert r.psi_reading == "stable" and round(r.psi, 2) == 0.04
    timeliness = next(x for x in r.rules if x.key == "FORCE_C_TIMELINESS")
    assert (timeliness.cases, timeliness.bad) == (46, 46)  # everyone forced to C for paying late paid late again


def test_re_rating_says_the_customer_facts_are_todays(built):
    files = tuple(SAMPLES + HISTORY)
    dates = tuple(date.fromisoformat(d) for d in MONTH_ENDS[:-1])
    r = Session().run(BacktestRequest(E, ImportRequest(files, (), E), rerate_at=dates)).report
    assert r.source == "rerate" and r.notes == ("customer_facts_today",)
    assert [(x.as_of, x.observable) for x in r.runs] == [(d, True) for d in dates]
    assert r.not_trading == 9  # customers who had not traded yet at a date are no case of it
    assert r.monotonic is True


def test_the_history_changes_nothing_the_samples_give(tmp_path):
    # the README's score command reads templates/samples/*: the history is beside it, not in it
    assert [p.name for p in SAMPLES] == ["回款明细.csv", "客户信用资料 2026.xlsx", "销售明细 2024-2026.xlsx"]
    policy = load_policy()
    alone = import_files(SAMPLES, as_of=date(2026, 6, 30))
    both = import_files(SAMPLES + HISTORY, as_of=date(2026, 6, 30))
    a, _ = rate(alone.customers, alone.ledger, alone.receipts, policy, date(2026, 6, 30))
    b, _ = rate(both.customers, both.ledger, both.receipts, policy, date(2026, 6, 30))
    key = [(d.customer_id, d.total, d.level, d.recommended_term_days, d.eligible_limit, d.approval_route)
           for d in a.decisions]
    assert key == [(d.customer_id, d.total, d.level, d.recommended_term_days, d.eligible_limit, d.approval_route)
                   for d in b.decisions]
    # read as of the evaluation date, the history adds rows and not one row issue
    alone, both = import_files(SAMPLES, as_of=E), import_files(SAMPLES + HISTORY, as_of=E)
    issue = lambda i: (Path(i.file).name, i.sheet, i.row, i.column, i.problem)  # noqa: E731
    assert sorted(map(issue, both.issues)) == sorted(map(issue, alone.issues))
    added = [s for s in both.sheets if Path(s.path).parent == samples_history_dir()]
    assert sorted(s.kind for s in added) == ["ledger", "receipts"]
    assert all(s.rows_read == s.rows_used > 0 and s.rows_rejected == 0 for s in added)
    assert len(both.ledger) - len(alone.ledger) == next(s.rows_used for s in added if s.kind == "ledger")
    last = [both.ledger["invoice_date"].max(), both.ledger["paid_date"].max(), both.receipts["date"].max()]
    assert max(d.date() for d in last) <= E  # nothing dated after the history's own as-of date


def test_make_samples_gives_the_same_bytes_as_the_files_shipped(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_samples.py"), str(tmp_path / "samples")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for shipped, made in ((SAMPLES, tmp_path / "samples"), (HISTORY, tmp_path / "samples-history")):
        assert sorted(p.name for p in made.iterdir()) == [p.name for p in shipped]
        for p in shipped:
            assert (made / p.name).read_bytes() == p.read_bytes(), p.name


def test_two_policies_compared_on_the_samples(tmp_path):
    done = Session().run(CompareRequest(ImportRequest(tuple(SAMPLES), (), date(2026, 6, 30)), None, STRICT))
    c = done.comparison
    assert c.changed["level"] == 10
    moves = {(a, b): n for a, row in c.matrix.items() for b, n in row.items() if n and a != b}
    assert moves == {("A", "B"): 1, ("B", "C"): 9}  # stricter: only ever down
    assert c.total_limit == (2_396_000, 1_747_000)
    # per changed customer, what made the difference: no item scores differently (the bands are the
    # default's); C0026 is forced to C by the stricter timeliness rule, and its group's warning
    # reaches the four other members of 恒信控股(HX) that are rated B or C
    changed = {x.a.customer_id: x for x in c.customers if x.changed}
    assert len(changed) == 10 and all(x.items == () for x in changed.values())
    assert {cid for cid, x in changed.items() if "FORCE_C_TIMELINESS" in x.rules_added} == {"C0026"}
    assert {cid for cid, x in changed.items() if "CAP_B_GROUP_WARNING" in x.rules_added} == \
        {"C0004", "C0005", "C0031", "C0034"}


def test_two_runs_of_the_register_compared(built):
    out, _, _ = built
    runs = runs_of(out)
    c = Session().run(CompareRequest(run_a=runs[0]["run_id"], run_b=runs[-1]["run_id"], register=out)).comparison
    moves = {(a, b): n for a, row in c.matrix.items() for b, n in row.items() if n and a != b}
    assert moves == {("A", "B"): 2, ("B", "C"): 3, ("C", "B"): 1} and c.changed["level"] == 6
    assert c.total_limit == (2_514_000, 2_396_000)


def test_the_stricter_policy_differs_only_where_its_comment_says():
    default = tomllib.loads((templates_dir() / "policy" / "default.toml").read_text(encoding="utf-8"))
    strict = tomllib.loads(STRICT.read_text(encoding="utf-8"))

    def flat(x, path=""):
        if isinstance(x, dict):
            return {k: v for key, val in x.items() for k, v in flat(val, f"{path}.{key}" if path else key).items()}
        if isinstance(x, list):
            return {k: v for n, val in enumerate(x) for k, v in flat(val, f"{path}[{n}]").items()}
        return {path: x}

    a, b = flat(default), flat(strict)
    assert a.keys() == b.keys()
    differ = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    assert differ == {"name": ("默认信用政策", "收紧示例政策"), "description": (default["description"], strict["description"]),
                      "levels[0].min_score": (90, 95), "levels[1].min_score": (80, 85),
                      "levels[2].min_score": (70, 75), "levels[3].min_score": (60, 65),
                      "rules.force_c.timeliness_max_points": (5, 10)}
    assert load_policy(STRICT).name == "收紧示例政策"  # it loads: valid


# ---------------------------------------------------------------- the README's commands, as written

def readme_commands() -> list[list[str]]:
    """The command lines of the README's section "回测与对比", split as a shell would."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## 回测与对比"):text.index("## The policy file")]
    return [shlex.split(line) for line in section.splitlines()
            if line.startswith(("    credit-desk ", "    python3 scripts/"))]


def as_run(argv: list[str], register: Path, tmp: Path, runs: dict[str, str]) -> list[str]:
    """A README command for ``desktop.cli.main``: its patterns expanded from the repository, the
    register the script built for out/回测登记簿.sqlite, other outputs in ``tmp``, RUN_A/RUN_B the
    runs named; the workbook (--out) left out, which tests/test_backtest_workbook.py writes."""
    out: list[str] = []
    args = iter(argv[1:])
    for a in args:
        if a == "--out":
            next(args)
        elif a == "out/回测登记簿.sqlite":
            out.append(str(register))
        elif a.startswith("out/"):
            out.append(str(tmp / a[4:]))
        elif "*" in a:
            out += sorted(glob.glob(str(ROOT / a)))
        else:
            out.append(runs.get(a, a))
    return out


def test_the_readme_commands_give_what_the_readme_says(built, tmp_path, capsys):
    out, _, _ = built
    script, backtest, policies, two_runs = readme_commands()
    assert script == ["python3", "scripts/make_history_register.py", "out/回测登记簿.sqlite"]  # what `built` ran
    ids = [r["run_id"] for r in runs_of(out)]
    runs = {"RUN_A": ids[0], "RUN_B": ids[-1]}

    assert main(as_run(backtest, out, tmp_path, runs)) == 0
    data = json.loads((tmp_path / "backtest.json").read_text(encoding="utf-8"))
    assert data["evaluation_date"] == "2026-11-30" and data["source"] == "register"
    assert [(r["as_of"], r["observable"]) for r in data["runs"]] == [(d, d != "2026-06-30") for d in MONTH_ENDS]
    assert [(lv["level"], lv["cases"], lv["bad"]) for lv in data["levels"]][1:] == \
        [("AA", 12, 0), ("A", 21, 3), ("B", 76, 30), ("C", 143, 92)]
    assert data["monotonic"] is True and round(data["auc"], 2) == 0.70

    assert main([*as_run(policies, out, tmp_path, runs), "--json", str(tmp_path / "p.json")]) == 0
    data = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert data["changed"]["level"] == 10
    assert (data["total_limit"]["a"], data["total_limit"]["b"]) == (2_396_000, 1_747_000)

    assert main([*as_run(two_runs, out, tmp_path, runs), "--json", str(tmp_path / "r.json")]) == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert (data["a"]["as_of"], data["b"]["as_of"], data["changed"]["level"]) == ("2025-12-31", "2026-06-30", 6)
    assert (data["total_limit"]["a"], data["total_limit"]["b"]) == (2_514_000, 2_396_000)
    capsys.readouterr()
