"""Shared fixtures: the default policy, sample files, and isolated settings."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop.io.policy_file import load_policy  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def policy():
    return load_policy()


@pytest.fixture(scope="session")
def samples() -> list[Path]:
    return sorted(samples_dir().iterdir())


@pytest.fixture
def as_of() -> date:
    return date(2026, 6, 30)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The system temporary folder of this test alone: what a job leaves there can be seen."""
    import tempfile
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, tmp_path_factory, monkeypatch):
    """Never touch a real user's settings: config and data folders point into tmp_path, and
    the rating register every command-line run records in lies in a folder of its own."""
    monkeypatch.setenv("CREDIT_DESK_REGISTER", str(tmp_path_factory.mktemp("register") / "register.sqlite"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "appdata"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "localappdata"))  # the data folder on Windows
    monkeypatch.delenv("CREDIT_DESK_HOME", raising=False)  # IT's data folder on this machine is not the test's
    monkeypatch.setenv("CREDIT_DESK_LOG_DIR", str(tmp_path_factory.mktemp("logs")))  # the window's, the engine's, the CLI's; not in tmp_path, which tests list


PERF_SKIP = "wall-clock limit: noisy on shared machines; benchmarks/run.py runs it"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``perf`` assert wall-clock limits: skipped unless ``-m`` names perf or
    CREDIT_DESK_PERF=1 is set."""
    if "perf" in (config.getoption("markexpr") or "") or os.environ.get("CREDIT_DESK_PERF") == "1":
        return
    skip = pytest.mark.skip(reason=PERF_SKIP)
    for item in items:
        if item.get_closest_marker("perf") is not None:
            item.add_marker(skip)


# ------------------------------------------------------------ row issues a clerk reads in Chinese
# Every row issue any test makes in this process (the hostile corpora, the readers' fixtures, the
# command line run in-process) is recorded; at the end of the run each problem and action must
# have its Chinese words (desktop/io/writers/labels.py issue_text): a new English text found by
# a reader fails the run here, naming the text, even if no test looked at its wording.
_ROW_ISSUE_TEXTS: dict[str, str] = {}


def _record_row_issues() -> None:
    from desktop.core import models
    original = models.RowIssue.__init__
    if getattr(original, "_recording", False):
        return

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        for text in (self.problem, self.action):
            if text and len(_ROW_ISSUE_TEXTS) < 100_000:
                _ROW_ISSUE_TEXTS.setdefault(text, f"{self.file} / {self.sheet}")

    init._recording = True
    models.RowIssue.__init__ = init


_record_row_issues()


def untranslated_row_issues() -> dict[str, str]:
    import re

    from desktop.io.writers.labels import issue_text
    from desktop.messages import english_sentences, has_cjk
    paths = re.compile(r"\S*[/\\]\S*")  # a file's path in the words is the file's, not English

    def foreign(zh: str) -> bool:
        return not has_cjk(zh) or bool(english_sentences(paths.sub("", zh)))
    return {text: where for text, where in _ROW_ISSUE_TEXTS.items() if foreign(issue_text(text, "zh"))}


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CREDIT_DESK_SHOW_ROW_ISSUES"):
        print(f"\n{len(_ROW_ISSUE_TEXTS)} row issue texts recorded")
    if not _ROW_ISSUE_TEXTS:
        return
    missing = untranslated_row_issues()
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"row issues without their Chinese words ({len(missing)}), add them to "
                 f"desktop/io/writers/labels.py _ISSUE_ZH:"] + [f"  {t!r} (first seen in {w})"
                                                                for t, w in list(missing.items())[:30]]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = 1


@pytest.fixture
def own_diagnostics():
    """The test's own hooks and log; the previous ones (pytest's, pytest-qt's) put back after it."""
    import logging
    import sys
    import threading

    from desktop import diagnostics
    saved = sys.excepthook, threading.excepthook, sys.unraisablehook
    yield
    sys.excepthook, threading.excepthook, sys.unraisablehook = saved
    for handler in list(diagnostics.LOG.handlers):
        diagnostics.LOG.removeHandler(handler)
        handler.close()
    diagnostics._state["file"] = None
    diagnostics._last.clear()
    diagnostics.LOG.setLevel(logging.INFO)


# ------------------------------------------------------------ PostgreSQL (issue 22)
# The register's second backend: the server CREDIT_DESK_TEST_POSTGRES names (.ci/run starts one),
# else a private cluster started here when initdb is at hand (stopped at the end), else the
# PostgreSQL tests are skipped with the reason. A named server that does not answer fails them.
@pytest.fixture(scope="session")
def pg_server():
    import pg_cluster
    try:
        server = pg_cluster.server()
    except pg_cluster.Unavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    except pg_cluster.Broken as exc:
        pytest.fail(f"PostgreSQL test server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        for stop in server.stop:
            stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database of its own for this test (a superuser's URL to it); dropped after."""
    name = pg_server.create_database()
    try:
        yield pg_server.url_for(name)
    finally:
        pg_server.drop_database(name)


def _new_register_location(request, tmp_path: Path, backend: str, name: str) -> Path | str:
    if backend == "sqlite":
        return tmp_path / f"{name}.sqlite"  # created by its first opening
    pg_server = request.getfixturevalue("pg_server")
    database = pg_server.create_database()
    request.addfinalizer(lambda: pg_server.drop_database(database))
    url = pg_server.url_for(database)
    from desktop.cli import main
    assert main(["register", "init", url]) == 0  # schema and roles, as IT makes them
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def register_location(request, tmp_path) -> Path | str:
    """An empty register on each backend, for tests of both: an SQLite file's path (not created yet),
    or the superuser's URL of a fresh database made a register by ``credit-desk register init``."""
    return _new_register_location(request, tmp_path, request.param, "register")


@pytest.fixture
def another_register_location(request, register_location, tmp_path) -> Path | str:
    """A second empty register on the same backend as ``register_location``."""
    backend = "postgresql" if isinstance(register_location, str) else "sqlite"
    return _new_register_location(request, tmp_path, backend, "register-2")


@pytest.fixture(autouse=True)
def _plain_csv_checked(monkeypatch):
    """Every CSV file a test reads in this process that the plain path takes (a few MB of lines at
    a time into Arrow) is read the careful way too, and must give the same sheet, the same notes
    and the same encoding: the plain path is a way of holding less, never another reading."""
    import pandas as pd

    from desktop.io import workbook

    plain = workbook._read_csv_plain

    def checked(data, path, max_rows=None):
        got = plain(data, path, max_rows)
        if got is not None and len(data) <= 8 << 20:
            monkeypatch.setattr(workbook, "_read_csv_plain", lambda *a, **k: None)
            try:
                careful = workbook._read_csv(data, path, max_rows)
            finally:
                monkeypatch.setattr(workbook, "_read_csv_plain", checked)
            assert got[1] == careful[1], path
            pd.testing.assert_frame_equal(got[0].frame, careful[0].frame, check_exact=True)
            assert got[0].notes == careful[0].notes, path
            assert (got[0].name, got[0].visible, got[0].date1904) == \
                (careful[0].name, careful[0].visible, careful[0].date1904)
        return got

    monkeypatch.setattr(workbook, "_read_csv_plain", checked)


@pytest.fixture(autouse=True)
def _signal_handlers_kept(request):
    """A test leaves Ctrl+C and SIGTERM as it found them. A handler left behind by an in-process
    command-line run (ignored, or the job's cancel) would make a later interrupt of the test run
    hang or be swallowed; the handlers are put back and the test that changed them fails."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [n for n in ("SIGINT", "SIGTERM") if hasattr(signal, n)]
    before = {n: signal.getsignal(getattr(signal, n)) for n in names}
    yield
    changed = [n for n in names if signal.getsignal(getattr(signal, n)) is not before[n]]
    for n in changed:
        signal.signal(getattr(signal, n), before[n])
    if changed:
        pytest.fail(f"{request.node.nodeid} left the handler of {', '.join(changed)} changed", pytrace=False)
