"""Accuracy and speed of the reader on a generated corpus, per scanner profile.

Builds a corpus with ``form4-ocr synth`` (or reuses one), reads every scan with
``form4-ocr extract`` in a child process, scores the XML it wrote with ``form4-ocr score``
against the truth, and prints the scorer's per-profile table followed by the speed: seconds
per page and pages per second, by the wall clock and by CPU time (every process of the
extract run, its workers and pdftoppm included, from getrusage of the children).

    python bench/accuracy.py --docs 50 --seed 1000 --out /tmp/acc
    python bench/accuracy.py --corpus /tmp/acc/corpus --profiles rough,fax --out /tmp/acc-rf

OUT receives corpus/ (when built here), truth/ (links to the truth of the documents read),
pred/ (what extract wrote), score.json (the scorer's full report) and bench.json (the
figures printed). Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ocr.atomic import write_bytes
from ocr.corpus.scan import profile_names

FORM4_OCR = [sys.executable, "-m", "ocr.cli"]


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process of this one and theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], **kwargs: Any) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; returns its result, wall seconds and CPU seconds of its process tree."""
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(argv, **kwargs)
    return done, time.perf_counter() - started, children_cpu() - cpu


def build_corpus(folder: Path, docs: int, seed: int, profiles: list[str], jobs: int) -> float:
    """``form4-ocr synth``; returns its wall seconds."""
    done, wall, _ = timed([*FORM4_OCR, "synth", "-o", str(folder), "-n", str(docs), "--seed", str(seed),
                           "--profiles", ",".join(profiles), "--jobs", str(jobs)])
    if done.returncode:
        raise SystemExit(f"form4-ocr synth failed with exit code {done.returncode}")
    return wall


def select(corpus: Path, profiles: list[str], docs: int | None) -> list[dict[str, Any]]:
    """Manifest entries of the chosen profiles, in manifest order, at most ``docs`` of them."""
    manifest = json.loads((corpus / "manifest.json").read_text())
    chosen = [d for d in manifest["documents"] if d["profile"] in profiles]
    return chosen[:docs] if docs else chosen


def link_truth(corpus: Path, documents: list[dict[str, Any]], folder: Path) -> None:
    """truth/ holding only the documents read, so the scorer does not count the others as missed."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for doc in documents:
        (folder / Path(doc["truth"]).name).symlink_to((corpus / doc["truth"]).resolve())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=50,
                        help="documents to build (default 50); with --corpus, read at most this many")
    parser.add_argument("--seed", type=int, default=1000, help="seed of the first document built (default 1000)")
    parser.add_argument("--out", type=Path, required=True, help="folder for corpus/, pred/, score.json, bench.json")
    parser.add_argument("--corpus", type=Path, help="reuse a folder written by `form4-ocr synth` instead of building one")
    parser.add_argument("--profiles", default=",".join(profile_names()),
                        help=f"comma-separated scanner profiles (default {','.join(profile_names())})")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="worker processes for synth and extract (default: the CPUs this process may use)")
    args = parser.parse_args()
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    unknown = sorted(set(profiles) - set(profile_names()))
    if not profiles or unknown:
        parser.error(f"--profiles must name profiles from {', '.join(profile_names())}")

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    corpus, synth_wall = args.corpus, None
    if corpus is None:
        corpus = out / "corpus"
        synth_wall = build_corpus(corpus, args.docs, args.seed, profiles, args.jobs)
    documents = select(corpus, profiles, args.docs if args.corpus else None)
    if not documents:
        raise SystemExit(f"{corpus}: no document of profiles {', '.join(profiles)}")
    link_truth(corpus, documents, out / "truth")

    pred = out / "pred"
    done, wall, cpu = timed([*FORM4_OCR, "extract", *(str(corpus / d["file"]) for d in documents), "-o", str(pred),
                             "--jobs", str(args.jobs), "--force", "--quiet"])
    run = json.loads((pred / "summary.json").read_text())["run"]
    scored = subprocess.run([*FORM4_OCR, "score", str(out / "truth"), str(pred), "--manifest",
                             str(corpus / "manifest.json"), "--json", str(out / "score.json")],
                            capture_output=True, text=True)
    if scored.returncode:
        raise SystemExit(f"form4-ocr score failed: {scored.stderr.strip()}")

    pages = sum(d["pages"] for d in documents)
    figures = {
        "corpus": str(corpus), "documents": len(documents), "pages": pages, "profiles": profiles,
        "jobs": args.jobs, "cpus": os.cpu_count(), "synth_wall_s": synth_wall,
        "extract_exit": done.returncode, "read_ok": run["ok"], "read_failed": run["failed"],
        "needing_review": run["needing_review"], "wall_s": wall, "cpu_s": cpu,
        "wall_s_per_page": wall / pages, "pages_per_s_wall": pages / wall,
        "cpu_s_per_page": cpu / pages, "pages_per_cpu_s": pages / cpu if cpu else None,
    }
    write_bytes(out / "bench.json", json.dumps(figures, indent=2).encode() + b"\n")

    print(scored.stdout.rstrip())
    print()
    print(f"{len(documents)} documents, {pages} pages ({', '.join(profiles)}) from {corpus}; "
          f"extract --jobs {args.jobs} on {os.cpu_count()} CPUs"
          + (f"; corpus built in {synth_wall:.0f} s" if synth_wall is not None else ""))
    print(f"read {run['ok']} ok, {run['failed']} failed, {run['needing_review']} with fields to review "
          f"(extract exit code {done.returncode})")
    print(f"wall: {wall:.1f} s, {figures['wall_s_per_page']:.2f} s/page, {figures['pages_per_s_wall']:.2f} pages/s")
    print(f"CPU:  {cpu:.1f} s, {figures['cpu_s_per_page']:.2f} s/page, {figures['pages_per_cpu_s'] or 0:.2f} pages "
          "per CPU-second (every process of the extract run)")


if __name__ == "__main__":
    main()
