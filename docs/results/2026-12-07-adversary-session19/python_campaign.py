#!/usr/bin/env python3
"""Session 19's attack through the Python package (the C API's option checks
and schedules): compile_backward's `backward_dq_convert` override (D120: the
fused dQ conversion) beside the other backward options, with malformed
values, and `backward_gqa` left to auto (D122). CPU only: ptxas='none'.

    PYTHONPATH=python FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \\
        python3 python_campaign.py [--out DIR]

The runner is session 17's python_campaign.py (imported; its runner is
session 15's). Outcomes: ok (compiled, and Kernel.schedule says what was
asked: `want`), error (TypeError / ValueError / CompileError naming the
problem), CRASH, UNCAUGHT, SILENT (ok where an error was due, or the
schedule disagrees).
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "s17py", os.path.join(HERE, "..", "2026-12-06-adversary-session17", "python_campaign.py"))
s17 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s17)
case = s17.case


def build():
    d64 = "(1, 2, 1024, 64)"

    def b(q, kv, rest=""):
        return (f"fa.compile_backward({q}, {kv}, {kv}, ptxas='none', cache_dir=CACHE"
                + (", " + rest if rest else "") + ")")

    g41 = ("(1, 4, 1000, 64)", "(1, 1, 777, 64)")
    F = "backward_dq_convert='fused'"
    case("dqf-fused", b(d64, d64, f"kernel='wgmma', {F}"), "ok", {"dq_convert": "fused", "dq": "atomic"})
    case("dqf-fused-auto-kernel", b(d64, d64, F), "ok", {"dq_convert": "fused"})
    case("dqf-fused-gqa-causal", b(*g41, f"kernel='wgmma', causal=True, {F}"), "ok", {"dq_convert": "fused", "gqa": "loop"})
    case("dqf-fused-window", b(d64, d64, f"kernel='wgmma', window=(128, 0), {F}"), "ok", {"dq_convert": "fused"})
    case("dqf-fused-nq1", b("(1, 2, 1, 64)", d64, f"kernel='wgmma', {F}"), "ok", {"dq_convert": "fused"})
    case("dqf-fused-nq-gt-nk-causal", b("(1, 2, 4096, 64)", "(1, 2, 128, 64)", f"kernel='wgmma', causal=True, {F}"), "ok", {"dq_convert": "fused"})
    case("dqf-fused-bias", b(d64, d64, f"kernel='wgmma', mask='bias', mask_shape=(1, 2, 1024, 1024), {F}"), "ok", {"dq_convert": "fused"})
    case("dqf-fused-tiling", b(d64, d64, f"kernel='wgmma', block_q=128, block_kv=128, stages=2, warps=8, {F}"), "ok", {"dq_convert": "fused"})
    case("dqf-kernel", b(d64, d64, "kernel='wgmma', backward_dq_convert='kernel'"), "ok", {"dq_convert": "kernel"})
    case("dqf-default", b(d64, d64, "kernel='wgmma'"), "ok", {"dq_convert": "kernel"})
    case("dqf-auto", b(d64, d64, "kernel='wgmma', backward_dq_convert='auto'"), "ok", {"dq_convert": "kernel"})
    # The option concerns the wgmma kernel: the others keep the kernel.
    case("dqf-fused-mma", b(d64, d64, f"kernel='mma-sync', {F}"), "ok", {"dq_convert": "kernel"})
    case("dqf-fused-simt", b(d64, d64, f"kernel='simt', {F}"), "ok", {"dq_convert": "kernel"})
    case("dqf-fused-a100", b(d64, d64, f"target='a100', {F}"), "ok", {"dq_convert": "kernel"})
    case("dqf-fused-d32-auto", b("(1, 2, 1024, 32)", "(1, 2, 1024, 32)", F), "ok", {"dq_convert": "kernel"})
    # Refusals: CompileError naming them.
    case("dqf-fused-det", b(d64, d64, f"kernel='wgmma', deterministic=True, {F}"), "error")
    case("dqf-fused-ordered", b(d64, d64, f"kernel='wgmma', dq='ordered', {F}"), "error")
    case("dqf-fused-bias-grad", b(d64, d64, f"kernel='wgmma', mask='bias', mask_shape=(1, 2, 1024, 1024), bias_grad=True, {F}"), "error")
    case("dqf-fused-keep", b(d64, d64, f"kernel='wgmma', mask='bool', mask_shape=(1, 2, 1024, 1024), {F}"), "error")
    case("dqf-fused-block-mask", b(d64, d64, f"kernel='wgmma', block_mask=(64, 128), {F}"), "error")
    case("dqf-fused-pattern", b(d64, d64, f"kernel='wgmma', mask_pattern=(256, 0, 0), {F}"), "error")
    case("dqf-fused-persistent", b(d64, d64, f"kernel='wgmma', backward_persistent='on', {F}"), "error")
    case("dqf-fused-split", b(*g41, f"kernel='wgmma', backward_gqa='split', {F}"), "error")
    case("dqf-fused-d256", b("(1, 2, 1024, 256)", "(1, 2, 1024, 256)", f"kernel='wgmma', {F}"), "error")
    case("dqf-fused-one-buffer", b(d64, d64, f"kernel='wgmma', block_q=64, block_kv=128, stages=1, warps=8, {F}"), "error")
    case("dqf-fused-hq-65536", b("(1, 65536, 64, 64)", "(1, 1, 64, 64)", f"kernel='wgmma', {F}"), "error")
    for v in ("True", "1", "None", "'FUSED'", "'fused '", "'fused,dq=ordered'", "'fused} {'", "b'fused'"):
        case(f"dqf[{v}]", b(d64, d64, f"kernel='wgmma', backward_dq_convert={v}"), "error")
    case("dqf-forward", "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), backward_dq_convert='fused', ptxas='none', cache_dir=CACHE)", "either")
    # D122: backward_gqa left to auto, reported.
    ll = ("(2, 32, 4096, 64)", "(2, 8, 4096, 64)")
    case("gqa-auto-llama", b(*ll, "kernel='wgmma', causal=True"), "ok", {"gqa": "split"})
    case("gqa-auto-llama-fused", b(*ll, f"kernel='wgmma', causal=True, {F}"), "ok", {"gqa": "loop", "dq_convert": "fused"})
    case("gqa-auto-llama-dense-d128", b("(2, 32, 4096, 128)", "(2, 8, 4096, 128)", "kernel='wgmma'"), "ok", {"gqa": "loop"})
    case("gqa-auto-llama-det", b(*ll, "kernel='wgmma', causal=True, deterministic=True"), "ok", {"gqa": "loop", "dq": "ordered"})


def main():
    s17.build = build
    if not any(a.startswith("--out") for a in sys.argv[1:]):
        sys.argv[1:1] = ["--out", HERE]
    return s17.main()


if __name__ == "__main__":
    sys.exit(main())
