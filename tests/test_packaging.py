"""Bundled files are found from the source tree, an installed wheel and a frozen app alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop import paths

ROOT = Path(__file__).resolve().parent.parent


def test_source_tree():
    assert paths.templates_dir() == ROOT / "templates"
    assert paths.default_policy_path().is_file()


def test_frozen_app(tmp_path, monkeypatch):
    (tmp_path / "templates" / "policy").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.templates_dir() == tmp_path / "templates"


def test_installed_wheel_carries_the_templates(tmp_path):
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(wheel_dir.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import desktop.paths as p, desktop.io.policy_file as f; "
            "print(p.default_policy_path()); print(f.load_policy().name); print(len(list(p.samples_dir().iterdir()))); "
            "print(p.help_guide_path('zh').is_file(), p.help_guide_path('en').is_file())")
    # Only the installed wheel on the path; the child prints Chinese into this test's pipe, so its
    # encoding is the harness's choice, not the console's (cp1252 on GitHub's Windows runner).
    # Windows needs SYSTEMROOT for its system libraries.
    env = {"PYTHONPATH": str(target), "PATH": "", "PYTHONIOENCODING": "utf-8",
           **{k: os.environ[k] for k in ("SYSTEMROOT",) if k in os.environ}}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path,
                         env=env, encoding="utf-8").stdout.splitlines()
    assert Path(out[0]) == target / "desktop" / "templates" / "policy" / "default.toml"
    assert out[1] == "默认信用政策" and out[2] == "3"
    assert out[3] == "True True"  # the user guide (F1) in both languages
