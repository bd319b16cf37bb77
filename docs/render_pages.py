"""Pictures of the printed approval forms: the bundled samples' first credit level application and
first special payment-term application, as LibreOffice prints them to PDF.

    python docs/render_pages.py [FOLDER]   (default: docs/, writes form-application.png and form-special-term.png)

Needs LibreOffice (soffice) and poppler-utils (pdftotext, pdftoppm). Rates the samples as of
2026-06-30 without recording the run in a register.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop import services, session  # noqa: E402
from desktop.core.forms import forms_needed  # noqa: E402
from desktop.io.forms_layout import load_layouts  # noqa: E402
from desktop.io.policy_file import load_policy  # noqa: E402
from desktop.io.writers.forms import write_approval_workbook  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402

AS_OF = date(2026, 6, 30)
PAGES = {"form-application.png": "客户信用等级评定申请表", "form-special-term.png": "客户特殊付款期限申请表"}


def approval_workbook(path: Path) -> None:
    files, policy = sorted(samples_dir().iterdir()), load_policy()
    imported = services.import_inputs(session.ImportRequest(tuple(files), (), AS_OF))
    rated = services.rate_imported(imported, policy, AS_OF, files)
    specs = forms_needed(rated.rating, policy, rated.run.run_id)
    write_approval_workbook(str(path), specs, rated.rating, policy, rated.run, load_layouts(), "zh")


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


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        xlsx = work / "审批表单.xlsx"
        approval_workbook(xlsx)
        pdf = to_pdf(xlsx, work)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        texts = {n: page_text(pdf, n) for n in range(1, pages + 1)}
        for name, title in PAGES.items():
            page = next(n for n, text in texts.items() if title in text and "→" not in text)  # not the index
            out = folder / name
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile",
                            str(pdf), str(out.with_suffix(""))], check=True, timeout=120)
            print(f"{out}: page {page} of {pages}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
