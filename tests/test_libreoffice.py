"""A real spreadsheet program recalculates the results workbook and agrees with the engine."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert, soffice

from desktop import services, session
from desktop.cli import main
from desktop.paths import samples_dir

pytestmark = [
    pytest.mark.libreoffice,
    # Debt: skipped only where LibreOffice is absent; .ci/run installs it, so CI always runs these.
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    from desktop.paths import samples_dir
    base = tmp_path_factory.mktemp("lo")
    out = base / "评级 结果.xlsx"
    result = services.score(session.ScoreRequest(inputs=sorted(samples_dir().iterdir()),
                                                  as_of=date(2026, 6, 30), out=out))
    return result, out, base


def _columns(ws):
    return {c.value: i for i, c in enumerate(ws[1])}


def test_recalculated_totals_and_levels_match_the_engine(scored):
    result, out, base = scored
    recalculated = convert(out, "xlsx", base / "recalc", base / "profile")
    ws = openpyxl.load_workbook(recalculated, data_only=True)["评级结果"]
    col = _columns(ws)
    got = [(r[col["客户编号"]], r[col["总分"]], r[col["系统等级"]], r[col["最终等级"]])
           for r in ws.iter_rows(min_row=2, values_only=True)]
    want = [(d.customer_id, d.total, d.raw_level, d.level) for d in result.rating.decisions]
    assert got == want
    summary = openpyxl.load_workbook(recalculated, data_only=True)["汇总"]
    counts = {r[0].split()[0]: r[1] for r in summary.iter_rows(values_only=True)
              if r[0] and str(r[0]).split()[0] in {"AAA", "AA", "A", "B", "C"}}
    assert counts == {lv.level: sum(d.level == lv.level for d in result.rating.decisions)
                      for lv in result.policy.levels}


def test_libreoffice_really_recalculates_an_edited_item(scored):
    """Edit an item's points the way an auditor might; the total and level must follow."""
    result, out, base = scored
    wb = openpyxl.load_workbook(out)
    ws = wb["评级结果"]
    col = _columns(ws)
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "C0007")  # 87, AA
    ws.cell(row, col["付款及时性\n得分(30)"] + 1).value = 30  # 25 -> 30: total 92
    edited = base / "edited.xlsx"
    wb.save(edited)
    recalculated = convert(edited, "xlsx", base / "recalc-edited", base / "profile2")
    ws2 = openpyxl.load_workbook(recalculated, data_only=True)["评级结果"]
    values = {c: ws2.cell(row, i + 1).value for c, i in col.items()}
    assert values["总分"] == 92 and values["系统等级"] == "AAA" and values["最终等级"] == "AAA"


def test_pages_render_to_pdf(scored):
    _, out, base = scored
    pdf = convert(out, "pdf", base / "pdf", base / "profile3")
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes()[:4] == b"%PDF"


def _lo_python() -> str | None:
    """LibreOffice's Python with the uno bridge (the system python3 on Debian and Ubuntu)."""
    import shutil
    import subprocess
    exe = shutil.which("python3", path="/usr/bin") or None
    if exe and subprocess.run([exe, "-c", "import uno"], capture_output=True).returncode == 0:
        return exe
    return None


@pytest.mark.skipif(soffice() is None or _lo_python() is None,
                    reason="needs LibreOffice and its Python uno bridge (python3-uno)")
def test_libreoffice_opens_an_encrypted_export_only_with_its_password(tmp_path):
    import subprocess
    out = tmp_path / "加密 结果.xlsx"
    assert main(["score", *map(str, sorted(samples_dir().iterdir())), "--as-of", "2026-06-30", "--out", str(out),
                 "--open-password", "开启123", "--no-register"]) == 0
    proc = subprocess.run([_lo_python(), str(Path(__file__).parent / "lo_open_encrypted.py"), str(out),
                           str(tmp_path / "lo-profile"), "wrong", "开启123"],
                          capture_output=True, text=True, encoding="utf-8", timeout=240)
    assert proc.stdout.splitlines() == ["wrong: not opened", "开启123: opened 评级结果 C0001"], proc.stderr
