#!/usr/bin/env python3
"""Writes the fa-fuzz seed corpus: every test/**/*.mlir, examples/*.mlir and
tools/fa-fuzz/corpus/*.mlir (issue reproducers), split at `// -----` like
`fa-opt -split-input-file`, one file per chunk.

    fuzz-corpus.py [--shard I/N] OUT_DIR [SRC_ROOT]

Chunks that are only comments and whitespace are skipped, and so is a chunk
whose code (its lines less comments and blank lines) is an earlier chunk's:
fa-fuzz reads no comments, so it would run the same input twice. File names
are derived from the source path and chunk index, so re-running overwrites.
With --shard I/N only every N-th seed from the I-th (0-based) is written,
so that N lit tests replay the corpus side by side (test/Regression/
fuzz-replay-*.mlir; D118).
"""

import os
import re
import sys
from pathlib import Path

SPLIT = re.compile(r"^// -----\s*$", re.MULTILINE)


# A reproducer from the fuzzer may hold bytes that are not UTF-8: they pass
# through unchanged.
ENCODING = dict(encoding="utf-8", errors="surrogateescape")


def chunks(path):
    for i, chunk in enumerate(SPLIT.split(path.read_text(**ENCODING))):
        code = [l for l in chunk.splitlines()
                if l.strip() and not l.strip().startswith("//")]
        if code:
            yield i, chunk


def code_of(chunk):
    return "\n".join(l.strip() for l in chunk.splitlines()
                     if l.strip() and not l.strip().startswith("//"))


def main(argv):
    shard, shards = 0, 1
    if len(argv) > 2 and argv[1] == "--shard":
        m = re.fullmatch(r"(\d+)/(\d+)", argv[2])
        if not m or not int(m.group(1)) < int(m.group(2)):
            print(f"fuzz-corpus: --shard wants I/N with I < N, got {argv[2]}",
                  file=sys.stderr)
            return 2
        shard, shards = int(m.group(1)), int(m.group(2))
        argv = argv[:1] + argv[3:]
    out = Path(argv[1])
    root = Path(argv[2]) if len(argv) > 2 else Path(__file__).resolve().parents[1]
    out.mkdir(parents=True, exist_ok=True)
    count = index = duplicates = 0
    seen = set()
    sources = sorted(root.glob("test/**/*.mlir")) + sorted(
        root.glob("examples/**/*.mlir")) + sorted(
        root.glob("tools/fa-fuzz/corpus/*.mlir"))
    for src in sources:
        rel = src.relative_to(root).with_suffix("")
        stem = re.sub(r"[^A-Za-z0-9]+", "_", str(rel))
        for i, chunk in chunks(src):
            code = code_of(chunk)
            if code in seen:
                duplicates += 1
                continue
            seen.add(code)
            index += 1
            if (index - 1) % shards != shard:
                continue
            (out / f"{stem}_{i}.mlir").write_text(chunk, **ENCODING)
            count += 1
    print(f"fuzz-corpus: {count} seeds from {len(sources)} files in {out}"
          + (f" (shard {shard}/{shards})" if shards > 1 else "")
          + f", {duplicates} duplicate chunks left out")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
