"""Read scanned Form 4 filings into ownershipDocument XML and JSON, a whole archive at a time.

Inputs are files, folders (searched recursively) and glob patterns. Documents are read by
parallel worker processes, or on a Dask cluster with --dask-scheduler. OUTDIR/state.sqlite
records every input, so the same command run again skips what is done and retries what
failed, and a run that was killed resumes with no half-written file. OUTDIR also gets
transactions.csv and summary.json. Exit codes: 0 all inputs read, 1 bad arguments, 2 some
inputs failed, 3 a required program is missing, 5 the output folder is unusable,
130 interrupted.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import fcntl
import glob
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import cv2
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from . import atomic
from .errors import ExitCode, Form4Error, InputError, MissingDependencyError
from .export import transaction_rows, write_csv, write_document
from .load import SCAN_EXTENSIONS, display_name, page_count, sniff
from .result import DocumentResult
from .state import FAILED, OK, BatchState, Outcome, file_digest, input_key

log = logging.getLogger("form4-ocr")

# program -> Debian packages that provide it
REQUIRED_PROGRAMS = {
    "tesseract": "tesseract-ocr tesseract-ocr-eng",
    "pdfinfo": "poppler-utils",
    "pdftoppm": "poppler-utils",
}
TASKS_PER_CHILD = 20  # documents before a worker process is replaced: bounds slow leaks
QUEUED_PER_SLOT = 2  # documents handed out per worker: busy workers, no read-ahead of the archive
FAILURES_SHOWN = 10  # failures listed on the end-of-run screen; summary.json has all
LOCK_NAME = ".form4-ocr.lock"
Reader = Callable[..., DocumentResult]


@dataclass
class Job:
    """One input on its way through the workers."""

    path: Path
    key: bytes
    name: str
    stem: str
    pages: int
    suspect: bool = False  # was in the pool when a worker died: re-read alone to find the culprit


@dataclass
class BatchReport:
    """What this run did; the end-of-run screen and summary.json's "run" section."""

    inputs: int = 0
    ok: int = 0
    failed: int = 0
    already_done: int = 0
    needing_review: int = 0
    fields_to_review: int = 0
    pages: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    not_scans: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


# --- command line --------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="scan files (PDF, TIFF, PNG, JPEG), folders (read recursively) or glob patterns")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUTDIR",
                        help="folder for the XML, JSON, transactions.csv, summary.json and state.sqlite")
    parser.add_argument("--jobs", type=_positive, default=len(os.sched_getaffinity(0)), metavar="N",
                        help="local worker processes (default: the number of CPUs this process may use)")
    parser.add_argument("--force", action="store_true", help="read every input again, even those already done")
    parser.add_argument("--quiet", action="store_true", help="print errors only")
    parser.add_argument("--overlay", action="store_true",
                        help="also write a PNG per page with every box drawn and labelled (OUTDIR/overlays/NAME/)")
    parser.add_argument("--max-pages", type=_positive, default=1000, metavar="N",
                        help="refuse documents with more pages than this (default: 1000)")
    parser.add_argument("--dask-scheduler", metavar="tcp://HOST:PORT",
                        help="read on this dask.distributed cluster instead of local processes")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def run(args: argparse.Namespace, *, reader: Reader | None = None) -> int:
    """``form4-ocr extract``; the exit code follows the table in the README."""
    _configure_logging(args.quiet)
    try:
        check_dependencies()
        report = run_batch(args.inputs, args.output, reader=reader, jobs=args.jobs, force=args.force,
                           quiet=args.quiet, overlay=args.overlay, max_pages=args.max_pages,
                           scheduler=args.dask_scheduler)
    except MissingDependencyError as exc:
        log.error("%s", exc)
        return exc.exit_code
    except BlockingIOError:
        log.error("%s: another form4-ocr extract is writing to this folder", display_name(args.output))
        return ExitCode.file_access
    except OSError as exc:
        log.error("%s: %s", display_name(exc.filename or args.output), exc.strerror)
        return ExitCode.file_access
    except KeyboardInterrupt:  # a second Ctrl-C while the first one was being handled
        return ExitCode.interrupted
    if report.interrupted:
        return ExitCode.interrupted
    return ExitCode.input_failed if report.failed else ExitCode.ok


def _configure_logging(quiet: bool) -> None:
    """Plain one-line messages on the current stderr; --quiet keeps errors only."""
    for old in list(log.handlers):
        log.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.WARNING if quiet else logging.INFO)


def check_dependencies() -> None:
    """Fail before any work when a program the reader runs is missing, naming its package."""
    for program, package in REQUIRED_PROGRAMS.items():
        if shutil.which(program) is None:
            raise MissingDependencyError(f"{program} is not installed: apt-get install {package}")


# --- inputs --------------------------------------------------------------------------

def find_inputs(specs: Iterable[str | Path], exclude: Path | None = None) -> tuple[list[Path], list[str]]:
    """Expand files, folders (recursively) and glob patterns into the inputs to read.

    Returns the inputs and a note per file skipped as not a scan. An input named on the
    command line is always read (and fails with its reason if it cannot be); in folders,
    readable files that are neither named nor shaped like a scan are skipped. Linked
    folders are followed once, so symlink loops end; ``exclude`` (the output folder) is
    never searched.
    """
    inputs: list[Path] = []
    notes: list[str] = []
    seen_files: set = set()
    seen_dirs: set = set()
    if exclude is not None and exclude.is_dir():
        seen_dirs.add(_identity(exclude))

    def add(path: Path) -> None:
        identity = _identity(path)
        if identity not in seen_files:
            seen_files.add(identity)
            inputs.append(path)

    for spec in map(str, specs):
        is_pattern = not os.path.lexists(spec) and any(c in spec for c in "*?[")
        matches = (sorted(glob.glob(spec, recursive=True)) if is_pattern else []) or [spec]
        for match in map(Path, matches):
            if not match.is_dir():
                add(match)
                continue
            for path in _walk(match, seen_dirs, notes):
                if _looks_like_scan(path):
                    add(path)
                else:
                    notes.append(f"{display_name(path)}: skipped, not a scan")
    return inputs, notes


def _identity(path: Path) -> tuple:
    """The same file or folder reached by two names has one identity; a dangling name is its path."""
    try:
        stat = path.stat()
        return stat.st_dev, stat.st_ino
    except OSError:
        return (os.path.abspath(path),)


def _walk(top: Path, seen_dirs: set, notes: list[str]) -> Iterator[Path]:
    """Files under ``top`` in name order, entering each real folder once; unreadable folders noted."""
    if _identity(top) in seen_dirs:
        return
    seen_dirs.add(_identity(top))

    def unreadable(exc: OSError) -> None:
        notes.append(f"{display_name(exc.filename)}: skipped, cannot read folder: {exc.strerror}")

    for root, dirs, files in os.walk(top, onerror=unreadable, followlinks=True):
        dirs.sort()
        for name in list(dirs):
            identity = _identity(Path(root, name))
            if identity in seen_dirs:
                dirs.remove(name)
            else:
                seen_dirs.add(identity)
        for name in sorted(files):
            yield Path(root, name)


def _looks_like_scan(path: Path) -> bool:
    """Read it if its name or its first bytes say scan, or if it cannot be read (to report why)."""
    if path.suffix.lower() in SCAN_EXTENSIONS:
        return True
    try:
        sniff(path)
        return True
    except InputError:
        return not os.access(path, os.R_OK) or not path.exists()


# --- the run -------------------------------------------------------------------------

def run_batch(inputs: Iterable[str | Path], out_dir: Path, *, reader: Reader | None = None,
              jobs: int | None = None, force: bool = False, quiet: bool = False, overlay: bool = False,
              max_pages: int = 1000, scheduler: str | None = None) -> BatchReport:
    """Read every input not already done into ``out_dir``; state and summaries are saved even on Ctrl-C.

    Workers only read. This process does every write: per-document outputs (ocr.export,
    atomic), then the input's state row, then transactions.csv and summary.json rebuilt
    from the whole state. So a kill at any instant leaves nothing half-written and nothing
    counted twice, and local and cluster mode share this one path.

    ``reader`` is called in the workers as ``reader(path, overlay_dir=..., max_pages=...)``;
    None means ocr.pipeline.read_document, imported there after OpenMP threads are clamped.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BatchReport()
    started = time.perf_counter()
    with ExitStack() as stack:
        stack.enter_context(_exclusive(out_dir))
        state = BatchState(out_dir)
        stack.callback(state.close)
        try:
            overlay_dir = out_dir / "overlays" if overlay else None
            _remove_stale_temporaries(out_dir, overlay_dir)
            paths, report.not_scans = find_inputs(inputs, exclude=out_dir)
            report.inputs = len(paths)
            for note in report.not_scans:
                log.info("%s", note)
            progress = stack.enter_context(_Progress(len(paths), quiet))
            todo = _triage(paths, state, report, progress, force=force, max_pages=max_pages)
            if scheduler:
                from .cluster import cluster_executor
                executor, slots = stack.enter_context(cluster_executor(scheduler))
                make_executor = None
            else:
                slots = jobs or len(os.sched_getaffinity(0))
                make_executor = lambda: _local_executor(slots)  # noqa: E731 (a fresh pool after a crash)
                executor = make_executor()
            work = partial(read_one, reader, overlay_dir=overlay_dir, max_pages=max_pages)
            _dispatch(todo, executor, make_executor, slots, work, state, out_dir, report, progress)
        except KeyboardInterrupt:
            report.interrupted = True
            log.warning("interrupted: state saved in %s; run the same command again to resume",
                        display_name(state.path))
        report.seconds = time.perf_counter() - started
        _write_batch_files(state, out_dir, report)
    if not quiet:
        print(summary_screen(report, out_dir))
    return report


@contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    """One run per output folder: the lock dies with its process, even on SIGKILL."""
    with open(out_dir / LOCK_NAME, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError when taken
        yield


def _remove_stale_temporaries(*folders: Path | None) -> None:
    """Temporary files of atomic writes cut short by a kill (names as ocr.atomic makes them)."""
    for folder in filter(None, folders):
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)


def _triage(paths: list[Path], state: BatchState, report: BatchReport, progress: "_Progress", *,
            force: bool, max_pages: int) -> Iterator[Job]:
    """Hash and check each input as the workers need more, so the first pages start at once.

    Inputs already done with the same bytes are skipped; inputs that cannot be read fail
    here with their reason (pdfinfo and image headers are cheap), never reaching a worker.
    """
    for path in paths:
        key, name = input_key(path), display_name(path)
        try:
            sniff(path)
            sha256, size = file_digest(path)
        except (InputError, OSError) as exc:
            sha256 = size = None
            error: str | None = str(exc) if isinstance(exc, InputError) else f"{name}: {exc.strerror}"
        else:
            error = None
            if not force and state.is_done(key, sha256):
                report.already_done += 1
                progress.skipped()
                continue
        stem = state.begin(key, name, sha256, size, _stem(path))
        if error is None:
            try:
                yield Job(path, key, name, stem, page_count(path, max_pages=max_pages))
                continue
            except InputError as exc:
                error = str(exc)
        _record(state, report, progress, key, name, Outcome(FAILED, error=error))


def _stem(path: Path) -> str:
    """Output file stem: the input's name without extension, as UTF-8 text."""
    return display_name(Path(path.name).with_suffix("")) or "document"


def _local_executor(jobs: int) -> cf.ProcessPoolExecutor:
    """Worker processes started fresh (spawn), each replaced after TASKS_PER_CHILD documents."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by spawned workers before anything loads
    return cf.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_init_worker, max_tasks_per_child=TASKS_PER_CHILD)


def _init_worker() -> None:
    """One thread per worker (the pool fills the cores): Tesseract's OpenMP clamped before it
    loads, OpenCV's pool off. Ctrl-C is left to the main process."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cv2.setNumThreads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def read_one(reader: Reader | None, path: Path, stem: str, *, overlay_dir: Path | None,
             max_pages: int) -> tuple[DocumentResult | None, str | None, float]:
    """Worker side: read one document. Returns (result, None, seconds) or (None, one-line error, seconds)."""
    started = time.perf_counter()
    try:
        if reader is None:
            from .pipeline import read_document as reader
        pictures = overlay_dir / stem if overlay_dir is not None else None  # one folder per output name: never shared
        return reader(path, overlay_dir=pictures, max_pages=max_pages), None, time.perf_counter() - started
    except Form4Error as exc:
        error = str(exc)
    except Exception as exc:  # a bug or a crash inside a library: the batch goes on
        error = f"{display_name(path)}: internal error: {type(exc).__name__}: {exc}"
    # one line, and UTF-8 even when the message quotes a file name holding undecodable bytes
    error = " ".join(error.split()).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return None, error, time.perf_counter() - started


def _dispatch(jobs: Iterator[Job], executor: cf.Executor, make_executor: Callable[[], cf.Executor] | None,
              slots: int, work: Callable[[Path], tuple], state: BatchState,
              out_dir: Path, report: BatchReport, progress: "_Progress") -> None:
    """Keep every worker busy with a short queue; record each result as it arrives.

    A worker that dies (a crash inside Tesseract, the OOM killer) breaks the local pool and
    every document in it. Those are then read again one at a time, so a document that
    kills its worker alone is the one that fails, and only it.
    """
    in_flight: dict[cf.Future, Job] = {}
    suspects: list[Job] = []
    unsent: list[Job] = []  # taken from the queue while the pool was already broken
    try:
        while True:
            while len(in_flight) < (1 if suspects else slots * QUEUED_PER_SLOT):
                job = suspects.pop(0) if suspects else unsent.pop(0) if unsent else next(jobs, None)
                if job is None:
                    break
                try:
                    in_flight[executor.submit(work, job.path, job.stem)] = job
                except BrokenProcessPool:  # a worker died before its future said so
                    unsent.insert(0, job)
                    break
            if not in_flight and unsent and make_executor is not None:
                executor.shutdown(wait=True)
                executor = make_executor()
                continue
            if not in_flight:
                executor.shutdown(wait=True)
                return
            done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            crashed = []
            for future in done:
                job = in_flight.pop(future)
                try:
                    result, error, seconds = future.result()
                except BrokenProcessPool:
                    crashed.append(job)
                    continue
                except Exception as exc:  # the cluster lost the task (e.g. KilledWorker)
                    result, error, seconds = None, f"{job.name}: worker failed: {type(exc).__name__}: {exc}", 0.0
                _finish(job, result, error, seconds, state, out_dir, report, progress)
            if crashed and make_executor is not None:
                crashed += in_flight.values()
                in_flight.clear()
                executor.shutdown(wait=True)
                executor = make_executor()
                if len(crashed) == 1 and crashed[0].suspect:
                    _finish(crashed[0], None, f"{crashed[0].name}: the worker process died while reading it",
                            0.0, state, out_dir, report, progress)
                else:
                    for job in crashed:
                        job.suspect = True
                    suspects += crashed
    except KeyboardInterrupt:
        _abort(executor, in_flight, local=make_executor is not None)
        raise


def _abort(executor: cf.Executor, in_flight: dict[cf.Future, Job], *, local: bool) -> None:
    """Ctrl-C: stop the workers now; their documents stay pending in the state for the next run."""
    for future in in_flight:
        future.cancel()
    if local:
        for child in multiprocessing.active_children():  # this process's pool workers
            child.terminate()
        executor.shutdown(wait=True, cancel_futures=True)
    else:
        executor.shutdown(wait=False)  # cancels the tasks on the cluster


def _finish(job: Job, result: DocumentResult | None, error: str | None, seconds: float,
            state: BatchState, out_dir: Path, report: BatchReport, progress: "_Progress") -> None:
    """Write a document's outputs (atomically), then its state row: a kill between the two redoes it."""
    if result is not None:
        try:
            result.source = job.name
            outputs = [str(p) for p in write_document(result, out_dir, job.stem)]
            outcome = Outcome(OK, pages=len(result.pages), template=result.template, seconds=seconds,
                              review=[f.path for f in result.fields if f.needs_review], outputs=outputs,
                              transactions=transaction_rows(result))
        except (OSError, ValueError, TypeError) as exc:
            error = f"{job.name}: cannot write outputs: {type(exc).__name__}: {exc}"
    if error is not None:
        outcome = Outcome(FAILED, pages=job.pages, seconds=seconds, error=error)
    _record(state, report, progress, job.key, job.name, outcome)


def _record(state: BatchState, report: BatchReport, progress: "_Progress", key: bytes, name: str,
            outcome: Outcome) -> None:
    """Commit one input's outcome and count it; a failed input leaves no outputs from an earlier run."""
    if outcome.status == FAILED:
        for stale in json.loads(state.row(key)["outputs"]):
            Path(stale).unlink(missing_ok=True)
    state.finish(key, outcome)
    if outcome.status == OK:
        report.ok += 1
        report.pages += outcome.pages
        report.needing_review += bool(outcome.review)
        report.fields_to_review += len(outcome.review)
    else:
        report.failed += 1
        report.failures.append(outcome.error or name)
    progress.done(name, outcome, report)


# --- what the user sees --------------------------------------------------------------

class _Progress:
    """A live bar on a terminal; a log line per document otherwise; errors only with --quiet."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.quiet, self.count = total, quiet, 0
        self.started = time.perf_counter()
        self.bar = None
        if not quiet and sys.stderr.isatty():
            self.bar = tqdm(total=total, unit="doc", desc="extract", dynamic_ncols=True, file=sys.stderr)
        self._redirect = logging_redirect_tqdm([log]) if self.bar is not None else None

    def __enter__(self) -> "_Progress":
        if self._redirect is not None:
            self._redirect.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self._redirect.__exit__(*exc_info)
            self.bar.close()

    def skipped(self) -> None:
        self.count += 1
        if self.bar is not None:
            self.bar.update(1)

    def done(self, name: str, outcome: Outcome, report: BatchReport) -> None:
        self.count += 1
        if outcome.status == FAILED:
            log.error("[%d/%d] failed %s", self.count, self.total, outcome.error)
        elif self.bar is None:
            review = f", {len(outcome.review)} fields to review" if outcome.review else ""
            log.info("[%d/%d] ok %s: %d pages in %.1f s%s", self.count, self.total, name, outcome.pages,
                     outcome.seconds, review)
        if self.bar is not None:
            rate = report.pages / max(time.perf_counter() - self.started, 1e-9)
            self.bar.set_postfix_str(f"{report.pages} pages, {rate:.2f} pages/s, {report.failed} failed",
                                     refresh=False)
            self.bar.update(1)


def summary_screen(report: BatchReport, out_dir: Path) -> str:
    """The end-of-run summary: fits one screen however large the batch."""
    lines = [
        f"form4-ocr extract -> {display_name(out_dir)}" + ("   (interrupted: run again to resume)"
                                                          if report.interrupted else ""),
        f"  inputs        {report.inputs:6d}   ({len(report.not_scans)} other files skipped as not scans)",
        f"  ok            {report.ok:6d}",
        f"  needing review{report.needing_review:6d}   ({report.fields_to_review} fields flagged)",
        f"  failed        {report.failed:6d}",
        f"  already done  {report.already_done:6d}   (same bytes as before; --force reads them again)",
        f"  pages         {report.pages:6d}   in {report.seconds:.1f} s, {report.pages_per_second:.2f} pages/s",
    ]
    for failure in report.failures[:FAILURES_SHOWN]:
        lines.append(f"  ! {failure}")
    if len(report.failures) > FAILURES_SHOWN:
        lines.append(f"  ! ... and {len(report.failures) - FAILURES_SHOWN} more in summary.json")
    lines.append("  written: transactions.csv, summary.json, state.sqlite and per-document XML/JSON")
    return "\n".join(lines)


def _write_batch_files(state: BatchState, out_dir: Path, report: BatchReport) -> None:
    """transactions.csv and summary.json from the whole state, so every document counts once."""
    rows = state.rows()
    write_csv([t for row in rows if row["status"] == OK for t in json.loads(row["transactions"])],
              out_dir / "transactions.csv")
    documents = [{"path": row["name"], "status": row["status"], "sha256": row["sha256"], "size": row["size"],
                  "pages": row["pages"], "template": row["template"], "seconds": row["seconds"],
                  "error": row["error"], "review": json.loads(row["review"]),
                  "outputs": json.loads(row["outputs"])} for row in rows]
    summary = {
        "run": {**asdict(report), "pages_per_second": round(report.pages_per_second, 3)},
        "totals": {status: sum(d["status"] == status for d in documents) for status in (OK, FAILED)}
        | {"needing_review": sum(bool(d["review"]) for d in documents if d["status"] == OK),
           "documents": len(documents)},
        "documents": documents,
    }
    atomic.write_bytes(out_dir / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8"))
