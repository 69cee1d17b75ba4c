"""attention()'s checks and launch arguments without a GPU: inputs exposing
__cuda_array_interface__ (fake device pointers) and a fake runtime that
records what would be launched."""

import pytest

import flashattn_mlir as fa
from flashattn_mlir import runtime
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
        self.loads, self.launches = [], []

    def init(self, ordinal):
        pass

    def load(self, manifest, prefer_cubin=True):
        self.loads.append(manifest)
        return len(self.loads)

    def launch(self, handle, buffers, stream):
        self.launches.append((handle, buffers, stream))


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


def test_bottom_right_causal(fake):
    q, kv, o = Arr((1, 2, 16, 64)), Arr((1, 2, 48, 64)), Arr((1, 2, 16, 64))
    fa.attention(q, kv, kv, causal="bottom_right", out=o)
    kernel, = fa.registered()
    assert kernel.config["causal"] and "causal" in kernel.mlir("input")
