"""Pictures of what is printed: the bundled samples' first credit level application and first
special payment-term application, and the decisions workbook of a read-back, as LibreOffice
prints them to PDF.

    python docs/render_pages.py [FOLDER]   (default: docs/; writes form-application.png,
                                            form-special-term.png, decisions.png, decisions-problems.png)

Needs LibreOffice (soffice) and poppler-utils (pdftotext, pdftoppm). Rates the samples as of
2026-06-30, recorded in a register of its own (so the forms are sealed with its key), fills a few
forms as a sales manager and a CFO would (one of them dated before the run), and reads them back.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402

import openpyxl  # noqa: E402

from desktop import services, session  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402

AS_OF = date(2026, 6, 30)
PAGES = {"form-application.png": "客户信用等级评定申请表", "form-special-term.png": "客户特殊付款期限申请表"}
DECISION_PAGES = {"decisions.png": "最终授信清单", "decisions-problems.png": "问题清单"}


def approval_workbook(path: Path) -> None:
    """The samples rated and recorded in a register beside ``path``, their approval workbook at ``path``."""
    services.score(session.ScoreRequest(inputs=sorted(samples_dir().iterdir()), as_of=AS_OF, forms_out=path,
                                        register=path.with_name("register.sqlite")))


def decisions_workbook(forms: Path, out: Path) -> None:
    """A few forms filled (approved, approved by the CFO, rejected, one dated before the run), read back."""
    wb = openpyxl.load_workbook(forms)
    cells = {r[0]: json.loads(r[1]) for r in wb["_layout"].iter_rows(min_row=2, values_only=True) if r[0]}
    app, special = cells["credit_application"], cells["special_term"]
    now = datetime.now()

    def fill(sheet: str, where: dict, values: dict) -> None:
        for key, value in values.items():
            wb[sheet][where[key]].value = value
    fill("评定-C0003", app, {"manager_decision": "同意", "manager_signer": "赵经理", "manager_date": now})
    fill("评定-C0007", app, {"manager_decision": "同意", "manager_approved_term": 120, "manager_approved_limit": 500000,
                           "manager_reason": "年度框架协议", "manager_signer": "赵经理", "manager_date": now})
    fill("特殊账期-C0007", special, {"manager_decision": "同意", "manager_signer": "赵经理", "manager_date": now,
                                 "cfo_decision": "同意", "cfo_signer": "钱总监", "cfo_date": now,
                                 "cfo_reason": "战略客户", "finance_signer": "孙会计", "finance_filing_date": now})
    fill("评定-C0013", app, {"manager_decision": "不同意", "manager_signer": "赵经理", "manager_date": now})
    fill("评定-C0025", app, {"manager_decision": "同意", "manager_final_level": "B", "manager_approved_term": 30,
                           "manager_signer": "赵经理", "manager_date": now - timedelta(days=400)})
    filled = forms.with_name("审批表 已填.xlsx")
    wb.save(filled)
    services.read_approvals(session.ApprovalsRequest(filled=[filled], register=forms.with_name("register.sqlite"),
                                                      out=out))


def to_pdf(xlsx: Path, work: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is not installed")
    profile = (work / "profile").as_uri()  # a profile of its own: runs do not wait on each other
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
                    "--outdir", str(work), str(xlsx)], check=True, capture_output=True, timeout=300)
    return work / (xlsx.stem + ".pdf")


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


def render(pdf: Path, pages: dict[str, str], folder: Path) -> None:
    """One PNG per entry of ``pages``: the first page whose text holds its title (not an index page)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    texts = {n: page_text(pdf, n) for n in range(1, count + 1)}
    for name, title in pages.items():
        page = next(n for n, text in texts.items() if title in text.strip().splitlines()[0] and "→" not in text)
        out = folder / name
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile",
                        str(pdf), str(out.with_suffix(""))], check=True, timeout=120)
        print(f"{out}: page {page} of {count}")


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        xlsx = work / "审批表单.xlsx"
        approval_workbook(xlsx)
        render(to_pdf(xlsx, work), PAGES, folder)
        decisions = work / "审批结果.xlsx"
        decisions_workbook(xlsx, decisions)
        render(to_pdf(decisions, work), DECISION_PAGES, folder)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
