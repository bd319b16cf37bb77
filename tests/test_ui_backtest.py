"""The what-if's comparison and the 回测 view in the window, on the samples.

The window gets its figures from the engine process; each test works the same figures out here,
in this process, with the core and evaluate functions the engine runs (the tables read again,
the ratings made again), and asserts the window shows exactly those: the migration matrix, the
changed customers and their values after the edited policy, the per-level table of a back-test.
Tests wait on signals, never on sleeps.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

import pausing_engine  # noqa: E402
from PySide6.QtCore import QDate, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QFileDialog,
    QGroupBox,
    QLabel,
    QListWidget,
    QTableWidget,
    QWidget,
)
from test_window_words import _english  # noqa: E402
from window_helpers import TIMEOUT, load, open_window, rate  # noqa: E402

from desktop import evaluate  # noqa: E402
from desktop.core.backtest import horizon_end  # noqa: E402
from desktop.engine import Engine  # noqa: E402
from desktop.io.policy_file import load_policy  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402
from desktop.services import import_inputs  # noqa: E402
from desktop.session import BacktestRequest, ExportBacktest, ImportRequest  # noqa: E402
from desktop.ui.backtest_view import BacktestDialog, default_dates, percent  # noqa: E402
from desktop.ui.models import ResultsModel, amount_text  # noqa: E402

SAMPLES = sorted(samples_dir().iterdir())
AS_OF = date(2026, 6, 30)
DATES = (date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31))


@pytest.fixture(scope="module")
def imported():
    """The samples as the engine reads them, read here."""
    return import_inputs(ImportRequest(tuple(SAMPLES), (), AS_OF))


@pytest.fixture
def env(tmp_path, monkeypatch):
    control = tmp_path / "pause.txt"
    monkeypatch.setenv("CREDIT_DESK_TEST_PAUSE_FILE", str(control))
    return control


@pytest.fixture
def rated(qtbot, qapp, tmp_path, env):
    w = open_window(qtbot, qapp, tmp_path, Engine(pausing_engine.serve))
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    yield w
    w.close()


def what_if(qtbot, w, aa_min: int = 88):
    """The policy editor with AA's minimum score raised, its what-if run; (editor, its edited policy)."""
    editor = w.edit_policy()
    editor.levels.item(1, 0).setText(str(aa_min))  # AA from 80
    assert editor.policy is not None and editor.policy.levels[1].min_score == aa_min
    with qtbot.waitSignal(w.what_if_done, timeout=TIMEOUT):
        editor.what_if_button.click()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    return editor, editor.policy


def direct(imported, edited):
    """The comparison of the shipped policy with ``edited`` made here, both sides whole."""
    return evaluate.compare_policies(imported, load_policy(), edited, AS_OF).comparison


def texts(root) -> list[tuple[str, str]]:
    """What a clerk reads in a dialog: its title, labels, buttons, group titles, tooltips, the
    headers and cells of its tables and the rows of its lists."""
    out = [("title", root.windowTitle())]
    for w in [root, *root.findChildren(QWidget)]:
        out.append(("tooltip", w.toolTip()))
        if isinstance(w, QLabel):
            out.append(("label", w.text()))
        elif isinstance(w, QAbstractButton):
            out.append(("button", w.text()))
        elif isinstance(w, QGroupBox):
            out.append(("group", w.title()))
        elif isinstance(w, QListWidget):
            out += [("list item", w.item(i).text()) for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            for k in range(w.columnCount()):
                out.append(("header", w.horizontalHeaderItem(k).text() if w.horizontalHeaderItem(k) else ""))
            for r in range(w.rowCount()):
                out.append(("row header", w.verticalHeaderItem(r).text() if w.verticalHeaderItem(r) else ""))
                for k in range(w.columnCount()):
                    item = w.item(r, k)
                    if item is not None:
                        out += [("cell", item.text()), ("cell tooltip", item.toolTip())]
    return [(where, t) for where, t in out if t and t.strip()]


def column(w, key: str) -> int:
    return w.results_model.keys.index(key)


def cells(w, key: str) -> list:
    m = w.results_model
    return [m.index(r, column(w, key)).data() for r in range(m.rowCount())]


# ------------------------------------------------------------------ the what-if


def test_the_what_if_panel_shows_the_matrix_and_changes_of_a_comparison_made_directly(qtbot, rated, imported):
    w = rated
    editor, edited = what_if(qtbot, w)
    panel = editor.what_if_panel
    assert panel.isVisible()
    c = direct(imported, edited)
    levels = list(c.levels)
    assert levels == ["AAA", "AA", "A", "B", "C"]
    shown = {(a, b): panel.count(a, b) for a in levels for b in levels}
    assert shown == {(a, b): c.matrix[a][b] for a in levels for b in levels}  # the diagonal too: the engine sent
    assert sum(shown.values()) == 42  # only the changed customers, the window counts the others itself
    assert shown[("AA", "A")] >= 1  # the edit moved someone: the test compares something
    assert sum(n for (a, b), n in shown.items() if a != b) == c.changed["level"]
    m = panel.matrix
    assert [m.item(len(levels), k).text() for k in range(len(levels))] == \
        [str(sum(c.matrix[a][b] for a in levels)) for b in levels]  # the column totals
    assert m.item(len(levels), len(levels)).text() == "42"
    assert m.verticalHeaderItem(1).text() == "当前 AA" and m.horizontalHeaderItem(2).text() == "模拟后 A"
    assert m.item(1, 1).background().color() != m.item(1, 2).background().color()  # the diagonal shaded
    for key in ("level", "term", "limit", "route"):
        assert panel.change_labels[key].text() == f"{c.changed[key]:,} 户"
    a, b = c.total_limit
    assert a != b and panel.limit_label.text().startswith(f"{amount_text(a)} → {amount_text(b)}")
    for key in ("sales_manager", "cfo"):
        before, after = c.approvals[0][key], c.approvals[1][key]
        assert panel.approval_labels[key].text().startswith(f"{before} → {after}")
    assert _english(texts(panel)) == []


def test_only_changed_customers_shows_exactly_those_with_their_values_after_and_esc_clears_it(qtbot, rated, imported):
    w = rated
    editor, edited = what_if(qtbot, w)
    c = direct(imported, edited)
    after = {x.a.customer_id: x.b for x in c.customers}
    assert len(after) >= 1
    editor.what_if_panel.show_button.click()
    m = w.results_model
    assert sorted(m.shown_ids()) == sorted(after)
    assert w.changed_label.isVisible() and f"（{len(after)} 户）" in w.changed_label.text()
    headers = [m.headerData(k, Qt.Orientation.Horizontal) for k in range(m.columnCount())]
    for before, later in (("等级", "模拟后等级"), ("建议账期", "模拟后账期"), ("可授信额度", "模拟后额度"),
                          ("审批路径", "模拟后审批路径")):
        assert headers.index(later) == headers.index(before) + 1  # each beside the value now
    ids = cells(w, "customer_id")
    route_words = w.route_words
    assert cells(w, "level_after") == [after[i].level for i in ids]
    assert cells(w, "term_after") == [str(after[i].term_days) for i in ids]
    assert cells(w, "limit_after") == [amount_text(after[i].limit) for i in ids]
    assert cells(w, "route_after") == [route_words[after[i].route] for i in ids]
    now = {d.customer_id: d for d in w.result.rating.decisions}
    assert cells(w, "level") == [now[i].level for i in ids]  # the columns now are the rating on screen
    assert any(now[i].level != after[i].level for i in ids)

    # the filtered export says so, and Esc in the search box clears it as it clears the other filters
    assert w.changed_label.text() in w._filter_words()
    assert w.clear_filter_button.isEnabled()
    editor.done(0)  # the editor is modal: the clerk closes it to work in the table, the filter stays
    assert sorted(m.shown_ids()) == sorted(after) and w.changed_label.isVisible()
    assert not editor.what_if_panel.isVisible()  # the panel went with the editor
    w.activateWindow()
    w.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.search, timeout=TIMEOUT)
    QTest.keyClick(w.search, Qt.Key.Key_Escape)
    assert m.rowCount() == 42 and m.keys == ResultsModel.KEYS and m.columnCount() == len(ResultsModel.KEYS)
    assert not w.changed_label.isVisible() and not m.filter_active


def test_a_matrix_cell_shows_the_customers_of_that_move(qtbot, rated, imported):
    w = rated
    editor, edited = what_if(qtbot, w)
    panel = editor.what_if_panel
    c = direct(imported, edited)
    levels = list(c.levels)
    full = {s.customer_id: s for s in c.b.snaps}
    moves = [(sa.level, full[sa.customer_id].level, sa.customer_id) for sa in c.a.snaps]
    for now, later in (("AA", "A"), ("A", "A")):  # a move, and a diagonal cell (of customers the engine did not send)
        expected = sorted(cid for a, b, cid in moves if (a, b) == (now, later))
        assert expected
        r, k = levels.index(now), levels.index(later)
        rect = panel.matrix.visualItemRect(panel.matrix.item(r, k))
        QTest.mouseClick(panel.matrix.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert sorted(w.results_model.shown_ids()) == expected
        assert cells(w, "level_after") == [later] * len(expected)
        assert w.changed_label.text() == f"模拟：{now} → {later}（{len(expected)} 户）"
    w.clear_filters()
    assert w.results_model.rowCount() == 42


def test_a_new_rating_drops_the_changed_filter_and_an_old_what_if_is_refused(qtbot, rated):
    w = rated
    editor, _ = what_if(qtbot, w)
    editor.what_if_panel.show_button.click()
    assert w.results_model.filter_active
    editor.done(0)
    rate(qtbot, w)
    assert w.results_model.rowCount() == 42 and not w.changed_label.isVisible()
    assert w.show_changed_customers(None) is False  # made on the rating before: not shown on this one
    assert w.results_model.rowCount() == 42


# ------------------------------------------------------------------ the back-test


def open_backtest(w) -> BacktestDialog:
    dialog = w.show_backtest()
    assert dialog.isVisible()
    return dialog


def run(qtbot, w, dialog) -> None:
    with qtbot.waitSignal(w.backtested, timeout=TIMEOUT):
        assert dialog.run()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)


def table(dialog) -> list[list[str]]:
    t = dialog.levels
    return [[t.item(r, k).text() for k in range(t.columnCount())] for r in range(t.rowCount())]


def expected_table(report) -> list[list[str]]:
    return [[lv.level, f"{lv.cases:,}", f"{lv.bad:,}", percent(lv.bad_rate),
             "—" if lv.ci_low is None else f"{percent(lv.ci_low)} – {percent(lv.ci_high)}"] for lv in report.levels]


def test_the_defaults_are_the_policys_rule_the_window_date_and_month_ends_whose_horizon_is_over(qtbot, rated):
    w = rated
    dialog = open_backtest(w)
    rules = load_policy().backtest
    assert (dialog.horizon.value(), dialog.late_days.value(), dialog.tolerance.value()) == \
        (rules.horizon_months, rules.late_days, rules.tolerance)
    assert dialog.evaluation.date().toPython() == AS_OF
    assert dialog.use_register.isChecked()  # the window's rating made the register: the clerk's first source
    days = dialog.date_list()
    assert days == default_dates(AS_OF, rules.horizon_months) == [date(2025, 10, 31), date(2025, 11, 30),
                                                                  date(2025, 12, 31)]
    assert all(horizon_end(d, rules.horizon_months) <= AS_OF for d in days)
    dialog.evaluation.setDate(QDate(2026, 3, 31))  # the list follows the evaluation date until the clerk edits it
    assert dialog.date_list() == [date(2025, 7, 31), date(2025, 8, 31), date(2025, 9, 30)]
    dialog.date_edit.setDate(QDate(2026, 4, 30))
    dialog.add_date()  # after the evaluation date: refused, said
    assert date(2026, 4, 30) not in dialog.date_list() and "早于评估日" in dialog.status.text()
    dialog.dates.setCurrentRow(0)
    dialog.remove_date()
    assert dialog.date_list() == [date(2025, 8, 31), date(2025, 9, 30)]
    dialog.evaluation.setDate(QDate(2026, 6, 30))
    assert dialog.date_list() == [date(2025, 8, 31), date(2025, 9, 30)]  # edited: the clerk's list stays


def test_the_backtest_view_shows_the_table_of_evaluate_backtest_run_directly(qtbot, rated, imported, tmp_path,
                                                                            monkeypatch):
    w = rated
    dialog = open_backtest(w)
    dialog.use_rerate.setChecked(True)
    dialog.set_dates(DATES)
    sent = []
    original = w._run
    w._run = lambda request, on_result: (sent.append(request), original(request, on_result))[1]
    run(qtbot, w, dialog)
    request = sent[0]
    assert isinstance(request, BacktestRequest) and request.rerate_at == DATES and request.register is None
    assert request.evaluation == AS_OF and request.policy == w._policy_in_use()[0]

    policy = load_policy()
    here = evaluate.backtest(imported, policy, AS_OF, evaluate.outcome_rule(policy), None, DATES).report
    assert sum(lv.cases for lv in here.levels) > 50  # the samples give a back-test to compare
    assert dialog.report.levels == here.levels
    assert table(dialog) == expected_table(here)
    assert dialog.chart.rows == list(here.levels)
    plot, top = dialog.chart.plot_area(), dialog.chart.scale_top()
    for lv, (level, bar, whisker) in zip(here.levels, dialog.chart.bars()):  # the bars are the rates drawn
        assert level == lv.level
        assert bar.height() == pytest.approx((lv.bad_rate or 0) / top * plot.height())
        if lv.ci_high is not None:
            assert whisker[1] == pytest.approx(plot.bottom() - lv.ci_high / top * plot.height())
    assert top >= max(lv.ci_high for lv in here.levels if lv.ci_high is not None)
    assert here.monotonic is True and "逐级上升" in dialog.verdict.text()
    stats = dialog.statistics.text()
    assert f"AUC {here.auc:.3f}" in stats and f"KS {here.ks:.3f}" in stats and f"PSI {here.psi:.3f}" in stats
    reading = {"stable": "稳定", "shifting": "有变化", "unstable": "不稳定"}[here.psi_reading]
    assert f"PSI {here.psi:.3f}（{reading}：" in stats  # the reading in words, whichever it is
    assert f"尚不可观察 {here.not_observable} 个" in dialog.cases_note.text()
    assert "当前的" in dialog.cases_note.text()  # re-rated: the customer facts are today's
    assert _english([t for t in texts(dialog) if t[1] != dialog.register_label.text()]) == []  # bar the path

    # Export asks for a file (回测报告.xlsx) and sends ExportBacktest
    from desktop.io.writers import backtest as writer
    target = tmp_path / "回测报告.xlsx"
    asked = {}

    def save_name(parent, title, start, filter_):
        asked.update(title=title, start=start)
        return str(target), filter_
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    if hasattr(writer, "write_backtest"):
        with qtbot.waitSignal(w.exported, timeout=TIMEOUT) as done:
            assert dialog.export()
        assert done.args[0] == [target] and target.stat().st_size > 0
    else:  # the workbook's writer has not landed: the request is what the window owes
        w._run = lambda request, on_result: sent.append(request)
        assert dialog.export()
    assert Path(asked["start"]).name == "回测报告.xlsx" and asked["title"] == "保存回测报告"
    assert sent[-1] == ExportBacktest(target, lang="zh")


def test_cancel_leaves_the_report_shown_before(qtbot, rated, env):
    w, control = rated, env
    dialog = open_backtest(w)
    dialog.use_rerate.setChecked(True)
    dialog.set_dates(DATES)
    run(qtbot, w, dialog)
    before, rows = dialog.report, table(dialog)
    dialog.set_dates(DATES[:1])  # another back-test, cancelled once the engine judges its outcomes
    paused = Path(str(control) + ".paused")
    control.write_text("outcome", encoding="utf-8")
    try:
        with qtbot.waitSignal(w.cancelled, timeout=TIMEOUT):
            dialog.run()
            assert dialog.cancel_button.isVisible() and not dialog.run_button.isEnabled()
            qtbot.waitUntil(paused.exists, timeout=TIMEOUT)
            dialog.cancel_button.click()
        qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    finally:
        control.unlink(missing_ok=True)
    assert dialog.report is before and table(dialog) == rows
    assert "上一次" in dialog.status.text() and not dialog.cancel_button.isVisible()
    assert dialog.run_button.isEnabled() and dialog.export_button.isEnabled()


def test_a_register_with_nothing_observable_and_a_missing_register_are_said_in_words(qtbot, rated, tmp_path):
    w = rated
    dialog = open_backtest(w)
    dialog.use_register.setChecked(True)  # the window's rating of today is in it: no horizon is over
    run(qtbot, w, dialog)
    assert all(lv.cases == 0 for lv in dialog.report.levels) and dialog.report.not_observable == 42
    assert "没有可观察的样本" in dialog.status.text()
    assert dialog.verdict.text().startswith("有样本的等级不足两个")

    w.settings.save_register_path(str(tmp_path / "别处" / "登记簿.sqlite"))
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as failed:
        dialog.run()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    message, kind = failed.args
    assert kind == "register" and "还没有评级登记簿" in message and "Traceback" not in message
    box = dialog.error_box
    assert box is not None and box.isVisible() and box.text().replace("\u200b", "") == message
    assert box.informativeText() == "请检查样本来源和日期，或评级登记簿的位置（文件菜单）。"


def test_a_team_register_is_read_by_its_address_with_the_same_report_as_direct(qtbot, qapp, tmp_path, env, pg_url,
                                                                               imported):
    """The window's register set to a team register's address: the back-test view chooses the register
    as its source, names the address (not a path folded to ``postgresql:/``), sends the address as text,
    and shows the same report as evaluate.backtest on that register run here. The runs are the
    samples rated as of two earlier dates, recorded in the team register as a clerk's would be."""
    from desktop.cli import main
    from desktop.io.register import shown
    from desktop.session import RateRequest, Session
    assert main(["register", "init", pg_url]) == 0
    for day in DATES[:2]:
        Session().run(RateRequest(ImportRequest(tuple(SAMPLES), (), day), register=pg_url))
    w = open_window(qtbot, qapp, tmp_path, Engine(pausing_engine.serve))
    w.settings.save_register_path(pg_url)
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)  # recorded in the team register too (today's run: nothing observable yet)
    dialog = open_backtest(w)
    assert dialog.use_register.isChecked()
    assert dialog.register_label.text() == shown(pg_url) and dialog.register_label.text().startswith("postgresql://")
    sent = []
    original = w._run
    w._run = lambda request, on_result: (sent.append(request), original(request, on_result))[1]
    run(qtbot, w, dialog)
    assert sent[0].register == pg_url and sent[0].rerate_at == ()

    policy = load_policy()
    here = evaluate.backtest(imported, policy, AS_OF, evaluate.outcome_rule(policy), pg_url).report
    assert [r.as_of for r in here.runs][:2] == list(DATES[:2]) and len(here.runs) == 3  # the window's run too
    assert sum(lv.cases for lv in here.levels) > 50
    assert dialog.report.levels == here.levels and table(dialog) == expected_table(here)
    w.close()
