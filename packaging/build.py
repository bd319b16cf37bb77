"""Build the frozen one-folder app for this platform, report its size, and smoke-test it.

    python packaging/build.py [--no-smoke]
Writes dist/CreditDesk/: CreditDesk.exe (the window) and credit-desk.exe (the console program) on
Windows, CreditDesk and credit-desk elsewhere.
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
    for stream in (sys.stdout, sys.stderr):  # a cp1252 runner's console prints the Chinese paths as escapes
        stream.reconfigure(errors="backslashreplace")
    if sys.platform == "win32":
        windows_version_file(ROOT / "build" / "version_info.txt")
    spec = ROOT / "packaging" / "credit_desk.spec"
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build" / "pyinstaller"), str(spec)],
                   check=True, cwd=ROOT)
    app_dir = ROOT / "dist" / "CreditDesk"
    exe = app_dir / ("CreditDesk.exe" if sys.platform == "win32" else "CreditDesk")
    console = app_dir / ("credit-desk.exe" if sys.platform == "win32" else "credit-desk")
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
    if not console_smoke_test(console, app_dir, out):
        print("smoke test of the console program FAILED", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


def console_smoke_test(console: Path, app_dir: Path, out: Path) -> bool:
    """The console program as a clerk runs it in cmd.exe: ``--version``, then ``score`` over a wildcard
    it expands itself (passed as typed, no shell), in a folder named with Chinese and a space that
    also holds an Excel lock file (~$, skipped with a note). Asserts the exit codes, the files
    written and the summary printed."""
    import json
    import shutil

    if not console.is_file():
        print(f"console program missing: {console}", file=sys.stderr)
        return False
    env = {k: v for k, v in os.environ.items() if k != "CREDIT_DESK_LANG"}  # its English lines are asserted

    def run(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(console), *args], env=env, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=600)
        print(f"$ {console.name} {' '.join(args)}  -> exit {proc.returncode}\n{proc.stdout.strip()}")
        return proc

    version = run("--version")
    if version.returncode != 0 or __version__ not in version.stdout:
        print(version.stderr[-4000:], file=sys.stderr)
        return False
    inputs = out / "样例 输入"
    shutil.rmtree(inputs, ignore_errors=True)
    shutil.copytree(app_dir / "_internal" / "templates" / "samples", inputs)
    lock = inputs / "~$客户信用资料 2026.xlsx"
    lock.write_bytes(b"\x14owner\x00")  # what Excel leaves beside a workbook that is open
    results, summary = out / "console" / "评级结果.xlsx", out / "console" / "summary.json"
    for p in (results, summary):
        p.unlink(missing_ok=True)
    score = run("score", str(inputs / "*"), "--as-of", "2026-06-30", "--out", str(results), "--json", str(summary),
                "--no-register", "--no-profiles")
    problems = []
    if score.returncode != 0:
        problems.append(f"score exited {score.returncode}")
    if "Rated 42 customers as of 2026-06-30" not in score.stdout:
        problems.append("no summary line printed")
    if "skipped" not in score.stderr or "~$" not in score.stderr:
        problems.append("the lock file was not skipped with a note")
    if not results.is_file():
        problems.append(f"{results} not written")
    try:
        if json.loads(summary.read_text(encoding="utf-8"))["as_of"] != "2026-06-30":
            problems.append("summary.json has another as_of")
    except (OSError, ValueError, KeyError) as exc:
        problems.append(f"summary.json unreadable: {exc}")
    problems += team_register_smoke_test(run, inputs, out)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(score.stderr[-4000:], file=sys.stderr)
    return not problems


def team_register_smoke_test(run, inputs: Path, out: Path) -> list[str]:
    """The team register from the frozen console program: psycopg finds its libpq in the bundle only if
    the spec ships it, which nothing else would show before a clerk types a postgresql:// address.
    With a PostgreSQL server (the one CREDIT_DESK_TEST_POSTGRES names, or a private cluster started as
    the tests start theirs): ``register init`` a new database, ``score`` recording there,
    ``verify-register`` of it. Without one: a closed port must give the message naming an unreachable
    server (libpq loaded and tried), not an import error."""
    sys.path.insert(0, str(ROOT / "tests"))
    import pg_cluster

    try:
        server = pg_cluster.server()
    except pg_cluster.Unavailable as why:
        print(f"team register: no PostgreSQL here ({why}); checking that libpq loads")
        closed = run("verify-register", "--register", "postgresql://nobody@127.0.0.1:1/none")
        if closed.returncode == 0 or "cannot be reached" not in closed.stderr:
            return [f"verify-register of a closed port: exit {closed.returncode}, {closed.stderr[-2000:]!r}"]
        return []
    problems: list[str] = []
    name = server.create_database()
    url = server.url_for(name)
    try:
        init = run("register", "init", url)
        if init.returncode != 0:
            problems.append(f"register init exited {init.returncode}: {init.stderr[-2000:]}")
        results = out / "console" / "团队 登记.xlsx"
        results.unlink(missing_ok=True)
        score = run("score", str(inputs / "*"), "--as-of", "2026-06-30", "--out", str(results),
                    "--register", url, "--no-profiles")
        if score.returncode != 0 or not results.is_file():
            problems.append(f"score --register (team) exited {score.returncode}: {score.stderr[-2000:]}")
        verify = run("verify-register", "--register", url)
        if verify.returncode != 0:
            problems.append(f"verify-register (team) exited {verify.returncode}: {verify.stderr[-2000:]}")
        with server.connect(name) as db:
            runs = db.execute("SELECT count(*) FROM credit_desk.entries WHERE kind = 'run'").fetchone()[0]
        if runs != 1:
            problems.append(f"the team register holds {runs} runs after one score, not 1")
    finally:
        server.drop_database(name)
        for stop in server.stop:
            stop()
    return problems


if __name__ == "__main__":
    sys.exit(main())
