"""The compile side: no GPU needed (runs in check-fa through test/Python)."""

import json
import math
import os
import re
import subprocess

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _config, compiler
from conftest import fa_compile_path, requires_compiler

pytestmark = requires_compiler

Q = (1, 2, 128, 64)


def small(**kw):
    args = dict(dtype="bf16", causal=True, ptxas="none")
    args.update(kw)
    return fa.compile(Q, Q, Q, **args)


def test_kernel_contents():
    k = small()
    assert ".entry" in k.ptx and ".target sm_90a" in k.ptx
    m = k.manifest
    assert m["format"] == "fa-kernel-manifest" and m["arch"] == "sm_90a"
    # q, k, v, o in the order of the generated function; o is the result.
    shapes = [a["shape"] for a in m["arguments"]]
    assert shapes == [list(Q)] * 4
    assert all(a["dtype"] == "bf16" and a["bytes"] == math.prod(Q) * 2
               for a in m["arguments"])
    assert m["results"] == [m["arguments"][3]["name"]]
    assert k.cubin is None  # ptxas='none'


def test_tiling_matches_explanation_and_launch():
    k = small()
    assert set(k.tiling) == {"block_q", "block_kv", "stages", "warps"}
    # The cost model's remark names the same winner...
    win = re.search(r"(\d+)x(\d+), (\d+) stages?, (\d+) warps? wins", k.explain)
    assert win, k.explain
    assert [int(x) for x in win.groups()] == [
        k.tiling["block_q"], k.tiling["block_kv"], k.tiling["stages"], k.tiling["warps"]]
    assert "rejected" in k.explain
    # ...and the launch uses it: one block per (batch, head, query tile).
    grid = k.manifest["kernels"][0]["grid"]
    assert math.prod(grid) == Q[0] * Q[1] * math.ceil(Q[2] / k.tiling["block_q"])
    assert f"block_q = {k.tiling['block_q']}" in k.mlir("tiled")


def test_tiling_override():
    k = small(block_q=32, block_kv=32)
    assert k.tiling["block_q"] == 32 and k.tiling["block_kv"] == 32
    grid = k.manifest["kernels"][0]["grid"]
    assert math.prod(grid) == Q[0] * Q[1] * (Q[2] // 32)
    assert k.tiling != small().tiling


def test_stages():
    k = small()
    assert "fa.attention" in k.mlir("input")
    assert "fa.target" in k.mlir("target")
    # The default kernel here (bf16, no mask, h100) is wgmma: the op stays
    # until convert-fa-to-nvgpu builds the kernel from its buffer form.
    assert "#fa.schedule<kernel = wgmma" in k.mlir("tiled")
    assert "memref" in k.mlir("bufferized")
    assert "gpu.launch" in k.mlir("gpu") and "nvvm.wgmma.mma_async" in k.mlir("gpu")
    # The sm_80 tensor-core kernel: mma.sync on ldmatrix fragments.
    mma = small(kernel="mma-sync")
    assert "nvgpu.ldmatrix" in mma.mlir("gpu")
    assert "gpu.binary" in k.mlir("final")
    # The scalar kernel goes through the tiled form.
    simt = small(kernel="simt")
    assert "scf.forall" in simt.mlir("tiled") and "fa.attention" not in simt.mlir("tiled")
    assert "gpu.launch" in simt.mlir("gpu") and "nvgpu" not in simt.mlir("gpu")
    with pytest.raises(ValueError, match="unknown stage"):
        k.mlir("llvm")


def test_cache_in_memory():
    a = small()
    assert small() is a
    assert small(causal=False) is not a
    assert small(scale=0.5) is not a
    fa.clear_cache()
    assert small() is not a


def test_cache_on_disk(tmp_path, monkeypatch):
    a = small(cache_dir=str(tmp_path))
    assert os.path.exists(a.path) and a.path.startswith(str(tmp_path))
    fa.clear_cache()

    def boom(*args, **kw):
        raise AssertionError("compiled again despite the disk cache")

    monkeypatch.setattr(compiler, "_compile", boom)
    b = small(cache_dir=str(tmp_path))
    assert b is not a and b.ptx == a.ptx and b.manifest == a.manifest
    assert b.tiling == a.tiling and b.explain == a.explain
    with pytest.raises(AssertionError):
        small(causal=False, cache_dir=str(tmp_path))


def test_save_load_roundtrip(tmp_path):
    a = small()
    path = a.save(str(tmp_path), "case")
    assert sorted(os.listdir(tmp_path)) == [
        "case.config.json", "case.json", "case.mlir", "case.ptx"]
    b = fa.load(path)
    assert b.config == a.config and b.ptx == a.ptx and b.tiling == a.tiling
    assert b.schedule == a.schedule and b.shared_memory == a.shared_memory
    assert b.manifest["files"] == {"ptx": "case.ptx"}
    assert [k.name for k in fa.load_dir(str(tmp_path))] == ["case"]


def test_manifest_matches_fa_compile(tmp_path):
    """The C API manifest is fa-compile's: same input, same options."""
    tool = fa_compile_path()
    if tool is None:
        pytest.skip("fa-compile not built")
    k = small()
    src = tmp_path / "in.mlir"
    src.write_text(k.mlir("input"))
    subprocess.run([tool, str(src), "-o", str(tmp_path / "ref"), "--ptxas=none",
                    f"--pipeline-options={fa.pipeline_options(k.config)}"],
                   check=True)
    ref = json.loads((tmp_path / "ref.json").read_text())
    mine = dict(k.manifest, files=ref["files"])
    assert mine == ref
    assert (tmp_path / "ref.ptx").read_text() == k.ptx
    # And load() reads fa-compile's files, its input giving the configuration.
    (tmp_path / "ref.mlir").write_text(k.mlir("input"))
    loaded = fa.load(str(tmp_path / "ref"))
    assert _config.semantic_key(loaded.config) == _config.semantic_key(k.config)


def test_gqa_lse_and_naive():
    k = fa.compile((1, 4, 64, 64), (1, 2, 64, 64), (1, 2, 64, 64), dtype="f16",
                   lse=True, ptxas="none")
    assert [a["shape"] for a in k.manifest["arguments"]][-1] == [1, 4, 64]
    n = fa.compile(Q, Q, Q, dtype="f16", naive=True, ptxas="none")
    assert len(n.manifest["kernels"]) > 1 and n.manifest["scratch"]


def test_error_unknown_target():
    with pytest.raises(fa.CompileError, match="unknown target 'mi300'"):
        small(target="mi300")


def test_error_shapes_from_the_verifier():
    with pytest.raises(fa.CompileError, match="head dimensions differ: 64 vs 32"):
        fa.compile(Q, (1, 2, 128, 32), Q, ptxas="none")
    with pytest.raises(fa.CompileError, match="fa.attention"):
        fa.compile((1, 3, 128, 64), (1, 2, 128, 64), (1, 2, 128, 64), ptxas="none")


def test_error_budget_from_the_cost_model():
    with pytest.raises(fa.CompileError) as e:
        small(sram_per_block=1024)
    assert "1024" in str(e.value) and e.value.diagnostics


def test_error_arguments():
    with pytest.raises(TypeError, match="unsupported dtype"):
        small(dtype="int8")
    with pytest.raises(ValueError, match="4 positive ints"):
        fa.compile((128, 64), Q, Q)
    with pytest.raises(TypeError, match="unknown option 'blockq'"):
        small(blockq=64)
    with pytest.raises(ValueError, match="mask must be"):
        small(mask="float")
    with pytest.raises(ValueError, match="scale"):
        small(scale=-1.0)


def test_attention_rejects_cpu_arrays():
    np = pytest.importorskip("numpy")
    x = np.zeros(Q, dtype=np.float16)
    if hasattr(x, "__dlpack_device__"):  # numpy >= 1.22: DLPack, on the CPU
        with pytest.raises(ValueError, match=r"q is on cpu:0 \(DLPack\)"):
            fa.attention(x, x, x)
    with pytest.raises(TypeError, match="__cuda_array_interface__ or __dlpack__"):
        fa.attention([[1.0]], x, x)


def test_bool_mask_manifest():
    """An i1 mask is an argument of one byte per element (the LLVM
    lowering's storage) and the compiled kernel is fa-compile's."""
    mshape = (1, 1, 128, 96)
    k = fa.compile(Q, (1, 2, 96, 64), (1, 2, 96, 64), dtype="f16", mask="bool",
                   mask_shape=mshape, ptxas="none")
    assert "xi1>" in k.mlir("input")
    m = k.manifest["arguments"][3]
    assert (m["dtype"], m["shape"], m["bytes"]) == ("i1", list(mshape), math.prod(mshape))
    assert m["strides"] == [96 * 128, 96 * 128, 96, 1]
    # Every i1 scalar parameter is 0 or 1 (never a sign-extended -1).
    scalars = [p for kern in k.manifest["kernels"] for p in kern["params"]
               if p["type"] == "i1"]
    assert all(p["value"] in (0, 1) for p in scalars)
    # The default mask shape is [B, Hq, Nq, Nk].
    full = fa.compile(Q, Q, Q, dtype="bf16", mask="bool", ptxas="none")
    assert full.manifest["arguments"][3]["bytes"] == math.prod(Q[:3]) * Q[2]


def test_lse_signature():
    """lse=True: the function takes and returns the f32 [B, Hq, Nq] lse
    after the output; the manifest lists both as results."""
    k = fa.compile((2, 4, 80, 64), (2, 2, 48, 64), (2, 2, 48, 32), dtype="bf16",
                   lse=True, ptxas="none")
    assert re.search(r"-> \(tensor<2x4x80x32xbf16>, tensor<2x4x80xf32>\)",
                     k.mlir("input"))
    args = k.manifest["arguments"]
    assert [(a["dtype"], a["shape"]) for a in args[3:]] == [
        ("bf16", [2, 4, 80, 32]), ("f32", [2, 4, 80])]
    assert args[4]["bytes"] == 2 * 4 * 80 * 4
    assert k.manifest["results"] == [args[3]["name"], args[4]["name"]]
    assert not small().config["lse"] and k.config["lse"]


def test_no_kernel_without_compiler(monkeypatch):
    from flashattn_mlir import _capi, runtime
    monkeypatch.setattr(_capi, "compiler_available", lambda: False)
    cfg = _config.make_config(Q, Q, Q, "bf16", causal=True)
    with pytest.raises(fa.KernelNotFoundError, match="compiler is not available"):
        runtime.find_kernel(cfg)
    # A registered kernel is found without the compiler, whatever its target.
    fa.register(small())
    assert runtime.find_kernel(cfg).config["q_shape"] == list(Q)


def test_capi_target_errors():
    """faGetKernelBinary / faBuildKernelManifest report through the
    diagnostic callback on a module that was not compiled."""
    from flashattn_mlir import _capi
    c = _capi.compiler()
    module = c.parse(small().mlir("input"))
    try:
        with pytest.raises(fa.CompileError) as e:
            c.kernel_binary(module)
        assert "gpu.binary" in e.value.diagnostics
        with pytest.raises(fa.CompileError) as e:
            c.manifest(module)
        assert "error:" in e.value.diagnostics
    finally:
        c.destroy(module)


def test_wgmma_options():
    # The wgmma kernel's options reach fa-to-ptx-pipeline: a producer
    # warpgroup (setmaxnreg) on demand, and the serial kernel by default on
    # this small 64-row tiling.
    assert "setmaxnreg" not in small().ptx
    assert "setmaxnreg.inc" in small(wgmma_release="producer").ptx
    assert "setmaxnreg" not in small(wgmma_release="barrier").ptx
    with pytest.raises(ValueError, match="wgmma_release='fence' is not one of "
                                         "auto, barrier, mbarrier, producer"):
        small(wgmma_release="fence")
    # With the producer the step is the overlapped one (wait_group 1 before
    # the softmax; two kv-blocks make a loop) unless wgmma_schedule says
    # serial; turns need two consumer warpgroups (block_q = 128, 8 warps).
    wait1 = re.compile(r"wait_group\.sync\.aligned\s+1;")
    one = dict(block_q=64, block_kv=64, stages=2, warps=4)
    assert wait1.search(small(wgmma_release="producer", **one).ptx)
    assert not wait1.search(small(wgmma_release="producer",
                                  wgmma_schedule="serial", **one).ptx)
    assert "bar.arrive" not in small(wgmma_release="producer").ptx
    two = small(wgmma_release="producer", block_q=128, block_kv=64,
                stages=2, warps=8)
    assert "bar.arrive" in two.ptx
    assert "bar.arrive" not in small(
        wgmma_release="producer", wgmma_pingpong="off", block_q=128,
        block_kv=64, stages=2, warps=8).ptx
    with pytest.raises(ValueError, match="wgmma_pingpong='yes' is not one of "
                                         "auto, on, off"):
        small(wgmma_pingpong="yes")


def test_mma_masked_steps():
    # Causal: unmasked blocks and the diagonal. split builds the step twice
    # (a second loop for the masked blocks), branch once.
    split = small(kernel="mma-sync", mma_masked_steps="split").ptx
    branch = small(kernel="mma-sync", mma_masked_steps="branch").ptx
    assert branch.count("mma.sync") * 2 == split.count("mma.sync")
    with pytest.raises(ValueError, match="mma_masked_steps='loop' is not one "
                                         "of auto, split, branch"):
        small(kernel="mma-sync", mma_masked_steps="loop")


def test_ptxas_search(tmp_path):
    """ptxas is found by the C++ search fa-compile uses (faFindPtxas); one
    asked for must exist, before anything compiles."""
    from flashattn_mlir import _capi
    c = _capi.compiler()
    assert c.find_ptxas("/bin/sh") == ("/bin/sh", None)
    path, error = c.find_ptxas("", str(tmp_path))
    assert path is None
    assert error == (f"no ptxas in the CUDA toolkit '{tmp_path}' "
                     f"({tmp_path}/bin/ptxas is not an executable file)")
    with pytest.raises(ValueError, match="ptxas '/nonexistent/ptxas' is not an executable file"):
        small(ptxas="/nonexistent/ptxas")


def _printed_schedule(text):
    """The #fa.schedule fields an MLIR text prints (the defaults are not
    printed), as the options spell them."""
    m = re.search(r"#fa\.schedule<([^>]*)>", text)
    return {k.strip(): v.strip().replace("_", "-") for k, v in
            (item.split("=") for item in m.group(1).split(","))}


def test_schedule():
    """Kernel.schedule is the #fa.schedule the pipeline decided and built
    from (its printed fields agree; forced options show), read through the
    C API."""
    keys = {"kernel", "loads", "release", "step", "pingpong", "masked_steps",
            "epilogue", "consumer_regs", "walk", "min_blocks"}
    k = small()
    assert set(k.schedule) == keys
    printed = _printed_schedule(k.mlir("tiled"))
    assert {key: str(k.schedule[key]) for key in printed} == printed
    assert (k.schedule["kernel"], k.schedule["loads"]) == ("wgmma", "tma")
    p = small(wgmma_release="producer", block_q=128, block_kv=64, stages=2,
              warps=8)
    assert (p.schedule["release"], p.schedule["step"], p.schedule["pingpong"]) == (
        "producer", "overlap", True)
    assert p.schedule["consumer_regs"] > 0 and "setmaxnreg.inc" in p.ptx
    assert p.tiling == {"block_q": 128, "block_kv": 64, "stages": 2, "warps": 8}
    m = small(kernel="mma-sync", mma_masked_steps="branch")
    assert (m.schedule["kernel"], m.schedule["masked_steps"]) == ("mma-sync", "branch")
    assert small(kernel="simt").schedule["kernel"] == "simt"
    n = fa.compile(Q, Q, Q, dtype="f16", naive=True, ptxas="none")
    assert n.schedule is None and n.tiling is None and n.shared_memory is None


def test_schedule_says_min_blocks():
    """Kernel.schedule says the mma-sync kernel's min_blocks (D118: the
    resident blocks ptxas fits its registers to, the PTX's .minnctapersm),
    which the C API did not report before D121; 0 for the other kernels."""
    # 128x48x2x4 on the A100 at D = 128: one block an SM by shared memory
    # where its registers would allow two (select-tiling-schedule.mlir).
    shape = (1, 2, 512, 128)
    k = fa.compile(shape, shape, shape, causal=True, target="a100",
                   kernel="mma-sync", block_q=128, block_kv=48, stages=2,
                   warps=4, ptxas="none")
    assert k.schedule["kernel"] == "mma-sync"
    assert k.schedule["min_blocks"] == 1
    assert _printed_schedule(k.mlir("tiled"))["min_blocks"] == "1"
    assert ".minnctapersm 1" in k.ptx
    assert small().schedule["min_blocks"] == 0


def test_schedule_says_the_walk():
    """Kernel.schedule says the walk a block-mask kernel was built with, for
    the forward and the backward (block_mask_walk was not visible from
    Python before D106), and agrees with the PTX: the compacted walk's scan
    is the kernels' only ballot."""
    shape = (1, 2, 1024, 64)
    smem = {}
    for walk in ("dense", "compacted"):
        k = fa.compile(shape, shape, shape, block_mask=(128, 128),
                       block_mask_walk=walk, ptxas="none")
        assert k.schedule["walk"] == walk
        assert ("vote.sync.ballot" in k.ptx) == (walk == "compacted")
        smem[walk] = k.shared_memory["bytes"]
        g = fa.compile_backward(shape, shape, shape, block_mask=(128, 128),
                                block_mask_walk=walk, ptxas="none")
        assert (g.schedule["walk"], g.schedule["in_flight"]) == (walk, "none")
        assert ("vote.sync.ballot" in g.ptx) == (walk == "compacted")
    # The list of 8 kv-blocks and 3 counts takes one 1 KiB atom, which
    # shared_memory counts (it did not before D106).
    assert smem["compacted"] - smem["dense"] == 1024
    assert small().schedule["walk"] == "dense"


def test_shared_memory():
    """Kernel.shared_memory: the cost model's bytes (the scalar kernel's
    launch asks for exactly them) and the target's budget."""
    s = small(kernel="simt")
    assert s.shared_memory["bytes"] == s.manifest["kernels"][0]["shared_bytes"]
    assert s.shared_memory["budget"] == 232448  # the H100's sram_per_block
    k = small(sram_per_block=100000)
    assert k.shared_memory["budget"] == 100000
    assert 0 < k.shared_memory["bytes"] <= 100000


def test_extern_dynamic_shared_memory():
    """compile() declares the dynamic shared memory `.extern` by default,
    after the static mbarriers (docs/decisions.md, D91 and D93);
    extern_dynamic_smem=False gives upstream's static declaration, which
    the wgmma kernels' tiles put over their mbarriers."""
    extern = ".extern .shared .align 16 .b8 __dynamic_shmem__0[];"
    static = re.compile(r"^\s*\.shared \.align 16 \.b8 __dynamic_shmem__0;$",
                        re.M)
    k = small()
    assert extern in k.ptx and not static.search(k.ptx)
    off = small(extern_dynamic_smem=False)
    assert extern not in off.ptx and static.search(off.ptx)
    assert off.manifest["kernels"][0]["shared_bytes"] == \
        k.manifest["kernels"][0]["shared_bytes"]


def test_option_values_checked_before_compiling(monkeypatch):
    """Option names, types and enum values are checked against the
    pipeline's description (the C API) before anything runs."""
    def boom(*args, **kw):
        raise AssertionError("compiled an invalid configuration")

    monkeypatch.setattr(compiler, "_compile", boom)
    with pytest.raises(ValueError, match="kernel='tensor-core' is not one of "
                                         "auto, wgmma, mma-sync, simt"):
        small(kernel="tensor-core")
    with pytest.raises(TypeError, match="sram_per_block must be an integer"):
        small(sram_per_block="a lot")
    with pytest.raises(ValueError, match="opt_level must be at least 0"):
        small(opt_level=-1)
    with pytest.raises(TypeError, match="naive must be True or False"):
        small(naive="yes")
    with pytest.raises(TypeError, match="unknown option 'format'"):
        small(format="bin")
    with pytest.raises(TypeError, match="unknown option 'stop_after'"):
        small(stop_after="gpu")


def test_option_values_come_from_the_compiler():
    """make_config keeps no list of values: it takes the description it is
    given (Compiler.pipeline_options())."""
    from flashattn_mlir import _capi
    described = _capi.compiler().pipeline_options()
    assert described["wgmma-release"]["values"] == [
        "auto", "barrier", "mbarrier", "producer"]
    assert (described["opt-level"]["type"], described["opt-level"]["default"]) == (
        "uint", "3")
    fake = {"wgmma-release": {"type": "enum", "values": ["fence"]},
            "hbm-gbps": {"type": "int", "values": []}}
    cfg = _config.make_config(Q, Q, Q, pipeline=fake, wgmma_release="fence",
                              hbm_gbps=4000)
    assert cfg["options"] == {"wgmma_release": "fence", "hbm_gbps": 4000}
    # Values as a command line gives them are typed first
    # (bench/correctness/python_gpu_check.py), never taken as strings.
    cfg = _config.make_config(Q, Q, Q, pipeline=described, **{
        k: _config.option_from_text(k, v, described)
        for k, v in (("naive", "true"), ("sram_per_block", "49152"))})
    assert cfg["options"] == {"naive": True, "sram_per_block": 49152}
    with pytest.raises(ValueError, match="not one of fence"):
        _config.make_config(Q, Q, Q, pipeline=fake, wgmma_release="auto")
    # Every fa-set-target field reaches compile() (hbm_gbps was not one).
    assert small(hbm_gbps=1000, tensor_tflops=500).config["options"] == {
        "hbm_gbps": 1000, "tensor_tflops": 500}


def test_load_reads_the_input_through_the_capi(tmp_path):
    """A kernel without NAME.config.json takes its configuration from
    NAME.mlir, read by the compiler: masks and the lse included."""
    k = fa.compile(Q, (1, 2, 96, 64), (1, 2, 96, 64), dtype="f16", mask="bool",
                   mask_shape=(1, 1, 128, 96), lse=True, scale=0.25,
                   ptxas="none")
    path = k.save(str(tmp_path), "masked")
    os.remove(tmp_path / "masked.config.json")
    loaded = fa.load(path)
    assert _config.semantic_key(loaded.config) == _config.semantic_key(k.config)
    assert loaded.tiling is None and loaded.schedule is None  # not in the input


def test_caller_strides():
    # The mma-sync kernel's descriptors take their strides from the launch
    # (`stride_of`; docs/GPU.md, "Caller strides"); the wgmma
    # kernel's tensor maps keep the argument's shape and dense strides.
    mma = small(kernel="mma-sync", caller_strides=True)
    strided = [p for kern in mma.manifest["kernels"] for p in kern["params"]
               if "stride_of" in p]
    assert [(p["stride_of"], p["dim"]) for p in strided] == [
        (f"arg{i}", d) for i in range(4) for d in range(4)]
    assert all(p["type"] == "i64" for p in strided)
    assert mma.ptx != small(kernel="mma-sync").ptx
    maps = [p for p in small(caller_strides=True).manifest["kernels"][0]["params"]
            if p["type"] == "tensormap"]
    assert [m["strides"] for m in maps] == [[16384, 8192, 64, 1]] * 4
    # The SIMT kernel refuses (it addresses its operands densely).
    with pytest.raises(fa.CompileError, match="the SIMT kernel cannot read "
                                              "the caller's strides"):
        small(kernel="simt", caller_strides=True)
