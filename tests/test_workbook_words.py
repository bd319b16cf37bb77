"""Every workbook of a Chinese run speaks Chinese: results, approval forms, notices, working papers
and the decisions workbook of a read-back, every visible sheet, every cell, comment, input
prompt, error alert and print header. Codes an auditor traces (rule codes, form IDs, file names,
hashes) may stay as they are; an English sentence, a key path, ``key=value`` or ``inf`` may not.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from desktop import services, session
from desktop.messages import english_sentences
from desktop.paths import samples_dir

AS_OF = date(2026, 6, 30)
KEY_PATH = re.compile(r"\b[a-z]+_[a-z_]+\b|\w\[\d+\]|\b[a-z_]+=\S|\binf\b|\bnan\b|\bNone\b|\bTrue\b|\bFalse\b")


def _texts(path: Path) -> list[tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue  # the facts an auditor's recomputation reads (hidden, documented in the audit sheet)
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and not c.value.startswith("="):
                    out.append((f"{ws.title}!{c.coordinate}", c.value))
                if c.comment is not None:
                    out.append((f"{ws.title}!{c.coordinate} comment", c.comment.text))
        for dv in ws.data_validations.dataValidation:
            for s in (dv.prompt, dv.promptTitle, dv.error, dv.errorTitle):
                if s:
                    out.append((f"{ws.title} input message {dv.sqref}", s))
        for part in (ws.oddHeader, ws.oddFooter):
            for s in (part.left.text, part.center.text, part.right.text):
                if s:
                    out.append((f"{ws.title} print header", s))
    return out


def _foreign(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    bad = []
    for where, s in texts:
        plain = re.sub(r"[A-Z][A-Z0-9_]{2,}|[A-Z]{2,6}-\d{14}-\d{5}|\S+\.(?:xlsx|csv|toml|sqlite)|[0-9a-f]{12,}", "", s)
        found = english_sentences(plain) + KEY_PATH.findall(plain)
        if found:
            bad.append((where, ", ".join(found[:5])))
    return bad


@pytest.fixture(scope="module")
def chinese_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("words")
    req = session.ScoreRequest(inputs=sorted(samples_dir().iterdir()), as_of=AS_OF, out=folder / "results.xlsx",
                               forms_out=folder / "approvals.xlsx", notices_out=folder / "notices.xlsx",
                               detail_out=folder / "detail.xlsx", register=folder / "register.sqlite")
    services.score(req)
    return folder


@pytest.mark.parametrize("name", ["results.xlsx", "approvals.xlsx", "notices.xlsx", "detail.xlsx"])
def test_a_chinese_workbook_holds_no_english(chinese_run, name):
    texts = _texts(chinese_run / name)
    assert len(texts) > 50
    assert _foreign(texts) == []


def test_the_decisions_workbook_of_a_chinese_read_back_holds_no_english(chinese_run, tmp_path):
    from test_approvals import _fill_typical
    filled = _fill_typical(chinese_run / "approvals.xlsx", tmp_path / "已填 审批表.xlsx")
    services.read_approvals(session.ApprovalsRequest(filled=[filled], register=chinese_run / "register.sqlite",
                                                     out=tmp_path / "decisions.xlsx", today=date(2026, 7, 15)))
    texts = _texts(tmp_path / "decisions.xlsx")
    assert any("问题" in s or "已批准" in s for _, s in texts)
    assert _foreign(texts) == []


def test_the_check_finds_english_where_it_is():
    assert _foreign([("x", "订单 2 笔"), ("y", "C0001 XYPD-20260630120000-00001 a.xlsx")]) == []
    assert _foreign([("x", "the application has errors")]) != []
    assert _foreign([("x", "orders=2, min_orders=3")]) != []
    assert _foreign([("x", "[5000000, inf)")]) != []
