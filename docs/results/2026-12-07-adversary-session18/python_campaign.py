#!/usr/bin/env python3
"""Session 18's attack through the Python package (the C API's option checks
and schedules): compile_backward's `backward_gqa` override (D119: the
split group) beside every other backward option, with malformed values,
and the mma.sync kernel's `min_blocks` (D118) in Kernel.schedule (D121).
CPU only: ptxas='none'.

    PYTHONPATH=python FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \\
        python3 python_campaign.py [--out DIR]

The runner is session 17's python_campaign.py (imported; its runner is
session 15's). Outcomes: ok
(compiled, and Kernel.schedule says what was asked: `want`), error
(TypeError / ValueError / CompileError naming the problem), CRASH, UNCAUGHT,
SILENT (ok where an error was due, or the schedule disagrees).
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

    g41 = ("(1, 4, 1024, 64)", "(1, 1, 1024, 64)")
    g82 = ("(2, 8, 777, 128)", "(2, 2, 777, 128)")
    # D119: backward_gqa.
    case("gqa-split", b(*g41, "kernel='wgmma', backward_gqa='split'"), "ok", {"gqa": "split", "dq": "atomic"})
    case("gqa-split-d128-causal", b(*g82, "kernel='wgmma', causal=True, backward_gqa='split'"), "ok", {"gqa": "split"})
    case("gqa-split-auto-kernel", b(*g41, "backward_gqa='split'"), "ok", {"gqa": "split"})
    case("gqa-loop", b(*g41, "kernel='wgmma', backward_gqa='loop'"), "ok", {"gqa": "loop"})
    case("gqa-auto", b(*g41, "kernel='wgmma'"), "ok", {"gqa": "loop"})
    case("gqa-split-mha", b(d64, d64, "kernel='wgmma', backward_gqa='split'"), "ok", {"gqa": "loop"})
    case("gqa-split-mma", b(*g41, "kernel='mma-sync', backward_gqa='split'"), "ok", {"gqa": "loop"})
    case("gqa-split-a100", b(*g41, "target='a100', backward_gqa='split'"), "ok", {"gqa": "loop"})
    case("gqa-split-det", b(*g41, "kernel='wgmma', deterministic=True, backward_gqa='split'"), "error")
    case("gqa-split-bias-grad", b(*g41, "kernel='wgmma', mask='bias', mask_shape=(1, 4, 1024, 1024), bias_grad=True, backward_gqa='split'"), "error")
    case("gqa-split-bias", b(*g41, "kernel='wgmma', mask='bias', mask_shape=(1, 4, 1024, 1024), backward_gqa='split'"), "ok", {"gqa": "split"})
    case("gqa-split-keep", b(*g41, "kernel='wgmma', mask='bool', mask_shape=(1, 4, 1024, 1024), backward_gqa='split'"), "ok", {"gqa": "split"})
    case("gqa-split-block-mask", b(*g41, "kernel='wgmma', block_mask=(64, 128), backward_gqa='split'"), "ok", {"gqa": "split", "walk": "dense"})
    case("gqa-split-block-mask-compacted", b(*g41, "kernel='wgmma', block_mask=(64, 128), block_mask_walk='compacted', backward_gqa='split'"), "error")
    case("gqa-split-persistent", b(*g41, "kernel='wgmma', backward_persistent='on', backward_gqa='split'"), "error")
    case("gqa-split-tma-store", b(*g41, "kernel='wgmma', backward_epilogue='tma-store', backward_gqa='split'"), "error")
    # dK in flight is fa-select-tiling's option only, not the pipeline's.
    case("gqa-split-in-flight", b(*g41, "kernel='wgmma', backward_in_flight='dk', backward_gqa='split'"), "error")
    case("gqa-split-window", b(*g41, "kernel='wgmma', window=(128, 0), backward_gqa='split'"), "ok", {"gqa": "split"})
    case("gqa-split-pattern", b(*g41, "kernel='wgmma', mask_pattern=(256, 0, 0), backward_gqa='split'"), "ok", {"gqa": "split"})
    case("gqa-split-d256", b("(1, 4, 1024, 256)", "(1, 1, 1024, 256)", "kernel='wgmma', backward_gqa='split'"), "error")
    case("gqa-split-nq1", b("(1, 4, 1, 64)", "(1, 1, 1024, 64)", "kernel='wgmma', backward_gqa='split'"), "ok", {"gqa": "split"})
    case("gqa-split-hq-65536", b("(1, 65536, 64, 64)", "(1, 1, 64, 64)", "kernel='wgmma', backward_gqa='split'"), "error")
    case("gqa-split-tiling", b(*g41, "kernel='wgmma', backward_gqa='split', block_q=128, block_kv=128, stages=2, warps=8"), "ok", {"gqa": "split"})
    for v in ("True", "1", "None", "'SPLIT'", "'split '", "'split,dq=ordered'", "'auto'"):
        case(f"gqa[{v}]", b(*g41, f"kernel='wgmma', backward_gqa={v}"), "either" if v == "'auto'" else "error")
    case("gqa-forward", "fa.compile((1, 4, 1024, 64), (1, 1, 1024, 64), (1, 1, 1024, 64), backward_gqa='split', ptxas='none', cache_dir=CACHE)", "either")
    # D118 / D121: the forward's min_blocks, reported.
    case("minblocks-a100-d128", "fa.compile((1, 2, 512, 128), (1, 2, 512, 128), (1, 2, 512, 128), causal=True, target='a100', kernel='mma-sync', block_q=128, block_kv=48, stages=2, warps=4, ptxas='none', cache_dir=CACHE)", "ok", {"min_blocks": 1})
    case("minblocks-keep-a100", "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), mask='bool', mask_shape=(1, 2, 1024, 1024), block_mask=(128, 128), block_mask_walk='compacted', target='a100', ptxas='none', cache_dir=CACHE)", "ok", {"min_blocks": 1})
    case("minblocks-wgmma", "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), ptxas='none', cache_dir=CACHE)", "ok", {"min_blocks": 0})
    case("minblocks-simt", "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), kernel='simt', ptxas='none', cache_dir=CACHE)", "ok", {"min_blocks": 0})
    case("minblocks-override", "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), target='a100', min_blocks=2, ptxas='none', cache_dir=CACHE)", "error")


def main():
    s17.build = build
    if not any(a.startswith("--out") for a in sys.argv[1:]):
        sys.argv[1:1] = ["--out", HERE]
    return s17.main()


if __name__ == "__main__":
    sys.exit(main())
