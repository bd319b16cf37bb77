"""The clerk's script (scripts/clerk_errors.py) feeds every kind of mistake to the Chinese window
and reads what it shows; this runs it as a clerk's machine would (its own process, offscreen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "clerk_errors.py"


def test_every_mistake_a_clerk_makes_is_told_in_chinese(tmp_path):
    report = tmp_path / "report.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}  # read from a pipe as UTF-8
    env.pop("DISPLAY", None)
    run = subprocess.run([sys.executable, str(SCRIPT), "--report", str(report)], capture_output=True, text=True,
                         encoding="utf-8", env=env, timeout=900)
    cases = json.loads(report.read_text(encoding="utf-8"))
    assert len(cases) >= 17  # every kind of mistake ran (a case that raised would end the script early)
    failed = [(c["case"], c["foreign"], (c["box"] or c["texts"])[:2]) for c in cases if not c["ok"]]
    assert failed == [], run.stdout
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    # each case was told: a message box or a listed line, in Chinese
    assert all(c["box"] or c["texts"] for c in cases)
