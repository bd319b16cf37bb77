"""Run LibreOffice headless with a profile that recalculates every formula on load."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, fmt: str, out_dir: Path, profile: Path) -> Path:
    """Open ``src`` in LibreOffice (recalculating) and save it as ``fmt`` into ``out_dir``."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_PROFILE, encoding="utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", fmt, "--outdir", str(out_dir), str(src)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=240)
    out = out_dir / (src.stem + "." + fmt.split(":")[0])
    assert out.exists(), f"LibreOffice wrote nothing for {src}"
    return out
