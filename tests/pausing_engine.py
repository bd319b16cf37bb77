"""An engine process that holds a job still at a chosen point until the window cancels it.

Cancelling "during a stage" is a race with a real job (a small one finishes before the click
arrives); this makes it certain. ``CREDIT_DESK_TEST_PAUSE`` is ``STAGE`` or ``STAGE:N``: when
the job reports STAGE (and then has passed N more cancel checkpoints: rows or forms written),
it waits until the window's cancel flag is set, then goes on, so the very next checkpoint
stops it. The spec is read at the start of every job from the file named by
``CREDIT_DESK_TEST_PAUSE_FILE`` (no file: no pause), so a test arms it for one job only.
The spawned process imports this module by name (tests/ is on its sys.path).
"""

from __future__ import annotations

import os
import time


def serve(conn, cancel_flag) -> None:
    from desktop import engine
    from desktop.core import cancel as cancel_module
    from desktop.session import Session

    control = os.environ.get("CREDIT_DESK_TEST_PAUSE_FILE", "")
    spec = {"stage": "", "after": 0}
    seen = {"stage": False, "checks": 0, "paused": False}

    def hold() -> None:
        seen["paused"] = True
        with open(control + ".paused", "w", encoding="utf-8") as f:  # the test cancels when it sees this
            f.write(f"{spec['stage']}:{seen['checks']}")
        deadline = time.monotonic() + 60  # held until cancelled, or until the test removes the control file
        while not cancel_flag.is_set() and os.path.exists(control) and time.monotonic() < deadline:
            time.sleep(0.01)

    original_run = Session.run

    def run(self, request, progress=None, cancel=None):
        seen.update(stage=False, checks=0, paused=False)
        try:
            stage, _, after = open(control, encoding="utf-8").read().strip().partition(":")
        except OSError:
            stage, after = "", ""
        spec.update(stage=stage, after=int(after or 0))

        def report(name: str, fraction: float) -> None:
            if progress is not None:
                progress(name, fraction)
            if name == spec["stage"] and not seen["paused"]:
                seen["stage"] = True
                if spec["after"] == 0:
                    hold()
        return original_run(self, request, report, cancel)

    original_check = cancel_module.CancelToken.check

    def check(self) -> None:
        if seen["stage"] and not seen["paused"]:
            seen["checks"] += 1
            if seen["checks"] >= spec["after"]:
                hold()
        original_check(self)

    Session.run = run
    cancel_module.CancelToken.check = check
    engine.serve(conn, cancel_flag)
