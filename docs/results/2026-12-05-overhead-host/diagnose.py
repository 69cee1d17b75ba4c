#!/usr/bin/env python3
"""The numbers of parts.log (build machine, CPU torch; needs the compiler
and build/lib/libfa_runtime_fake.so as overhead.py's `fake` does):
`parts` times the pieces of attention()'s path under overhead.py's `host`
runtime; `encodes` counts the fake driver's tensor-map encodes and
launches per call of each stage; `gc` counts the garbage collections a
stage triggers and the cyclic garbage it leaves.

  python3 docs/results/2026-12-05-overhead-host/diagnose.py parts|encodes|gc
"""

import gc
import os
import sys
import time
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path[:0] = [os.path.join(ROOT, "python"), os.path.join(ROOT, "bench"),
                os.path.join(ROOT, "bench", "benchmark")]
import overhead as ov  # noqa: E402
import torch  # noqa: E402
import flashattn_mlir as fa  # noqa: E402
from flashattn_mlir import autograd as ag, runtime  # noqa: E402


def host_runtime():
    fake_driver = ov._tests_path()
    real = runtime._Buf._from_torch
    runtime._Buf._from_torch = lambda self, name, x: real(
        self, name, fake_driver.OnCuda(x))
    runtime._runtime = ov._NullRuntime()


def parts():
    host_runtime()
    S = ov.SHAPE
    q, k, v = (torch.randn(S, dtype=torch.bfloat16).requires_grad_() for _ in range(3))
    g = torch.randn(S, dtype=torch.bfloat16)
    fa.attention(q, k, v, causal=True)
    how = ("top_left", None, True, True, False, False, "", "", None, None)
    metas = ag._inputs_meta(q, k, v, None)
    o, lse = ag._forward(q, k, v, None, how, metas)
    key = ag._backward_key(metas, o, lse, "top_left", None, False, False, "",
                           None, None, None)
    grads = (g, q, k, v, None, o, lse, "top_left", None, False, False, "",
             None, None, None, None, key)
    ag._gradients(*grads)
    plan = next(p for kk, p in fa.kernel.plans.items() if kk[0] == "fwd")

    def t(name, f, n=20000):
        best = min(timeit.repeat(f, number=n, repeat=7, timer=time.process_time))
        print(f"{name:40s} {best / n * 1e6:6.2f} us")
    t("attention() fwd+graph (no backward)", lambda: fa.attention(q, k, v, causal=True))
    t("_Attention.apply", lambda: ag._Attention.apply(q, k, v, None, None, how))
    t("_inputs_meta", lambda: ag._inputs_meta(q, k, v, None))
    t("_forward (plan + run)", lambda: ag._forward(q, k, v, None, how, metas))
    t("plan.run fwd", lambda: plan.run([q, k, v], q.device))
    t("2x torch.empty", lambda: (torch.empty(S, dtype=torch.bfloat16),
                                 torch.empty(S[:3])))
    t("_backward_key", lambda: ag._backward_key(
        metas, o, lse, "top_left", None, False, False, "", None, None, None))
    t("_gradients (key given)", lambda: ag._gradients(*grads))
    t("3x torch.empty", lambda: [torch.empty(S, dtype=torch.bfloat16)
                                 for _ in range(3)])
    t("torch.is_grad_enabled", torch.is_grad_enabled)
    t("torch.compiler.is_compiling", torch.compiler.is_compiling)
    t("_any_autocast", ag._any_autocast)
    t("_meta", lambda: ag._meta(q))
    t("check_flags", lambda: runtime.check_flags(True, None, None, None, False, False))


def encodes():
    rt, _ = ov._tests_path().install()
    for name, (ours, _) in ov.steps(torch, fa, "cpu").items():
        for _ in range(20):
            ours()
        rt.forget()
        e0, l0 = rt.num_encodes(), rt.num_launches()
        for _ in range(100):
            ours()
        print(name, "encodes/call", (rt.num_encodes() - e0) / 100,
              "launches/call", (rt.num_launches() - l0) / 100)


def collections():
    host_runtime()
    steps, floors = ov.steps(torch, fa, "cpu"), ov.floor_steps(torch)
    for name in steps:
        for who, step in (("ours", steps[name][0]), ("floor", floors[name])):
            for _ in range(100):
                step()
            gc.collect()
            c0 = [s["collections"] for s in gc.get_stats()]
            gc.set_debug(gc.DEBUG_SAVEALL)
            for _ in range(2000):
                step()
            c1 = [s["collections"] for s in gc.get_stats()]
            gc.collect()
            left = len(gc.garbage)
            gc.set_debug(0)
            gc.garbage.clear()
            print(name, who, "collections", [b - a for a, b in zip(c0, c1)],
                  "cyclic garbage left", left)


if __name__ == "__main__":
    {"parts": parts, "encodes": encodes, "gc": collections}[sys.argv[1]]()
