"""The rating session both front ends run: one commit point per use case, typed requests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from desktop.core.cancel import CancelToken
from desktop.errors import Cancelled, InputFileError, StaleRatingError
from desktop.io import importer
from desktop.io.approvals_reader import read_results_snapshot
from desktop.io.register import Head, Register, RegisterError, RegisterWriteError
from desktop.paths import samples_dir
from desktop.session import ExportForms, ExportResults, ImportRequest, RateRequest, ScoreRequest, Session

SAMPLES = tuple(sorted(samples_dir().iterdir()))
AS_OF = date(2026, 6, 30)


def reading(**kw) -> ImportRequest:
    return ImportRequest(SAMPLES, (), AS_OF, **kw)


def audit_head(path: Path) -> Head:
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True)
    for row in wb["审计信息"].iter_rows(values_only=True):
        for value in row:
            if isinstance(value, str) and value.startswith("#") and len(value.split()) == 2:
                seq, digest = value[1:].split()
                return Head(int(seq), digest)
    raise AssertionError("no register entry on the audit sheet")


class StopAt(CancelToken):
    """Cancelled when the job reports ``stage``: the next checkpoint must stop it."""

    def __init__(self, stage: str):
        super().__init__()
        self.stage = stage

    def report(self, stage: str, fraction: float) -> None:
        if stage == self.stage:
            self.cancel()


@pytest.mark.parametrize("stage", ["read", "policy", "metrics", "scoring", "register", "write", "forms"])
def test_a_cancel_at_any_stage_commits_nothing(tmp_path, private_tmp, stage):
    session = Session()
    register, out = tmp_path / "register.sqlite", tmp_path / "out"
    first = session.run(RateRequest(reading(), register=register,
                                    outputs=(ExportResults(out / "r.xlsx"), ExportForms(out / "f.xlsx"))))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with Register(register) as reg:
        head = reg.head()
    stop = StopAt(stage)
    request = RateRequest(ImportRequest(SAMPLES, (), date(2026, 12, 31)), register=register,
                          outputs=(ExportResults(out / "r.xlsx"), ExportForms(out / "f.xlsx")))
    with pytest.raises(Cancelled):
        session.run(request, stop.report, stop)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert list(private_tmp.iterdir()) == []
    with Register(register) as reg:
        assert reg.head() == head and reg.verify() == []
    assert session.rated.run.run_id == first.run.run_id and session.reading == reading()  # the session as it was


def test_the_rating_uses_the_tables_the_import_read(tmp_path, monkeypatch):
    calls = []
    real = importer.import_files
    monkeypatch.setattr(importer, "import_files", lambda *a, **k: calls.append(1) or real(*a, **k))
    import desktop.services as services
    monkeypatch.setattr(services, "import_files", importer.import_files)
    copies = []
    for f in SAMPLES:
        copies.append(tmp_path / f.name)
        copies[-1].write_bytes(f.read_bytes())
    req = ImportRequest(tuple(copies), (), AS_OF)
    session = Session()
    session.run(req)
    done = session.run(RateRequest(req))
    assert len(calls) == 1 and len(done.rating.decisions) == 42
    session.run(RateRequest(req))  # rated again: still not read again
    assert len(calls) == 1
    import os
    import time
    os.utime(copies[0], (time.time() + 10, time.time() + 10))  # saved again in Excel
    session.run(RateRequest(req))
    assert len(calls) == 2
    session.run(RateRequest(ImportRequest(tuple(copies), (), date(2026, 7, 31))))  # another date: read again
    assert len(calls) == 3


def test_an_export_of_a_rating_the_session_no_longer_holds_is_refused(tmp_path):
    session = Session()
    done = session.run(RateRequest(reading()))
    with pytest.raises(StaleRatingError):
        session.run(ExportResults(tmp_path / "r.xlsx", run_id="20260101-000000-abcdef"))
    session.run(ImportRequest(SAMPLES[:2], (), AS_OF))  # other inputs: the rating is dropped
    assert session.rated is None
    with pytest.raises(StaleRatingError):
        session.run(ExportResults(tmp_path / "r.xlsx", run_id=done.run.run_id))
    assert not (tmp_path / "r.xlsx").exists()


def test_an_unreadable_file_stops_the_command_line_and_is_listed_in_the_window(tmp_path):
    broken = tmp_path / "坏 文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputFileError, match="坏 文件.xlsx"):
        Session().run(ImportRequest((*SAMPLES, broken), (), AS_OF, strict=True))
    session = Session()
    imported = session.run(ImportRequest((*SAMPLES, broken), (), AS_OF, strict=False))
    assert [(s.file, s.kind) for s in imported.unreadable] == [(broken.name, "unreadable")]
    assert imported.unreadable[0].error and broken.name in imported.unreadable[0].error
    errors = [i for i in imported.issues if i.file == broken.name]
    assert [(i.severity, i.problem) for i in errors] == [("error", "file cannot be read")]
    assert errors[0].value == str(broken)  # where it is; why, in the reader's language, is the file's line:
    assert imported.unreadable[0].error_texts["zh"].startswith(f"文件 {broken} 无法读取")
    done = session.run(RateRequest(ImportRequest((*SAMPLES, broken), (), AS_OF, strict=False)))
    assert len(done.rating.decisions) == 42


def test_a_run_recorded_by_another_window_meanwhile_is_prepared_again(tmp_path, private_tmp, monkeypatch):
    """Between the head printed on the workbook and the commit, another window records a run."""
    register = tmp_path / "register.sqlite"
    Session().run(RateRequest(reading(), register=register))
    real_prepare = Register.prepare
    raced = []

    def prepare(self, rows, new_run=None, key=None):
        prepared = real_prepare(self, rows, new_run, key)
        if not raced:
            raced.append(1)
            other = Session()
            other.run(RateRequest(reading(), register=register))  # the other window, committed first
        return prepared
    monkeypatch.setattr(Register, "prepare", prepare)
    out = tmp_path / "r.xlsx"
    done = Session().run(RateRequest(reading(), register=register, outputs=(ExportResults(out),)))
    printed = audit_head(out)
    with Register(register) as reg:
        assert reg.head() == printed and reg.verify(printed) == []
        assert len(reg.runs()) == 3
    assert done.run.register_head == str(printed)
    assert read_results_snapshot(out).run_id == done.run.run_id


def test_a_register_that_fails_at_the_commit_puts_every_file_back(tmp_path, private_tmp, monkeypatch):
    register, out = tmp_path / "register.sqlite", tmp_path / "out"
    out.mkdir()
    (out / "r.xlsx").write_bytes(b"previous results")
    Session().run(RateRequest(reading(), register=register))
    with Register(register) as reg:
        head = reg.head()

    def fail(self, prepared):
        raise RegisterWriteError(f"{self.path}: the disk is full; nothing was recorded")
    monkeypatch.setattr(Register, "commit", fail)
    with pytest.raises(RegisterError):
        Session().run(RateRequest(reading(), register=register,
                                  outputs=(ExportResults(out / "r.xlsx"), ExportForms(out / "f.xlsx"))))
    assert (out / "r.xlsx").read_bytes() == b"previous results"
    assert sorted(p.name for p in out.iterdir()) == ["r.xlsx"]  # the new forms workbook taken back too
    assert list(private_tmp.iterdir()) == []
    monkeypatch.undo()
    with Register(register) as reg:
        assert reg.head() == head


def test_the_command_lines_request_is_the_windows_requests(tmp_path):
    """``score`` is an import request and a rate request with outputs: the same use cases."""
    req = ScoreRequest(inputs=list(SAMPLES), as_of=AS_OF, out=tmp_path / "r.xlsx", forms_out=tmp_path / "f.xlsx",
                       forms_split="manager", protect_password="pw", profiles=tmp_path / "profiles")
    reading_req, rating = req.requests()
    assert reading_req == ImportRequest(SAMPLES, (), AS_OF, tmp_path / "profiles", {}, strict=True)
    assert rating.reading == reading_req
    assert [type(o) for o in rating.outputs] == [ExportResults, ExportForms]
    assert rating.outputs[1].split == "manager" and rating.outputs[0].protect_password == "pw"


def test_a_cancelled_first_run_leaves_no_register_file(tmp_path, private_tmp):
    register = tmp_path / "新的 登记簿.sqlite"
    stop = StopAt("write")
    with pytest.raises(Cancelled):
        Session().run(RateRequest(reading(), register=register, outputs=(ExportResults(tmp_path / "r.xlsx"),)),
                      stop.report, stop)
    assert not register.exists() and not (tmp_path / "r.xlsx").exists() and list(private_tmp.iterdir()) == []
    done = Session().run(RateRequest(reading(), register=register, outputs=(ExportResults(tmp_path / "r.xlsx"),)))
    with Register(register) as reg:  # the next run creates it, with the head its workbook prints
        assert str(reg.head()) == done.run.register_head == str(audit_head(tmp_path / "r.xlsx"))


def test_a_split_approval_workbook_may_not_take_another_outputs_name(tmp_path, private_tmp):
    from desktop.errors import UsageError
    session = Session()
    done = session.run(RateRequest(reading()))
    person = next(d.customer.salesperson for d in done.rating.decisions if d.approval_route != "none")
    results = tmp_path / f"审批表-{person}.xlsx"
    results.write_bytes(b"previous results")
    with pytest.raises(UsageError, match="named for two outputs"):
        session.run(RateRequest(reading(), outputs=(ExportResults(results),
                                                   ExportForms(tmp_path / "审批表.xlsx", split="salesperson"))))
    assert results.read_bytes() == b"previous results"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([results.name, "system-temp"])


def test_salespeople_whose_file_names_collide_get_a_workbook_each(tmp_path, private_tmp):
    import dataclasses

    from desktop import services
    session = Session()
    session.run(RateRequest(reading()))
    rated = session.rated
    needing = [d for d in rated.rating.decisions if d.approval_route != "none"][:2]
    renamed = {needing[0].customer_id: "王/磊", needing[1].customer_id: "王_磊"}  # both become 王_磊
    rated.rating = dataclasses.replace(rated.rating, decisions=tuple(
        dataclasses.replace(d, customer=dataclasses.replace(d.customer, salesperson=renamed[d.customer_id]))
        if d.customer_id in renamed else d for d in rated.rating.decisions))
    paths = [p for p, _ in services.output_writers(rated, ExportForms(tmp_path / "审批表.xlsx", split="salesperson"))]
    names = [p.name for p in paths]
    assert "审批表-王_磊.xlsx" in names and "审批表-王_磊-2.xlsx" in names and len(set(names)) == len(names)
