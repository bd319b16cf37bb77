"""The rating register in the window (issue 22): its setting (a file, or the team's register on a database
server) with 连接测试, and the team's views (reviews due, a customer's history with who rated and who
approved). Everything is read in the engine process; these tests wait on signals, never sleep.

The team register is a database made a register by ``credit-desk register init`` (conftest's
``register_location`` / ``pg_url``); ``register_location`` runs the view tests on an SQLite file too.
"""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QLineEdit, QTableWidget, QWidget  # noqa: E402
from test_register import decision, run  # noqa: E402
from test_window_words import _english, _visible_texts  # noqa: E402
from window_helpers import TIMEOUT, open_window, rate  # noqa: E402

from desktop.cli import main  # noqa: E402
from desktop.io.register import open_register, shown  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402

PASSWORD = "Pw-kept-out-7319"  # what must never be on screen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def team_history(reg) -> None:
    """Two clerks' runs and a manager's and a CFO's approval: C0007 A → AA → B; C0009 due early."""
    reg.record_run({**run("R1", "2025-06-30"), "operator": "张会计"},
                   [decision("C0007", "A", "2025-12-31"), decision("C0009", "B", "2026-01-15")])
    reg.record_run({**run("R2", "2025-12-31"), "operator": "李会计"},
                   [decision("C0007", "AA", "2026-06-30"), decision("C0008", "A", "2026-12-31")])
    reg.record_approvals([{"run_id": "R2", "customer_id": "C0007", "status": "approved", "approved_term_days": 90,
                           "approved_limit": 200000.0, "final_level": "AA", "approvers": ["王经理", "赵总监"],
                           "decided_on": "2026-01-05", "forms": ["approval.xlsx"]}])
    reg.record_run({**run("R3", "2026-06-30"), "operator": "张会计"}, [decision("C0007", "B", "2026-09-30")])


def all_texts(root: QWidget) -> list[str]:
    """What a clerk can read in ``root``: every visible text, what each field shows, every table cell."""
    texts = [s for _, s in _visible_texts(root)]
    for w in [root, *root.findChildren(QWidget)]:
        texts.append(w.windowTitle())
        if isinstance(w, QLineEdit):
            texts.append(w.displayText())  # a password field shows dots
        if isinstance(w, QTableWidget):
            texts += [w.item(r, c).text() for r in range(w.rowCount()) for c in range(w.columnCount())
                      if w.item(r, c) is not None]
    return texts


def connection_test(qtbot, w, location: str | Path, password: str = "") -> str:
    """The register setting's 连接测试 of ``location`` (an address, or a file): what it says."""
    d = w.register_settings()
    if isinstance(location, Path):
        d.use_file.setChecked(True)
        d.path.setText(str(location))
    else:
        d.use_team.setChecked(True)
        d.url.setText(location)
        d.password.setText(password)
    with qtbot.waitSignal(d.tested, timeout=TIMEOUT, check_params_cb=lambda s: s != w.t("Testing the connection…")):
        d.test_button.click()
    return d.result.text()


@pytest.fixture
def login(pg_server, pg_url):
    """``login(role)``: the URL of a new login of ``pg_url``'s database granted ``role`` (as IT grants it)."""
    made: list[str] = []

    def make(role: str) -> str:
        name = f"cd_{role.rsplit('_', 1)[-1]}_{uuid.uuid4().hex[:8]}"
        with pg_server.connect() as db:
            db.execute(f'CREATE ROLE "{name}" LOGIN')
            db.execute(f'GRANT {role} TO "{name}"')
        made.append(name)
        return pg_server.url_for(urlsplit(pg_url).path.lstrip("/"), user=name)

    yield make
    with pg_server.connect(urlsplit(pg_url).path.lstrip("/")) as db:
        for name in made:
            db.execute(f'DROP OWNED BY "{name}"')
            db.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
def team(pg_url, capsys) -> str:
    """A team register with two clerks' runs and an approval (superuser URL, no password: trust)."""
    assert main(["register", "init", pg_url]) == 0
    capsys.readouterr()
    with open_register(pg_url) as reg:
        team_history(reg)
    return pg_url


# ------------------------------------------------------------------ the setting
def test_the_setting_takes_an_address_keeps_no_password_and_a_file_still_records(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    d = w.register_settings()
    d.use_team.setChecked(True)
    assert not d.path.isEnabled() and d.url.isEnabled()
    d.url.setText(f"postgresql://clerk:{PASSWORD}@db.example.com:5432/finance")
    d.url.editingFinished.emit()  # the clerk leaves the field: the password moves out of the address
    assert d.url.text() == "postgresql://clerk@db.example.com:5432/finance"
    assert d.password.text() == PASSWORD and d.password.echoMode() == QLineEdit.EchoMode.Password
    assert "不会写入设置文件" in d.password_note.text()
    assert not any(PASSWORD in s for s in all_texts(d))
    d.accept()
    # the settings file (plain text) holds the address without the password; the session keeps it
    assert w.settings.register_path() == "postgresql://clerk@db.example.com:5432/finance"
    w.settings.q.sync()
    assert PASSWORD not in w.settings.path.read_text(encoding="utf-8")
    location = w.register_location()
    assert isinstance(location, str) and location.startswith("postgresql://clerk@db.example.com:5432/finance?")
    assert PASSWORD in location and shown(location) == "postgresql://clerk@db.example.com:5432/finance"
    box = w.about()
    about = box.text().replace("\u200b", "")  # (the box breaks long paths at their separators)
    assert "postgresql://clerk@db.example.com:5432/finance" in about and PASSWORD not in about
    box.close()
    assert PASSWORD not in w.statusBar().currentMessage() and "db.example.com" in w.statusBar().currentMessage()
    assert _english(_visible_texts(d)) == []
    # a password the clerk never typed in this session is not invented
    w.register_password = ""
    assert w.register_location() == "postgresql://clerk@db.example.com:5432/finance"

    # back to a file: the jobs get a Path again, and a rating is recorded in it
    register = tmp_path / "评级 登记簿" / "登记簿.sqlite"
    d = w.register_settings()
    assert d.use_team.isChecked() and d.url.text() == "postgresql://clerk@db.example.com:5432/finance"
    d.use_file.setChecked(True)
    d.path.setText(str(register))
    d.accept()
    assert w.settings.register_path() == str(register) and w.register_location() == register
    assert w.register_password == ""
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        w.add_files(sorted(samples_dir().iterdir()))
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    rate(qtbot, w)
    with open_register(register, readonly=True) as reg:
        assert [r["run_id"] for r in reg.runs()] == [w.result.run.run_id]
        seq = reg.head().seq
    assert w.statusBar().currentMessage().startswith(f"已登记到评级登记簿 {register}，记录号 #{seq} ")
    w.close()


def test_a_wrong_address_or_a_file_on_a_share_is_refused_in_the_dialog(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    before = w.settings.register_path()
    d = w.register_settings()
    d.use_team.setChecked(True)
    d.url.setText("db.example.com/finance")
    d.accept()
    assert d.isVisible() and "不是有效的数据库登记簿地址" in d.result.text()
    assert w.settings.register_path() == before
    d.url.setText("postgres-ql://clerk:s3cret@db.example.com/finance")  # a mistyped scheme, a password in it
    d.accept()
    assert d.isVisible() and "不是有效的数据库登记簿地址" in d.result.text() and "s3cret" not in d.result.text()
    assert "postgres-ql://clerk" in d.result.text() and w.settings.register_path() == before
    d.use_file.setChecked(True)
    d.path.setText("")
    d.accept()
    assert d.isVisible() and d.result.text() == "请选择登记簿文件。" and w.settings.register_path() == before
    w.close()


def test_a_register_fault_while_rating_has_the_registers_box_not_the_input_files(qtbot, qapp, tmp_path):
    """The register cannot be used when the rating is recorded (here a folder where the register's file
    should be): the box says the rating register cannot be used and where to check it, not "cannot
    read the input" with advice about the input files."""
    folder = tmp_path / "登记簿 是文件夹"
    folder.mkdir()
    w = open_window(qtbot, qapp, tmp_path)
    w.settings.save_register_path(str(folder))
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        w.add_files(sorted(samples_dir().iterdir()))
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as failed:
        w.rate()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    message, kind = failed.args
    assert kind == "register" and str(folder) in message
    box = w._last_error_box
    assert box.windowTitle() == "评级登记簿无法使用" and "评级登记簿设置" in box.informativeText()
    assert "工作表" not in box.informativeText() and "文件名" not in box.informativeText()
    assert _english([("box", box.text().replace("\u200b", "").replace(str(folder), "")),
                     ("hint", box.informativeText())]) == []  # bar the path
    w.close()


# ------------------------------------------------------------------ 连接测试
def test_the_connection_test_says_reachable_with_format_entries_head_and_the_role(qtbot, qapp, tmp_path, team, login):
    with open_register(team, readonly=True) as reg:
        head, entries = reg.head(), sum(1 for _ in reg.entries())
    w = open_window(qtbot, qapp, tmp_path)
    said = connection_test(qtbot, w, team)
    assert said.startswith(f"已连接 {shown(team)}。")
    assert f"登记簿格式 1；共 {entries} 条记录；最新一条是 {head}。" in said
    assert "可以登记评级和审批（经办角色）" in said  # a superuser may append

    clerk = login("credit_desk_clerk")
    said = connection_test(qtbot, w, clerk, password=PASSWORD)  # the test server trusts it: any password
    user = urlsplit(clerk).username
    assert str(head) in said and f"登录用户 {user} 可以登记评级和审批（经办角色）。" in said and "密钥" not in said
    assert not any(PASSWORD in s for s in all_texts(w._register_settings)) and PASSWORD not in said

    auditor = login("credit_desk_auditor")
    said = connection_test(qtbot, w, auditor)
    user = urlsplit(auditor).username
    assert str(head) in said and f"登录用户 {user} 只能查阅登记簿（审计角色）" in said
    assert "可以登记" not in said

    # a login without a role, and a database without the register: the catalogue's message
    nobody = login("pg_monitor")
    said = connection_test(qtbot, w, nobody)
    assert said.startswith("连接失败：") and shown(nobody) in said
    assert _english([("result", said)]) == []
    w.close()


def test_a_newer_register_format_is_said_by_the_connection_test(qtbot, qapp, tmp_path, team, pg_server):
    with pg_server.connect(urlsplit(team).path.lstrip("/")) as db:
        db.execute("ALTER TABLE credit_desk.meta DISABLE TRIGGER ALL")
        db.execute("UPDATE credit_desk.meta SET value = '9' WHERE key = 'schema_version'")
    w = open_window(qtbot, qapp, tmp_path)
    said = connection_test(qtbot, w, team)
    assert said.startswith("连接失败：") and "较新版本的程序建立或升级（格式 9，本程序能读格式 1）" in said
    # what to do next, in the window's own words: ask IT (in Chinese), or choose another register
    assert "信息部门" in said and "评级登记簿设置" in said and "IT" not in said
    assert _english([("result", said)]) == []
    w.close()


def test_a_closed_port_and_a_silent_server_are_unreachable_and_the_window_keeps_running(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    url = f"postgresql://clerk:{PASSWORD}@127.0.0.1:{free_port()}/finance"
    started = time.monotonic()
    said = connection_test(qtbot, w, url)
    assert time.monotonic() - started < 30  # (the engine process starts with the first job)
    assert said.startswith("连接失败：无法连接评级登记簿所在的数据库服务器 postgresql://clerk@127.0.0.1:")
    assert "/finance（" in said and "password" not in said  # the password went to the password field: not shown
    assert PASSWORD not in said and not any(PASSWORD in s for s in all_texts(w._register_settings))

    # a server that takes the connection and never answers: the connect timeout ends the wait, and the
    # window's event loop runs all along (a timer ticking every 50 ms is not held up)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    ticks = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    try:
        d = w.register_settings()
        d.use_team.setChecked(True)
        d.url.setText(f"postgresql://clerk@127.0.0.1:{silent.getsockname()[1]}/finance")
        timer.start()
        started = time.monotonic()
        with qtbot.waitSignal(d.tested, timeout=TIMEOUT,
                              check_params_cb=lambda s: s != w.t("Testing the connection…")):
            d.test_button.click()
            assert not d.test_button.isEnabled()  # one test at a time
        waited = time.monotonic() - started
        timer.stop()
    finally:
        silent.close()
    assert "无法连接评级登记簿所在的数据库服务器" in d.result.text()
    assert 4 <= waited < 20  # the 5 s connect timeout, not libpq's endless wait
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert len(ticks) >= waited / 0.05 / 2 and max(gaps) < 1.0  # the window never froze
    qtbot.waitUntil(d.test_button.isEnabled, timeout=TIMEOUT)
    w.close()


def test_the_connection_test_of_a_file(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    register = tmp_path / "登记簿.sqlite"
    said = connection_test(qtbot, w, register)
    assert said == f"本机文件 {register} 还不存在：第一次登记评级时会创建它。\n可以在其中登记评级。"
    assert not register.exists()  # the test created nothing
    with open_register(register) as reg:
        team_history(reg)
        head = reg.head()
    said = connection_test(qtbot, w, register)
    assert said == f"本机文件 {register}。\n登记簿格式 1；共 {head.seq} 条记录；最新一条是 {head}。\n可以在其中登记评级。"
    w.close()


# ------------------------------------------------------------------ the team's views
def test_reviews_due_and_history_with_who_rated_and_who_approved(qtbot, qapp, tmp_path, register_location):
    with open_register(register_location) as reg:
        team_history(reg)
    with open_register(register_location, readonly=True) as reg:
        due = reg.reviews_due("2026-09-30")
        history = reg.history("C0007")
    assert [d["customer_id"] for d in due] == ["C0009", "C0007"]  # C0008's review is in December
    w = open_window(qtbot, qapp, tmp_path)
    w.settings.save_register_path(str(register_location))
    view = w.show_register_view()
    assert shown(register_location) in view.where.text()

    from PySide6.QtCore import QDate
    view.due_on.setDate(QDate(2026, 9, 30))
    with qtbot.waitSignal(view.shown_due, timeout=TIMEOUT):
        view.due_button.click()
    table = view.due_table
    cells = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert cells == [[d["customer_id"], d["name"], d["level"], d["next_review"], d["as_of"], d["run_id"]]
                     for d in due]
    assert view.due_count.text() == "截至 2026-09-30 需要复评的客户 2 个"

    view.tabs.setCurrentIndex(1)
    view.customer.setText("C0007")
    with qtbot.waitSignal(view.shown_history, timeout=TIMEOUT):
        view.history_button.click()
    table = view.history_table
    cells = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert [(c[0], c[1], c[2], c[9]) for c in cells] == [(h["as_of"], h["level"], h["level_change"], h["run_id"])
                                                         for h in history]
    assert [c[6] for c in cells] == ["张会计", "李会计", "张会计"]  # who rated: each run's operator
    assert [(c[7], c[8]) for c in cells] == [("", ""), ("已批准", "王经理、赵总监"), ("", "")]  # who approved
    assert [c[5] for c in cells] == ["100,000"] * 3
    assert view.history_count.text() == "C0007：共 3 次评级"
    assert _english([(where, s) for where, s in _visible_texts(view) if s != view.where.text()]) == []

    view.customer.setText("nobody")
    with qtbot.waitSignal(view.shown_history, timeout=TIMEOUT):
        view.history_button.click()
    assert view.history_table.rowCount() == 0 and view.history_count.text() == "登记簿中没有客户 nobody 的评级。"

    # the register cannot be read now (another register chosen, and it is not there): the message, and
    # no earlier answer left under it as if it were this register's
    view.customer.setText("C0007")
    with qtbot.waitSignal(view.shown_history, timeout=TIMEOUT):
        view.history_button.click()
    with qtbot.waitSignal(view.shown_due, timeout=TIMEOUT):
        view.due_button.click()
    assert view.history_table.rowCount() == 3 and view.due_table.rowCount() == 2
    w.settings.save_register_path(str(tmp_path / "别处" / "没有的登记簿.sqlite"))
    with qtbot.waitSignal(view.failed, timeout=TIMEOUT):
        view.history_button.click()
    assert view.history_table.rowCount() == 0 and view.history_count.text() == ""
    with qtbot.waitSignal(view.failed, timeout=TIMEOUT):
        view.due_button.click()
    assert view.due_table.rowCount() == 0 and view.due_count.text() == "" and view.status.text()
    w.close()


def test_reviews_due_are_the_command_lines(qtbot, qapp, tmp_path, team, capsys):
    """The view lists the customers ``credit-desk verify-register --due`` prints, in its order."""
    assert main(["verify-register", "--register", team, "--due", "2026-12-31"]) == 0
    printed = capsys.readouterr().out
    w = open_window(qtbot, qapp, tmp_path)
    w.settings.save_register_path(team)
    view = w.show_register_view()
    from PySide6.QtCore import QDate
    view.due_on.setDate(QDate(2026, 12, 31))
    with qtbot.waitSignal(view.shown_due, timeout=TIMEOUT):
        view.due_button.click()
    ids = [view.due_table.item(r, 0).text() for r in range(view.due_table.rowCount())]
    assert ids == ["C0009", "C0007", "C0008"]
    assert [i for i in ids if i in printed] == ids
    positions = [printed.index(i) for i in ids]
    assert positions == sorted(positions)
    w.close()


def test_a_register_that_cannot_be_read_is_said_in_the_view(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    w.settings.save_register_path(f"postgresql://auditor:{PASSWORD}@127.0.0.1:{free_port()}/finance")
    assert PASSWORD not in w.settings.register_path()  # never kept in the settings file
    w.register_password = PASSWORD  # typed in this session: the engine gets it, no text shows it
    assert PASSWORD in w.register_location()
    view = w.show_register_view()
    with qtbot.waitSignal(view.failed, timeout=TIMEOUT) as failed:
        view.due_button.click()
    assert "无法连接评级登记簿所在的数据库服务器 postgresql://auditor@127.0.0.1:" in failed.args[0]
    assert "password" not in failed.args[0] and PASSWORD not in failed.args[0]
    assert view.status.text() == failed.args[0]
    assert not any(PASSWORD in s for s in all_texts(view)) and PASSWORD not in view.where.text()
    assert getattr(w, "_last_error_box", None) is None  # said in the view, not in a box over the window
    missing = tmp_path / "没有的登记簿.sqlite"
    w.settings.save_register_path(str(missing))
    view.customer.setText("C0007")
    with qtbot.waitSignal(view.failed, timeout=TIMEOUT) as failed:
        view.history_button.click()
    assert str(missing) in failed.args[0] and str(missing) in view.where.text()
    assert not missing.exists()
    w.close()
