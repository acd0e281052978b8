"""Batch extraction: inputs, state, resume after SIGKILL and Ctrl-C, bad inputs, exit codes.

OCR is replaced by tests/batch_fakes.read_document (real page loading, fixed filing), so
these tests exercise the batch machinery in seconds; tests/test_pipeline covers reading.
"""
from __future__ import annotations

import argparse
import csv
import fcntl
import hashlib
import json
import os
import pty
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import batch_fakes
import numpy as np
import pytest
from PIL import Image
from scan_files import (bomb_png, drop_root_file_powers, encrypted_pdf, letter_page, long_pdf, pdf_file,
                        png_bytes, write)

from ocr import batch, cli, ownership
from ocr.errors import ExitCode

FAKE_CLI = Path(__file__).with_name("fake_extract.py")
SCANS = Path(__file__).resolve().parents[1] / "scans"


def scan(path: Path, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write(path, png_bytes(letter_page(100, 100, seed), (100, 100)))


def blank(path: Path) -> Path:
    return write(path, png_bytes(np.full((1100, 850), 245, np.uint8), (100, 100)))


def state_rows(out: Path) -> dict[str, sqlite3.Row]:
    db = sqlite3.connect(out / "state.sqlite")
    db.row_factory = sqlite3.Row
    try:
        return {row["name"]: row for row in db.execute("SELECT * FROM inputs")}
    finally:
        db.close()


def reads(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def extract(argv: list[str]) -> int:
    """``form4-ocr extract ARGV`` in this process with the stand-in reader."""
    parser = argparse.ArgumentParser()
    batch.add_arguments(parser)
    return batch.run(parser.parse_args(argv), reader=batch_fakes.read_document)


@pytest.fixture
def read_log(tmp_path, monkeypatch) -> Path:
    """Each document the stand-in reader completes is appended here (by every worker)."""
    log = tmp_path / "reads.log"
    monkeypatch.setenv("FAKE_READER_LOG", str(log))
    return log


def fake_cli(argv: list[str], log: Path, seconds_per_page: float = 0.0, **popen) -> subprocess.Popen:
    """The real command line with the stand-in reader, as a foreground run: Ctrl-C is not
    inherited as ignored, as it is when the tests run in a background job."""
    env = {**os.environ, "FAKE_READER_LOG": str(log), "FAKE_READER_SECONDS": str(seconds_per_page)}
    return subprocess.Popen([sys.executable, str(FAKE_CLI), *argv], env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **popen)


def wait_for_ok(out: Path, count: int, process: subprocess.Popen) -> int:
    """Poll the state database (as a progress watcher would) until ``count`` inputs are ok."""
    while process.poll() is None:
        try:
            done = sum(row["status"] == "ok" for row in state_rows(out).values())
        except sqlite3.OperationalError:  # the database or its table is not made yet
            done = 0
        if done >= count:
            return done
        time.sleep(0.1)
    raise AssertionError(f"the run ended (exit {process.returncode}) before {count} inputs were done")


def stop_group(process: subprocess.Popen) -> None:
    """Kill what is left of a test's process group (orphaned workers)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --- inputs --------------------------------------------------------------------------

def test_find_inputs_walks_folders_globs_and_skips_what_is_not_a_scan(tmp_path):
    root = tmp_path / "archive"
    one, two = scan(root / "one.pdf"), scan(root / "deep" / "two.png")
    unnamed = scan(root / "scan-without-extension", seed=1)
    empty = write(root / "empty.pdf", b"")
    write(root / "notes.txt", b"not a scan")
    write(root / "README", b"")
    (root / "deep" / "up").symlink_to(root)  # a folder loop
    (root / "self.pdf").symlink_to(root / "self.pdf")  # a file loop
    out = root / "out"
    scan(out / "overlay.png")  # the output folder is never read as input
    three = scan(tmp_path / "other" / "three.png")
    inputs, notes = batch.find_inputs([root, str(tmp_path / "other" / "*.png"), one,
                                       tmp_path / "gone.pdf"], exclude=out)
    assert inputs == [empty, one, unnamed, root / "self.pdf", two, three, tmp_path / "gone.pdf"]
    assert notes == [f"{root / 'README'}: skipped, not a scan", f"{root / 'notes.txt'}: skipped, not a scan"]


# --- a run and its outputs ---------------------------------------------------------------

def test_batch_writes_outputs_state_csv_and_summary(tmp_path, read_log, capsys):
    folder = tmp_path / "in"
    png = scan(folder / "x" / "scan.png")
    same_name = scan(folder / "y" / "scan.png", seed=2)
    odd = scan(Path(os.fsdecode(os.fsencode(folder) + b"/odd name \xff.png")), seed=3)
    tif = folder / "fax.tif"
    frames = [Image.fromarray(letter_page(204, 98, seed)).convert("1") for seed in range(2)]
    frames[0].save(tif, compression="group4", dpi=(204, 98), save_all=True, append_images=frames[1:])
    pdf = pdf_file(folder / "filing.pdf", pages=2)
    out = tmp_path / "out"

    assert extract([str(folder), "-o", str(out), "--jobs", "2"]) == ExitCode.ok

    rows = state_rows(out)
    odd_name = f"{folder}/odd name \ufffd.png"
    assert sorted(rows) == sorted([str(png), str(same_name), odd_name, str(tif), str(pdf)])
    assert {row["stem"] for row in rows.values()} == {
        "scan", f"scan-{hashlib.sha256(os.fsencode(same_name)).hexdigest()[:8]}", "odd name \ufffd",
        "fax", "filing"}
    for name, row in rows.items():
        assert row["status"] == "ok" and row["error"] is None and row["template"] == "edgar-2023"
        path = next(p for p in (png, same_name, odd, tif, pdf) if batch.display_name(p) == name)
        assert (row["sha256"], row["size"]) == (hashlib.sha256(path.read_bytes()).hexdigest(),
                                                path.stat().st_size)
        assert json.loads(row["review"]) == [batch_fakes.SHARES]
        xml, js = map(Path, json.loads(row["outputs"]))
        assert (xml.name, js.name) == (f"{row['stem']}.xml", f"{row['stem']}.json")
        assert ownership.parse(xml.read_bytes())["issuer"]["issuerName"] == Path(name).stem
        assert json.loads(js.read_text())["source"] == name
    assert rows[str(tif)]["pages"] == 2 and rows[str(pdf)]["pages"] == 2
    assert sorted(read_log.read_text(encoding="utf-8").splitlines()) == sorted(rows)

    with open(out / "transactions.csv", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert sorted(r["source"] for r in table) == sorted(rows)
    assert {(r["transactionShares"], r["transactionSharesFootnotes"], r["rptOwnerName"]) for r in table} == {
        ("100", "F1", "Doe Jane")}

    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"] == {"ok": 5, "failed": 0, "needing_review": 5, "documents": 5}
    assert summary["run"]["pages"] == 7 and summary["run"]["failures"] == []

    printed = capsys.readouterr()
    assert "  ok                 5" in printed.out and "pages/s" in printed.out
    assert "  needing review     5   (5 fields flagged)" in printed.out
    assert f"] ok {tif}: 2 pages in" in printed.err  # not a terminal: one line per document


def test_rerun_skips_done_retries_failed_and_force_redoes_all(tmp_path, read_log):
    folder, out = tmp_path / "in", tmp_path / "out"
    a, b = scan(folder / "a.png", 1), scan(folder / "b.png", 2)
    c = blank(folder / "c.png")  # not a Form 4 yet
    assert extract([str(folder), "-o", str(out), "--quiet"]) == ExitCode.input_failed
    assert sorted(reads(read_log)) == [str(a), str(b)]
    assert state_rows(out)[str(c)]["error"] == f"{c}: no page matches a Form 4 template"

    scan(c, 3)  # fixed: read again; a and b unchanged: skipped
    assert extract([str(folder), "-o", str(out), "--quiet"]) == ExitCode.ok
    assert sorted(reads(read_log)) == [str(a), str(b), str(c)]

    scan(a, 4)  # new bytes under the same name: read again
    assert extract([str(folder), "-o", str(out), "--quiet"]) == ExitCode.ok
    assert reads(read_log)[3:] == [str(a)]

    assert extract([str(folder), "-o", str(out), "--quiet", "--force"]) == ExitCode.ok
    assert sorted(reads(read_log)[4:]) == [str(a), str(b), str(c)]
    assert {row["status"] for row in state_rows(out).values()} == {"ok"}


@pytest.mark.parametrize("replacement", ["blank page", "empty file"])
def test_a_document_that_fails_after_success_leaves_no_stale_outputs(tmp_path, read_log, replacement):
    folder, out = tmp_path / "in", tmp_path / "out"
    page = scan(folder / "page.png")
    assert extract([str(folder), "-o", str(out), "--quiet"]) == ExitCode.ok
    assert (out / "page.xml").exists()
    blank(page) if replacement == "blank page" else write(page, b"")  # fails in the reader / in triage
    assert extract([str(folder), "-o", str(out), "--quiet"]) == ExitCode.input_failed
    assert not (out / "page.xml").exists() and not (out / "page.json").exists()
    assert (out / "transactions.csv").read_text().count("\n") == 1  # the header alone


# --- bad input: each fails alone, with its reason in the log and the state ----------------

def test_every_bad_input_fails_alone_with_its_reason(tmp_path):
    folder, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "reads.log"
    good = [scan(folder / "good.png"), scan(folder / "spaced name \xe9.png", 1),
            write(folder / "really-a-png.pdf", png_bytes(letter_page(100, 100, 2), (100, 100))),
            scan(Path(os.fsdecode(os.fsencode(folder) + b"/latin1 \xe9t\xe9.png")), 3)]
    cut = pdf_file(folder / "whole.pdf").read_bytes()
    bad = {
        write(folder / "empty.pdf", b""): "empty file (0 bytes)",
        write(folder / "cut.pdf", cut[: len(cut) // 2]): "truncated PDF (no %%EOF marker at the end)",
        encrypted_pdf(folder / "locked.pdf", "secret"): "encrypted PDF; decrypt it first (for example qpdf --decrypt)",
        long_pdf(folder / "archive.pdf", 3000): "has 3000 pages; the limit is 1000 (--max-pages)",
        bomb_png(folder / "bomb.png", 30000): "image refused as a decompression bomb (Image size (900000000 pixels) "
                                              "exceeds limit of 178956970 pixels, could be decompression bomb DOS attack)",
        write(folder / "dot.png", png_bytes(np.zeros((1, 1), np.uint8))):
            "image too small to be a page (1x1 pixels; a page needs at least 300 on each side)",
        write(folder / "minutes.png", b"Minutes of the meeting\n"): "not a scan (the file is not a PDF, TIFF, PNG or JPEG)",
        blank(folder / "cover letter.png"): "no page matches a Form 4 template",
        scan(folder / "no-access.png", 4): "cannot read: permission denied",
    }
    (folder / "loop.pdf").symlink_to(folder / "loop.pdf")
    bad[folder / "loop.pdf"] = "cannot read: symlink loop"
    (folder / "whole-plain.pdf").unlink(missing_ok=True)
    (folder / "locked-plain.pdf").unlink()
    (folder / "whole.pdf").unlink()
    (folder / "sub").mkdir()
    (folder / "sub" / "back").symlink_to(folder)  # a folder loop: walked once
    write(folder / "sub" / "notes.txt", b"a note")  # not a scan: skipped with a note
    (folder / "no-access.png").chmod(0)
    scan(folder / "private" / "hidden.png")
    (folder / "private").chmod(0)  # a folder that cannot be listed: noted, the walk goes on

    done = subprocess.run([sys.executable, str(FAKE_CLI), str(folder), "-o", str(out), "--jobs", "2"],
                          env={**os.environ, "FAKE_READER_LOG": str(log)}, capture_output=True, text=True,
                          timeout=300, preexec_fn=drop_root_file_powers if os.geteuid() == 0 else None)

    assert done.returncode == ExitCode.input_failed, done.stderr
    rows = state_rows(out)
    expected = {f"{path}": f"{path}: {reason}" for path, reason in bad.items()}
    assert {name: row["error"] for name, row in rows.items() if row["status"] == "failed"} == expected
    assert sorted(name for name, row in rows.items() if row["status"] == "ok") == sorted(
        batch.display_name(p) for p in good)
    errors = [line for line in done.stderr.splitlines() if "] failed " in line]
    assert sorted(line.split("] failed ", 1)[1] for line in errors) == sorted(expected.values())
    assert f"{folder}/sub/notes.txt: skipped, not a scan" in done.stderr
    assert f"{folder}/private: skipped, cannot read folder: Permission denied" in done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["failed"] == len(bad) and summary["totals"]["ok"] == len(good)


def test_max_pages_option(tmp_path, read_log):
    three, one = pdf_file(tmp_path / "three.pdf", pages=3), pdf_file(tmp_path / "one.pdf", pages=1)
    out = tmp_path / "out"
    assert extract([str(three), str(one), "-o", str(out), "--max-pages", "2", "--quiet"]) == ExitCode.input_failed
    rows = state_rows(out)
    assert rows[str(three)]["error"] == f"{three}: has 3 pages; the limit is 2 (--max-pages)"
    assert rows[str(one)]["status"] == "ok"


def test_a_document_that_kills_its_worker_fails_alone(tmp_path, read_log):
    folder, out = tmp_path / "in", tmp_path / "out"
    good = [scan(folder / f"doc{i}.png", i) for i in range(4)]
    crash = scan(folder / "crash.png", 9)
    assert extract([str(folder), "-o", str(out), "--jobs", "2", "--quiet"]) == ExitCode.input_failed
    rows = state_rows(out)
    assert rows[str(crash)]["error"] == f"{crash}: the worker process died while reading it"
    assert all(rows[str(p)]["status"] == "ok" for p in good)


def test_local_workers_run_one_thread_each():
    with batch._local_executor(1) as pool:
        assert pool.submit(batch_fakes.thread_settings).result() == ("1", 1)


# --- interruptions ---------------------------------------------------------------------

def test_sigkill_mid_run_then_restart_reads_each_document_exactly_once(tmp_path):
    folder, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "reads.log"
    docs = [scan(folder / f"doc{i:02d}.png", i) for i in range(10)]
    argv = [str(folder), "-o", str(out), "--jobs", "2", "--quiet"]
    first = fake_cli(argv, log, seconds_per_page=0.4)
    try:
        wait_for_ok(out, 3, first)
        first.send_signal(signal.SIGKILL)  # kill -9 of the batch process, mid-run
        first.wait(timeout=60)
    finally:
        stop_group(first)
    done_before = {name for name, row in state_rows(out).items() if row["status"] == "ok"}
    assert 3 <= len(done_before) < len(docs)
    read_before = reads(log)

    second = fake_cli(argv, log)
    assert second.wait(timeout=300) == ExitCode.ok
    rows = state_rows(out)
    assert sorted(rows) == sorted(map(str, docs)) and {r["status"] for r in rows.values()} == {"ok"}
    assert sorted(reads(log)[len(read_before):]) == sorted(set(map(str, docs)) - done_before)
    assert not list(out.glob(".*.tmp"))  # no half-written file left behind
    for row in rows.values():
        for output in map(Path, json.loads(row["outputs"])):
            if output.suffix == ".xml":
                ownership.parse(output.read_bytes())
            else:
                json.loads(output.read_text())
    with open(out / "transactions.csv", encoding="utf-8") as fh:
        sources = [line.split(",", 1)[0] for line in fh.read().splitlines()[1:]]
    assert sorted(sources) == sorted(map(str, docs))  # every document's rows exactly once


def test_ctrl_c_stops_with_state_saved_and_exit_130(tmp_path):
    folder, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "reads.log"
    docs = [scan(folder / f"doc{i:02d}.png", i) for i in range(8)]
    argv = [str(folder), "-o", str(out), "--jobs", "2"]
    first = fake_cli(argv, log, seconds_per_page=1.0, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_ok(out, 1, first)
        first.send_signal(signal.SIGINT)
        stdout, stderr = first.communicate(timeout=60)
    finally:
        stop_group(first)
    assert first.returncode == ExitCode.interrupted
    assert "interrupted: state saved in" in stderr and "interrupted: run again to resume" in stdout
    rows = state_rows(out)
    ok = {name for name, row in rows.items() if row["status"] == "ok"}
    assert ok and len(ok) < len(docs) and {r["status"] for r in rows.values()} <= {"ok", "pending"}
    assert json.loads((out / "summary.json").read_text())["run"]["interrupted"] is True

    assert fake_cli(argv + ["--quiet"], log).wait(timeout=300) == ExitCode.ok
    assert {r["status"] for r in state_rows(out).values()} == {"ok"} and len(state_rows(out)) == len(docs)


# --- what the user sees, and exit codes ----------------------------------------------------

def test_progress_bar_on_a_terminal(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    for i in range(3):
        scan(folder / f"doc{i}.png", i)
    blank(folder / "blank.png")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 120-column terminal
    process = fake_cli([str(folder), "-o", str(out), "--jobs", "1"], tmp_path / "reads.log",
                       stderr=follower, stdout=subprocess.DEVNULL)
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    assert process.wait(timeout=120) == ExitCode.input_failed
    text = screen.decode("utf-8", "replace")
    assert "extract: 100%" in text and "4/4" in text
    assert "3 pages" in text and "pages/s" in text and "1 failed" in text
    assert f"failed {folder / 'blank.png'}: no page matches a Form 4 template" in text


def test_quiet_prints_errors_only(tmp_path, capsys):
    folder, out = tmp_path / "in", tmp_path / "out"
    scan(folder / "good.png")
    write(folder / "empty.pdf", b"")
    assert extract([str(folder), "-o", str(out), "--quiet"]) == ExitCode.input_failed
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.splitlines() == [f"[1/2] failed {folder / 'empty.pdf'}: empty file (0 bytes)"]


def test_missing_program_exits_3_with_install_hint(tmp_path, monkeypatch, capsys):
    scan(tmp_path / "good.png")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-installed"))
    assert extract([str(tmp_path / "good.png"), "-o", str(tmp_path / "out")]) == ExitCode.missing_dependency
    assert capsys.readouterr().err.strip() == (
        "tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-eng")


@pytest.mark.parametrize("argv", [["extract"], ["extract", "x.pdf"], ["extract", "x.pdf", "-o", "out", "--jobs", "0"],
                                  ["extract", "x.pdf", "-o", "out", "--max-pages", "many"]])
def test_bad_arguments_exit_1(argv, capsys):
    assert cli.main(argv) == ExitCode.bad_args


def test_a_second_run_on_the_same_output_is_refused(tmp_path, capsys):
    scan(tmp_path / "good.png")
    out = tmp_path / "out"
    out.mkdir()
    with open(out / batch.LOCK_NAME, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert extract([str(tmp_path / "good.png"), "-o", str(out)]) == ExitCode.file_access
    assert "another form4-ocr extract is writing to this folder" in capsys.readouterr().err


# --- end to end, with the real reader ------------------------------------------------------

def test_end_to_end_on_committed_samples(tmp_path):
    """`form4-ocr extract` itself (real reader) on two one-page samples of scans/, then a rerun."""
    documents = json.loads((SCANS / "manifest.json").read_text())["documents"]
    samples = [SCANS / d["file"] for d in documents if d["pages"] == 1][:2]
    out = tmp_path / "out"
    command = [sys.executable, "-m", "ocr.cli", "extract", *map(str, samples), "-o", str(out), "--jobs", "2",
               "--overlay"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == ExitCode.ok, done.stderr
    rows = state_rows(out)
    with open(out / "transactions.csv", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    for sample in samples:
        row = rows[str(sample)]
        assert (row["status"], row["pages"]) == ("ok", 1) and row["template"]
        doc = ownership.parse((out / f"{sample.stem}.xml").read_bytes())
        assert json.loads((out / f"{sample.stem}.json").read_text())["template"] == row["template"]
        table_rows = sum(len(doc.get(t, {}).get(kind, [])) for t, kinds in
                         {"nonDerivativeTable": ("nonDerivativeTransaction", "nonDerivativeHolding"),
                          "derivativeTable": ("derivativeTransaction", "derivativeHolding")}.items()
                         for kind in kinds)
        assert sum(r["source"] == str(sample) for r in table) == table_rows
        assert (out / "overlays" / sample.stem / f"{sample.stem}-p1.png").exists()  # a folder per output name
    assert "pages/s" in done.stdout

    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == ExitCode.ok
    assert "  already done       2" in again.stdout and "  pages              0" in again.stdout
