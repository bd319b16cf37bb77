"""Build the frozen one-folder app for this platform, report its size, and smoke-test it.

    python packaging/build.py [--no-smoke]
Writes dist/CreditDesk/ (CreditDesk.exe on Windows).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from desktop import __version__  # noqa: E402


def windows_version_file(path: Path) -> None:
    """The version resource Windows shows in the file's properties (from desktop.__version__)."""
    nums = tuple(int(x) for x in (__version__.split(".") + ["0", "0", "0"])[:4])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={nums}, prodvers={nums}),
  kids=[StringFileInfo([StringTable('080404B0', [
    StringStruct('CompanyName', 'Credit Desk'), StringStruct('FileDescription', 'Credit Desk 客户信用管理'),
    StringStruct('FileVersion', '{__version__}'), StringStruct('ProductName', 'Credit Desk'),
    StringStruct('ProductVersion', '{__version__}')])]),
    VarFileInfo([VarStruct('Translation', [2052, 1200])])])
""", encoding="utf-8")


def folder_size(folder: Path) -> int:
    """Bytes on disk, each file once (PyInstaller links some libraries under two names)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    if sys.platform == "win32":
        windows_version_file(ROOT / "build" / "version_info.txt")
    spec = ROOT / "packaging" / "credit_desk.spec"
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build" / "pyinstaller"), str(spec)],
                   check=True, cwd=ROOT)
    app_dir = ROOT / "dist" / "CreditDesk"
    exe = app_dir / ("CreditDesk.exe" if sys.platform == "win32" else "CreditDesk")
    size = folder_size(app_dir)
    files = sum(1 for p in app_dir.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"bundle: {app_dir} {size / 1e6:.0f} MB in {files} files")
    if "--no-smoke" in sys.argv:
        return 0
    out = ROOT / "build" / "smoke"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([str(exe), "--smoke-test", str(out)], env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=600)
    report = out / "smoke-test.txt"
    print(report.read_text(encoding="utf-8").strip() if report.exists() else proc.stdout.strip())
    if proc.returncode != 0:
        print(proc.stderr[-4000:], file=sys.stderr)
        print("smoke test FAILED", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
