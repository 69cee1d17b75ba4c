#!/usr/bin/env python3
"""Session 19's attack on the runtime with the fused dQ conversion's manifests
(D120: two kernels, the i32 arrival counters as scratch) on the fake CUDA
driver: session 18's runtime_campaign.py (its runner, imported; its
docstring says what each outcome means) on the compiled manifest and 26
copies edited by hand.

    PYTHONPATH=python:python/tests FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \\
      FA_COMPILE=build/bin/fa-compile FA_RUNTIME_FAKE_LIB=build/lib/libfa_runtime_fake.so \\
      python3 runtime_campaign.py [--out DIR]

Writes runtime-cases.tsv.
"""

import argparse
import copy
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "s18rt", os.path.join(HERE, "..", "2026-12-07-adversary-session18", "runtime_campaign.py"))
s18rt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s18rt)
RUNNER = s18rt.RUNNER


def edits(m):
    """(name, expect, edited manifest) for the fused conversion's manifest m
    (D120: two kernels, the i32 arrival counters [B, Hq, q-blocks] the last
    scratch buffer)."""
    out = []

    def e(name, expect, f):
        c = copy.deepcopy(m)
        f(c)
        out.append((name, expect, c))

    ctr = len(m["scratch"]) - 1
    assert m["scratch"][ctr]["dtype"] == "i32"
    main = max(range(len(m["kernels"])), key=lambda i: m["kernels"][i]["shared_bytes"])
    shape = m["scratch"][ctr]["shape"]
    e("as-compiled", "ok", lambda c: None)
    e("ctr-bytes-short", "error", lambda c: c["scratch"][ctr].update(bytes=4))
    e("ctr-bytes-zero", "error", lambda c: c["scratch"][ctr].update(bytes=0))
    e("ctr-bytes-2^62", "error", lambda c: c["scratch"][ctr].update(bytes=2**62))
    e("ctr-bytes-2^64", "error", lambda c: c["scratch"][ctr].update(bytes=2**64))
    e("ctr-bytes-negative", "error", lambda c: c["scratch"][ctr].update(bytes=-4))
    e("ctr-bytes-string", "error", lambda c: c["scratch"][ctr].update(bytes="16"))
    e("ctr-shape-overflow", "error", lambda c: c["scratch"][ctr].update(shape=[2**31, 2**31, 2**31]))
    e("ctr-shape-zero", "error", lambda c: c["scratch"][ctr].update(shape=[0] + shape[1:]))
    e("ctr-shape-empty", "either", lambda c: c["scratch"][ctr].update(shape=[]))
    e("ctr-dtype-i16", "error", lambda c: c["scratch"][ctr].update(dtype="i16"))
    # The same bytes under another 4-byte dtype: the runtime allocates what
    # the kernels index.
    e("ctr-dtype-f32", "ok", lambda c: c["scratch"][ctr].update(dtype="f32"))
    e("ctr-dtype-i64-bytes", "either", lambda c: c["scratch"][ctr].update(
        dtype="i64", bytes=2 * c["scratch"][ctr]["bytes"]))
    e("ctr-dtype-bogus", "error", lambda c: c["scratch"][ctr].update(dtype="i33"))
    # A shape and bytes edited together (the params' descriptor left):
    # session 18's open item (the descriptor is not checked). The main
    # kernel's atomics index the counters by the compiled shape: on a GPU
    # they would write past the halved allocation.
    e("ctr-shape-and-bytes-halved", "error", lambda c: c["scratch"][ctr].update(
        shape=shape[:2] + [max(1, shape[2] // 2)], bytes=4 * shape[0] * shape[1] * max(1, shape[2] // 2)))
    e("ctr-no-bytes", "error", lambda c: c["scratch"][ctr].pop("bytes"))
    e("ctr-name-dup", "error", lambda c: c["scratch"][ctr].update(name=c["scratch"][0]["name"]))
    e("ctr-name-argument", "error", lambda c: c["scratch"][ctr].update(name=c["arguments"][0]["name"]))
    e("ctr-dropped", "error", lambda c: c["scratch"].pop(ctr))
    e("param-unknown-buffer", "error", lambda c: [
        p.update(buffer="tmp99") for p in c["kernels"][main]["params"]
        if p.get("buffer") == m["scratch"][ctr]["name"]])
    e("main-grid-y-65536", "error", lambda c: c["kernels"][main].update(
        grid=[c["kernels"][main]["grid"][0], 65536, 1]))
    e("pre-grid-0", "error", lambda c: c["kernels"][0].update(grid=[0, 1, 1]))
    e("pre-block-1025", "error", lambda c: c["kernels"][0].update(block=[1025, 1, 1]))
    e("main-shared-2^40", "error", lambda c: c["kernels"][main].update(shared_bytes=2**40))
    # The fake driver defines the kernels the manifest names: either.
    e("kernels-empty", "either", lambda c: c.update(kernels=[]))
    e("preprocess-dropped", "either", lambda c: c["kernels"].pop(0))
    e("kernels-twice", "either", lambda c: c.update(kernels=c["kernels"] * 2))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=HERE)
    a = ap.parse_args()
    import flashattn_mlir as fa
    rows, counts = [], {}
    with tempfile.TemporaryDirectory() as work:
        q, kv = (2, 8, 300, 64), (2, 2, 300, 64)
        kernel = fa.compile_backward(q, kv, kv, causal=True, kernel="wgmma",
                                     backward_dq_convert="fused", ptxas="none",
                                     cache_dir=work)
        assert kernel.schedule["dq_convert"] == "fused"
        path = kernel.save(os.path.join(work, "k"))
        m = json.load(open(path))
        for name, expect, edited in edits(m):
            p = os.path.join(os.path.dirname(path), f"{name}.json")
            json.dump(edited, open(p, "w"))
            # The edited manifest names the compiled PTX.
            r = subprocess.run([sys.executable, "-c", RUNNER, p], capture_output=True,
                               text=True, timeout=120)
            if r.returncode != 0:
                got, detail = "CRASH", (r.stderr.strip().splitlines() or [f"rc {r.returncode}"])[-1][:300]
            else:
                res = json.loads(r.stdout.strip().splitlines()[-1])
                got, detail = res["outcome"], res["detail"]
                if expect not in ("either", got):
                    got = "SILENT" if got == "ok" else "UNEXPECTED-ERROR"
            counts[got] = counts.get(got, 0) + 1
            rows.append(f"{name}\t{expect}\t{got}\t{detail}")
            print(f"{got:16} {name}: {detail}", flush=True)
    with open(os.path.join(a.out, "runtime-cases.tsv"), "w") as f:
        f.write("case\texpect\toutcome\tdetail\n" + "\n".join(rows) + "\n")
    print(len(rows), "manifests:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "error"} else 1


if __name__ == "__main__":
    sys.exit(main())
