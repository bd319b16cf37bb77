"""Run by test_register: one process appending runs to a shared register (``python register_writer.py DB TAG N``)."""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from desktop.io.register import Register  # noqa: E402

db, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
go = Path(db + ".go")
while not go.exists():  # both writers start together
    time.sleep(0.005)
with Register(db) as reg:
    for k in range(n):
        run_id = f"{tag}-{k:03d}"
        reg.record_run({"run_id": run_id, "as_of": "2026-06-30"},
                       [{"customer_id": f"C{c:04d}", "level": "A", "next_review": "2027-06-30", "run_id": run_id}
                        for c in range(50)])
