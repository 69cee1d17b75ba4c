#!/usr/bin/env python3
"""Cross-checks a kernel manifest against the PTX it describes.

The manifest is computed from the host IR; the PTX is what LLVM's NVPTX back
end emitted for the kernels. For every kernel this checks that the entry
exists and that its `.param` list has the manifest's length and types
(pointer/tensor map/i64 -> .u64, f32 -> .f32, ...), that every PTX entry
is launched, that a tensor map's box fits its buffer's shape,
and that buffer sizes equal shape x element size. Prints OK or the first
mismatch.
"""

import json
import re
import sys

PTX_TYPE = {"ptr": "u64", "tensormap": "u64", "i64": "u64", "f64": "f64", "i32": "u32",
            "f32": "f32", "i16": "u16", "f16": "b16", "bf16": "b16", "i8": "u8",
            # NVPTX passes an i1 scalar as a byte.
            "i1": "u8"}
# Bytes per element in memory; an i1 takes a byte (LLVM's alloc size).
ELT = {"f32": 4, "f16": 2, "bf16": 2, "f64": 8, "i64": 8, "i32": 4, "i16": 2,
       "i8": 1, "i1": 1}


def entries(ptx):
    result = {}
    for m in re.finditer(r"\.visible \.entry (\w+)\((.*?)\)", ptx, re.S):
        params = []
        # `.param .u64 name` or, for 16-bit scalars, `.param .align 2 .b8 name[2]`.
        for nbytes, typ in re.findall(
                r"\.param (?:\.align \d+ \.b8 \w+\[(\d+)\]|\.(\w+))", m.group(2)):
            params.append(f"b{8 * int(nbytes)}" if nbytes else typ)
        result[m.group(1)] = params
    return result


def main(manifest_path, ptx_path):
    manifest = json.load(open(manifest_path))
    ptx = entries(open(ptx_path).read())
    problems = []
    for b in manifest["arguments"] + manifest["scratch"]:
        n = 1
        for s in b["shape"]:
            n *= s
        if n * ELT[b["dtype"]] != b["bytes"]:
            problems.append(f"buffer {b['name']}: {b['bytes']} bytes")
    launched = set()
    for k in manifest["kernels"]:
        launched.add(k["name"])
        if k["name"] not in ptx:
            problems.append(f"kernel {k['name']} is not a PTX entry")
            continue
        want = [PTX_TYPE[p["type"]] for p in k["params"]]
        buffers = {b["name"]: b for b in manifest["arguments"] + manifest["scratch"]}
        for p in k["params"]:
            if p["type"] != "tensormap":
                continue
            b = buffers[p["buffer"]]
            if (p["shape"] != b["shape"] or p["dtype"] != b["dtype"] or
                    len(p["box"]) != len(p["shape"]) or
                    any(x > 256 for x in p["box"])):
                problems.append(f"tensor map of {p['buffer']}: {p}")
        have = ptx[k["name"]]
        if want != have:
            problems.append(f"kernel {k['name']}: manifest {want} vs PTX {have}")
    for name in ptx:
        if name not in launched:
            problems.append(f"PTX entry {name} is never launched")
    print("\n".join(problems) if problems else
          f"OK {len(manifest['kernels'])} kernels, "
          f"{sum(len(k['params']) for k in manifest['kernels'])} params")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
