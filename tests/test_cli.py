"""The command line: exit codes, messages, and writes that never lose or corrupt a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_readers import xlsx

from desktop.cli import main
from desktop.paths import samples_dir

SAMPLES = [str(p) for p in sorted(samples_dir().iterdir())]


def test_score_on_samples_writes_both_outputs(tmp_path, capsys):
    out, js = tmp_path / "结果 目录" / "结果.xlsx", tmp_path / "summary.json"
    out.parent.mkdir()
    code = main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--json", str(js)])
    assert code == 0
    text = capsys.readouterr().out
    assert "Rated 42 customers as of 2026-06-30" in text and str(out) in text
    assert out.exists() and json.loads(js.read_text(encoding="utf-8"))["as_of"] == "2026-06-30"
    assert [p.name for p in out.parent.iterdir()] == ["结果.xlsx"]  # no temporary file left behind


@pytest.mark.parametrize("argv", [["--lang", "zh"], ["score", "--out", "x.xlsx"], ["score", "a.xlsx"],
                                  ["score", "a.xlsx", "--out", "x.xlsx", "--as-of", "2026-13-01"],
                                  ["score", "a.xlsx", "--out", "x.csv"], ["score", "a.xlsx", "--out", "x.xlsx",
                                                                          "--lang", "fr"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        code = main(argv)
        raise SystemExit(code)
    assert exc.value.code == 2


def test_nothing_to_rate_exits_3_with_one_line(tmp_path, capsys):
    ledger = xlsx(tmp_path / "ledger.xlsx", {"s": [["客户编号", "开票日期", "金额"], ["C1", "2026/1/1", 5]]})
    assert main(["score", str(ledger), "--out", str(tmp_path / "o.xlsx")]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("credit-desk: Nothing to rate: no customer sheet was found") and "\n" not in err
    assert not (tmp_path / "o.xlsx").exists()


def test_unreadable_input_and_bad_policy_exit_3(tmp_path, capsys):
    assert main(["score", str(tmp_path / "none.xlsx"), "--out", str(tmp_path / "o.xlsx")]) == 3
    assert "none.xlsx: file not found" in capsys.readouterr().err
    bad = tmp_path / "p.toml"
    bad.write_text("schema_version = 1\n", encoding="utf-8")
    assert main(["score", *SAMPLES, "--policy", str(bad), "--out", str(tmp_path / "o.xlsx")]) == 3
    assert "p.toml: name: missing" in capsys.readouterr().err


def test_an_input_is_never_the_output(tmp_path, capsys, monkeypatch):
    src = tmp_path / "客户.xlsx"
    src.write_bytes(next(Path(p) for p in SAMPLES if "客户" in p).read_bytes())
    before = src.read_bytes()
    (tmp_path / "下级").mkdir()
    monkeypatch.chdir(tmp_path / "下级")  # a path relative to the working folder, as a clerk types it: no
    rel = str(Path("..") / "客户.xlsx")  # relpath from the checkout, which fails across drives (D: and C:)
    assert main(["score", str(src), "--out", rel]) == 4
    assert "is one of the input files" in capsys.readouterr().err
    link = tmp_path / "link.xlsx"
    try:
        link.symlink_to(src)
    except OSError:  # Windows without the symlink privilege: the relative-path case above still ran
        return
    assert main(["score", str(src), "--out", str(link)]) == 4
    assert src.read_bytes() == before


def test_locked_output_keeps_the_previous_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "结果.xlsx"
    out.write_bytes(b"previous results")

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")  # what Windows raises while Excel has it open

    monkeypatch.setattr(os, "replace", locked)
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out)]) == 4
    err = capsys.readouterr().err
    assert "another program is using the file" in err and "previous file is unchanged" in err
    assert out.read_bytes() == b"previous results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["结果.xlsx"]


def test_module_entry_point_runs(tmp_path):
    out = tmp_path / "r.xlsx"
    proc = subprocess.run([sys.executable, "-m", "desktop", "score", *SAMPLES, "--as-of", "2026-06-30",
                           "--out", str(out)], capture_output=True, text=True, encoding="utf-8",
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})  # this test's pipe, not a console
    assert proc.returncode == 0, proc.stderr
    assert out.exists()


def test_the_command_line_reads_with_the_mapping_profiles_the_window_saved(tmp_path, capsys):
    """A sheet with headers nobody recognises, mapped once in the window and saved as a profile."""
    import json as _json

    from desktop.io.mapping_profiles import MappingProfile, ProfileStore, signature
    from desktop.paths import user_data_folder

    headers = ["单位", "票号", "开具日", "含税价"]
    odd = xlsx(tmp_path / "往来.xlsx", {"往来": [headers, ["C0007", "X-1", "2026/6/1", 1_000_000]]})
    profile = MappingProfile("往来账", "ledger", signature(headers), {"customer_id": "单位", "invoice_no": "票号",
                                                                    "invoice_date": "开具日", "amount": "含税价"})
    ProfileStore(user_data_folder()).save(profile)  # where the window saves them (the default folder)
    elsewhere = tmp_path / "方案 目录"
    ProfileStore(elsewhere).save(profile)

    def c0007(args: list[str]) -> float:
        out = tmp_path / "r.xlsx"
        assert main(["score", *SAMPLES, str(odd), "--as-of", "2026-06-30", "--out", str(out), "--json",
                     str(tmp_path / "s.json"), "--no-register", *args]) == 0
        data = _json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
        return next(c for c in data["customers"] if c["customer_id"] == "C0007")["metrics"]["sales_12m"]

    base = c0007(["--no-profiles"])  # the odd sheet is not used
    assert c0007([]) == pytest.approx(base + 1_000_000)  # the default folder's profile reads it as a ledger
    assert c0007(["--profiles", str(elsewhere)]) == pytest.approx(base + 1_000_000)
    assert c0007(["--profiles", str(tmp_path / "空")]) == pytest.approx(base)
    capsys.readouterr()


# ---------------------------------------------------------------- the messages' language

def _no_customer_sheet(tmp_path: Path) -> Path:
    return xlsx(tmp_path / "销售.xlsx", {"销售": [["客户编号", "发票号", "开票日期", "金额"], ["C1", "F1", "2026-01-05", 1]]})


def test_messages_are_english_unless_chinese_is_asked_for(tmp_path, capsys, monkeypatch):
    """English by default (scripts, logs); Chinese with --lang zh, or CREDIT_DESK_LANG=zh; an
    explicit --lang wins over the variable. The option the window has no use for is the CLI's own."""
    from desktop.messages import english_sentences
    monkeypatch.delenv("CREDIT_DESK_LANG", raising=False)
    ledger, out = _no_customer_sheet(tmp_path), tmp_path / "结果.xlsx"
    args = ["score", str(ledger), "--out", str(out), "--no-register"]

    assert main(args) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("credit-desk: Nothing to rate: no customer sheet") and "--customers FILE[:SHEET]" in err

    assert main([*args, "--lang", "zh"]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("credit-desk: 没有可评级的客户") and "销售.xlsx" in err and "\n" not in err
    assert "--customers" in err and english_sentences(err.removeprefix("credit-desk: ")) == []

    monkeypatch.setenv("CREDIT_DESK_LANG", "zh")
    assert main(args) == 3
    assert capsys.readouterr().err.startswith("credit-desk: 没有可评级的客户")
    assert main([*args, "--lang", "en"]) == 3  # the option given wins
    assert capsys.readouterr().err.startswith("credit-desk: Nothing to rate")
    assert not out.exists()


def test_the_language_variable_words_the_lines_of_every_command(tmp_path, capsys, monkeypatch):
    register = tmp_path / "没有 登记簿.sqlite"
    monkeypatch.setenv("CREDIT_DESK_LANG", "zh")
    assert main(["history", "C1", "--register", str(register)]) == 3
    assert capsys.readouterr().err.strip() == f"credit-desk: {register} 处还没有评级登记簿（第一次评级时会自动创建）。"
    monkeypatch.setenv("CREDIT_DESK_LANG", "fr")  # not a language of the program: English
    assert main(["history", "C1", "--register", str(register)]) == 3
    assert "no rating register there yet" in capsys.readouterr().err
    monkeypatch.setenv("CREDIT_DESK_LANG", "zh")
    out = tmp_path / "结果.xlsx"
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--no-register"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [lines[0], lines[1], f"已写入 {out}"] and lines[0].startswith("已评级 42 个客户，评估基准日 2026-06-30")
    assert lines[1].startswith("集团 2 个（成员 ") and "集团预警封顶" in lines[1]  # the samples' two groups
    import openpyxl

    from desktop.messages import has_cjk
    assert has_cjk(openpyxl.load_workbook(out, read_only=True).sheetnames[0])  # the workbook: zh, as without --lang


def test_approvals_of_files_that_hold_no_form_write_no_decisions_workbook(tmp_path, capsys):
    import openpyxl
    junk = tmp_path / "会议记录.xlsx"
    openpyxl.Workbook().save(junk)
    text_file = tmp_path / "备忘.xlsx"
    text_file.write_text("not a workbook", encoding="utf-8")
    out = tmp_path / "审批结果.xlsx"
    args = ["approvals", str(junk), str(text_file), "--register", str(tmp_path / "r.sqlite"), "--out", str(out)]
    assert main(args) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("credit-desk: No approval form was read, and no decisions workbook was written: 会议记录.xlsx: ")
    assert str(text_file) in err and "\n" not in err and not out.exists()
    assert main([*args, "--lang", "zh"]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("credit-desk: 没有读到任何审批表，未写入审批结果：文件 会议记录.xlsx：") and "备忘.xlsx" in err
    assert not out.exists()


def test_a_mistake_of_use_is_told_in_the_language_asked(tmp_path, capsys):
    """The command line's own usage errors name its options as typed, in Chinese with --lang zh."""
    with pytest.raises(SystemExit) as stop:
        main(["score", "--out", str(tmp_path / "结果.txt"), "--lang", "zh"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "--out 必须是 .xlsx 文件" in err
    with pytest.raises(SystemExit):
        main(["score", "--out", str(tmp_path / "结果.xlsx"), "--lang", "zh"])
    assert "请至少给出一个输入文件" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["score", "--out", str(tmp_path / "结果.txt")])
    assert "--out must name an .xlsx file" in capsys.readouterr().err
