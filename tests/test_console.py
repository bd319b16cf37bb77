"""The console program beside the window, and the wildcards cmd.exe leaves to it.

cmd.exe and PowerShell pass ``templates\\samples\\*`` as typed, so the command line expands it
itself; a Unix shell expands it but hands over Excel's lock file ``~$客户.xlsx`` too. Tried here
the way a clerk meets them: a folder named in Chinese with spaces, a file literally named
``a[1].xlsx`` beside an ``a1.xlsx`` the pattern would match, lock files named by the shell and
matched by the pattern, a hidden file, and nothing left to read.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import __version__, input_files
from desktop.cli import console_main, main
from desktop.messages import english_sentences, has_cjk
from desktop.paths import samples_dir

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(samples_dir().iterdir())
CUSTOMERS = next(p for p in SAMPLES if "客户" in p.name)
OWNER_FILE = b"\x14\x00owner\x00\x00"  # what Excel leaves beside an open workbook: no workbook at all


def _copies(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for p in SAMPLES:
        shutil.copy(p, folder / p.name)
    return folder


def _score(*inputs, tmp_path: Path, lang: str | None = None) -> int:
    out = tmp_path / "out" / "结果.xlsx"
    return main(["score", *map(str, inputs), "--as-of", "2026-06-30", "--out", str(out), "--no-register",
                 "--no-profiles", *(["--lang", lang] if lang else [])])


def _usage_error(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code


def test_a_wildcard_in_a_folder_named_in_chinese_with_spaces_is_expanded(tmp_path, capsys):
    folder = _copies(tmp_path / "信用 资料" / "2026年 6月")
    assert _score(folder / "*", tmp_path=tmp_path) == 0
    assert "Rated 42 customers as of 2026-06-30" in capsys.readouterr().out
    found = input_files.expand([str(folder / "*.xlsx"), str(folder / "回款*")])
    assert [p.name for p in found.files] == ["客户信用资料 2026.xlsx", "销售明细 2024-2026.xlsx", "回款明细.csv"]
    assert found.skipped == [] and found.unmatched == []


def test_a_pattern_in_a_folder_whose_own_name_has_brackets(tmp_path, capsys):
    """D:\\报表[2026]\\*: the folder exists as written, so its brackets are its name, not a pattern."""
    folder = _copies(tmp_path / "报表[2026]")
    assert _score(folder / "*", tmp_path=tmp_path) == 0
    assert "Rated 42 customers" in capsys.readouterr().out


def test_a_wildcard_in_a_folder_inside_a_folder_whose_name_has_brackets(tmp_path, capsys):
    """D:\\报表[2026]\\一*\\*: the brackets of the folder that exists are its name; the wildcard below it is one."""
    folder = _copies(tmp_path / "报表[2026]" / "一月")
    assert _score(tmp_path / "报表[2026]" / "一*" / "*", tmp_path=tmp_path) == 0
    assert "Rated 42 customers" in capsys.readouterr().out
    assert len(input_files.expand([str(tmp_path / "报表[2026]" / "*" / "*.xlsx")]).files) == 2
    assert [p.parent for p in input_files.expand([str(tmp_path / "报表[2026]" / "一*" / "回款*")]).files] == [folder]


def test_a_file_named_with_brackets_is_read_not_taken_as_a_pattern(tmp_path, capsys):
    folder = _copies(tmp_path / "in")
    (folder / CUSTOMERS.name).rename(folder / "a[1].xlsx")
    (folder / "a1.xlsx").write_bytes(b"not a workbook")  # what a[1].xlsx would match as a pattern
    others = [folder / p.name for p in SAMPLES if p != CUSTOMERS]
    assert _score(folder / "a[1].xlsx", *others, tmp_path=tmp_path) == 0
    assert "Rated 42 customers" in capsys.readouterr().out
    # named nowhere as it is, the same text is a pattern: [1] is the character 1
    assert [p.name for p in input_files.expand([str(folder / "a[12].xlsx")]).files] == ["a1.xlsx"]


def test_a_lock_file_the_shell_expanded_is_skipped_with_a_note(tmp_path, capsys):
    """Today's bash: samples/* hands over ~$客户信用资料 2026.xlsx of the workbook open in Excel (was exit 3)."""
    folder = _copies(tmp_path / "in")
    lock = folder / f"~${CUSTOMERS.name}"
    lock.write_bytes(OWNER_FILE)
    assert _score(*sorted(folder.iterdir()), tmp_path=tmp_path) == 0  # as the shell lists them
    captured = capsys.readouterr()
    assert "Rated 42 customers" in captured.out
    assert f"credit-desk: skipped {lock}: the lock file Excel or WPS keeps beside an open workbook" in captured.err


def test_a_lock_file_the_pattern_matched_is_skipped_with_a_chinese_note(tmp_path, capsys):
    folder = _copies(tmp_path / "信用 资料")
    lock = folder / f"~${CUSTOMERS.name}"
    lock.write_bytes(OWNER_FILE)
    assert _score(folder / "*.xlsx", folder / "*.csv", tmp_path=tmp_path, lang="zh") == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if str(lock) in line]
    assert len(lines) == 1 and lines[0].startswith("credit-desk: 已跳过")
    words = lines[0].replace(str(lock), "")
    assert has_cjk(words) and english_sentences(words.replace("credit-desk", "")) == []


def test_a_dot_file_the_pattern_matched_is_skipped_but_one_named_is_read(tmp_path, capsys):
    folder = _copies(tmp_path / "in")
    hidden = folder / f".~{CUSTOMERS.name}"  # the hidden temporary name a write beside its target uses
    hidden.write_bytes(b"half a workbook")
    assert _score(folder / "*", tmp_path=tmp_path) == 0
    assert f"skipped {hidden}: a hidden file (its name starts with a dot) matched by a wildcard" in \
        capsys.readouterr().err
    named = folder / ".客户.xlsx"
    shutil.copy(CUSTOMERS, named)
    assert input_files.expand([str(named)]).files == [named]


def test_a_hidden_or_system_file_is_skipped_however_it_was_named(tmp_path, capsys, monkeypatch):
    """The attribute is Windows' (st_file_attributes): simulated by the check the skipping asks."""
    folder = _copies(tmp_path / "in")
    hidden = folder / "desktop.ini"
    hidden.write_text("[.ShellClassInfo]\n", encoding="utf-8")
    monkeypatch.setattr(input_files, "hidden_or_system", lambda p: Path(p).name == "desktop.ini")
    assert _score(folder / "*", tmp_path=tmp_path) == 0
    assert f"skipped {hidden}: a hidden or system file" in capsys.readouterr().err
    assert _score(*sorted(folder.iterdir()), tmp_path=tmp_path) == 0  # named by a shell: skipped too
    assert f"skipped {hidden}: a hidden or system file" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "win32", reason="the hidden and system attributes are Windows' own")
def test_the_windows_hidden_attribute_is_seen(tmp_path):
    import ctypes
    path = tmp_path / "隐藏.xlsx"
    shutil.copy(CUSTOMERS, path)
    assert not input_files.hidden_or_system(path)
    assert ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x2)  # FILE_ATTRIBUTE_HIDDEN
    assert input_files.hidden_or_system(path)
    assert input_files.expand([str(path)]).skipped == [(path, "input.skipped.hidden")]


def test_nothing_left_to_read_is_a_usage_error(tmp_path, capsys):
    lock = tmp_path / "~$客户.xlsx"
    lock.write_bytes(OWNER_FILE)
    out = str(tmp_path / "o.xlsx")
    assert _usage_error(["score", str(lock), "--out", out]) == 2
    err = capsys.readouterr().err
    assert f"skipped {lock}" in err and "no input file is left once the files above are skipped" in err
    assert not (tmp_path / "o.xlsx").exists()
    # approvals reads filled forms the same way
    assert _usage_error(["approvals", str(lock), "--json", str(tmp_path / "d.json")]) == 2
    assert "no input file is left" in capsys.readouterr().err


def test_a_pattern_that_matches_nothing_is_a_usage_error_naming_it(tmp_path, capsys):
    folder = _copies(tmp_path / "信用 资料")
    (folder / "子文件夹.xlsx").mkdir()  # a folder the pattern matches is no input file
    pattern = str(folder / "*.xlsm")
    assert _usage_error(["score", str(folder / "*.xlsx"), pattern, "--out", str(tmp_path / "o.xlsx")]) == 2
    assert f"{pattern} matches no file" in capsys.readouterr().err
    assert _usage_error(["score", pattern, "--out", str(tmp_path / "o.xlsx"), "--lang", "zh"]) == 2
    assert f"{pattern} 没有匹配到任何文件" in capsys.readouterr().err
    assert _usage_error(["score", str(folder / "子*"), "--out", str(tmp_path / "o.xlsx")]) == 2
    assert not (tmp_path / "o.xlsx").exists()


def test_matches_are_sorted_and_each_file_read_once(tmp_path):
    for name in ("B.xlsx", "a.xlsx", "C.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    pattern = str(tmp_path / "*.xlsx")
    assert [p.name for p in input_files.expand([pattern], windows=True).files] == ["a.xlsx", "B.xlsx", "C.xlsx"]
    assert [p.name for p in input_files.expand([pattern], windows=False).files] == ["B.xlsx", "C.xlsx", "a.xlsx"]
    twice = input_files.expand([str(tmp_path / "a.xlsx"), pattern], windows=False).files
    assert [p.name for p in twice] == ["a.xlsx", "B.xlsx", "C.xlsx"]


def test_the_console_program_with_no_arguments_prints_the_usage(capsys):
    assert console_main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("usage: credit-desk") and "verify-register" in out and "history" in out


@pytest.mark.parametrize(("executable", "args", "code", "says"), [
    ("credit-desk.exe", [], 2, "usage: credit-desk"),
    ("credit-desk", ["--version"], 0, f"credit-desk {__version__}"),
    ("CreditDesk.exe", ["--version"], 0, f"credit-desk {__version__}"),
])
def test_the_launcher_tells_its_two_executables_apart(executable, args, code, says, tmp_path):
    """One launcher in both executables: the console one's name makes it the command line."""
    run = ("import runpy, sys; sys.executable = sys.argv[1]; sys.argv = sys.argv[1:]; "
           f"runpy.run_path({str(ROOT / 'packaging' / 'launcher.py')!r}, run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", run, str(tmp_path / executable), *args], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == code, proc.stderr
    assert says in proc.stdout


def _spec_calls() -> dict[str, list[dict[str, object]]]:
    """The spec's EXE and COLLECT calls, each keyword's value resolved through the spec's names."""
    tree = ast.parse((ROOT / "packaging" / "credit_desk.spec").read_text(encoding="utf-8"))
    names = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}

    def value(node):
        if isinstance(node, ast.Name) and node.id in names:
            return value(names[node.id])
        return ast.literal_eval(node) if isinstance(node, ast.Constant) else ast.unparse(node)

    calls: dict[str, list[dict[str, object]]] = {}
    for name, node in names.items():
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("EXE", "COLLECT"):
            entry = {"var": name, "args": [ast.unparse(a) for a in node.args]}
            entry.update({k.arg: value(k.value) for k in node.keywords})
            calls.setdefault(node.func.id, []).append(entry)
    return calls


def test_the_spec_builds_a_window_and_a_console_program_in_one_folder():
    calls = _spec_calls()
    exes = {e["name"]: e for e in calls["EXE"]}
    assert set(exes) == {"CreditDesk", "credit-desk"}
    assert exes["CreditDesk"]["console"] is False and exes["credit-desk"]["console"] is True
    for e in exes.values():  # one Analysis, one PYZ, the binaries left to the folder
        assert e["args"][:2] == ["pyz", "a.scripts"] and e["exclude_binaries"] is True
    (collect,) = calls["COLLECT"]
    assert collect["name"] == "CreditDesk"
    assert {e["var"] for e in exes.values()} <= set(collect["args"]) and "a.binaries" in collect["args"]


BUNDLE = ROOT / "dist" / "CreditDesk"


@pytest.mark.skipif(not (BUNDLE / "_internal").is_dir(), reason="no frozen bundle built (python packaging/build.py)")
def test_the_built_bundle_holds_both_executables():
    suffix = ".exe" if sys.platform == "win32" else ""
    window = BUNDLE / f"CreditDesk{suffix}"
    if window.stat().st_mtime < (ROOT / "packaging" / "credit_desk.spec").stat().st_mtime:
        pytest.skip("the bundle was built from an older spec (python packaging/build.py builds it again)")
    for name in ("CreditDesk", "credit-desk"):
        assert (BUNDLE / f"{name}{suffix}").is_file(), name


def test_the_window_leaves_out_a_dropped_lock_file_and_says_so(qtbot, qapp, tmp_path):
    pytest.importorskip("PySide6")
    from window_helpers import TIMEOUT, open_window

    folder = _copies(tmp_path / "信用 资料")
    lock = folder / f"~${CUSTOMERS.name}"
    lock.write_bytes(OWNER_FILE)
    w = open_window(qtbot, qapp, tmp_path)
    try:
        with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
            w.add_files(sorted(folder.iterdir()))  # the whole folder dropped from Explorer
        qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
        assert lock not in w.files and len(w.files) == len(SAMPLES)
        note = w.statusBar().currentMessage()
        assert note.startswith(f"已跳过 {lock.name}：") and english_sentences(note.replace(lock.name, "")) == []
        assert all(Path(s.path) != lock for s in w.sheets_model._rows) and w.sheets_model._rows
        before = list(w.files)
        w.add_files([lock])  # the lock file alone: nothing to read, nothing changes
        assert w.files == before and w.worker is None
    finally:
        w.close()


def test_the_summary_json_of_a_wildcard_run_names_the_files_read(tmp_path, capsys):
    folder = _copies(tmp_path / "信用 资料")
    (folder / f"~${CUSTOMERS.name}").write_bytes(OWNER_FILE)
    js = tmp_path / "summary.json"
    assert main(["score", str(folder / "*"), "--as-of", "2026-06-30", "--out", str(tmp_path / "o.xlsx"),
                 "--json", str(js), "--no-register", "--no-profiles"]) == 0
    capsys.readouterr()
    assert "~$" not in js.read_text(encoding="utf-8")
    assert json.loads(js.read_text(encoding="utf-8"))["as_of"] == "2026-06-30"


def test_a_double_click_on_the_console_program_waits_with_a_word_instead_of_flashing_shut(monkeypatch, capsys):
    """Explorer gives a double-clicked credit-desk.exe a console of its own, which closes when it ends:
    the usage would flash by. Alone in its console, it says where the window is and waits for Enter."""
    import desktop.cli as cli

    class Alone:
        def __init__(self, n):
            self.n = n

        def GetConsoleProcessList(self, pids, size):  # noqa: N802
            return self.n
    assert cli.started_from_explorer(Alone(1)) and not cli.started_from_explorer(Alone(2))  # cmd.exe shares its own
    waited = []
    monkeypatch.setattr(cli, "started_from_explorer", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *a: waited.append(1) or "")
    assert console_main([]) == 2
    out = capsys.readouterr().out
    assert "请在命令提示符或 PowerShell 中运行它" in out and "CreditDesk.exe" in out and waited == [1]
    monkeypatch.setattr(cli, "started_from_explorer", lambda: False)
    assert console_main([]) == 2 and waited == [1]  # typed in a console: no wait
