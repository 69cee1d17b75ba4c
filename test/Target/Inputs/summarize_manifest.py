#!/usr/bin/env python3
"""Prints a kernel manifest's launches in order, one line each (name, grid,
block, dynamic shared memory, the buffers its parameters name, once each),
then its scratch buffers, results and the arguments that take the caller's
strides: a short form for FileCheck."""

import json
import sys


def main(path):
    manifest = json.load(open(path))
    for k in manifest["kernels"]:
        buffers = []
        for p in k["params"]:
            if "buffer" in p and p["buffer"] not in buffers:
                buffers.append(p["buffer"])
        print(f"kernel {k['name']} grid {k['grid']} block {k['block']} "
              f"smem {k['shared_bytes']} buffers {' '.join(buffers)}")
    for b in manifest["scratch"]:
        print(f"scratch {b['name']} {b['dtype']} {b['shape']} {b['bytes']}")
    print(f"results {' '.join(manifest['results'])}")
    strided = [a["name"] for a in manifest["arguments"] if a.get("caller_strides")]
    print(" ".join(["caller strides"] + strided))


if __name__ == "__main__":
    main(sys.argv[1])
