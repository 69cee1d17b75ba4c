"""compile_backward(): the fa.attention_grad module, its kernels and
manifest, caching, registration and argument errors; no GPU, no torch
(runs in check-fa through test/Python)."""

import math
import re

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _capi, backward, runtime
from conftest import requires_compiler

pytestmark = requires_compiler

Q, KV = (1, 4, 100, 64), (1, 2, 70, 64)


def grad(**kw):
    # The tests below are about the kernels of a block per K/V head (gqa =
    # loop): Q and KV are GQA 4/2, whose small grid backward_gqa="auto"
    # would split (D122; test_wgmma_gqa_auto_splits_an_underfilled_grid).
    args = dict(dtype="bf16", causal=True, ptxas="none", backward_gqa="loop")
    args.update(kw)
    return fa.compile_backward(Q, KV, KV, **args)


def main_kernel(k):
    """The PTX of `k`'s main kernel (attention_grad_kernel_0)."""
    return k.ptx.split(".entry attention_grad_kernel_0(")[1].split(".entry")[0]


def test_kernels_and_manifest():
    k = grad()
    m = k.manifest
    assert m["function"] == "attention_grad" and m["arch"] == "sm_90a"
    # D = rowsum(dO * O), dK/dV, dQ: in order, on one stream.
    assert [x["name"] for x in m["kernels"]] == [
        "attention_grad_kernel", "attention_grad_kernel_0", "attention_grad_kernel_1"]
    # q, k, v, o, do, lse, dq, dk, dv; the gradients are the results.
    shapes = [a["shape"] for a in m["arguments"]]
    o = [1, 4, 100, 64]
    assert shapes == [list(Q), list(KV), list(KV), o, o, [1, 4, 100],
                      list(Q), list(KV), list(KV)]
    assert [a["dtype"] for a in m["arguments"]] == ["bf16"] * 5 + ["f32"] + ["bf16"] * 3
    assert m["results"] == [a["name"] for a in m["arguments"][6:]]
    # The runtime checks the alignment the kernels' accesses need: q, k, v
    # and dO by 16-byte cp.async or TMA, O by the preprocess kernel's
    # 16-byte loads, dQ by the convert kernel's 8-byte stores (D105), dK
    # and dV by the TMA-store epilogue's tensor maps (at D = 64 auto's
    # pick since D130).
    assert [a.get("align", 1) for a in m["arguments"]] == \
        [16, 16, 16, 16, 16, 1, 8, 1, 1]
    assert [(i, a) for i, a, _ in runtime.alignment_needs(k)] == \
        [(0, 16), (1, 16), (2, 16), (3, 16), (4, 16), (6, 8), (7, 16), (8, 16)]
    # kernel=auto takes the wgmma backward on the h100 target (its build has
    # passed its GPU check): D and the f32 dQ accumulator are scratch,
    # allocated by the runtime (the SIMT kernels have D only).
    d, acc = m["scratch"]
    assert d["shape"] == [1, 4, 100] and d["dtype"] == "f32"
    assert acc["shape"] == list(Q) and acc["dtype"] == "f32"
    assert k.schedule["kernel"] == "wgmma"
    assert k.config["grad"] == {"bias_grad": False, "deterministic": False}
    assert k.name.startswith("fa_grad_bf16_b1_h4x2_q100_k70_d64_causal")


def test_module_parses_and_the_tiling_is_the_compilers():
    k = grad()
    assert "fa.attention_grad" in k.source and "causal" in k.source
    c = _capi.compiler()
    module = c.parse(k.source)
    c.destroy(module)
    # fa-select-tiling's backward decision and why, as for the forward.
    assert "#fa.tiling" not in k.source
    win = re.search(r"(\d+)x(\d+), (\d+) stages?, (\d+) warps? wins", k.explain)
    assert win and "backward" in k.explain, k.explain
    # kernel=auto takes the model's pick, the TMA ring (stages 2), as
    # kernel="wgmma" does.
    assert [int(x) for x in win.groups()] == [
        k.tiling[f] for f in ("block_q", "block_kv", "stages", "warps")]
    assert k.tiling["stages"] == 2
    assert grad(kernel="wgmma").tiling == k.tiling
    # D = 64: the wide q-block with the TMA-store epilogue (D130).
    assert k.schedule == {"kernel": "wgmma", "dq": "atomic",
                          "deterministic": False,
                          "walk": "dense", "in_flight": "none",
                          "epilogue": "tma-store", "persistent": "off",
                          "dq_pass": "step-start", "gqa": "loop",
                          "dq_convert": "kernel",
                          "dq_reduce": "warp",
                          "launch_chunk": 1}
    assert "kernel=auto chose wgmma: it builds this backward" in k.explain
    assert 0 < k.shared_memory["bytes"] <= k.shared_memory["budget"] == 232448
    tiled = k.mlir("tiled")
    assert f"block_q = {k.tiling['block_q']}" in tiled
    # The launches use it: dQ's conversion has one block per (head, query
    # block).
    grid = k.manifest["kernels"][2]["grid"]
    assert math.prod(grid) == 4 * math.ceil(100 / k.tiling["block_q"])


def test_head_dims_and_deterministic():
    big = (1, 2, 33, 192)
    k = fa.compile_backward(big, big, (1, 2, 33, 128), ptxas="none")
    assert k.manifest["arguments"][3]["shape"] == [1, 2, 33, 128]  # O: Dv
    assert k.shared_memory["bytes"] <= k.shared_memory["budget"]
    det = grad(deterministic=True)
    assert "deterministic" in det.source and "deterministic" in det.explain
    # Deterministic: the wgmma backward's ordered dQ on sm_90a, on its TMA
    # ring (D66, GPU-checked in session 8).
    assert det.schedule["deterministic"] and det.schedule["dq"] == "ordered"
    assert det.schedule["kernel"] == "wgmma" and det.tiling["stages"] == 2
    # An additive bias at D = 64: the wgmma backward's (D72).
    assert grad(mask="bias", mask_shape=(1, 1, 1, 70)).schedule["kernel"] == "wgmma"


def test_select_reads_the_op():
    cfg = backward.make_grad_config(Q, KV, KV, target="h100")
    t = {"block_q": 32, "block_kv": 16, "stages": 1, "warps": 2}
    _, got = backward.select(cfg, backward.build_grad_mlir(cfg, t))
    assert got["tiling"] == t and got["schedule"]["kernel"] == "simt"
    assert got["shared_memory"]["budget"] == 232448
    assert got["target"]["arch"] == "sm_90a"
    # The bytes are fa-check-sram-budget's count, fa.predicted_sram.
    c = _capi.compiler()
    module = c.parse(backward.build_grad_mlir(cfg, t))
    try:
        c.run(module, "fa-set-target{target=h100},fa-select-tiling")
        assert (f"fa.predicted_sram = {got['shared_memory']['bytes']} "
                in c.print(module))
    finally:
        c.destroy(module)


def test_tiling_override():
    k = grad(block_q=32, block_kv=64, warps=2, kernel="simt")
    assert k.tiling == {"block_q": 32, "block_kv": 64, "stages": 1, "warps": 2}
    assert "block_q = 32, block_kv = 64" in k.source
    # dQ's grid: one block per query block.
    assert math.prod(k.manifest["kernels"][2]["grid"]) == 4 * math.ceil(100 / 32)


@pytest.mark.parametrize("shape", [(1, 4, 100, 70), (1, 1, 1, 70), (1, 4, 1, 70),
                                   (1, 1, 100, 70)])
@pytest.mark.parametrize("kernel", ["simt", "auto"])
def test_bias_gradient_in_the_bias_shape(shape, kernel):
    k = grad(mask="bias", mask_shape=shape, bias_grad=True, kernel=kernel)
    m = k.manifest
    # The SIMT backward adds a dBias kernel; the tensor-core one (auto: the
    # wgmma backward at D = 64) writes dBias from its main kernel (D72).
    assert len(m["kernels"]) == (4 if kernel == "simt" else 3)
    args = m["arguments"]
    assert args[6]["shape"] == list(shape) and args[6]["dtype"] == "bf16"
    assert args[-1]["shape"] == list(shape) and args[-1]["dtype"] == "bf16"
    assert m["results"] == [a["name"] for a in args[7:]]


def test_mask_without_gradient():
    for kind in ("bias", "bool"):
        k = grad(mask=kind, mask_shape=(1, 1, 100, 70))
        args = k.manifest["arguments"]
        assert len(args) == 10 and len(k.manifest["kernels"]) == 3
        assert args[6]["dtype"] == ("i1" if kind == "bool" else "bf16")


def test_cache_and_registry(tmp_path):
    k = grad()
    assert grad() is k
    det = grad(deterministic=True)
    assert det is not k and "deterministic" in det.source
    assert "deterministic" not in k.source
    path = k.save(str(tmp_path))
    fa.clear_cache()
    loaded = fa.load(path)
    assert loaded.config == k.config
    fa.register(loaded)
    cfg = fa._config.make_config(Q, KV, KV, "bf16", True)
    assert runtime.find_grad_kernel(cfg, False, False) is loaded
    # A forward lookup of the same shapes does not find the backward.
    assert fa._config.semantic_key(cfg) not in fa.kernel._registry
    # From the disk cache, by configuration.
    fa.clear_cache()
    cached = grad(cache_dir=str(tmp_path / "cache"))
    fa.clear_cache()
    assert grad(cache_dir=str(tmp_path / "cache")).path == cached.path


def test_errors_before_compiling():
    cases = [
        (dict(bias_grad=True), ValueError, "needs mask='bias'"),
        (dict(mask="bool", bias_grad=True), ValueError, "keep-mask"),
        (dict(bias_grad=1), TypeError, "bias_grad"),
        (dict(deterministic="yes"), TypeError, "deterministic"),
        (dict(mask="bias", mask_shape=(1, 4, 100, 7)), ValueError, "broadcast"),
        (dict(dtype="f64"), TypeError, "dtype"),
        (dict(block_q=0), ValueError, "block_q"),
        (dict(bogus=1), TypeError, "unknown option"),
    ]
    for kw, err, text in cases:
        with pytest.raises(err, match=text):
            grad(**kw)
    with pytest.raises(ValueError, match="incompatible shapes"):
        fa.compile_backward(Q, (1, 3, 70, 64), (1, 3, 70, 64))
    with pytest.raises(TypeError):
        fa.compile_backward(Q, KV, KV, lse=True)


def test_mma_sync_kernel():
    # kernel="mma-sync": convert-fa-to-nvgpu's tensor-core backward (docs/
    # Backward.md, "On the GPU: the mma.sync kernels"): D and the zeroed f32
    # dQ accumulator, the K/V-stationary main kernel, dQ's conversion; both
    # scratch buffers in the manifest.
    k = grad(kernel="mma-sync")
    m = k.manifest
    assert [x["name"] for x in m["kernels"]] == [
        "attention_grad_kernel", "attention_grad_kernel_0", "attention_grad_kernel_1"]
    d, acc = m["scratch"]
    assert d["shape"] == [1, 4, 100] and acc["shape"] == list(Q)
    assert acc["dtype"] == "f32"
    assert k.schedule == {"kernel": "mma-sync", "dq": "atomic",
                          "deterministic": False,
                          "walk": "dense", "in_flight": "none",
                          "epilogue": "direct", "persistent": "off",
                          "dq_pass": "step-start", "gqa": "loop",
                          "dq_convert": "kernel",
                          "dq_reduce": "warp",
                          "launch_chunk": 1}
    # 16 kv rows a warp; block_q within ptxas's registers (the model's fit
    # keeps at most 48 rows at D = 64).
    assert k.tiling["block_kv"] == 16 * k.tiling["warps"]
    assert k.tiling["block_q"] <= 48
    # The main kernel's grid: (kv-blocks, Hkv, B).
    assert m["kernels"][1]["grid"] == [
        math.ceil(70 / k.tiling["block_kv"]), 2, 1]
    assert k.name != grad().name
    # An additive bias and its gradient (D72): a broadcast bias's dBias is
    # summed in an f32 scratch of its shape (a half-type bias); with
    # deterministic it is an error naming why, before any kernel.
    kb = grad(kernel="mma-sync", mask="bias", mask_shape=(1, 1, 1, 70),
              bias_grad=True)
    assert kb.schedule["kernel"] == "mma-sync"
    assert [s["shape"] for s in kb.manifest["scratch"]][-1] == [1, 1, 1, 70]
    with pytest.raises(fa.CompileError, match="not deterministic"):
        grad(kernel="mma-sync", mask="bias", mask_shape=(1, 1, 1, 70),
             bias_grad=True, deterministic=True)


def test_mma_sync_deterministic_window_block_mask():
    # deterministic=True on the mma.sync backward: dq = ordered (docs/
    # Backward.md, "Deterministic dQ"): a third scratch buffer, one i32
    # semaphore per (batch, query head, q-block), and the waits in the PTX.
    k = grad(kernel="mma-sync", deterministic=True)
    assert k.schedule == {"kernel": "mma-sync", "dq": "ordered",
                          "deterministic": True,
                          "walk": "dense", "in_flight": "none",
                          "epilogue": "direct", "persistent": "off",
                          "dq_pass": "step-start", "gqa": "loop",
                          "dq_convert": "kernel",
                          "dq_reduce": "warp",
                          "launch_chunk": 1}
    d, acc, sem = k.manifest["scratch"]
    assert sem["dtype"] == "i32"
    assert sem["shape"] == [1, 4, math.ceil(100 / k.tiling["block_q"])]
    assert "ld.relaxed.gpu.global.b32" in k.ptx
    assert "red.relaxed.gpu.global.add.s32" in k.ptx
    assert "dq=ordered: deterministic requested" in k.explain
    assert "red.relaxed.gpu" not in grad(kernel="mma-sync").ptx
    # A window and a block mask reach it too (no error, its three kernels;
    # the block mask an argument after the inputs).
    w = grad(kernel="mma-sync", window=(20, 0))
    assert w.schedule["kernel"] == "mma-sync"
    assert "window = #fa.window<left = 20, right = 0>" in w.source
    bm = grad(kernel="mma-sync", deterministic=True,
              block_mask=(32, 32, [1, 4, 4, 3]))
    assert bm.schedule["dq"] == "ordered"
    assert 32 % bm.tiling["block_q"] == 0 and 32 % bm.tiling["block_kv"] == 0
    assert bm.manifest["arguments"][6]["shape"] == [1, 4, 4, 3]
    assert len(bm.manifest["kernels"]) == 3
    # kernel=auto takes it on sm_80 (its ordered dQ, windows and block
    # masks passed their GPU check); sm_90a's auto takes the wgmma one.
    auto = grad(deterministic=True, window=(20, 0), target="a100")
    assert auto.schedule == {"kernel": "mma-sync", "dq": "ordered",
                             "deterministic": True,
                             "walk": "dense", "in_flight": "none",
                             "epilogue": "direct", "persistent": "off",
                             "dq_pass": "step-start", "gqa": "loop",
                             "dq_convert": "kernel",
                             "dq_reduce": "warp",
                             "launch_chunk": 1}
    assert "kernel=auto chose mma-sync: it builds this backward" in auto.explain
    # The wgmma backward takes the window too (its deterministic dQ and
    # block masks: test_wgmma_deterministic_block_mask).
    assert grad(kernel="wgmma", window=(20, 0)).schedule["kernel"] == "wgmma"


def test_wgmma_deterministic_block_mask():
    # deterministic=True on the wgmma backward: dq = ordered, the mma.sync
    # backward's semaphores (one per batch, query head and q-block: of 128
    # rows at D = 64 since D112, the wide q-block with its TMA-store
    # epilogue since D130) and turns in its PTX (docs/Backward.md,
    # "Deterministic dQ").
    k = grad(kernel="wgmma", deterministic=True)
    assert k.schedule == {"kernel": "wgmma", "dq": "ordered",
                          "deterministic": True,
                          "walk": "dense", "in_flight": "none",
                          "epilogue": "tma-store", "persistent": "off",
                          "dq_pass": "step-start", "gqa": "loop",
                          "dq_convert": "kernel",
                          "dq_reduce": "warp",
                          "launch_chunk": 1}
    assert k.tiling["block_q"] == 128
    d, acc, sem = k.manifest["scratch"]
    assert sem["dtype"] == "i32" and sem["shape"] == [1, 4, 1]
    assert "ld.relaxed.gpu.global.b32" in k.ptx
    assert "red.relaxed.gpu.global.add.s32" in k.ptx
    assert "dq=ordered: deterministic requested" in k.explain
    assert "red.relaxed.gpu" not in grad(kernel="wgmma").ptx
    # A block mask whose blocks its one tiling (64 x 128) divides, with
    # and without deterministic: an argument after the inputs.
    for det in (False, True):
        bm = grad(kernel="wgmma", deterministic=det,
                  block_mask=(64, 128, [1, 4, 2, 1]))
        assert bm.schedule["kernel"] == "wgmma"
        assert bm.schedule["dq"] == ("ordered" if det else "atomic")
        assert bm.manifest["arguments"][6]["shape"] == [1, 4, 2, 1]
        assert len(bm.manifest["kernels"]) == 3
    with pytest.raises(fa.CompileError,
                       match="must divide the block mask's 64x64"):
        grad(kernel="wgmma", block_mask=(64, 64, [1, 4, 2, 2]))
    with pytest.raises(fa.CompileError, match="block_q 32 is not a multiple"):
        grad(kernel="wgmma", block_mask=(32, 32, [1, 4, 4, 3]))
    # kernel=auto takes both on the TMA ring (its ordered dQ and block
    # masks passed their GPU checks in session 8).
    for auto in (grad(deterministic=True),
                 grad(block_mask=(64, 128, [1, 4, 2, 1]))):
        assert auto.schedule["kernel"] == "wgmma"
        assert auto.tiling["stages"] == 2
        assert "kernel=auto chose wgmma: it builds this backward" in auto.explain


def test_wgmma_kernel():
    # kernel="wgmma": the sm_90a backward (docs/Backward.md, "On the GPU:
    # the wgmma kernels"): the same three kernels and scratch buffers as
    # mma-sync, its one built tiling (two warpgroups of 64 kv rows, q-blocks
    # of 64) with the model's two buffers of Q_i and dO_i (the TMA ring,
    # D61) and the 128-byte swizzled tiles' shared memory. block_q 64 is
    # given: at D = 64 the model picks block_q 128 since D108
    # (test_wgmma_wide_query_block).
    k = grad(kernel="wgmma", block_q=64)
    m = k.manifest
    assert [x["name"] for x in m["kernels"]] == [
        "attention_grad_kernel", "attention_grad_kernel_0", "attention_grad_kernel_1"]
    d, acc = m["scratch"]
    assert d["shape"] == [1, 4, 100] and acc["shape"] == list(Q)
    assert k.schedule == {"kernel": "wgmma", "dq": "atomic",
                          "deterministic": False,
                          "walk": "dense", "in_flight": "none",
                          "epilogue": "tma-store", "persistent": "off",
                          "dq_pass": "step-start", "gqa": "loop",
                          "dq_convert": "kernel",
                          "dq_reduce": "warpgroup",
                          "launch_chunk": 1}
    assert k.tiling == {"block_q": 64, "block_kv": 128, "stages": 2,
                        "warps": 8}
    main = m["kernels"][1]
    assert main["grid"] == [1, 2, 1] and main["block"] == [256, 1, 1]
    # K, V [128, 64], two buffers of Q, dO [64, 64], dS^T [128, 64] in
    # bf16, two buffers of the lse and D rows (2 x 64 f32 each, in a 1 KiB
    # region), the warps' dQ tiles (8 x 16 rows of 32 f32, one swizzled
    # box each, D79) and the swizzle atom of slack for the run-time
    # alignment.
    assert main["shared_bytes"] == 2 * 128 * 64 * 2 + 2 * 2 * 64 * 64 * 2 + \
        128 * 64 * 2 + 1024 + 8 * 16 * 128 + 1024
    # Q and dO reach it as TMA tensor maps (boxes of 64 rows x 64 columns),
    # so the runtime checks their alignment (16 bytes); dQ leaves through
    # one over the f32 accumulator (the scratch buffer tmp1), in boxes of
    # a warpgroup's 64 rows x 32 columns (D127, auto's pick at block_q
    # 64); dK and dV (arg7, arg8) through TMA
    # stores of a warp's 16 rows (the TMA-store epilogue, D107, auto's pick
    # since D108).
    maps = [p for p in main["params"] if p["type"] == "tensormap"]
    assert [(p["buffer"], p["box"]) for p in maps] == [
        ("arg0", [1, 1, 64, 64]), ("arg4", [1, 1, 64, 64]),
        ("tmp1", [1, 1, 64, 32]), ("arg7", [1, 1, 16, 64]),
        ("arg8", [1, 1, 16, 64])]
    assert maps[2]["dtype"] == "f32" and maps[2]["swizzle"] == "swizzle_128b"
    # One buffer copied by cp.async (stages 1, D54), the A/B baseline.
    one = grad(kernel="wgmma", block_q=64, stages=1)
    assert one.tiling["stages"] == 1 and one.name != k.name
    assert not [p for p in one.manifest["kernels"][1]["params"]
                if p["type"] == "tensormap"]
    assert one.manifest["kernels"][1]["shared_bytes"] == \
        main["shared_bytes"] - 2 * 64 * 64 * 2 - 8 * 16 * 128
    assert k.name != grad(kernel="mma-sync").name
    # A bias (D72) on the TMA ring at D = 64; one buffer spills: an error.
    assert grad(kernel="wgmma", mask="bias").tiling["stages"] == 2
    with pytest.raises(fa.CompileError, match="one-buffer kernel"):
        grad(kernel="wgmma", mask="bias", stages=1)
    # D = Dv, a multiple of 16 from 64 to 128 (D = 96: D71); not D = 160.
    d96 = fa.compile_backward((1, 4, 100, 96), (1, 2, 70, 96),
                              (1, 2, 70, 96), dtype="bf16", kernel="wgmma",
                              ptxas="none")
    assert d96.schedule["kernel"] == "wgmma"
    with pytest.raises(fa.CompileError, match="a multiple of 16 from 64 to"):
        fa.compile_backward((1, 4, 100, 160), (1, 2, 70, 160),
                            (1, 2, 70, 160), dtype="bf16", kernel="wgmma",
                            ptxas="none")
    with pytest.raises(fa.CompileError, match="no wgmma"):
        grad(kernel="wgmma", target="a100")



def test_wgmma_wide_query_block():
    # block_q=128 reaches the op's tiling: the wgmma backward's wide
    # q-block at D = 64 (docs/Backward.md, "The wide q-block", D104), which
    # the model picks there since its GPU check (D108). Q and dO come in
    # boxes of 128 rows; the warps' dQ tiles hold 16 rows x 64 f32 (two
    # boxes); dK and dV leave in boxes of 16 rows (the TMA-store epilogue,
    # auto's pick since D130), not with the direct stores asked for.
    k = grad(kernel="wgmma", block_q=128)
    assert k.tiling == {"block_q": 128, "block_kv": 128, "stages": 2,
                        "warps": 8}
    assert k.name != grad(kernel="wgmma").name
    main = k.manifest["kernels"][1]
    assert main["shared_bytes"] == 2 * 128 * 64 * 2 + 2 * 2 * 128 * 64 * 2 + \
        128 * 128 * 2 + 2048 + 8 * 16 * 256 + 1024
    maps = [p for p in main["params"] if p["type"] == "tensormap"]
    assert [(p["buffer"], p["box"]) for p in maps] == [
        ("arg0", [1, 1, 128, 64]), ("arg4", [1, 1, 128, 64]),
        ("tmp1", [1, 1, 16, 32]), ("arg7", [1, 1, 16, 64]),
        ("arg8", [1, 1, 16, 64])]
    direct = grad(kernel="wgmma", block_q=128, backward_epilogue="direct")
    assert [(p["buffer"], p["box"]) for p in direct.manifest["kernels"][1]["params"]
            if p["type"] == "tensormap"] == [
        ("arg0", [1, 1, 128, 64]), ("arg4", [1, 1, 128, 64]),
        ("tmp1", [1, 1, 16, 32])]
    with pytest.raises(fa.CompileError, match="block_q 128 is built at D = Dv = 64 only"):
        fa.compile_backward((1, 4, 100, 128), (1, 2, 70, 128),
                            (1, 2, 70, 128), dtype="bf16", ptxas="none",
                            kernel="wgmma", block_q=128)


def test_wgmma_wide_query_block_ordered():
    # block_q=128 with deterministic=True: ordered dQ on the wide q-block
    # (docs/Backward.md, "Ordered dQ on the wide q-block", D110), a
    # semaphore per 128-row q-block (one of 100 rows); since its GPU check
    # (D112) it is also the model's pick for a deterministic backward.
    k = grad(kernel="wgmma", block_q=128, deterministic=True)
    assert k.tiling["block_q"] == 128 and k.schedule["dq"] == "ordered"
    sem = k.manifest["scratch"][-1]
    assert sem["shape"] == [1, 4, 1] and sem["dtype"] == "i32"
    pick = grad(kernel="wgmma", deterministic=True)
    assert pick.tiling["block_q"] == 128 and pick.schedule["dq"] == "ordered"


def test_compile_errors_name_the_problem():
    # A tiling over the target's shared memory: convert-fa-to-gpu says so.
    with pytest.raises(fa.CompileError, match="shared"):
        grad(block_q=256, block_kv=256)


def test_gpu_check_kernels_load_without_the_compiler(tmp_path, monkeypatch):
    """bench/correctness/python_autograd_check.py's staging: a case's
    forward (with lse) and backward, saved, are found on a machine without
    the compiler by the lookups autograd makes."""
    from conftest import load_script
    check = load_script("bench/correctness/python_autograd_check.py",
                        "python_autograd_check")
    names = [c["name"] for c in check.matrix()]
    assert len(names) == len(set(names))
    c = next(c for c in check.matrix() if c.get("mask") == [1, 4, 1, 333])
    check.compile_case(c, str(tmp_path), "h100")
    fa.clear_cache()
    fa.kernel._registry.clear()
    monkeypatch.setattr(_capi, "compiler_available", lambda: False)
    assert len(fa.load_dir(str(tmp_path))) == 2
    cfg = fa._config.make_config(*check.shapes(c), c["dtype"], False,
                                 mask="bias", mask_shape=c["mask"], lse=True)
    assert fa.find_kernel(cfg).config["lse"]
    bwd = runtime.find_grad_kernel(cfg, True, False)
    # The wgmma backward (D = 64, a bias: D72) writes dBias from its main
    # kernel: preprocess, main, dQ conversion.
    assert bwd.config["grad"]["bias_grad"] and len(bwd.manifest["kernels"]) == 3
    with pytest.raises(fa.KernelNotFoundError, match="backward"):
        runtime.find_grad_kernel(cfg, False, False)


def test_wgmma_tma_store_epilogue_override():
    # backward_epilogue="tma-store" (fa-to-ptx-pipeline's backward-epilogue,
    # D107): the main kernel stores dK and dV through tensor maps of the
    # two gradients (boxes of 16 rows x 64 columns) instead of one
    # st.global.b16 per element; backward_epilogue="direct" asks for those.
    # "auto" (the default) takes the TMA store where it is built (since
    # D108 at block_q 64, since D130 on D = 64's wide q-block too). A
    # tensor map's buffer must be 16-byte aligned: the runtime checks it at
    # launch, as for the forward's O.
    direct = grad(kernel="wgmma", backward_epilogue="direct")
    tma = grad(kernel="wgmma", backward_epilogue="tma-store")
    assert grad(kernel="wgmma").schedule["epilogue"] == "tma-store"
    assert "epilogue=tma_store" in tma.explain
    assert "epilogue" not in direct.explain.split("backward schedule")[-1].split(":")[0]
    # Kernel.schedule says it (D111: the C API's FABackwardSchedule had no
    # epilogue, so Python could not tell the two kernels apart).
    assert direct.schedule["epilogue"] == "direct"
    assert tma.schedule["epilogue"] == "tma-store"
    # Both keep D = 64's wide q-block (D130: the TMA store asked for no
    # longer narrows it to 64 but beside a #fa.window).
    assert tma.tiling == direct.tiling and tma.tiling["block_q"] == 128
    assert tma.schedule == dict(direct.schedule, epilogue="tma-store")

    def maps(k):
        main = k.manifest["kernels"][1]
        return [p["buffer"] for p in main["params"] if p["type"] == "tensormap"]

    names = [a["name"] for a in direct.manifest["arguments"]]
    dk, dv = names[7], names[8]
    assert dk not in maps(direct) and dv not in maps(direct)
    assert maps(tma) == maps(direct) + [dk, dv]
    # The Python launch checks them (a ValueError naming the argument)
    # before the runtime's own check.
    moved = {i for i, align, why in runtime.alignment_needs(tma)
             if align == 16 and "TMA" in why}
    assert {7, 8} <= moved
    assert not {7, 8} & {i for i, _, why in runtime.alignment_needs(direct)
                         if "TMA" in why}
    assert "st.global.b16" in main_kernel(direct)
    assert "st.global.b16" not in main_kernel(tma)
    assert main_kernel(tma).count("cp.async.bulk.tensor.4d.global.shared::cta") == 2
    with pytest.raises(ValueError, match="backward_epilogue"):
        grad(kernel="wgmma", backward_epilogue="staged")


def test_wgmma_tma_store_epilogue_on_the_wide_query_block():
    # D130: a written block_q 128 (D = 64) takes the TMA-store epilogue, two
    # tensor stores instead of st.global.b16, with atomic and ordered dQ:
    # "auto" takes it there since its GPU check
    # (kWideQueryBlockTmaStoreGpuChecked), backward_epilogue="direct" keeps
    # the direct stores, and with a #fa.window the TMA store asked for is
    # refused on a written block_q 128 (ptxas spills beside the wide step),
    # naming why, and narrows the model's pick to block_q 64 (D108's rule).
    wide = dict(kernel="wgmma", block_q=128, block_kv=128)
    auto = grad(**wide)
    assert (auto.tiling["block_q"], auto.schedule["epilogue"]) == (128, "tma-store")
    direct = grad(**wide, backward_epilogue="direct")
    assert (direct.tiling["block_q"], direct.schedule["epilogue"]) == (128, "direct")
    assert "st.global.b16" in main_kernel(direct)
    for deterministic in (False, True):
        tma = grad(**wide, deterministic=deterministic,
                   backward_epilogue="tma-store")
        assert tma.tiling["block_q"] == 128
        assert tma.schedule["epilogue"] == "tma-store"
        assert "st.global.b16" not in main_kernel(tma)
        assert main_kernel(tma).count(
            "cp.async.bulk.tensor.4d.global.shared::cta") == 2
    with pytest.raises(fa.CompileError,
                       match="not built with block_q 128 and a #fa.window"):
        grad(**wide, window=(200, 0), backward_epilogue="tma-store")
    # The model's pick: beside a window auto keeps the wide q-block's
    # direct stores, and the TMA store asked for takes block_q 64.
    windowed = grad(kernel="wgmma", window=(200, 0))
    assert (windowed.tiling["block_q"], windowed.schedule["epilogue"]) == (128, "direct")
    narrow = grad(kernel="wgmma", window=(200, 0), backward_epilogue="tma-store")
    assert (narrow.tiling["block_q"], narrow.schedule["epilogue"]) == (64, "tma-store")


def test_wgmma_ordered_dq_pass_override():
    # dq_pass="after-scores" (fa-to-ptx-pipeline's dq-pass, D115): the
    # ring's ordered dQ passes a step's turn once the next step's score
    # products are issued, the completion of its bulk reductions waited for
    # under them, rather than at the next step's top before any product;
    # "auto" (the default) keeps the step's top until the variant has run
    # on a GPU. Atomic dQ has no turns: the option leaves it alone.
    top = grad(kernel="wgmma", deterministic=True)
    late = grad(kernel="wgmma", deterministic=True, dq_pass="after-scores")
    assert "dq_pass=after_scores" in late.explain
    assert "dq_pass" not in top.explain
    # Kernel.schedule says it (the C API's FABackwardSchedule.dqPass).
    assert (top.schedule["dq_pass"], late.schedule["dq_pass"]) == (
        "step-start", "after-scores")
    drain = "cp.async.bulk.wait_group 0;"
    for k in (top, late):
        # At the step (top or after the scores) and after the loop.
        assert main_kernel(k).count(drain) == 2
    first_product = lambda k: main_kernel(k).index("wgmma.mma_async")
    assert main_kernel(top).index(drain) < first_product(top)
    assert main_kernel(late).index(drain) > first_product(late)
    atomic = grad(kernel="wgmma")
    assert grad(kernel="wgmma", dq_pass="after-scores").ptx == atomic.ptx
    with pytest.raises(ValueError, match="dq_pass"):
        grad(kernel="wgmma", dq_pass="late")


def test_wgmma_gqa_auto_splits_an_underfilled_grid():
    # backward_gqa="auto" (the default, D122): the model prices the loop (a
    # block per K/V head over its query heads) and the split (a block per
    # query head) with the blocks handed to the SMs in launch order. This
    # GQA 4/2 shape's loop has 2 blocks: the split's 4 run side by side.
    auto = grad(kernel="wgmma", backward_gqa="auto")
    assert auto.schedule["gqa"] == "split"
    assert "gqa=split" in auto.explain
    assert grad(kernel="wgmma").schedule["gqa"] == "loop"
    # Asked beside it, the TMA-store epilogue keeps the loop.
    tma = grad(kernel="wgmma", backward_gqa="auto",
               backward_epilogue="tma-store")
    assert tma.schedule["gqa"] == "loop"
    assert tma.schedule["epilogue"] == "tma-store"


def test_wgmma_dq_reduce_override():
    # backward_dq_reduce="warpgroup" (fa-to-ptx-pipeline's
    # backward-dq-reduce, D127): the ring's warpgroup stacks its warps' dQ
    # boxes as boxes of 64 rows, a named barrier of its 128 threads, and one
    # thread adds them; the host's tensor map of the f32 accumulator has
    # that box. "auto" (the default) keeps each warp's boxes of 16 rows.
    warp = grad(kernel="wgmma")
    group = grad(kernel="wgmma", backward_dq_reduce="warpgroup")
    assert (warp.schedule["dq_reduce"], group.schedule["dq_reduce"]) == (
        "warp", "warpgroup")
    assert re.search(r"bar\.sync\s+%r\d+, 128;", group.ptx)
    assert not re.search(r"bar\.sync\s+%r\d+, 128;", warp.ptx)
    box = lambda k: [p["box"] for kernel in k.manifest["kernels"]
                     for p in kernel["params"]
                     if "box" in p and p["dtype"] == "f32"]
    assert (box(warp), box(group)) == ([[1, 1, 16, 32]], [[1, 1, 64, 32]])
    with pytest.raises(ValueError, match="backward_dq_reduce"):
        grad(kernel="wgmma", backward_dq_reduce="block")


def test_caller_strides():
    # q, k, v, o, do (arguments 0-4) and dq, dk, dv (6-8) take the launch's
    # strides wherever a kernel reads them through a descriptor; the lse
    # (5) never does.
    k = fa.compile_backward(Q, KV, KV, kernel="mma-sync", ptxas="none",
                            caller_strides=True)
    named = {p["stride_of"] for kern in k.manifest["kernels"]
             for p in kern["params"] if "stride_of" in p}
    assert named == {f"arg{i}" for i in (0, 1, 2, 3, 4, 6, 7, 8)}
    with pytest.raises(TypeError, match="caller_strides must be True or False"):
        fa.compile_backward(Q, KV, KV, caller_strides="yes")
