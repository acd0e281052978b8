"""Cluster mode: the same batch on a dask.distributed cluster gives the same outputs and state."""
from __future__ import annotations

import json
import os
import sqlite3

import batch_fakes
import cv2
import pytest
from distributed import Client, LocalCluster
from scan_files import letter_page, png_bytes, write

from ocr import batch, ownership
from ocr.cluster import cluster_executor


@pytest.fixture(scope="module")
def scheduler():
    """One worker process with two threads: real pickling across processes, small footprint."""
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def rows(out) -> dict[str, tuple]:
    db = sqlite3.connect(out / "state.sqlite")
    try:
        return {name: (status, error) for name, status, error in db.execute("SELECT name, status, error FROM inputs")}
    finally:
        db.close()


def test_cluster_run_matches_local_run(tmp_path, scheduler, monkeypatch):
    monkeypatch.setenv("FAKE_READER_LOG", str(tmp_path / "reads.log"))  # LocalCluster workers inherit it
    folder = tmp_path / "in"
    folder.mkdir()
    good = [write(folder / f"doc{i}.png", png_bytes(letter_page(100, 100, i), (100, 100))) for i in range(3)]
    empty = write(folder / "empty.pdf", b"")
    runs = {}
    for mode, options in {"local": {"jobs": 2}, "cluster": {"scheduler": scheduler}}.items():
        out = tmp_path / mode
        report = batch.run_batch([folder], out, reader=batch_fakes.read_document, quiet=True, **options)
        assert (report.ok, report.failed, report.pages) == (3, 1, 3)
        runs[mode] = out
    assert rows(runs["cluster"]) == rows(runs["local"])
    assert rows(runs["cluster"])[str(empty)] == ("failed", f"{empty}: empty file (0 bytes)")
    for path in good:
        xml = ownership.parse((runs["cluster"] / f"{path.stem}.xml").read_bytes())
        assert xml == ownership.parse((runs["local"] / f"{path.stem}.xml").read_bytes())
    assert (runs["cluster"] / "transactions.csv").read_text() == (runs["local"] / "transactions.csv").read_text()
    summary = json.loads((runs["cluster"] / "summary.json").read_text())
    assert summary["totals"] == {"ok": 3, "failed": 1, "needing_review": 3, "documents": 4}

    again = batch.run_batch([folder], runs["cluster"], reader=batch_fakes.read_document, quiet=True,
                            scheduler=scheduler)
    assert (again.already_done, again.ok, again.failed) == (3, 0, 1)  # resumes like local mode


def unset_thread_limits() -> None:
    os.environ.pop("OMP_THREAD_LIMIT", None)
    cv2.setNumThreads(4)


def test_cluster_workers_run_one_thread_per_task(scheduler):
    with Client(scheduler) as client:
        client.run(unset_thread_limits)
        assert set(client.run(batch_fakes.thread_settings).values()) == {(None, 4)}
    with cluster_executor(scheduler) as (executor, slots):
        assert slots == 2
        assert executor.submit(batch_fakes.thread_settings).result() == ("1", 1)
