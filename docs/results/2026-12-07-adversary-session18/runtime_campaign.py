#!/usr/bin/env python3
"""Session 18's attack on the runtime with the split group's manifests (D119:
five kernels, the f32 dK and dV accumulators as scratch), on the fake CUDA
driver (libfa_runtime_fake.so; python/tests/fake_driver.py): the compiled
manifest, then copies edited by hand. Each edit must be refused by faRtLoad
or faRtLaunch with an error naming it (the runtime's manifest checks, issue
27 item 9), or, where the edit leaves a valid manifest, launch the kernels
it names with scratch of the size it states.

    PYTHONPATH=python:python/tests FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \\
      FA_COMPILE=build/bin/fa-compile FA_RUNTIME_FAKE_LIB=build/lib/libfa_runtime_fake.so \\
      python3 runtime_campaign.py [--out DIR]

Outcomes: ok (loaded and launched, each launch's scratch pointers distinct
and the launch count the manifest's), error (RuntimeError naming the
problem), CRASH (the process died), SILENT (loaded and launched where an
error was due). Writes runtime-cases.tsv.
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

RUNNER = r'''
import json, sys
import fake_driver
rt = fake_driver.FakeDriverRuntime(fake_driver.library_path())
rt.forget()
rt.init(0)
path = sys.argv[1]
m = json.load(open(path))
try:
    h = rt.load(path, prefer_cubin=False)
    start = rt.num_launches()
    rt.launch_pointers(h, [0x100000 * (i + 1) for i in range(len(m["arguments"]))], 0)
    n = rt.num_launches() - start
    print(json.dumps({"outcome": "ok", "detail": f"{n} launches"}))
except RuntimeError as e:
    print(json.dumps({"outcome": "error", "detail": str(e)[:300]}))
'''


def edits(m):
    """(name, expect, edited manifest) for the split group's manifest m."""
    out = []

    def e(name, expect, f):
        c = copy.deepcopy(m)
        f(c)
        out.append((name, expect, c))

    # dK's and dV's accumulators: the last two scratch buffers (after D
    # and dQ's accumulator), f32 in the key's shape.
    dk = len(m["scratch"]) - 2
    assert m["scratch"][dk]["shape"] == m["arguments"][1]["shape"]
    assert m["scratch"][dk]["dtype"] == "f32"
    main = max(range(len(m["kernels"])), key=lambda i: m["kernels"][i]["shared_bytes"])
    e("as-compiled", "ok", lambda c: None)
    e("acc-bytes-short", "error", lambda c: c["scratch"][dk].update(bytes=4))
    e("acc-bytes-2^62", "error", lambda c: c["scratch"][dk].update(bytes=2**62))
    e("acc-bytes-negative", "error", lambda c: c["scratch"][dk].update(bytes=-1))
    e("acc-shape-overflow", "error", lambda c: c["scratch"][dk].update(
        shape=[2**31, 2**31, 2**31, 64]))
    e("acc-dtype-f64", "error", lambda c: c["scratch"][dk].update(dtype="f64"))
    e("acc-dtype-bogus", "error", lambda c: c["scratch"][dk].update(dtype="f33"))
    e("acc-no-bytes", "error", lambda c: c["scratch"][dk].pop("bytes"))
    e("acc-name-dup", "error", lambda c: c["scratch"][dk].update(
        name=c["scratch"][dk + 1]["name"]))
    e("acc-name-argument", "error", lambda c: c["scratch"][dk].update(
        name=c["arguments"][1]["name"]))
    e("acc-dropped", "error", lambda c: c["scratch"].pop(dk))
    e("param-unknown-buffer", "error", lambda c: [
        p.update(buffer="tmp99") for p in c["kernels"][main]["params"]
        if p.get("buffer") == m["scratch"][dk]["name"]])
    e("main-grid-y-65536", "error", lambda c: c["kernels"][main].update(
        grid=[c["kernels"][main]["grid"][0], 65536, 1]))
    e("main-grid-0", "error", lambda c: c["kernels"][main].update(grid=[0, 1, 1]))
    e("zero-block-1025", "error", lambda c: c["kernels"][1].update(block=[1025, 1, 1]))
    e("main-shared-2^40", "error", lambda c: c["kernels"][main].update(shared_bytes=2**40))
    # The fake driver defines the kernels the manifest names (its
    # cuModuleGetFunction cannot read the PTX); the real one would not find
    # it: either outcome on the fake.
    e("kernel-name-missing", "either", lambda c: c["kernels"][1].update(name="no_such_kernel"))
    e("kernels-empty", "either", lambda c: c.update(kernels=[]))
    e("zero-kernel-dropped", "either", lambda c: c["kernels"].pop(1))
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
                                     backward_gqa="split", ptxas="none",
                                     cache_dir=work)
        assert kernel.schedule["gqa"] == "split"
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
