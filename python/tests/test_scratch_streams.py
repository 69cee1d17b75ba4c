"""The runtime's scratch buffers per stream, through the package's ctypes
binding on the fake CUDA driver (fake_driver.py): a backward's D rows, f32
dQ accumulator and ordered-dQ semaphores are the module's scratch, and two
streams that run one module at the same time must not share them
(docs/GPU.md, "Scratch buffers and streams"). No torch, no GPU: runs in
check-fa through test/Python."""

import ctypes
import json

import pytest

import flashattn_mlir as fa
import fake_driver
from conftest import load_script, requires_compiler

pytestmark = [requires_compiler, pytest.mark.skipif(
    fake_driver.library_path() is None,
    reason="needs libfa_runtime_fake.so (ninja -C build fa_runtime_fake)")]


def scratch_of(rt, manifest, start):
    """Scratch buffer name -> the address the launches from `start` on (one
    per kernel of `manifest`) handed their kernels for it: one per buffer."""
    scratch = {s["name"] for s in manifest["scratch"]}
    seen = {}
    for i, kernel in enumerate(manifest["kernels"]):
        name, values = rt.launch(start + i)
        assert name == kernel["name"]
        for p, value in zip(kernel["params"], values):
            if p.get("buffer") not in scratch:
                continue
            if p["type"] == "tensormap":
                # The fake's encoding starts with the buffer's address.
                value = ctypes.c_uint64.from_address(value).value
            seen.setdefault(p["buffer"], set()).add(value)
    assert set(seen) == scratch
    assert all(len(v) == 1 for v in seen.values()), seen
    return {b: v.pop() for b, v in seen.items()}


def scratch_per_stream(rt, handle, manifest, streams):
    """Stream -> the scratch addresses (scratch_of) of each launch of the
    module `handle` on it, launched on `streams` in order."""
    pointers = [0x100000 * (i + 1) for i in range(len(manifest["arguments"]))]
    used = {}
    for stream in streams:
        start = rt.num_launches()
        rt.launch_pointers(handle, pointers, stream)
        used.setdefault(stream, []).append(scratch_of(rt, manifest, start))
    return used


def assert_scratch_per_stream(kernel, tmp_path):
    """`kernel` saved and launched on the fake driver on two streams (one of
    them twice): a stream reuses its own scratch, the two never share."""
    manifest = kernel.manifest
    rt = fake_driver.FakeDriverRuntime(fake_driver.library_path())
    rt.init(0)
    handle = rt.load(kernel.save(str(tmp_path)), prefer_cubin=False)
    try:
        used = scratch_per_stream(rt, handle, manifest,
                                  (0x5150, 0x6160, 0x5150))
        assert used[0x5150][0] == used[0x5150][1]
        addresses = [a for sets in used.values() for a in sets[0].values()]
        assert len(set(addresses)) == 2 * len(manifest["scratch"])
    finally:
        rt.unload(handle)


def test_each_stream_launches_the_backward_on_its_own_scratch(tmp_path):
    # The deterministic wgmma backward: three scratch buffers (D, the dQ
    # accumulator, the semaphores), written by its first kernel.
    kernel = fa.compile_backward((1, 2, 64, 64), (1, 2, 64, 64), (1, 2, 64, 64),
                                 causal=True, deterministic=True, ptxas="none")
    manifest = kernel.manifest
    assert len(manifest["scratch"]) == 3
    rt = fake_driver.FakeDriverRuntime(fake_driver.library_path())
    rt.init(0)
    handle = rt.load(kernel.save(str(tmp_path)), prefer_cubin=False)
    try:
        # The stream goes through ctypes as a c_void_p: 0 (the legacy
        # default stream), torch's raw stream handles.
        used = scratch_per_stream(rt, handle, manifest,
                                  (0x5150, 0, 0x6160, 0x5150, 0, 0x6160))
        # Each stream keeps its set; no two streams share an address.
        for sets in used.values():
            assert sets[0] == sets[1]
        addresses = [a for sets in used.values() for a in sets[0].values()]
        assert len(set(addresses)) == 3 * len(manifest["scratch"])
    finally:
        rt.unload(handle)


def test_the_gpu_check_stages_every_kind_of_scratch(tmp_path):
    """bench/correctness/stream_scratch_check.py stage: its cases' backwards
    have the scratch the check is about (the semaphores of ordered dQ, a
    half bias's f32 gradient scratch), and each staged backward gets a set
    per stream on the fake driver."""
    check = load_script("bench/correctness/stream_scratch_check.py",
                        "stream_scratch_check")
    dest = tmp_path / "stage"
    assert check.stage(str(dest), "h100") == 0
    for name in ("run.sh", "bench/correctness/stream_scratch_check.py",
                 "bench/correctness/python_autograd_check.py",
                 "runtime/lib/Runtime.cpp", "python/flashattn_mlir/runtime.py"):
        assert (dest / name).exists(), name
    assert "timeout 300 python3 bench/correctness/stream_scratch_check.py run kernels" \
        in (dest / "run.sh").read_text()
    rt = fake_driver.FakeDriverRuntime(fake_driver.library_path())
    rt.init(0)
    kinds = set()
    for c in check.matrix():
        path = dest / "kernels" / (c["name"] + "_bwd.json")
        manifest = json.loads(path.read_text())
        for s in manifest["scratch"]:
            kinds.add((s["dtype"], len(s["shape"])))
        handle = rt.load(str(path), prefer_cubin=False)
        try:
            pointers = [0x100000 * (i + 1) for i in range(len(manifest["arguments"]))]
            used = []
            for stream in (0x5150, 0x6160):
                start = rt.num_launches()
                rt.launch_pointers(handle, pointers, stream)
                used.append(scratch_of(rt, manifest, start))
            assert not set(used[0].values()) & set(used[1].values())
        finally:
            rt.unload(handle)
    # D rows and a broadcast bias's gradient: f32 [B, H, N] and [1, H, 1, Nk];
    # the dQ accumulator; the ordered-dQ semaphores (i32).
    assert {("f32", 3), ("f32", 4), ("i32", 3)} <= kinds


def test_the_split_group_zeroes_and_converts_its_own_scratch(tmp_path):
    # The wgmma backward's split group (D119, backward_gqa="split"): two
    # more f32 scratch buffers, dK's and dV's accumulators in the key's and
    # the value's shapes, zeroed by a kernel of grid (kv-blocks, Hkv, B)
    # before the main kernel (grid (kv-blocks, Hq, B): a block per query
    # head) and converted into dK and dV by one after dQ's conversion; each
    # stream launches them on its own set.
    q, kv = (1, 4, 200, 64), (1, 1, 200, 64)
    kernel = fa.compile_backward(q, kv, kv, causal=True, kernel="wgmma",
                                 backward_gqa="split", ptxas="none")
    assert kernel.schedule["gqa"] == "split"
    manifest = kernel.manifest
    d, dq_acc, dk_acc, dv_acc = manifest["scratch"]
    assert dq_acc["shape"] == list(q) and dk_acc["shape"] == list(kv)
    assert dv_acc["shape"] == list(kv)
    assert {dk_acc["dtype"], dv_acc["dtype"]} == {"f32"}
    kernels = manifest["kernels"]
    assert len(kernels) == 5
    uses = [{p.get("buffer") for p in k["params"]} for k in kernels]
    kv_blocks = -(-200 // 128)
    # preprocess, the accumulators' zeroing, main, dQ's conversion, dK's and
    # dV's conversion.
    assert {dk_acc["name"], dv_acc["name"]} <= uses[1]
    assert d["name"] not in uses[1]
    assert kernels[1]["grid"] == [kv_blocks, 1, 1]
    assert kernels[2]["grid"] == [kv_blocks, 4, 1]
    assert {dk_acc["name"], dv_acc["name"]} <= uses[2]
    assert dk_acc["name"] not in uses[3]
    assert {dk_acc["name"], dv_acc["name"]} <= uses[4]
    assert kernels[4]["grid"] == [kv_blocks, 1, 1]
    # With the loop none of it: three kernels, two scratch buffers.
    loop = fa.compile_backward(q, kv, kv, causal=True, kernel="wgmma",
                               backward_gqa="loop", ptxas="none")
    assert len(loop.manifest["kernels"]) == 3
    assert len(loop.manifest["scratch"]) == 2
    assert_scratch_per_stream(kernel, tmp_path)


def test_the_fused_dq_conversion_counts_in_its_own_scratch(tmp_path):
    # The wgmma backward's fused dQ conversion (D120,
    # backward_dq_convert="fused"): one more scratch buffer, the i32
    # counters [B, Hq, q-blocks] the preprocess sets and the main kernel
    # counts down; no convert kernel. Each stream launches the two kernels
    # on its own set; the default keeps the convert kernel.
    q, kv = (1, 4, 200, 64), (1, 1, 200, 64)
    kernel = fa.compile_backward(q, kv, kv, causal=True, kernel="wgmma",
                                 backward_dq_convert="fused", ptxas="none")
    assert kernel.schedule["dq_convert"] == "fused"
    assert "atom.acq_rel.gpu.global.add.s32" in kernel.ptx
    manifest = kernel.manifest
    d, dq_acc, counters = manifest["scratch"]
    assert counters["dtype"] == "i32"
    assert counters["shape"] == [1, 4, -(-200 // kernel.tiling["block_q"])]
    kernels = manifest["kernels"]
    assert len(kernels) == 2
    uses = [{p.get("buffer") for p in k["params"]} for k in kernels]
    assert {counters["name"], dq_acc["name"]} <= uses[0] & uses[1]
    # By default the convert kernel (the loop pinned: backward_gqa="auto"
    # splits this small GQA grid, D122, which adds the split's two kernels).
    default = fa.compile_backward(q, kv, kv, causal=True, kernel="wgmma",
                                  backward_gqa="loop", ptxas="none")
    assert default.schedule["dq_convert"] == "kernel"
    assert len(default.manifest["kernels"]) == 3
    assert_scratch_per_stream(kernel, tmp_path)
