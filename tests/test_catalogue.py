"""Every message comes from the one catalogue (desktop/messages/), in Chinese and in English.

(a) every code has a Chinese text that is Chinese (no English sentence in it), an English text,
and the same named values in both; (b) no error is raised with a text of its own: a walk of
desktop/'s code finds every error of the clerk's (InputFileError, OutputFileError, ...) made
with a catalogue code as its first argument; (c) each kind of error, provoked for real, reads in
Chinese, with no English sentence, and names its file.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest
import xlsxwriter

from desktop.errors import CreditDeskError, InputFileError, NothingToRateError, OutputFileError
from desktop.messages import CATALOGUE, english_sentences, fields, has_cjk, text
from desktop.session import ScoreRequest, Session

DESKTOP = Path(__file__).resolve().parent.parent / "desktop"
# the clerk's errors: made only with a catalogue code (PolicyError words its own problems, policy.*)
CODED = {"CreditDeskError", "InputFileError", "NothingToRateError", "OutputFileError", "UsageError",
         "StaleRatingError", "RegisterError", "RegisterWriteError", "LayoutError"}
CODE_SECOND = {"PasswordRequired"}  # PasswordRequired(path, code, ...)


# ---------------------------------------------------------------- (a) the catalogue itself

_NAMED = re.compile(r"\{(\w+)(?:![rsa])?(?::[^}]*)?\}")


def _layout_only(zh: str) -> bool:
    """A text that only lays values out ("{detail}", "{where}：{problem}", "{a}、{b}"): no word of its
    own, the words are the values', made elsewhere in the same language."""
    rest = _NAMED.sub("", zh)
    return not has_cjk(rest) and not any(ch.isalpha() for ch in rest)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_its_chinese_and_english_text(code):
    zh, en = CATALOGUE[code]
    assert en.strip(), f"{code}: no English text"
    assert english_sentences(zh) == [], f"{code}: English in the Chinese text: {zh!r}"
    assert has_cjk(zh) or _layout_only(zh), f"{code}: the Chinese text has no Chinese: {zh!r}"
    assert set(_NAMED.findall(zh)) == set(_NAMED.findall(en)), f"{code}: the texts use different values"
    assert fields(code) == set(_NAMED.findall(en))


_POSITIONAL = re.compile(r"\{(\d*)(?:![rsa])?(?::[^}]*)?\}")
# workbook words that are the same in both languages: abbreviations and symbols a Chinese reader uses
SAME_IN_BOTH = re.compile(r"^(?:DSO|SHA-256|[A-Z]{1,3}|[≤<>≥%~∞ \d{}.,:：()（）-]*)$")


def _pairs() -> list[tuple[str, str, str]]:
    """(part and key, Chinese, English) of every workbook word."""
    from desktop.messages import workbooks
    out = []
    for name in ("LABELS", "CODE_WORDS", "FIELD_WORDS", "BASIS_WORDS", "PARAMETER_WORDS"):
        out += [(f"{name}[{k}]", zh, en) for k, (zh, en) in getattr(workbooks, name).items()]
    return out


def test_every_workbook_word_has_its_chinese_and_english():
    pairs = _pairs()
    assert len(pairs) > 300
    bad = [(key, zh) for key, zh, en in pairs
           if not en.strip() or english_sentences(zh) or not (has_cjk(zh) or SAME_IN_BOTH.match(zh))
           or set(_POSITIONAL.findall(zh)) != set(_POSITIONAL.findall(en))]
    assert bad == []


# the command line's option names, which the Chinese words replace with where the window says it
DROPS_ON_PURPOSE = {r"sheet not used: say what it is \((.+), or in the list of sheets\)"}


def test_every_row_problem_pattern_has_chinese_words_that_keep_its_values():
    from desktop.messages.rows import ISSUE_ZH
    assert len(ISSUE_ZH) > 80
    for pattern, zh in ISSUE_ZH:
        groups = re.compile(pattern).groups
        used = {int(n) for n in re.findall(r"\\(\d)", zh)}
        assert has_cjk(zh) and not english_sentences(zh), (pattern, zh)
        assert used <= set(range(1, groups + 1)), (pattern, zh)
        if pattern not in DROPS_ON_PURPOSE:
            assert used == set(range(1, groups + 1)), f"{pattern!r}: a value found is dropped from {zh!r}"


def test_every_window_word_has_its_chinese_with_the_same_values():
    from desktop.messages.window import FIELD_WORDS_ZH, ZH
    assert len(ZH) > 250
    bad = [(en, zh) for en, zh in ZH.items()
           if english_sentences(zh) or not (has_cjk(zh) or SAME_IN_BOTH.match(zh))
           or set(_POSITIONAL.findall(zh)) != set(_POSITIONAL.findall(en))]
    assert bad == []
    assert all(has_cjk(zh) for zh in FIELD_WORDS_ZH.values())


def test_a_text_fills_in_messages_and_lists_in_its_language():
    from desktop.messages import Message
    found = [Message("error.found.empty", {"where": "a.xlsx / 客户"}), Message("error.found.unreadable",
                                                                              {"where": "b.xlsx"})]
    assert text("error.nothing.no_customer_sheet", "en", found=found).startswith(
        "Nothing to rate: no customer sheet was found among the inputs (a.xlsx / 客户: empty; b.xlsx: cannot be read)")
    assert "（a.xlsx / 客户：空白；b.xlsx：无法读取）" in text("error.nothing.no_customer_sheet", "zh", found=found)


# ---------------------------------------------------------------- (b) no raw English raised

def _constant_codes(node: ast.expr) -> list[str] | None:
    """The code(s) an argument names: a string constant, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _constant_codes(node.body), _constant_codes(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _made_errors() -> list[tuple[str, int, str, list[str] | None]]:
    """(file, line, class, codes) of every call of a clerk's error class in desktop/."""
    found = []
    for path in sorted(DESKTOP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            where = str(path.relative_to(DESKTOP.parent))
            if name in CODED:
                found.append((where, node.lineno, name, _constant_codes(node.args[0]) if node.args else None))
            elif name in CODE_SECOND:
                found.append((where, node.lineno, name, _constant_codes(node.args[1]) if len(node.args) > 1 else None))
            elif node.args and (codes := _constant_codes(node.args[0])) and all(c.startswith("error.") for c in codes):
                found.append((where, node.lineno, name, codes))  # error(...) in the register: its class chosen
    return found


def test_every_error_is_made_with_a_catalogue_code():
    made = _made_errors()
    assert len([m for m in made if m[2] in CODED]) > 70  # the walk found them (a broken walk finds none)
    bad = [f"{f}:{line}: {name}({codes})" for f, line, name, codes in made
           if codes is None or any(c not in CATALOGUE for c in codes)]
    assert bad == []


def test_the_walk_sees_a_raw_english_raise(tmp_path):
    """The walk itself: a raise of an English sentence is found as one without a code."""
    tree = ast.parse('raise InputFileError(f"{path}: file not found")\nraise OutputFileError("error.output.twice")')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert [_constant_codes(c.args[0]) for c in calls] == [None, ["error.output.twice"]]


# ---------------------------------------------------------------- (c) each kind of error, for real

def _chinese(exc: CreditDeskError, name: str) -> str:
    zh = exc.text("zh")
    words = re.sub(r"(?:/[^\s/：，。（）]+)+/", "", zh)  # the folders of the test's files are not the text's words
    assert has_cjk(zh) and english_sentences(words) == [], zh
    assert name in zh, f"{name} is not named: {zh}"
    assert str(exc) == exc.text("en") and name in str(exc)  # the English of logs and scripts
    return zh


def _xlsx(path: Path, rows: list[list], sheet: str = "客户") -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    return path


def _score(inputs: list[Path], out: Path) -> CreditDeskError:
    with pytest.raises(CreditDeskError) as caught:
        Session().score(ScoreRequest(inputs=inputs, out=out))
    return caught.value


def test_a_missing_file(tmp_path):
    exc = _score([tmp_path / "客户资料.xlsx"], tmp_path / "结果.xlsx")
    assert isinstance(exc, InputFileError) and exc.code == "error.file.not_found"
    assert "找不到文件" in _chinese(exc, "客户资料.xlsx")


def test_a_locked_file(tmp_path, monkeypatch):
    path = _xlsx(tmp_path / "锁定.xlsx", [["客户编号", "客户名称"], ["C1", "甲"]])
    path.chmod(0o000)
    try:
        if os.access(path, os.R_OK):  # root reads it anyway: the system's refusal, as Excel's lock gives it
            def locked(self):
                raise PermissionError(13, "Permission denied")
            monkeypatch.setattr(Path, "read_bytes", locked)
        exc = _score([path], tmp_path / "结果.xlsx")
    finally:
        path.chmod(0o644)
    assert exc.code == "error.file.locked"
    assert "Excel" in _chinese(exc, "锁定.xlsx")


def test_a_text_file_renamed_xlsx(tmp_path):
    path = tmp_path / "改名的文本.xlsx"
    path.write_text("客户编号,客户名称\nC1,甲\n", encoding="utf-8")
    exc = _score([path], tmp_path / "结果.xlsx")
    assert exc.code == "error.file.not_readable" and exc.detail  # the reader's own words: in the log
    assert exc.detail not in exc.text("zh") and exc.detail not in str(exc)
    _chinese(exc, "改名的文本.xlsx")


def test_a_damaged_zip(tmp_path):
    good = _xlsx(tmp_path / "好.xlsx", [["客户编号", "客户名称"], ["C1", "甲"]])
    path = tmp_path / "损坏.xlsx"
    data = good.read_bytes()
    path.write_bytes(data[:len(data) // 2])  # a copy cut short
    exc = _score([path], tmp_path / "结果.xlsx")
    assert isinstance(exc, InputFileError)
    zh = _chinese(exc, "损坏.xlsx").replace(str(path), "")
    assert "zip" not in zh.lower() and "xml" not in zh.lower()


def test_an_empty_customer_sheet(tmp_path):
    path = _xlsx(tmp_path / "空表.xlsx", [["客户编号", "客户名称"]])
    exc = _score([path], tmp_path / "结果.xlsx")
    assert isinstance(exc, NothingToRateError) and exc.code == "error.nothing.no_data_rows"
    assert "没有数据行" in _chinese(exc, "空表.xlsx")


def test_no_customer_sheet(tmp_path):
    path = _xlsx(tmp_path / "销售.xlsx", [["客户编号", "发票号", "开票日期", "金额"], ["C1", "F1", "2026-01-05", 1]],
                 sheet="销售")
    exc = _score([path], tmp_path / "结果.xlsx")
    assert exc.code == "error.nothing.no_customer_sheet"
    zh = _chinese(exc, "销售.xlsx")
    assert "作为销售明细读取" in zh and "--customers" not in zh and "--customers" not in str(exc)


def test_an_output_folder_that_cannot_be_written(tmp_path, monkeypatch):
    path = _xlsx(tmp_path / "客户.xlsx", [["客户编号", "客户名称"], ["C1", "甲"]])
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root writes anyway: the refusal a clerk's account gets
            from desktop.io import safe_write
            real = os.access
            monkeypatch.setattr(safe_write.os, "access", lambda p, mode: False if Path(p) == folder else real(p, mode))
        exc = _score([path], folder / "结果.xlsx")
    finally:
        folder.chmod(0o755)
    assert isinstance(exc, OutputFileError) and exc.code == "error.output.no_permission"
    assert "权限" in _chinese(exc, "结果.xlsx") and not (folder / "结果.xlsx").exists()


def test_the_output_is_the_input(tmp_path):
    path = _xlsx(tmp_path / "客户.xlsx", [["客户编号", "客户名称"], ["C1", "甲"]])
    before = path.read_bytes()
    exc = _score([path], path)
    assert isinstance(exc, OutputFileError) and exc.code == "error.output.is_input"
    assert "读入的文件" in _chinese(exc, "客户.xlsx") and path.read_bytes() == before


def test_an_error_crosses_the_engine_in_both_languages():
    """The engine sends the message worded in each language; pickled, an error keeps its code."""
    import pickle

    from desktop.errors import RunNotRegistered
    exc = pickle.loads(pickle.dumps(RunNotRegistered("R1", "r.sqlite")))
    assert exc.run_id == "R1" and exc.code == "error.run_not_registered"
    assert set(exc.texts()) == {"zh", "en"} and "--results" not in exc.texts()["en"]
