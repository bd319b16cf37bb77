"""The core stays pure: no Qt, no file I/O, no clock; and only the GUI may import PySide6."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "desktop"
FORBIDDEN_IN_CORE = {"PySide6", "desktop.io", "desktop.ui", "desktop.services", "os", "pathlib", "io", "shutil",
                     "tempfile", "openpyxl", "xlsxwriter", "fastexcel", "sqlite3", "time", "getpass"}
FORBIDDEN_CALLS = {"open", "today", "now", "utcnow", "read_csv", "read_excel", "to_excel", "to_csv",
                   "read_bytes", "read_text", "write_text", "write_bytes"}


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_qt_io_or_clock():
    offenders = []
    for path in (PKG / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in _imports(tree):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_CORE):
                offenders.append(f"{path.name}: import {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                called = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
                if called in FORBIDDEN_CALLS:
                    offenders.append(f"{path.name}:{node.lineno}: calls {called}()")
    assert offenders == []


def test_only_ui_imports_pyside():
    """desktop/ui/ and the GUI start-up (desktop/app.py) only."""
    offenders = [str(p.relative_to(PKG)) for p in PKG.rglob("*.py")
                 if "ui" not in p.relative_to(PKG).parts and p.name != "app.py"
                 and any(n.startswith("PySide6") for n in _imports(ast.parse(p.read_text(encoding="utf-8"))))]
    assert offenders == []


def test_importing_the_engine_loads_no_qt():
    code = ("import sys, desktop.services, desktop.cli, desktop.engine; "
            "print([m for m in sys.modules if m.startswith('PySide6')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_window_loads_no_data_libraries():
    """pandas, Arrow and the readers load in the engine process, not in the window's (start-up)."""
    code = ("import sys, desktop.app, desktop.ui.main_window, desktop.ui.detail; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pyarrow', 'fastexcel', 'numpy', "
            "'openpyxl'}), 'desktop.io.importer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                         check=True).stdout
    assert out.strip() == "[] False"


def test_the_check_can_fail(tmp_path):
    """A core module that opens a file would be caught."""
    tree = ast.parse("import os\nopen('x')\n")
    assert "os" in _imports(tree)
    assert any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "open" for n in ast.walk(tree))


def _unnamed_encodings(tree: ast.AST) -> list[int]:
    """Lines of text-mode opens that leave the encoding to the locale: ``open``/``X.open`` without ``b`` in
    the mode, ``read_text``/``write_text``, ``subprocess`` calls with ``text=True`` or
    ``universal_newlines=True``, each without ``encoding=``."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        kwargs = {k.arg for k in node.keywords}
        if "encoding" in kwargs or any(k.arg is None for k in node.keywords):  # **kwargs: not known here
            continue
        if name in ("read_text", "write_text"):
            lines.append(node.lineno)
        elif name == "open" and (isinstance(func, ast.Name) or isinstance(func, ast.Attribute)
                                 and isinstance(func.value, ast.Name) and func.value.id in ("io", "codecs")):
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"),
                                                                 None)
            text_mode = not (isinstance(mode, ast.Constant) and isinstance(mode.value, str) and "b" in mode.value)
            if text_mode and not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(
                    node.args[0].value, int)):  # open(fd) of a stream: its own encoding
                lines.append(node.lineno)
        elif name in ("run", "Popen", "check_output", "check_call", "call") and any(
                k.arg in ("text", "universal_newlines") and isinstance(k.value, ast.Constant) and k.value.value
                for k in node.keywords):
            lines.append(node.lineno)
    return lines


def test_every_text_file_the_program_opens_names_its_encoding():
    """Windows reads a file opened without ``encoding=`` in the ANSI code page (cp936 on a clerk's PC,
    cp1252 on the build machine), Linux in UTF-8: the program must never leave it to the locale."""
    found = []
    for path in sorted(PKG.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(PKG.parent)}:{line}" for line in _unnamed_encodings(tree)]
    assert found == []


def test_the_encoding_check_can_fail():
    tree = ast.parse("from pathlib import Path\nopen('a.txt')\nPath('b').read_text()\nopen('c', 'rb')\n"
                     "import subprocess\nsubprocess.run(['x'], text=True)\nopen('d', encoding='utf-8')\n")
    assert _unnamed_encodings(tree) == [2, 3, 6]
