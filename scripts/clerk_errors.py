"""A clerk's test: every kind of mistake a clerk makes, fed to the Chinese window, read as they read it.

    python scripts/clerk_errors.py [--report REPORT.json] [--lang zh]

For each case the window is driven through its menus' own code paths (the file dialogs answered
as a clerk would answer them), and everything it then shows is collected: the message box's text
and its hint, the status bar, the 无法读取 line in Files and sheets, the row issues. Each text
must be in the window's language: in Chinese no English sentence, no key path, no option name
(``--results``), no library name. It prints one line per case and exits 1 when a text is not.
``tests/test_clerk_errors.py`` runs it.

Runs under Xvfb or, without a display, on Qt's offscreen platform.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QDate, QEventLoop, QSettings, QStandardPaths, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox  # noqa: E402

from desktop.messages import english_sentences, has_cjk  # noqa: E402

TECHNICAL = re.compile(r"--[a-z]|\b[a-z]+_[a-z_]+\b|\w\[\d+\]|\b\w+=\S|calamine|openpyxl|xlsxwriter|fastexcel|"
                       r"Traceback|Error\b|errno|\bzip\b|\bXML\b|CREDIT_DESK", re.IGNORECASE)
TIMEOUT_MS = 60_000


def wait_for(app: QApplication, done, timeout_ms: int = TIMEOUT_MS) -> bool:
    """Run the event loop until ``done()`` holds (or the time is up)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if done() else None)
    timer.start(20)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    timer.stop()
    return done()


class Clerk:
    def __init__(self, lang: str, folder: Path):
        QStandardPaths.setTestModeEnabled(True)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings"))
        from desktop.app import _application
        from desktop.ui.i18n import Language
        from desktop.ui.main_window import MainWindow
        from desktop.ui.settings import Settings
        self.app = _application([])
        settings = Settings()
        settings.save_open_folder_after_export(False)
        self.w = MainWindow(Language(self.app, lang), settings)
        self.w.as_of.setDate(QDate(2026, 6, 30))
        self.w.show()
        self.folder = folder
        self.answers: list[object] = []  # what the next file dialogs answer, in order
        for name in ("getOpenFileNames", "getOpenFileName", "getSaveFileName"):
            setattr(QFileDialog, name, staticmethod(self._answer(name)))

    def _answer(self, name: str):
        def answer(*args, **kwargs):
            value = self.answers.pop(0) if self.answers else None
            if name == "getOpenFileNames":
                return ([str(p) for p in value] if value else []), ""
            return (str(value) if value else ""), ""
        return answer

    def idle(self) -> bool:
        return wait_for(self.app, lambda: self.w.worker is None)

    def boxes(self) -> list[QMessageBox]:
        return [b for b in self.w.findChildren(QMessageBox) if b.isVisible()]

    def close_boxes(self) -> None:
        for b in self.boxes():
            b.done(0)
        self.app.processEvents()

    def seen(self) -> list[str]:
        """Everything the clerk reads now: open message boxes, the status bar, the unreadable
        files' lines and the row issues panel."""
        texts = []
        for b in self.boxes():
            texts += [b.windowTitle(), b.text(), b.informativeText()]
        texts.append(self.w.statusBar().currentMessage())
        m = self.w.sheets_model
        for r in range(m.rowCount()):
            for c in range(m.columnCount()):
                v = m.index(r, c).data()
                if isinstance(v, str):
                    texts.append(v)
        m = self.w.issues_model
        for r in range(min(m.rowCount(), 50)):
            for c in range(m.columnCount()):
                v = m.index(r, c).data()
                if isinstance(v, str):
                    texts.append(v)
        return [t for t in texts if t and t.strip()]

    def start_over(self) -> None:
        self.answers.clear()
        self.close_boxes()
        self.idle()
        self.w.clear_files()
        self.idle()

    def open(self, *paths: Path) -> None:
        self.answers.append(list(paths))
        self.w.open_files()
        self.idle()
        wait_for(self.app, lambda: bool(self.boxes()) or self.w.worker is None, 2000)

    def rate(self) -> None:
        self.w.rate()
        self.idle()


def _samples() -> list[Path]:
    from desktop.paths import samples_dir
    return sorted(samples_dir().iterdir())


def _xlsx(path: Path, rows: list[list]) -> Path:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    return path


def cases(clerk: Clerk, work: Path):
    """(name, action): each action leaves on screen what the clerk reads for that mistake."""
    samples = _samples()
    customers = next(p for p in samples if "客户" in p.name)
    ledger = next(p for p in samples if "销售" in p.name)

    def renamed_text():
        p = work / "不是工作簿 1.xlsx"
        p.write_text("这只是一段文字，不是表格。\n", encoding="utf-8")
        clerk.open(p)

    def damaged_zip():
        p = work / "损坏 的工作簿.xlsx"
        p.write_bytes(customers.read_bytes()[:3000])
        clerk.open(p)

    def binary_workbook():
        p = work / "二进制工作簿.xlsx"
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("xl/workbook.bin", b"\0" * 64)
        clerk.open(p)

    def empty_file():
        p = work / "空文件.xlsx"
        p.write_bytes(b"")
        clerk.open(p)

    def folder_named_like_a_workbook():
        p = work / "文件夹.xlsx"
        p.mkdir(exist_ok=True)
        clerk.open(p)

    def file_gone():
        p = work / "已删除.xlsx"
        shutil.copy(customers, p)
        clerk.answers.append([p])
        p.unlink()
        clerk.w.open_files()
        clerk.idle()

    def no_customer_sheet():
        clerk.open(ledger)
        clerk.rate()

    def header_only():
        clerk.open(_xlsx(work / "只有表头.xlsx", [["客户编号", "客户名称", "业务员"]]), ledger)
        clerk.rate()

    def gbk_csv_with_bad_bytes():
        p = work / "回款 GBK.csv"
        p.write_bytes("客户编号,回款日期,回款金额\nC0001,2026-01-05,100\n".encode("gbk") + b"C0002,\xff\xfe,5\n")
        clerk.open(customers, ledger, p)

    def invalid_policy():
        p = work / "我的 政策.toml"
        text = (ROOT / "templates" / "policy" / "default.toml").read_text(encoding="utf-8")
        p.write_text(text.replace("points = 25", "points = 250", 1), encoding="utf-8")
        clerk.answers.append(p)
        clerk.w.choose_policy()
        clerk.app.processEvents()

    def policy_not_toml():
        p = work / "乱码 政策.toml"
        p.write_bytes("[评分\n".encode("gbk"))
        clerk.answers.append(p)
        clerk.w.choose_policy()
        clerk.app.processEvents()

    def export_before_rating():
        clerk.w.export_results()
        clerk.app.processEvents()

    def rated():
        clerk.open(customers, ledger)
        clerk.rate()
        clerk.close_boxes()

    def export_onto_an_input():
        rated()
        clerk.answers.append(customers)
        clerk.w.export_results()
        clerk.idle()

    def export_where_a_file_blocks_the_folder():
        rated()
        blocker = work / "挡路的文件"
        blocker.write_text("x", encoding="utf-8")
        clerk.answers.append(blocker / "子目录" / "评级结果.xlsx")
        clerk.w.export_results()
        clerk.idle()

    def export_after_a_change():
        rated()
        clerk.w.as_of.setDate(QDate(2026, 5, 31))
        clerk.app.processEvents()
        clerk.answers.append(work / "过期.xlsx")
        clerk.w.export_results()
        clerk.app.processEvents()
        clerk.w.as_of.setDate(QDate(2026, 6, 30))

    def read_back_a_results_workbook():
        rated()
        results = work / "评级结果 已导出.xlsx"
        clerk.answers.append(results)
        clerk.w.export_results()
        clerk.idle()
        clerk.close_boxes()
        clerk.answers += [[results], work / "审批结果.xlsx", None]
        clerk.w.read_approvals()
        clerk.idle()
        wait_for(clerk.app, lambda: bool(clerk.boxes()), 5000)

    def read_back_junk():
        junk = _xlsx(work / "会议记录.xlsx", [["会议记录"], ["讨论了回款"]])
        text = work / "备注.xlsx"
        text.write_text("备注", encoding="utf-8")
        clerk.answers += [[junk, text], work / "审批结果 2.xlsx", None]
        clerk.w.read_approvals()
        clerk.idle()
        wait_for(clerk.app, lambda: bool(clerk.boxes()), 5000)

    return [(f.__name__, f) for f in (renamed_text, damaged_zip, binary_workbook, empty_file,
                                      folder_named_like_a_workbook, file_gone, no_customer_sheet, header_only,
                                      gbk_csv_with_bad_bytes, invalid_policy, policy_not_toml,
                                      export_before_rating, export_onto_an_input,
                                      export_where_a_file_blocks_the_folder, export_after_a_change,
                                      read_back_a_results_workbook, read_back_junk)]


def foreign(text: str, lang: str) -> list[str]:
    if lang != "zh":
        return []
    plain = re.sub(r"\S+\.(?:xlsx|xls|csv|toml|ods|sqlite|log)\b|[A-Z]{2,6}-\d{14}-\d{5}|[A-Z][A-Z0-9_]{2,}|"
                   r"/\S+|[A-Za-z]:\\\S+", "", text)
    return english_sentences(plain) + TECHNICAL.findall(plain)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path)
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="clerk 测试 "))
    clerk = Clerk(args.lang, work)
    report, failures = [], 0
    for name, action in cases(clerk, work):
        before = set(clerk.seen())
        action()
        texts = [t for t in clerk.seen() if t not in before or clerk.boxes()]
        boxed = [t for b in clerk.boxes() for t in (b.text(), b.informativeText()) if t]
        bad = sorted({f for t in texts for f in foreign(t, args.lang)})
        shown = boxed or texts
        chinese = args.lang != "zh" or any(has_cjk(t) for t in shown)
        ok = bool(shown) and chinese and not bad
        failures += not ok
        report.append({"case": name, "ok": ok, "box": boxed, "texts": texts[:20], "foreign": bad})
        print(("ok   " if ok else "FAIL ") + name + ": " + (" | ".join(shown)[:200] if shown else "(nothing shown)")
              + (f"  <- {bad}" if bad else ""))
        clerk.start_over()
    if args.report:
        args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    clerk.w.close()
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
