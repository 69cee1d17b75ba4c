"""attention()'s checks and launch arguments without a GPU: inputs exposing
__cuda_array_interface__ (fake device pointers) and a fake runtime that
records what would be launched. DLPack inputs are capsules built here
over fake device pointers."""

import ctypes

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _dlpack, runtime
from conftest import requires_compiler

pytestmark = requires_compiler


class Arr:
    """A device array as __cuda_array_interface__ describes it."""
    next_ptr = 0x10000

    def __init__(self, shape, typestr="<f2", strides=None):
        self.ptr = Arr.next_ptr
        Arr.next_ptr += 0x100000
        self.__cuda_array_interface__ = {
            "shape": tuple(shape), "typestr": typestr, "data": (self.ptr, False),
            "strides": strides, "version": 3}


class FakeRuntime:
    def __init__(self):
        self.loads, self.launches, self.strides = [], [], []

    def init(self, ordinal):
        pass

    def load(self, manifest, prefer_cubin=True):
        self.loads.append(manifest)
        return len(self.loads)

    def launch(self, handle, buffers, stream, strides=None):
        self.launches.append((handle, buffers, stream))
        self.strides.append(strides)


@pytest.fixture
def fake(monkeypatch):
    rt = FakeRuntime()
    monkeypatch.setattr(runtime, "_runtime", rt)
    return rt


def test_launch_arguments(fake):
    q, k, v, o = Arr((1, 4, 64, 64)), Arr((1, 2, 64, 64)), Arr((1, 2, 64, 64)), \
        Arr((1, 4, 64, 64))
    assert fa.attention(q, k, v, causal=True, out=o) is o
    (handle, buffers, stream), = fake.launches
    assert buffers == [(q.ptr, 4 * 64 * 64 * 2), (k.ptr, 2 * 64 * 64 * 2),
                       (v.ptr, 2 * 64 * 64 * 2), (o.ptr, 4 * 64 * 64 * 2)]
    kernel, = fa.registered()
    assert kernel.config["causal"] and kernel.config["k_shape"] == [1, 2, 64, 64]
    # The manifest agrees with the buffers passed.
    assert [a["bytes"] for a in kernel.manifest["arguments"]] == [b for _, b in buffers]
    # Compiled once, loaded once: the second call reuses both.
    fa.attention(q, k, v, causal=True, out=o)
    assert len(fake.loads) == 1 and len(fake.launches) == 2


def test_bad_calls_raise_before_launch(fake):
    q = Arr((1, 2, 64, 64))
    o = Arr((1, 2, 64, 64))
    cases = [
        (lambda: fa.attention(q, q, q), TypeError, "out="),
        (lambda: fa.attention(q, Arr((1, 2, 64, 64), "<f4"), q, out=o), TypeError, "differ"),
        (lambda: fa.attention(q, q, q, out=Arr((1, 2, 64, 32))), ValueError, "out must be"),
        (lambda: fa.attention(Arr((1, 2, 64, 64), "<f8"), q, q, out=o), TypeError, "typestr"),
        (lambda: fa.attention(Arr((1, 2, 64, 64), strides=(16384, 8192, 2, 128)), q, q,
                              out=o), ValueError, "not C-contiguous"),
        (lambda: fa.attention(Arr((2, 64, 64)), q, q, out=o), ValueError, "4-D"),
        (lambda: fa.attention(q, Arr((1, 2, 32, 64)), Arr((1, 2, 32, 64)), causal=True,
                              out=o), ValueError, "top-left"),
        (lambda: fa.attention(Arr((1, 3, 64, 64)), q, q, out=Arr((1, 3, 64, 64))),
         ValueError, "multiple of Hkv"),
        (lambda: fa.attention(q, q, q, causal="top_left", out=o), ValueError, "causal"),
        (lambda: fa.attention(q, q, q, out=o, kernel=fa.compile(
            (1, 2, 64, 64), (1, 2, 64, 64), (1, 2, 64, 64), dtype="f16", causal=True,
            ptxas="none")), ValueError, "compiled for"),
    ]
    for call, exc, text in cases:
        with pytest.raises(exc, match=text):
            call()
    assert fake.launches == []


def test_tensor_map_buffers_must_be_16_byte_aligned(fake):
    # The sm_90a kernel (the default target, h100) moves q, k, v and out
    # with TMA.
    q, o = Arr((1, 2, 64, 64)), Arr((1, 2, 64, 64))
    kernel = fa.compile((1, 2, 64, 64), (1, 2, 64, 64), (1, 2, 64, 64), dtype="f16",
                        ptxas="none")
    maps = [p["buffer"] for p in kernel.manifest["kernels"][0]["params"]
            if p["type"] == "tensormap"]
    assert maps == ["arg0", "arg1", "arg2", "arg3"]
    for name, args in (("out", lambda m: (q, q, q, m)), ("k", lambda m: (q, m, q, o))):
        bad = Arr((1, 2, 64, 64))
        bad.__cuda_array_interface__["data"] = (bad.ptr + 2, False)
        qq, kk, vv, oo = args(bad)
        with pytest.raises(ValueError, match=f"{name} .* is not 16-byte aligned"):
            fa.attention(qq, kk, vv, out=oo, kernel=kernel)
    assert fake.launches == []
    fa.attention(q, q, q, out=o, kernel=kernel)
    assert len(fake.launches) == 1


def test_cp_async_buffers_must_be_16_byte_aligned(fake):
    # The sm_80 kernel reads q, k and v with 16-byte cp.async copies (the
    # manifest's "align"); its out may be unaligned (the epilogue checks).
    q, o = Arr((1, 2, 64, 64)), Arr((1, 2, 64, 64))
    kernel = fa.compile((1, 2, 64, 64), (1, 2, 64, 64), (1, 2, 64, 64), dtype="f16",
                        target="a100", ptxas="none")
    assert [a.get("align", 1) for a in kernel.manifest["arguments"]] == [16, 16, 16, 1]
    bad = Arr((1, 2, 64, 64))
    bad.__cuda_array_interface__["data"] = (bad.ptr + 2, False)
    with pytest.raises(ValueError, match="v .* is not 16-byte aligned.*aligned loads"):
        fa.attention(q, q, bad, out=o, kernel=kernel)
    assert fake.launches == []
    fa.attention(q, q, q, out=bad, kernel=kernel)
    assert len(fake.launches) == 1


def test_bottom_right_causal(fake):
    q, kv, o = Arr((1, 2, 16, 64)), Arr((1, 2, 48, 64)), Arr((1, 2, 16, 64))
    fa.attention(q, kv, kv, causal="bottom_right", out=o)
    kernel, = fa.registered()
    assert kernel.config["causal"] and "causal" in kernel.mlir("input")


def test_bool_mask_arguments(fake):
    q, o = Arr((1, 2, 64, 64)), Arr((1, 2, 64, 64))
    kv = Arr((1, 2, 80, 64))
    m = Arr((1, 1, 64, 80), "|b1")
    fa.attention(q, kv, kv, attn_mask=m, out=o)
    (_, buffers, _), = fake.launches
    # q, k, v, the mask (one byte per element), out.
    assert buffers[3] == (m.ptr, 64 * 80) and buffers[4][0] == o.ptr
    kernel, = fa.registered()
    assert kernel.config["mask"] == {"kind": "bool", "shape": [1, 1, 64, 80]}
    assert [a["bytes"] for a in kernel.manifest["arguments"]] == [b for _, b in buffers]
    with pytest.raises(TypeError, match="typestr '|u1'"):
        fa.attention(q, kv, kv, attn_mask=Arr((1, 1, 64, 80), "|u1"), out=o)
    with pytest.raises(ValueError, match="does not broadcast"):
        fa.attention(q, kv, kv, attn_mask=Arr((1, 1, 64, 64), "|b1"), out=o)
    with pytest.raises(TypeError, match="float attn_mask must have q's dtype"):
        fa.attention(q, kv, kv, attn_mask=Arr((1, 1, 64, 80), "<f4"), out=o)
    assert len(fake.launches) == 1


def test_return_lse(fake):
    q, kv, o = Arr((1, 4, 32, 64)), Arr((1, 2, 48, 64)), Arr((1, 4, 32, 64))
    lse = Arr((1, 4, 32), "<f4")
    assert fa.attention(q, kv, kv, causal="bottom_right", out=o, return_lse=True,
                        lse_out=lse) == (o, lse)
    (_, buffers, _), = fake.launches
    assert buffers[3:] == [(o.ptr, 4 * 32 * 64 * 2), (lse.ptr, 4 * 32 * 4)]
    kernel, = fa.registered()
    assert kernel.config["lse"]
    assert [a["bytes"] for a in kernel.manifest["arguments"]] == [b for _, b in buffers]
    # Without return_lse the call needs (and compiles) the kernel without lse.
    fa.attention(q, kv, kv, causal="bottom_right", out=o)
    assert len(fake.launches[1][1]) == 4 and len(fa.registered()) == 2
    cases = [
        (dict(return_lse=True), TypeError, "pass lse_out="),
        (dict(lse_out=lse), ValueError, "needs return_lse=True"),
        (dict(return_lse=True, lse_out=Arr((1, 4, 32), "<f2")), TypeError, "lse_out has dtype f16"),
        (dict(return_lse=True, lse_out=Arr((1, 4, 33), "<f4")), ValueError, "lse_out must be"),
        (dict(return_lse=1), TypeError, "return_lse must be True or False"),
    ]
    for kw, exc, text in cases:
        with pytest.raises(exc, match=text):
            fa.attention(q, kv, kv, causal="bottom_right", out=o, **kw)
    assert len(fake.launches) == 2


class DL:
    """A device array seen only through DLPack: __dlpack_device__ and a
    'dltensor' capsule over a DLTensor built here (fake device pointer)."""
    next_ptr = 0x7f0000000000

    def __init__(self, shape, dtype=(2, 16, 1), device=(2, 0), strides=None,
                 byte_offset=0, capsule_device=None):
        self.ptr = DL.next_ptr
        DL.next_ptr += 0x1000000
        n = len(shape)
        self._shape = (ctypes.c_int64 * n)(*shape)
        self._strides = (ctypes.c_int64 * n)(*strides) if strides else None
        self._tensor = _dlpack.DLTensor(
            self.ptr, _dlpack.DLDevice(*(capsule_device or device)), n,
            _dlpack.DLDataType(*dtype), self._shape,
            self._strides if strides else None, byte_offset)
        self.device, self.streams = device, []

    def __dlpack_device__(self):
        return self.device

    def __dlpack__(self, stream=None):
        self.streams.append(stream)
        new = ctypes.pythonapi.PyCapsule_New
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        return new(ctypes.addressof(self._tensor), b"dltensor", None)


def test_dlpack_arguments(fake):
    q, k, v = DL((1, 2, 64, 64)), DL((1, 2, 64, 64), byte_offset=256), DL((1, 2, 64, 64))
    o = DL((1, 2, 64, 64), strides=(8192, 4096, 64, 1))  # explicit row-major
    # A bool mask whose size-1 dimensions carry arbitrary strides.
    m = DL((1, 1, 64, 64), dtype=(6, 8, 1), strides=(7, 3, 64, 1))
    assert fa.attention(q, k, v, attn_mask=m, out=o) is o
    (_, buffers, stream), = fake.launches
    n = 2 * 64 * 64 * 2
    assert buffers == [(q.ptr, n), (k.ptr + 256, n), (v.ptr, n), (m.ptr, 64 * 64),
                       (o.ptr, n)]
    # Not torch: the legacy default stream, which DLPack spells 1.
    assert stream == 0 and q.streams == [1] and m.streams == [1]
    kernel, = fa.registered()
    assert kernel.config["dtype"] == "f16" and kernel.config["mask"]["kind"] == "bool"
    # Capsules themselves (torch.utils.dlpack.to_dlpack's), read in place.
    fa.attention(q.__dlpack__(), k.__dlpack__(), v, attn_mask=m.__dlpack__(), out=o)
    assert fake.launches[1][1] == buffers


def test_dlpack_bad_inputs(fake):
    q, o = DL((1, 2, 64, 64)), DL((1, 2, 64, 64))
    cases = [
        (DL((1, 2, 64, 64), device=(1, 0)), ValueError, r"q is on cpu:0 \(DLPack\)"),
        (DL((1, 2, 64, 64), device=(10, 1)), ValueError, "q is on rocm:1"),
        (DL((1, 2, 64, 64), device=(13, 0)), ValueError, "cuda_managed:0"),
        (DL((1, 2, 64, 64), capsule_device=(2, 1)), ValueError, "__dlpack__ describes cuda:1"),
        (DL((1, 2, 64, 64), dtype=(0, 32, 1)), TypeError, "DLPack dtype int32"),
        (DL((1, 2, 64, 64), dtype=(2, 16, 2)), TypeError, "float16x2"),
        (DL((1, 2, 64, 64), strides=(8192, 4096, 1, 64)), ValueError, "not C-contiguous"),
    ]
    for bad, exc, text in cases:
        with pytest.raises(exc, match=text):
            fa.attention(bad, q, q, out=o)
    # A CPU producer is refused before __dlpack__ is asked for a capsule.
    cpu = DL((1, 2, 64, 64), device=(1, 0))
    with pytest.raises(ValueError):
        fa.attention(cpu, q, q, out=o)
    assert cpu.streams == []
    with pytest.raises(ValueError, match="different devices"):
        fa.attention(q, DL((1, 2, 64, 64), device=(2, 1), capsule_device=(2, 1)), q,
                     out=o)
    with pytest.raises(TypeError, match="pass out="):
        fa.attention(q, q, q)
    with pytest.raises(ValueError, match=r"q is on cpu:0 \(DLPack\)"):
        fa.attention(cpu.__dlpack__(), q, q, out=o)  # `cpu` owns the DLTensor
    np = pytest.importorskip("numpy")
    x = np.zeros((1, 2, 64, 64), dtype=np.float16)
    if hasattr(x, "__dlpack__"):
        with pytest.raises(ValueError, match="k is on cpu:0"):
            fa.attention(q, x.__dlpack__(), q, out=o)
    assert fake.launches == []
