"""``form4-ocr synth``: one small build across all profiles, checked file by file."""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from pdf2image import convert_from_path
from PIL import Image

from ocr import ownership
from ocr.corpus import build, scan, score
from ocr.corpus.generate import generate_filing

N = 5  # seeds 0-4: one document per profile, every format, a two-page filing among them
HEADER_SHARE = 0.75  # seeds 1 and 3 get the browser's header and footer lines
PROFILE_DPI = {"clean": (300, 300), "office": (300, 300), "rough": (200, 200), "flipped": (300, 300),
               "fax": (204, 98)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    build.synth(out, n=N, seed=0, jobs=2, browser_header_share=HEADER_SHARE, progress=False)
    return out


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def page_dpis(path: Path) -> list[tuple[int, int]]:
    """The dpi stored in a scan file, per page."""
    if path.suffix == ".pdf":
        rows = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True,
                              text=True).stdout.splitlines()[2:]
        return [(int(row.split()[12]), int(row.split()[13])) for row in rows]
    with Image.open(path) as img:
        dpis = []
        for frame in range(getattr(img, "n_frames", 1)):
            img.seek(frame)
            dpis.append(tuple(round(v) for v in img.info["dpi"]))
        return dpis


def test_manifest_lists_every_document_round_robin(corpus: Path) -> None:
    docs = manifest(corpus)["documents"]
    assert [d["stem"] for d in docs] == [build.stem_for(seed) for seed in range(N)]
    assert [d["profile"] for d in docs] == scan.profile_names()
    assert {d["format"] for d in docs} == {"pdf", "tif", "png"}
    assert any(d["pages"] > 1 for d in docs)
    assert all(d["format"] != "png" for d in docs if d["pages"] > 1)
    assert [d["browser_header"] for d in docs] == [False, True, False, True, False]
    assert sorted(p.name for p in corpus.iterdir()) == sorted([d["file"] for d in docs] + ["manifest.json", "truth"])


def test_truth_is_the_generated_filing(corpus: Path) -> None:
    for doc in manifest(corpus)["documents"]:
        filing = generate_filing(doc["seed"])
        assert (corpus / doc["truth"]).read_bytes() == ownership.to_xml(filing)
        assert doc["layout"] == ("2023" if "aff10b5One" in filing else "pre2023")


@pytest.mark.parametrize("index", range(N))
def test_scan_is_readable_image_only_with_profile_dpi(corpus: Path, index: int) -> None:
    doc = manifest(corpus)["documents"][index]
    path = corpus / doc["file"]
    assert tuple(doc["dpi"]) == PROFILE_DPI[doc["profile"]]
    assert page_dpis(path) == [tuple(doc["dpi"])] * doc["pages"]
    if doc["format"] == "pdf":
        assert subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout.strip() == ""
        assert len(subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                                  text=True).stdout.splitlines()) == 2  # header lines only: no fonts
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
        size = sorted(round(float(v)) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
        assert size == [612, 792]
        pages = convert_from_path(path, dpi=100, grayscale=True)
    else:
        with Image.open(path) as img:
            assert img.format == {"tif": "TIFF", "png": "PNG"}[doc["format"]]
            pages = []
            for frame in range(getattr(img, "n_frames", 1)):
                img.seek(frame)
                pages.append(img.convert("L"))
    assert len(pages) == doc["pages"]
    ink = np.asarray(pages[0]) < 128
    assert 0.005 < ink.mean() < 0.5  # a printed form, neither blank nor black


def test_rebuild_into_same_folder_gives_same_bytes(corpus: Path) -> None:
    before = digests(corpus)
    build.synth(corpus, n=N, seed=0, jobs=2, browser_header_share=HEADER_SHARE, progress=False)
    assert digests(corpus) == before


def test_truth_scores_perfectly_per_profile(corpus: Path) -> None:
    report = score.score(corpus / "truth", corpus / "truth", corpus / "manifest.json")
    assert set(report["profiles"]) == set(scan.profile_names())
    assert report["overall"]["field_accuracy"] == 1.0


def test_files_of_an_earlier_larger_build_are_removed(tmp_path: Path) -> None:
    old = [{"file": "form4-00000.pdf", "truth": "truth/form4-00000.xml"},
           {"file": "form4-00001.tif", "truth": "truth/form4-00001.xml"}]
    (tmp_path / "truth").mkdir()
    for doc in old:
        for name in doc.values():
            (tmp_path / name).write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not ours")
    (tmp_path / "manifest.json").write_text(json.dumps({"documents": old}))
    build._remove_stale(tmp_path, old[:1])
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "form4-00000.pdf", "manifest.json", "notes.txt", "truth/form4-00000.xml"]


def test_cli_rejects_unknown_profile_and_bad_share() -> None:
    parser = argparse.ArgumentParser()
    build.add_arguments(parser)
    args = parser.parse_args(["-o", "x", "--profiles", "office,fax", "--browser-header-share", "0.5"])
    assert args.profiles == ["office", "fax"] and args.browser_header_share == 0.5
    for bad in (["--profiles", "office,camera"], ["--browser-header-share", "2"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["-o", "x", *bad])
