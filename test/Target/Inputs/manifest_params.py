#!/usr/bin/env python3
"""Prints each kernel of a manifest with its parameters in order, one line
a kernel: a memref descriptor as `BUFFER{offset sizes... strides...}` (a
stride the launch gives, `stride_of`, as `ARG.DIM`), a tensor map as
`map(BUFFER shape strides)`, a scalar as its type and value: a short form
for FileCheck."""

import json
import sys


def main(path):
    manifest = json.load(open(path))
    for k in manifest["kernels"]:
        params, words, i = k["params"], [], 0
        while i < len(params):
            p = params[i]
            if p["type"] == "ptr" and "rank" in p:
                n = 2 * p["rank"] + 1  # offset, sizes, strides
                values = [f"{q['stride_of']}.{q['dim']}" if "stride_of" in q
                          else str(q["value"]) for q in params[i + 2:i + 2 + n]]
                words.append(f"{p['buffer']}{{{' '.join(values)}}}")
                i += 2 + n
                continue
            if p["type"] == "tensormap":
                words.append(f"map({p['buffer']} {p['shape']} {p['strides']})")
            else:
                words.append(f"{p['type']}:{p.get('value')}")
            i += 1
        print(f"kernel {k['name']} {' '.join(words)}")


if __name__ == "__main__":
    main(sys.argv[1])
