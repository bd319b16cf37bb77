"""The command line's back-test says no verdict on the levels' ranking when there is nothing to rank."""

from __future__ import annotations

import json

from desktop.cli import main
from desktop.paths import samples_dir

SAMPLES = [str(p) for p in sorted(samples_dir().iterdir())]


def test_no_bad_case_at_all_gives_no_verdict_on_the_levels(tmp_path, capsys):
    """No invoice of the samples is 3,650 days late: every case is good, in several levels. The
    report once said "the lower the level, the more defaults" of these zero rates."""
    js = tmp_path / "回测.json"
    assert main(["backtest", *SAMPLES, "--as-of", "2026-06-30", "--rerate-at", "2025-06-30,2025-12-31",
                 "--late-days", "3650", "--json", str(js), "--lang", "zh"]) == 0
    out, data = capsys.readouterr().out, json.loads(js.read_text(encoding="utf-8"))
    with_cases = [lv for lv in data["levels"] if lv["cases"]]
    assert len(with_cases) >= 2 and all(lv["bad"] == 0 for lv in data["levels"])
    assert data["monotonic"] is None
    assert "等级越低，违约越多" not in out
    assert "有案例的等级不足两个，或没有一例违约，无法判断违约率是否逐级上升。" in out.splitlines()
