"""`form4-ocr extract` with the stand-in reader, run as a real process by the batch tests.

The command line, pool, state and outputs are the real ones; only OCR is replaced, so a
test can kill the process mid-run (SIGKILL, SIGINT) in a few seconds.
"""
import argparse
import sys

import batch_fakes

from ocr import batch

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="form4-ocr extract")
    batch.add_arguments(parser)
    sys.exit(batch.run(parser.parse_args(), reader=batch_fakes.read_document))
