"""Run by test_register: one process appending runs to a shared register.

``python register_writer.py DB TAG RUNS DECISIONS``: waits for ``DB.go`` so that both writers start
together (and both may create the register at once), then records RUNS runs of DECISIONS decisions.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from desktop.io.register import Register  # noqa: E402

db, tag, runs, per_run = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
go, deadline = Path(db + ".go"), time.monotonic() + 60
while not go.exists():  # a start line, not a timing assumption: the test only checks the outcome
    if time.monotonic() > deadline:
        sys.exit("register_writer: no start signal")
    time.sleep(0.005)
with Register(db) as reg:
    for k in range(runs):
        run_id = f"{tag}-{k:03d}"
        reg.record_run({"run_id": run_id, "operator": tag, "as_of": "2026-06-30", "policy_sha256": "p" * 64},
                       [{"customer_id": f"C{c:04d}", "name": f"客户{c}", "level": "A", "next_review": "2026-12-31"}
                        for c in range(per_run)])
