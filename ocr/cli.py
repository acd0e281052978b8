"""``form4-ocr`` command line: one subcommand per job, each implemented beside its stage."""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import ExitCode

# subcommand -> (module providing add_arguments(parser) and run(args) -> int, help)
COMMANDS = {
    "extract": ("ocr.batch", "read scans into ownershipDocument XML and JSON"),
    "synth": ("ocr.corpus.build", "generate a scanned Form 4 corpus with ground truth"),
    "score": ("ocr.corpus.score", "score predicted XML against ground-truth XML"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="form4-ocr", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=help_text, description=module.__doc__))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments; our table says 1
        return ExitCode.bad_args if exc.code else ExitCode.ok
    return int(modules[args.command].run(args))


if __name__ == "__main__":
    sys.exit(main())
