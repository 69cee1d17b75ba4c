#!/usr/bin/env python3
"""Session 16's attack through the Python package and the runtime on the
fake CUDA driver (libfa_runtime_fake.so): compile_backward's deterministic
pick at D = 64 (ordered dQ on the wide q-block, D110/D112) and
Kernel.schedule's `epilogue` (D111) on problems that can and cannot take
them, with malformed values; with --torch, attention()'s deterministic
backward and faRtLaunch of its kernel on the fake driver (the ordered
semaphores' scratch per 128-row q-block). CPU only: ptxas='none'.

    PYTHONPATH=python FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \\
        python3 python_campaign.py [--out DIR]
    PYTHONPATH=python:python/tests FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \\
        FA_RUNTIME_FAKE_LIB=build/lib/libfa_runtime_fake.so \\
        /work/venv-torch/bin/python python_campaign.py --torch

The runner and outcome classes are session 15's python_campaign.py
(imported): ok (compiled, and the schedule, the PTX's TMA store of dK and
dV and the request agree: block_q, the epilogue), error (TypeError /
ValueError / CompileError / RuntimeError naming the problem), CRASH,
UNCAUGHT, SILENT.
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "s15py", os.path.join(HERE, "..", "2026-12-06-adversary-session15", "python_campaign.py"))
s15 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s15)
case = s15.case


def build():
    d64 = "(1, 2, 1024, 64)"
    d128 = "(1, 2, 1024, 128)"

    def b(s, rest=""):
        return (f"fa.compile_backward({s}, {s}, {s}, ptxas='none', cache_dir=CACHE"
                + (", " + rest if rest else "") + ")")

    # D112: deterministic at D = 64 is ordered dQ on the wide q-block.
    case("det-d64", b(d64, "deterministic=True"), "ok", 128, "direct")
    case("det-d64-causal", b(d64, "deterministic=True, causal=True"), "ok", 128, "direct")
    case("det-d64-gqa", "fa.compile_backward((1, 8, 777, 64), (1, 1, 1000, 64), (1, 1, 1000, 64), causal=True, deterministic=True, ptxas='none', cache_dir=CACHE)", "ok")
    # (The model's own block_q at Nq != Nk and Nq = 1: the schedule, the
    # PTX and the request must agree, whichever it picks.)
    case("det-d64-nq1", "fa.compile_backward((1, 2, 1, 64), (1, 2, 100, 64), (1, 2, 100, 64), deterministic=True, ptxas='none', cache_dir=CACHE)", "ok")
    case("det-d64-nq2^31", "fa.compile_backward((1, 1, 2**31 - 1, 64), (1, 1, 64, 64), (1, 1, 64, 64), deterministic=True, ptxas='none', cache_dir=CACHE)", "either", 128, "direct")
    case("det-d64-tma", b(d64, "deterministic=True, backward_epilogue='tma-store'"), "ok", 64, "tma-store")
    case("det-d64-inflight", b(d64, "deterministic=True, backward_in_flight='dk'"), "either", 64)
    case("det-d64-bq64", b(d64, "deterministic=True, kernel='wgmma', block_q=64"), "ok", 64)
    case("det-d64-bq128", b(d64, "deterministic=True, kernel='wgmma', block_q=128"), "ok", 128, "direct")
    case("det-d64-bq128-tma", b(d64, "deterministic=True, kernel='wgmma', block_q=128, backward_epilogue='tma-store'"), "error")
    case("det-d64-bq128-stages1", b(d64, "deterministic=True, kernel='wgmma', block_q=128, stages=1"), "error")
    case("det-d64-bq128-bm", b(d64, "deterministic=True, kernel='wgmma', block_q=128, block_mask=(128, 128)"), "error")
    case("det-d64-bm", b(d64, "deterministic=True, block_mask=(128, 128)"), "ok", 64)
    case("det-d64-pattern", b(d64, "deterministic=True, mask_pattern={'chunk': 128}"), "either")
    case("det-d64-bias", "fa.compile_backward((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), deterministic=True, ptxas='none', cache_dir=CACHE, mask='bias', mask_shape=(1, 2, 1024, 1024))", "ok", 64)
    case("det-d64-f16", "fa.compile_backward((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), deterministic=True, dtype='f16', ptxas='none', cache_dir=CACHE)", "ok", 128, "direct")
    case("det-d64-mma", b(d64, "deterministic=True, kernel='mma-sync'"), "ok", None, "direct")
    case("det-d64-simt", b(d64, "deterministic=True, kernel='simt'"), "ok", None, "direct")
    case("det-d64-a100", b(d64, "deterministic=True, target='a100'"), "ok", None, "direct")
    case("det-d128", b(d128, "deterministic=True"), "ok", 64, "tma-store")
    case("det-d64-dq-atomic", b(d64, "deterministic=True, dq='atomic'"), "error")
    # D113: the mma.sync backward's register refusal through Python.
    case("mma-d64-bq128", b(d64, "kernel='mma-sync', block_q=128"), "error")
    case("mma-d64-bq64", b(d64, "kernel='mma-sync', block_q=64"), "either")
    # Malformed deterministic values.
    for v in ("'yes'", "1", "None", "'True'", "[True]", "2"):
        case(f"deterministic[{v}]", b(d64, f"deterministic={v}"), "error")
    # The schedule dict: both epilogues, one kernel each.
    case("cache-det-two-epilogues",
         "(lambda a, c: (a.schedule['epilogue'], c.schedule['epilogue'], a is c))("
         + b(d64, "deterministic=True, backward_epilogue='direct'") + ", "
         + b(d64, "deterministic=True, backward_epilogue='tma-store'") + ")", "pair")
    # The forward's schedule has no backward epilogue: asking for it is a
    # KeyError in the caller, not an error of ours; its walk is the walk.
    case("fwd-schedule-keys", "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), ptxas='none', cache_dir=CACHE, block_mask=(128, 128), block_mask_walk='compacted', target='a100')", "either")

    # --torch: the deterministic backward on the fake driver.
    case("torch-det-d64-direct", "direct(64, None, 0)", "ok", torch=True)
    for arg, off in (("dq", 4), ("do", 2), ("out", 2)):
        case(f"torch-runtime-d64-{arg}+{off}B", f"direct(64, '{arg}', {off})", "error", torch=True)


def main():
    s15.build = build
    # The runtime's own checks on the deterministic backward's launch.
    old = ('k = fa.compile_backward((1, 2, 256, d), (1, 2, 256, d), (1, 2, 256, d),\n'
           '                            causal=True, ptxas="none")')
    assert old in s15.TORCH_RUNNER
    s15.TORCH_RUNNER = s15.TORCH_RUNNER.replace(
        old, old[:-1] + ', deterministic=True)')
    if not any(a.startswith("--out") for a in sys.argv[1:]):
        sys.argv[1:1] = ["--out", HERE]
    return s15.main()


if __name__ == "__main__":
    sys.exit(main())
