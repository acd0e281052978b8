"""Named failures with stable exit codes (modelled on OCRmyPDF's table; see README)."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0
    bad_args = 1
    input_failed = 2
    missing_dependency = 3
    file_access = 5
    interrupted = 130


class Form4Error(Exception):
    """Base of every expected failure: the message is the one-line reason."""

    exit_code = ExitCode.input_failed


class InputError(Form4Error):
    """The input file cannot be read as a scan (empty, truncated, encrypted, too large...)."""


class NotForm4Error(Form4Error):
    """No page of the document matches a Form 4 template."""


class AlignmentError(Form4Error):
    """A page looked like a Form 4 but its homography failed the sanity checks."""


class MissingDependencyError(Form4Error):
    """An external program or library (tesseract, poppler) is not installed."""

    exit_code = ExitCode.missing_dependency
