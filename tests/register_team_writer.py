"""Run by test_register_team in a process of its own (multiprocessing, spawn): one clerk appending
runs to the team's register for a given time, reporting what it recorded.

``append(location, tag, seconds, ready, go, results)``: opens the register, says it is ready, waits
for ``go`` (all writers start together), then records runs until ``seconds`` have passed. It puts on
``results`` one tuple ``(tag, recorded, failures)``: ``recorded`` the (run_id, decisions, head seq,
head hash) of every run ``record_run`` returned for, ``failures`` the text of every error it raised.
"""

from __future__ import annotations

import time


def decisions_of(tag_index: int, k: int) -> int:
    """Runs of different sizes (1 to 40 decisions), so that writers' transactions overlap unevenly."""
    return 1 + (k * 7 + tag_index * 3) % 40


def append(location: str, tag: str, tag_index: int, seconds: float, ready, go, results) -> None:
    from desktop.io.register import open_register

    recorded, failures = [], []
    try:
        with open_register(location) as reg:
            ready.release()
            if not go.wait(120):
                raise RuntimeError("no start signal")
            deadline, k = time.monotonic() + seconds, 0
            while time.monotonic() < deadline:
                run_id = f"{tag}-{k:05d}"
                n = decisions_of(tag_index, k)
                try:
                    head = reg.record_run(
                        {"run_id": run_id, "operator": tag, "as_of": "2026-06-30", "policy_sha256": "p" * 64},
                        [{"customer_id": f"C{c:04d}", "name": f"客户{c}", "level": "A", "next_review": "2026-12-31"}
                         for c in range(n)])
                    recorded.append((run_id, n, head.seq, head.hash))
                except Exception as exc:  # noqa: BLE001  (reported: the test fails on any)
                    failures.append(f"{run_id}: {type(exc).__name__}: {exc}")
                k += 1
    except Exception as exc:  # noqa: BLE001
        failures.append(f"{tag}: {type(exc).__name__}: {exc}")
        ready.release()
    results.put((tag, recorded, failures))
