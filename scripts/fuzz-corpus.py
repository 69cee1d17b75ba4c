#!/usr/bin/env python3
"""Writes the fa-fuzz seed corpus: every test/**/*.mlir, examples/*.mlir and
tools/fa-fuzz/corpus/*.mlir (issue reproducers), split at `// -----` like
`fa-opt -split-input-file`, one file per chunk.

    fuzz-corpus.py OUT_DIR [SRC_ROOT]

Chunks that are only comments and whitespace are skipped. File names are
derived from the source path and chunk index, so re-running overwrites.
"""

import os
import re
import sys
from pathlib import Path

SPLIT = re.compile(r"^// -----\s*$", re.MULTILINE)


def chunks(path):
    for i, chunk in enumerate(SPLIT.split(path.read_text())):
        code = [l for l in chunk.splitlines()
                if l.strip() and not l.strip().startswith("//")]
        if code:
            yield i, chunk


def main(argv):
    out = Path(argv[1])
    root = Path(argv[2]) if len(argv) > 2 else Path(__file__).resolve().parents[1]
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    sources = sorted(root.glob("test/**/*.mlir")) + sorted(
        root.glob("examples/**/*.mlir")) + sorted(
        root.glob("tools/fa-fuzz/corpus/*.mlir"))
    for src in sources:
        rel = src.relative_to(root).with_suffix("")
        stem = re.sub(r"[^A-Za-z0-9]+", "_", str(rel))
        for i, chunk in chunks(src):
            (out / f"{stem}_{i}.mlir").write_text(chunk)
            count += 1
    print(f"fuzz-corpus: {count} seeds from {len(sources)} files in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
