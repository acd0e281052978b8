#!/bin/sh
# Installs what form4-ocr needs on a fresh Debian/Ubuntu machine, then the package itself
# into .venv (idempotent: a second run only checks). Needs root or sudo for apt-get.
set -eu
cd "$(dirname "$0")"
PACKAGES="tesseract-ocr tesseract-ocr-eng poppler-utils chromium fonts-liberation libgl1 libglib2.0-0"
missing=""
for p in $PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
