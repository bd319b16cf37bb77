"""benchmarks/profile_stages.py, whose stage table the benchmark prints and the README quotes: each
stage's own time is right however stages nest and overlap, and every stage it names is still
a function of the program (a renamed one would leave the table silently short)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("profile_stages", ROOT / "benchmarks" / "profile_stages.py")
_profile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_profile)
STAGES, Timers = _profile.STAGES, _profile.Timers


def table(spans):
    t = Timers()
    t.spans = [(stage, start, end, 0) for stage, start, end in spans]
    return {k: round(v, 9) for k, v in t.table().items()}


def test_a_stage_leaves_out_the_stages_inside_it_and_overlaps_count_once():
    assert table([("read", 0, 4), ("read", 2, 6),  # two files read side by side: 6 s, not 8
                  ("parse", 0, 10)]) == {"read": 6.0, "parse": 4.0}
    # a stage inside a stage inside a stage: each keeps only its own part
    assert table([("pack", 7, 8), ("write results", 2, 6), ("write", 1, 9)]) == {
        "pack": 1.0, "write results": 4.0, "write": 3.0}
    # a stage called twice, once inside another stage and once not
    assert table([("link", 1, 2), ("score", 0, 5), ("link", 6, 7)]) == {"link": 2.0, "score": 4.0}


def test_every_stage_is_timed_on_a_real_run(tmp_path):
    out = tmp_path / "figures.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "profile_stages.py"), "--data", str(tmp_path),
                           "--size", "300x3000", "--json", str(out)], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert (figures["customers"], figures["ledger_rows"]) == (300, 3000)
    named = list(dict.fromkeys(stage for stage, _, _ in STAGES))
    assert sorted(figures["stages"]) == sorted(named)  # each wrapped function ran
    assert all(secs >= 0 for secs in figures["stages"].values())
    assert sum(figures["stages"].values()) <= figures["wall_s"] + 1e-6  # own parts: never counted twice
    if sys.platform.startswith("linux"):
        assert figures["run_peak_mb"] > 50
    assert "read" in proc.stdout and "pack" in proc.stdout


@pytest.mark.parametrize("stage, module, name", STAGES)
def test_each_stage_names_a_function_that_exists(stage, module, name):
    import importlib
    owner = importlib.import_module(module)
    for part in name.split("."):
        owner = getattr(owner, part)
    assert callable(owner)
