"""Cluster mode: run the batch's per-document work on an existing dask.distributed cluster.

Only the reading moves to the cluster. Results come back to this process, which writes
outputs and state exactly as in local mode, so resume and exactly-once behave the same.
"""
from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Iterator
from contextlib import contextmanager

import cv2
from distributed import Client, WorkerPlugin

CONNECT_TIMEOUT = "30s"


class ThreadLimit(WorkerPlugin):
    """One thread per task: Tesseract's OpenMP clamped on every worker before it first loads,
    OpenCV's pool off. The worker's threads already fill its cores; more threads fight
    (16 s instead of 2.7 s a Tesseract page here)."""

    name = "form4-ocr-thread-limit"

    def setup(self, worker) -> None:
        os.environ["OMP_THREAD_LIMIT"] = "1"
        cv2.setNumThreads(1)


@contextmanager
def cluster_executor(address: str) -> Iterator[tuple[cf.Executor, int]]:
    """A concurrent.futures view of the cluster at ``address`` and its number of worker threads."""
    client = Client(address, timeout=CONNECT_TIMEOUT)
    try:
        client.register_plugin(ThreadLimit())
        slots = max(1, sum(client.nthreads().values()))
        yield client.get_executor(pure=False), slots
    finally:
        client.close()
