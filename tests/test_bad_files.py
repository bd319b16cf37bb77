"""Broken, strange and hostile files: each yields its exact message, and no traceback."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from desktop.cli import main
from desktop.io.importer import import_files
from desktop.io.workbook import PasswordRequired, read_file

HEADER = ["客户编号", "客户名称", "资产总额"]


def workbook(path: Path, rows: list[list], **options) -> Path:
    wb = xlsxwriter.Workbook(path, options)
    ws = wb.add_worksheet("客户")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def replace_part(src: Path, dst: Path, part: str, data: bytes, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == part else zin.read(info.filename))
        for name, blob in (extra or {}).items():
            zout.writestr(name, blob)
    return dst


def cli(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err.strip()


def test_corrupt_and_fake_workbooks(tmp_path, capsys):
    good = workbook(tmp_path / "good.xlsx", [HEADER, ["C1", "甲", 1]])
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    (tmp_path / "letter.xlsx").write_text("Dear customer, ...", encoding="utf-8")
    for name in ("cut.xlsx", "letter.xlsx"):
        code, err = cli(["score", str(tmp_path / name), "--out", str(tmp_path / "o.xlsx")], capsys)
        assert code == 3 and err.startswith(f"credit-desk: {tmp_path / name}: not a readable .xlsx workbook (")
        assert "Traceback" not in err and "\n" not in err


def test_empty_workbook_and_header_only(tmp_path, capsys):
    empty = workbook(tmp_path / "empty.xlsx", [])
    code, err = cli(["score", str(empty), "--out", str(tmp_path / "o.xlsx")], capsys)
    assert (code, err) == (3, "credit-desk: Nothing to rate: no customer sheet was found among the inputs "
                              "(empty.xlsx / 客户: empty); a customer sheet needs the columns 客户编号 and 客户名称 "
                              "(name it with --customers FILE[:SHEET])")
    header = workbook(tmp_path / "header.xlsx", [HEADER])
    code, err = cli(["score", str(header), "--out", str(tmp_path / "o.xlsx")], capsys)
    assert (code, err) == (3, "credit-desk: Nothing to rate: the customer sheet header.xlsx / 客户 has a header "
                              "row but no data rows")


def test_decompression_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    base = workbook(tmp_path / "base.xlsx", [HEADER, ["C1", "甲", 1]])
    bomb = replace_part(base, tmp_path / "bomb.xlsx", "", b"", {"xl/media/padding.bin": b"\0" * (80 * 2**20)})
    assert bomb.stat().st_size < 2**20  # 80 MB of zeros packs into a few hundred KB
    monkeypatch.setenv("CREDIT_DESK_MAX_UNPACKED_MB", "50")
    with pytest.raises(Exception) as exc:
        read_file(bomb)
    assert str(exc.value) == (f"{bomb}: refused: it unpacks to more than the limit of 50 MB (a damaged or "
                              f"malicious file?). Only for a file you trust, ask your administrator to raise the limit.")
    monkeypatch.setenv("CREDIT_DESK_MAX_UNPACKED_MB", "200")
    assert read_file(bomb).sheets[0].head(2)[1][0] == "C1"


def test_xml_entity_expansion_is_refused(tmp_path):
    base = workbook(tmp_path / "base.xlsx", [HEADER, ["C1", "甲", 1]])
    lol = (b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
           b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b'<si><t>&c;</t></si></sst>')
    bad = replace_part(base, tmp_path / "lol.xlsx", "xl/sharedStrings.xml", lol)
    with pytest.raises(Exception) as exc:
        read_file(bad)
    assert str(exc.value) == f"{bad}: refused: the workbook's XML declares entities (an entity-expansion attack " \
                             f"or a damaged file)"
    # openpyxl (used to read filled approval forms) parses with defusedxml and refuses too
    with pytest.raises(Exception, match="could not read strings"):
        openpyxl.load_workbook(bad)


def test_password_protected_workbook(tmp_path, capsys):
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = workbook(tmp_path / "plain.xlsx", [HEADER, ["C1", "甲", 1]])
    secret = tmp_path / "加密 客户.xlsx"
    with open(plain, "rb") as src, open(secret, "wb") as out:
        OOXMLFile(src).encrypt("秘密123", out)
    with pytest.raises(PasswordRequired) as exc:
        read_file(secret)
    assert str(exc.value) == f"{secret}: the workbook is protected with a password; enter it to open the file"
    with pytest.raises(PasswordRequired, match="the password does not open this workbook"):
        read_file(secret, "wrong")
    assert read_file(secret, "秘密123").sheets[0].head(2)[1][:2] == ["C1", "甲"]
    code, err = cli(["score", str(secret), "--out", str(tmp_path / "o.xlsx")], capsys)
    assert code == 3 and "protected with a password" in err
    assert main(["score", str(secret), "--password", "秘密123", "--as-of", "2026-06-30",
                 "--out", str(tmp_path / "o.xlsx")]) == 0
    # decrypted in memory: no decrypted copy was written anywhere beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["plain.xlsx", "加密 客户.xlsx", "o.xlsx"])


def test_1904_date_system(tmp_path):
    path = workbook(tmp_path / "mac.xlsx", [["客户编号", "客户名称", "首次合作日期"], ["C1", "甲", 43966]],
                    date_1904=True)
    (c,) = import_files([path]).customers
    assert c.first_trade_date == date(2024, 5, 16)  # serial 43966 counted from 1904-01-01
    normal = workbook(tmp_path / "pc.xlsx", [["客户编号", "客户名称", "首次合作日期"], ["C1", "甲", 43966]])
    assert import_files([normal]).customers[0].first_trade_date == date(2020, 5, 15)


def test_hidden_sheet_is_read_and_flagged(tmp_path):
    path = tmp_path / "hidden.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("可见").write_row(0, 0, ["说明"])
    ws = wb.add_worksheet("隐藏客户")
    ws.write_row(0, 0, ["客户编号", "客户名称"])
    ws.write_row(1, 0, ["C1", "甲"])
    ws.hide()
    wb.close()
    r = import_files([path])
    assert [c.customer_id for c in r.customers] == ["C1"]
    hidden, notes = sorted(r.issues, key=lambda i: i.sheet != "隐藏客户")
    assert (hidden.sheet, hidden.problem, hidden.severity) == ("隐藏客户", "hidden sheet", "warning")
    # the visible sheet is not a kind the program reads: said, with its first rows, not passed over
    assert (notes.sheet, notes.value, notes.severity) == ("可见", "1: 说明", "warning")
    assert notes.problem.startswith("no header row of a customer sheet")


def test_formula_without_a_saved_value_is_reported(tmp_path):
    path = tmp_path / "formula.xlsx"
    wb = openpyxl.Workbook()  # openpyxl saves formulas without their values, as scripts do
    ws = wb.active
    ws.append(HEADER)
    ws.append(["C1", "甲", "=100*2"])
    ws.append(["C2", "乙", 300])
    wb.save(path)
    r = import_files([path])
    assert [(c.customer_id, c.total_assets) for c in r.customers] == [("C1", None), ("C2", 300.0)]
    (issue,) = r.issues
    assert (issue.row, issue.column, issue.action) == (2, "C 资产总额", "treated as blank")
    assert issue.problem == "formula without a saved value (open and save the file in Excel first)"


def test_enormous_cells_duplicate_headers_mixed_types(tmp_path):
    path = workbook(tmp_path / "odd.xlsx", [["客户编号", "客户名称", "客户名称", "资产总额"],
                                            ["C1", "甲", "别名", "1,000"], [2, "乙", None, 20.5],
                                            ["C3", "丙", None, "n/a"]])
    r = import_files([path])
    assert [c.customer_id for c in r.customers] == ["C1", "2", "C3"]
    assert [c.total_assets for c in r.customers] == [1000.0, 20.5, None]
    problems = sorted((i.row, i.problem) for i in r.issues)
    assert problems == [(1, "second column for 'name'"), (4, "not an amount")]

    # A CSV cell longer than an Excel cell can hold: read whole, written cut with a mark.
    long_name = "很长的名称" * 8000  # 40,000 characters
    csv_path = tmp_path / "long.csv"
    csv_path.write_text(f"客户编号,客户名称\nC1,{long_name}\n", encoding="utf-8")
    (c,) = import_files([csv_path]).customers
    assert len(c.name) == 40_000
    from desktop import services, session
    out = tmp_path / "out.xlsx"
    services.score(session.ScoreRequest(inputs=[csv_path], as_of=date(2026, 6, 30), out=out))
    name = openpyxl.load_workbook(out)["评级结果"]["B2"].value
    assert len(name) == 32767 and name.endswith("…") and name.startswith("很长的名称")


def test_no_traceback_reaches_the_user_for_any_corpus_file(tmp_path, capsys):
    """Every file above through the command line: a one-line message and exit 3, never a crash."""
    files = [tmp_path / "a.xlsx", tmp_path / "b.xls", tmp_path / "c.ods", tmp_path / "d.csv", tmp_path / "e.xlsb"]
    files[0].write_bytes(b"PK\x03\x04garbage")
    files[1].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    files[2].write_bytes(b"PK\x03\x04")
    files[3].write_bytes(bytes(range(256)) * 4)
    files[4].write_bytes(b"")
    for f in files:
        code, err = cli(["score", str(f), "--out", str(tmp_path / "o.xlsx")], capsys)
        assert code == 3 and err.startswith("credit-desk: ") and "Traceback" not in err, (f, err)
