"""A team register's backup (pg_dump) restored elsewhere keeps its chain: ``verify-register --head`` with the
head an audit sheet printed passes there, and a restore from a backup older than that run is named as a
register cut back (the README's section for IT promises both)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_register import decision, run

from desktop.cli import main
from desktop.io.register import open_register


def tool(name: str) -> str:
    import pg_cluster
    folder = pg_cluster.find_bin()
    found = shutil.which(name) or (str(folder / name) if folder is not None and (folder / name).is_file() else None)
    if found is None:
        pytest.skip(f"{name} is not installed (PostgreSQL's client programs)")
    return found


def dump(url: str, target: Path) -> None:
    subprocess.run([tool("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={url}"], check=True,
                   capture_output=True)


def restore(pg_server, source: Path) -> str:
    """A fresh database of the same server with the backup restored in it (its URL)."""
    name = pg_server.create_database()
    url = pg_server.url_for(name)
    subprocess.run([tool("pg_restore"), "--exit-on-error", "--single-transaction", f"--dbname={url}", str(source)],
                   check=True, capture_output=True)
    return url


def test_a_restored_backup_verifies_with_the_audit_sheets_head_and_an_older_one_is_named(
        pg_server, pg_url, tmp_path, capsys):
    assert main(["register", "init", pg_url]) == 0
    with open_register(pg_url) as reg:
        reg.record_run(run("R1", "2025-12-31"), [decision("C1", "A"), decision("C2", "B")])
        reg.commit(reg.prepare([("run", "K", None, {"run_id": "K", "decisions": 0})], "K", b"k" * 32))  # the key
    dump(pg_url, tmp_path / "before.dump")
    with open_register(pg_url) as reg:
        head = reg.record_run(run("R2", "2026-06-30"), [decision("C1", "AA")])  # the head its audit sheet prints
    dump(pg_url, tmp_path / "after.dump")
    made = []
    try:
        restored = restore(pg_server, tmp_path / "after.dump")
        made.append(urlsplit(restored).path.lstrip("/"))
        capsys.readouterr()
        assert main(["verify-register", "--register", restored, "--head", str(head)]) == 0
        assert str(head) in capsys.readouterr().out
        with open_register(restored, readonly=True) as copy, open_register(pg_url, readonly=True) as original:
            assert list(copy.entries()) == list(original.entries())
            assert copy.key() == original.key() == b"k" * 32  # the forms' key came back with the entries
        with open_register(restored) as copy:  # the team goes on from the restored register
            copy.record_run(run("R3", "2026-07-31"), [decision("C2", "A")])
            assert copy.verify(head) == []

        older = restore(pg_server, tmp_path / "before.dump")
        made.append(urlsplit(older).path.lstrip("/"))
        assert main(["verify-register", "--register", older, "--head", str(head)]) == 3
        out = capsys.readouterr().out
        assert f"entry #{head.seq} ({head.hash[:12]}…) is missing: the register was cut back" in out
    finally:
        for name in made:
            pg_server.drop_database(name)
