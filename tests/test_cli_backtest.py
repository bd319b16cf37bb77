"""``credit-desk backtest`` and ``credit-desk compare``: the lines they print are the figures of
the JSON they write, every mistake of use is one line in the clerk's words with its exit code and
writes nothing, the register they read stays byte for byte as it was, and a cancel leaves no output."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from test_readers import xlsx

from desktop.cli import CANCELLED_LINE, main
from desktop.messages import english_sentences, has_cjk
from desktop.paths import samples_dir, samples_history_dir, templates_dir

SAMPLES = [str(p) for p in sorted(samples_dir().iterdir())]
HISTORY = [str(p) for p in sorted(samples_history_dir().iterdir())]
STRICT = str(templates_dir() / "policy" / "示例-收紧.toml")
E = "2026-06-30"
PREVIOUS = "上一次的回测 / the previous back-test".encode()


def _run(argv: list[str]) -> int:
    """``main``'s exit code, argparse's mistakes of use (SystemExit) included."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---------------------------------------------------------------- small generated inputs

@pytest.fixture
def small(tmp_path) -> list[str]:
    """Three customers invoiced monthly from 2024-07 to 2026-05 (100,000 each, due in 30 days): C1
    and C3 pay on the due date; C2 stops paying from the invoice of 2025-05-15 on."""
    (tmp_path / "in").mkdir()
    customers = xlsx(tmp_path / "in" / "客户.xlsx", {"客户": [
        ["客户编号", "客户名称", "首次合作日期"],
        *[[cid, f"客户{cid}", date(2023, 1, 1)] for cid in ("C1", "C2", "C3")]]})
    rows = [["客户编号", "发票号码", "开票日期", "金额（元）", "到期日", "回款日期", "回款金额"]]
    n = 0
    for cid in ("C1", "C2", "C3"):
        for k in range(23):
            day = date(2024 + (6 + k) // 12, (6 + k) % 12 + 1, 15)
            due = day + timedelta(days=30)
            n += 1
            paid = cid != "C2" or day < date(2025, 5, 15)
            rows.append([cid, f"F{n:04d}", day, 100_000, due, due if paid else None, 100_000 if paid else None])
    ledger = xlsx(tmp_path / "in" / "销售.xlsx", {"销售": rows})
    return [str(customers), str(ledger)]


def _level_rows(out: str, lang: str = "en") -> dict[str, tuple]:
    pattern = (r"^  (\S+)\s+(\d+) cases, (\d+) bad, bad rate (\S+) \(95% interval (.+)\)$" if lang == "en" else
               r"^  (\S+)\s+(\d+) 例，违约 (\d+) 例，违约率 (\S+)（95% 置信区间 (.+)）$")
    return {m[1]: (int(m[2]), int(m[3]), m[4], m[5]) for m in re.finditer(pattern, out, re.M)}


def _pct(x) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _assert_lines_are_the_json(out: str, data: dict) -> None:
    """Every figure ``backtest`` prints is the JSON's, rounded as printed."""
    levels = _level_rows(out)
    assert list(levels) == [lv["level"] for lv in data["levels"]]
    for lv in data["levels"]:
        interval = "n/a" if lv["ci_low"] is None else f"{_pct(lv['ci_low'])} to {_pct(lv['ci_high'])}"
        assert levels[lv["level"]] == (lv["cases"], lv["bad"], _pct(lv["bad_rate"]), interval)
    cases = sum(lv["cases"] for lv in data["levels"])
    assert cases == len(data["cases"])
    counted = sum(r["observable"] for r in data["runs"])
    assert f": {cases} observable cases of {counted} runs." in out
    assert (f"Bad: an invoice more than {data['late_days']} days past due with more than "
            f"{data['tolerance']:,.0f} yuan unpaid within {data['horizon_months']} months.") in out
    auc = "n/a" if data["auc"] is None else f"{data['auc']:.3f}"
    ks = "n/a" if data["ks"] is None else f"{data['ks']:.3f}"
    assert f"Total score against bad: AUC {auc}, KS {ks}\n" in out
    verdict = {True: "The bad rate never falls from", False: "Warning: the bad rate does not rise from",
               None: "Fewer than two levels have cases"}[data["monotonic"]]
    assert verdict in out
    psi = data["psi"]
    if psi["value"] is None:
        assert "One run counted only: no PSI of the level mix." in out
    else:
        assert (f"Level mix from {psi['from_run']} to {psi['to_run']}: PSI {psi['value']:.3f}, "
                f"{psi['reading']}\n") in out
    assert f"\n{data['not_observable']} cases not yet observable (their {data['horizon_months']} months end " \
           f"after {data['evaluation_date']}): not counted.\n" in out


# ---------------------------------------------------------------- backtest, re-rating

def test_backtest_by_re_rating_prints_the_figures_of_its_json(small, tmp_path, capsys):
    js = tmp_path / "out" / "回测.json"
    js.parent.mkdir()
    assert main(["backtest", *small, "--as-of", E, "--rerate-at", "2025-06-30, 2025-12-31", "--json", str(js)]) == 0
    out = capsys.readouterr().out
    data = json.loads(js.read_text(encoding="utf-8"))
    _assert_lines_are_the_json(out, data)
    assert data["evaluation_date"] == E and data["source"] == "rerate"
    assert [r["as_of"] for r in data["runs"]] == ["2025-06-30", "2025-12-31"]
    # C2 stopped paying in May 2025: bad within both horizons; C1 and C3 never
    assert sorted((c["run_id"], c["customer_id"]) for c in data["cases"] if c["bad"]) == [
        ("rerate-2025-06-30", "C2"), ("rerate-2025-12-31", "C2")]
    assert len(data["cases"]) == 6 and data["not_observable"] == 0
    assert "re-rating as of 2025-06-30, 2025-12-31" in out
    assert "3 customers" not in out and "0 customers not yet trading at a re-rating date" in out
    assert "Note: re-rating used today's customer-sheet facts" in out
    assert out.rstrip().splitlines()[-1] == f"Wrote {js}"
    assert _files(js.parent) == ["回测.json"]  # no temporary file left beside it


def test_the_outcome_options_reach_the_rule(small, tmp_path, capsys):
    """--late-days, --horizon-months and --tolerance are the rule the cases are judged by."""
    js = tmp_path / "b.json"
    args = ["backtest", *small, "--as-of", E, "--rerate-at", "2025-06-30,2025-12-31", "--json", str(js)]
    assert main([*args, "--late-days", "3650"]) == 0  # nobody is ten years late: no bad case
    out, data = capsys.readouterr().out, json.loads(js.read_text(encoding="utf-8"))
    assert data["late_days"] == 3650 and not any(c["bad"] for c in data["cases"])
    _assert_lines_are_the_json(out, data)
    assert main([*args, "--horizon-months", "12", "--tolerance", "2000000"]) == 0
    out, data = capsys.readouterr().out, json.loads(js.read_text(encoding="utf-8"))
    assert (data["horizon_months"], data["tolerance"]) == (12, 2_000_000)
    # 2025-12-31 + 12 months ends after E: its 3 cases are not yet observable; 2025-06-30's are, and
    # C2's unpaid 1,300,000 at most stays under a tolerance of 2,000,000
    assert data["not_observable"] == 3 and len(data["cases"]) == 3 and not any(c["bad"] for c in data["cases"])
    _assert_lines_are_the_json(out, data)


def test_backtest_of_the_samples_in_both_languages(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CREDIT_DESK_LANG", raising=False)
    js = tmp_path / "回测.json"
    args = ["backtest", *SAMPLES, "--as-of", E, "--rerate-at", "2025-06-30,2025-09-30,2025-12-31,2026-03-31",
            "--json", str(js)]
    assert main(args) == 0
    out, data = capsys.readouterr().out, json.loads(js.read_text(encoding="utf-8"))
    _assert_lines_are_the_json(out, data)
    assert data["not_observable"] > 0 and data["psi"]["value"] is not None  # 2026-03-31 + 6 months is after E
    assert f"{data['not_trading']} customers not yet trading" in out

    assert main([*args, "--lang", "zh"]) == 0
    zh = capsys.readouterr().out
    assert json.loads(js.read_text(encoding="utf-8")) == data
    levels = _level_rows(zh, "zh")
    assert {k: v[:3] for k, v in levels.items()} == {
        lv["level"]: (lv["cases"], lv["bad"], _pct(lv["bad_rate"])) for lv in data["levels"]}
    assert f"尚不能观察 {data['not_observable']} 例" in zh and "重新评级用的是客户信用资料表中现在的资料" in zh
    for line in zh.splitlines()[:-1]:  # the last names the file written
        assert has_cjk(line) and english_sentences(line) == [], line


def _rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(values_only=True) if r and r[0] is not None]


@pytest.mark.parametrize("lang,sheet", [("zh", "按等级"), ("en", "By level")])
def test_backtest_writes_its_workbook_beside_the_json(small, tmp_path, capsys, private_tmp, lang, sheet):
    import openpyxl
    wb, js = tmp_path / "out" / "回测报告.xlsx", tmp_path / "out" / "回测.json"
    wb.parent.mkdir()
    assert main(["backtest", *small, "--as-of", E, "--rerate-at", "2025-06-30,2025-12-31", "--out", str(wb),
                 "--json", str(js), "--lang", lang]) == 0
    out, data = capsys.readouterr().out, json.loads(js.read_text(encoding="utf-8"))
    assert out.splitlines()[-2:] == ([f"已写入 {wb}", f"已写入 {js}"] if lang == "zh" else [f"Wrote {wb}", f"Wrote {js}"])
    table = {r[0]: r[1:3] for r in _rows(openpyxl.load_workbook(wb, data_only=True)[sheet])[1:]}
    assert {lv["level"]: (lv["cases"], lv["bad"]) for lv in data["levels"]} == {
        lv: table[lv] for lv in (x["level"] for x in data["levels"])}
    if lang == "en":
        _assert_lines_are_the_json(out, data)
    assert _files(wb.parent) == sorted([wb.name, js.name]) and _files(private_tmp) == []


def test_compare_writes_its_workbook(tmp_path, capsys):
    import openpyxl
    wb = tmp_path / "对比.xlsx"
    assert main(["compare", *SAMPLES, "--policy-b", STRICT, "--as-of", E, "--out", str(wb)]) == 0
    out = capsys.readouterr().out
    facts = {r[0]: r[1:] for r in _rows(openpyxl.load_workbook(wb, data_only=True)["对比摘要"])}
    a, b = facts["可授信额度合计(元)"][:2]
    assert f"Total eligible limit: {a:,} → {b:,} yuan ({b - a:+,})" in out.splitlines()
    changed = [facts[k][0] for k in ("等级变化", "账期变化", "额度变化", "审批路径变化")]
    assert "Changed: level {}, term {}, limit {}, route {} customers.".format(*changed) in out.splitlines()
    assert out.splitlines()[-1] == f"Wrote {wb}"


# ---------------------------------------------------------------- backtest, the register's runs

REGISTER_DATES = (date(2026, 1, 31), date(2026, 3, 31), date(2026, 3, 31), date(2026, 6, 30))


@pytest.fixture(scope="module")
def history_register(tmp_path_factory) -> Path:
    """The samples and their history rated as of three month-ends (2026-03-31 twice: the second
    run replaces the first) and recorded in a register, as ``score --register`` records them."""
    from desktop.session import ScoreRequest, Session
    reg = tmp_path_factory.mktemp("history") / "登记簿.sqlite"
    session = Session()
    for day in REGISTER_DATES:
        session.score(ScoreRequest(inputs=[Path(p) for p in (*SAMPLES, *HISTORY)], as_of=day, register=reg))
    return reg


@pytest.fixture
def register(history_register, tmp_path) -> Path:
    copy = tmp_path / "reg" / history_register.name
    copy.parent.mkdir()
    copy.write_bytes(history_register.read_bytes())
    return copy


def _run_ids(register: Path) -> list[str]:
    db = sqlite3.connect(f"file:{register}?mode=ro", uri=True)
    try:
        return [r[0] for r in db.execute("SELECT run_id FROM entries WHERE kind='run' ORDER BY seq")]
    finally:
        db.close()


def test_backtest_from_the_register_reads_it_and_changes_nothing(register, tmp_path, capsys):
    before, listing = register.read_bytes(), _files(register.parent)
    js = tmp_path / "回测.json"
    wb = tmp_path / "回测报告.xlsx"
    assert main(["backtest", *SAMPLES, *HISTORY, "--as-of", "2026-11-30", "--register", str(register),
                 "--out", str(wb), "--json", str(js)]) == 0
    out, data = capsys.readouterr().out, json.loads(js.read_text(encoding="utf-8"))
    assert register.read_bytes() == before
    # beside it only what SQLite's read-only reading of a WAL register leaves (as history's): no entry
    extra = set(_files(register.parent)) - set(listing)
    assert extra <= {f"{register.name}-shm", f"{register.name}-wal"}
    assert not (register.parent / f"{register.name}-wal").exists() or \
        (register.parent / f"{register.name}-wal").stat().st_size == 0
    _assert_lines_are_the_json(out, data)
    ids = _run_ids(register)
    assert [r["run_id"] for r in data["runs"]] == ids and data["source"] == "register"
    assert [r.get("superseded_by") for r in data["runs"]] == [None, ids[2], None, None]
    assert [r["observable"] for r in data["runs"]] == [True, False, True, False]  # 06-30 + 6 months > 11-30
    assert data["not_observable"] == 42 and len(data["cases"]) == 84
    assert "1 runs not counted: a later run of the same date replaced each." in out
    assert f"the past runs of the register {register} (read only, nothing recorded)" in out
    assert "not yet trading" not in out and "today's customer-sheet facts" not in out
    from desktop.io.register import Register
    with Register(register, readonly=True) as reg:
        assert data["register_head"] == str(reg.head())


def test_compare_two_runs_of_the_register(register, tmp_path, capsys):
    before = register.read_bytes()
    ids = _run_ids(register)
    js = tmp_path / "对比.json"
    assert main(["compare", "--run", ids[0], "--run-b", ids[-1], "--register", str(register), "--json", str(js)]) == 0
    out, data = capsys.readouterr().out, json.loads(js.read_text(encoding="utf-8"))
    assert register.read_bytes() == before
    _assert_compare_lines(out, data)
    assert (data["a"]["label"], data["b"]["label"]) == (ids[0], ids[-1])
    assert (data["a"]["as_of"], data["b"]["as_of"]) == ("2026-01-31", "2026-06-30")


def test_compare_of_runs_uses_the_users_register_by_default(register, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CREDIT_DESK_REGISTER", str(register))  # where history looks too
    ids = _run_ids(register)
    js = tmp_path / "对比.json"
    assert main(["compare", "--run", ids[1], "--run-b", ids[2], "--json", str(js)]) == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    _assert_compare_lines(capsys.readouterr().out, data)
    assert data["changed"] == {"level": 0, "term": 0, "limit": 0, "route": 0}  # the same date rated twice


# ---------------------------------------------------------------- compare, two policies

def _assert_compare_lines(out: str, data: dict) -> None:
    lines = out.splitlines()
    start = lines.index("Level migration (rows A's level, columns B's):")
    header = lines[start + 1].split()
    levels = header[1:]
    assert header[0] == "A\\B" and levels == list(data["matrix"])
    table = {row.split()[0]: [int(n) for n in row.split()[1:]] for row in lines[start + 2:start + 2 + len(levels)]}
    assert table == {la: [data["matrix"][la][lb] for lb in levels] for la in levels}
    ch = data["changed"]
    assert f"Changed: level {ch['level']}, term {ch['term']}, limit {ch['limit']}, route {ch['route']} customers." in lines
    a, b = data["total_limit"]["a"], data["total_limit"]["b"]
    assert f"Total eligible limit: {a:,} → {b:,} yuan ({b - a:+,})" in lines
    ap = data["approvals"]
    assert (f"Approvals: sales manager {ap['a']['sales_manager']} → {ap['b']['sales_manager']}, "
            f"CFO {ap['a']['cfo']} → {ap['b']['cfo']}.") in lines
    assert f": {data['both']} customers in both, {len(data['only_a'])} only in A, {len(data['only_b'])} only in B." \
        in lines[0]


def test_compare_two_policies_on_the_samples(tmp_path, capsys):
    js = tmp_path / "对比.json"
    assert main(["compare", *SAMPLES, "--policy-b", STRICT, "--as-of", E, "--json", str(js)]) == 0
    out, data = capsys.readouterr().out, json.loads(js.read_text(encoding="utf-8"))
    _assert_compare_lines(out, data)
    assert data["changed"]["level"] > 0 and data["total_limit"]["b"] < data["total_limit"]["a"]  # stricter
    assert sum(map(sum, (r.values() for r in data["matrix"].values()))) == data["both"] == 42
    assert out.rstrip().splitlines()[-1] == f"Wrote {js}"

    assert main(["compare", *SAMPLES, "--policy-b", STRICT, "--as-of", E, "--json", str(js), "--lang", "zh"]) == 0
    zh = capsys.readouterr().out
    a, b = data["total_limit"]["a"], data["total_limit"]["b"]
    assert f"可授信额度合计：{a:,} → {b:,} 元（{b - a:+,}）" in zh
    assert f"有变化的客户：等级 {data['changed']['level']} 户" in zh


# ---------------------------------------------------------------- mistakes of use

def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [x for x in err.splitlines() if x.strip() and not x.startswith("usage:") and not x.startswith(" ")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def outputs(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _later_register(tmp_path: Path) -> str:
    """A register whose one run is assessed after E (made once per test folder)."""
    path = tmp_path / "later.sqlite"
    if not path.exists():
        from desktop.io.register import Register
        with Register(path) as reg:
            reg.record_run({"run_id": "R9", "as_of": "2027-01-31"},
                           [{"customer_id": "C1", "level": "A", "total": 70, "items": {}, "rules": []}])
        import sqlite3
        db = sqlite3.connect(path)  # out of WAL mode: reading it then leaves no -wal or -shm file beside it
        db.execute("PRAGMA journal_mode=DELETE")
        db.close()
    return str(path)


def _usage_cases(small: list[str], out: Path, tmp_path: Path) -> dict[str, tuple[list[str], int, str]]:
    js, wb = str(out / "b.json"), str(out / "b.xlsx")
    bt = ["backtest", *small, "--as-of", E]
    missing = str(tmp_path / "没有的登记簿.sqlite")
    return {
        "no source": ([*bt, "--json", js], 2, "backtest: give --register REGISTER.sqlite (the register's past runs) "
                                              "or --rerate-at"),
        "both sources": ([*bt, "--register", missing, "--rerate-at", "2025-06-30", "--json", js], 2,
                         "backtest: give --register or --rerate-at, not both"),
        "bad date": ([*bt, "--rerate-at", "2025-06-30,2025-13-01", "--json", js], 2,
                     "--rerate-at: '2025-13-01' is not a date in YYYY-MM-DD form"),
        "twice": ([*bt, "--rerate-at", "2025-06-30,2025-12-31,2025-06-30", "--json", js], 2,
                  "--rerate-at: 2025-06-30 is given twice"),
        "empty item": ([*bt, "--rerate-at", "2025-06-30,,2025-12-31", "--json", js], 2,
                       "--rerate-at 2025-06-30,,2025-12-31: item 2 is empty"),
        "not before E": ([*bt, "--rerate-at", "2025-06-30,2026-06-30", "--json", js], 2,
                         "--rerate-at: the re-rating date 2026-06-30 is not before the evaluation date 2026-06-30"),
        "horizon": ([*bt, "--rerate-at", "2025-06-30", "--horizon-months", "0", "--json", js], 2,
                    "--horizon-months 0: must be a whole number of months from 1 to 60"),
        "tolerance decimals": ([*bt, "--rerate-at", "2025-06-30", "--tolerance", "0.001", "--json", js], 2,
                               "--tolerance 0.001: must be a number of CNY (元) from 0 to 1,000,000,000 with at most 2 "
                               "decimal places"),
        "no ledger": (["backtest", small[0], "--as-of", E, "--rerate-at", "2025-06-30", "--json", js], 3,
                      "Cannot back-test: the files read hold no sales ledger"),
        "no run by E": ([*bt, "--register", _later_register(tmp_path), "--json", js], 2,
                        "holds no run assessed on or before the evaluation date 2026-06-30"),
        "register is an input": (["backtest", *small, _later_register(tmp_path), "--as-of", E, "--register",
                                  _later_register(tmp_path), "--json", js], 4,
                                 "is one of the input files; choose another register file (or --register REGISTER.sqlite)"),
        "no output": ([*bt, "--rerate-at", "2025-06-30"], 2, "backtest: give --out WORKBOOK.xlsx or --json FILE.json"),
        "not xlsx": ([*bt, "--rerate-at", "2025-06-30", "--out", str(out / "b.csv")], 2,
                     "--out must name an .xlsx file"),
        "run alone": (["compare", "--run", "R1", "--json", js], 2, "compare: give --run RUN_A and --run-b RUN_B "
                                                                    "together"),
        "run-b alone": (["compare", "--run-b", "R1", "--json", js], 2, "compare: give --run RUN_A and --run-b"),
        "policy-b alone": (["compare", "--policy-b", STRICT, "--json", js], 2,
                           "compare: --policy-b needs input files"),
        "inputs alone": (["compare", *small, "--json", js], 2, "compare: name the second policy with --policy-b"),
        "runs and inputs": (["compare", *small, "--run", "R1", "--run-b", "R2", "--json", js], 2,
                            "compare: give input files with --policy-b"),
        "register without runs": (["compare", *small, "--policy-b", STRICT, "--register", missing, "--json", js], 2,
                                  "compare: --register is for --run and --run-b"),
        "no register (backtest)": ([*bt, "--register", missing, "--json", js], 3,
                                   f"credit-desk: {missing}: no rating register there yet"),
        "no register (compare)": (["compare", "--run", "R1", "--run-b", "R2", "--register", missing, "--out", wb], 3,
                                  f"credit-desk: {missing}: no rating register there yet"),
        "output is an input": ([*bt, "--rerate-at", "2025-06-30", "--json", small[1]], 4,
                               f"credit-desk: {small[1]}: is one of the input files"),
        "workbook is an input": ([*bt, "--rerate-at", "2025-06-30", "--out", small[0]], 4,
                                 f"credit-desk: {small[0]}: is one of the input files"),
        "output is the policy": (["compare", *small, "--policy-b", str(out.parent / "乙.toml"), "--json",
                                  str(out.parent / "乙.toml")], 4, "is one of the input files"),
        "no customer sheet": (["backtest", small[1], "--as-of", E, "--rerate-at", "2025-06-30", "--json", js], 3,
                              "credit-desk: Cannot back-test: no customer sheet was found among the inputs; it is "
                              "needed to link the ledger to the customers"),
    }


USAGE = ["no source", "both sources", "bad date", "twice", "empty item", "not before E", "horizon",
         "tolerance decimals", "no ledger", "no run by E", "register is an input", "no output",
         "not xlsx", "run alone", "run-b alone", "policy-b alone", "inputs alone", "runs and inputs",
         "register without runs", "no register (backtest)", "no register (compare)", "output is an input",
         "workbook is an input", "output is the policy", "no customer sheet"]


@pytest.mark.parametrize("case", USAGE)
def test_each_mistake_of_use_is_one_line_with_its_exit_code_and_writes_nothing(case, small, outputs, tmp_path,
                                                                              capsys, private_tmp):
    argv, code, words = _usage_cases(small, outputs, tmp_path)[case]
    policy_b = outputs.parent / "乙.toml"
    policy_b.write_bytes((templates_dir() / "policy" / "示例-收紧.toml").read_bytes())
    inputs = {p: Path(p).read_bytes() for p in small}
    before = _files(tmp_path)
    capsys.readouterr()
    assert _run(argv) == code
    line = _one_line(capsys.readouterr().err)
    assert words in line, line
    assert _files(tmp_path) == before  # no output, no register created, nothing left in the temporary folder
    assert {p: Path(p).read_bytes() for p in small} == inputs
    assert policy_b.read_bytes() == (templates_dir() / "policy" / "示例-收紧.toml").read_bytes()


def test_the_customer_sheet_missing_names_the_option(small, outputs, capsys):
    assert _run(["backtest", small[1], "--as-of", E, "--rerate-at", "2025-06-30", "--json",
                 str(outputs / "b.json")]) == 3
    assert _one_line(capsys.readouterr().err).endswith("(name it with --customers FILE[:SHEET])")
    # forced by --customers, the same file is the customer sheet, and the ledger is read beside it
    assert main(["backtest", small[1], "--customers", small[0], "--as-of", E, "--rerate-at", "2025-06-30",
                 "--json", str(outputs / "b.json")]) == 0
    assert len(json.loads((outputs / "b.json").read_text(encoding="utf-8"))["cases"]) == 3


def test_an_unknown_run_is_named_with_the_register(register, outputs, capsys):
    before = register.read_bytes()
    ids = _run_ids(register)
    assert _run(["compare", "--run", ids[0], "--run-b", "20990101-000000-abcdef", "--register", str(register),
                 "--json", str(outputs / "c.json")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert f"{register}: the rating register holds no run 20990101-000000-abcdef" in line
    assert _files(outputs) == [] and register.read_bytes() == before


@pytest.mark.parametrize("command", ["backtest", "compare"])
def test_the_register_read_is_never_an_output(register, outputs, capsys, command):
    before = register.read_bytes()
    ids = _run_ids(register)
    argv = (["backtest", *SAMPLES, "--as-of", E, "--register", str(register)] if command == "backtest" else
            ["compare", "--run", ids[0], "--run-b", ids[1], "--register", str(register)])
    assert _run([*argv, "--json", str(register)]) == 2
    assert f"{register}: is the rating register; give the output another name" in _one_line(capsys.readouterr().err)
    assert register.read_bytes() == before and _files(outputs) == []


def test_mistakes_of_use_in_chinese(small, outputs, tmp_path, capsys):
    js = str(outputs / "b.json")
    cases = [(["backtest", *small, "--as-of", E, "--json", js], "请给出 --register 登记簿文件"),
             (["backtest", *small, "--as-of", E, "--rerate-at", "2025-06-30,2025-06-31", "--json", js],
              "“2025-06-31”不是日期"),
             (["backtest", *small, "--as-of", E, "--rerate-at", "2027-01-01", "--json", js],
              "重新评级日期 2027-01-01 不早于评估日 2026-06-30"),
             (["backtest", small[1], "--as-of", E, "--rerate-at", "2025-06-30", "--json", js],
              "无法回测：所读文件中没有客户信用资料表"),
             (["compare", "--run", "R1", "--json", js], "--run 与 --run-b 要一起给出"),
             (["compare", "--run", "R1", "--run-b", "R2", "--register", str(tmp_path / "无.sqlite"), "--json", js],
              "处还没有评级登记簿")]
    for argv, words in cases:
        assert _run([*argv, "--lang", "zh"]) in (2, 3)
        line = _one_line(capsys.readouterr().err)
        assert words in line, line
    assert _files(outputs) == []


# ---------------------------------------------------------------- Ctrl+C and SIGTERM

@pytest.mark.parametrize("name,expected", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_cancel_mid_backtest_leaves_no_output(small, outputs, private_tmp, capsys, monkeypatch, name, expected):
    """The signal comes while the outcomes are judged: the job stops at its next checkpoint, before
    its commit; the previous JSON stays as it was and no temporary file is left anywhere."""
    import desktop.evaluate as evaluate
    js, wb = outputs / "回测.json", outputs / "回测报告.xlsx"
    js.write_bytes(PREVIOUS)
    wb.write_bytes(PREVIOUS)
    judged = evaluate.outcomes

    def interrupted(*args, **kwargs):
        signal.raise_signal(getattr(signal, name))
        return judged(*args, **kwargs)

    monkeypatch.setattr(evaluate, "outcomes", interrupted)
    assert main(["backtest", *small, "--as-of", E, "--rerate-at", "2025-06-30", "--out", str(wb), "--json",
                 str(js)]) == expected
    captured = capsys.readouterr()
    assert captured.err == CANCELLED_LINE + "\n" and "Wrote" not in captured.out
    assert js.read_bytes() == PREVIOUS and wb.read_bytes() == PREVIOUS
    assert _files(outputs) == sorted([js.name, wb.name]) and _files(private_tmp) == []


def test_a_cancel_while_the_workbook_is_written_leaves_no_output(small, outputs, private_tmp, capsys, monkeypatch):
    """Ctrl+C with the back-test workbook half written to its temporary file: that file goes too."""
    import desktop.io.writers.backtest as writer
    wb = outputs / "回测报告.xlsx"
    write = writer.write_backtest

    def interrupted(path, result, lang="zh", tick=lambda: None):
        write(path, result, lang, tick)
        assert Path(path).exists()  # staged, not yet put in place
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(writer, "write_backtest", interrupted)
    assert main(["backtest", *small, "--as-of", E, "--rerate-at", "2025-06-30", "--out", str(wb)]) == 130
    assert capsys.readouterr().err == CANCELLED_LINE + "\n"
    assert _files(outputs) == [] and _files(private_tmp) == []


def test_a_cancel_mid_compare_leaves_no_output(small, outputs, private_tmp, capsys, monkeypatch):
    import desktop.core.rating as rating
    js = outputs / "对比.json"
    rate = rating.rate

    def interrupted(*args, **kwargs):  # the first policy's rating: the second is never started
        signal.raise_signal(signal.SIGINT)
        return rate(*args, **kwargs)

    monkeypatch.setattr(rating, "rate", interrupted)
    assert main(["compare", *small, "--policy-b", STRICT, "--as-of", E, "--out", str(outputs / "对比.xlsx"),
                 "--json", str(js)]) == 130
    assert capsys.readouterr().err == CANCELLED_LINE + "\n"
    assert _files(outputs) == [] and _files(private_tmp) == []


# ---------------------------------------------------------------- --help

def test_help_lists_both_commands(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps the help to the terminal's width
    assert _run(["--help"]) == 0
    out = capsys.readouterr().out
    commands = re.search(r"\{(score,[a-z,-]+)\}", out)[1].split(",")
    assert {"backtest", "compare", "score", "register"} <= set(commands)
    assert re.search(r"^\s+backtest\s+does the rating predict who pays late\? \(back-test\)$", out, re.M)
    assert re.search(r"^\s+compare\s+two ratings of the same customers side by side$", out, re.M)
    assert _run(["backtest", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--as-of", "--register", "--rerate-at", "--horizon-months", "--late-days", "--tolerance",
                   "--policy", "--customers", "--receipts", "--out", "--json", "--lang", "--password"):
        assert option in out
    assert _run(["compare", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--policy", "--policy-b", "--run", "--run-b", "--register", "--as-of", "--out", "--json"):
        assert option in out
