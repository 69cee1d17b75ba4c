"""The runtime on the fake CUDA driver: libfa_runtime_fake.so (unittests/
FakeCudaDriverC.cpp; $FA_RUNTIME_FAKE_LIB, default build/lib/) is runtime/
linked against unittests/FakeCudaDriver.cpp, so the package's real launch
path (the launch plans, ctypes into faRtLoad and faRtLaunch, the tensor
maps) runs on CPU tensors without a GPU. Nothing is computed: the fake
records each launch's parameters. Used by test_fake_driver.py and by
`bench/benchmark/overhead.py fake`; imports neither pytest nor the tests.
"""

import ctypes
import json
import os

from flashattn_mlir import runtime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The bytes of each manifest parameter type (runtime/lib/Runtime.cpp's
# paramSize): the fake cannot read a kernel's signature from a cubin.
PARAM_BYTES = {"ptr": 8, "tensormap": 8, "i64": 8, "f64": 8, "i32": 4, "f32": 4,
               "i16": 2, "f16": 2, "bf16": 2, "i8": 1, "i1": 1}


def library_path():
    """The fake runtime library, or None where it was not built."""
    path = os.environ.get("FA_RUNTIME_FAKE_LIB") or os.path.join(
        ROOT, "build", "lib", "libfa_runtime_fake.so")
    return path if os.path.exists(path) else None


class OnCuda:
    """`t` as _Buf._from_torch sees a CUDA tensor."""
    is_cuda = True

    def __init__(self, t):
        self._t = t

    def __getattr__(self, name):
        return getattr(self._t, name)


class FakeDriverRuntime(runtime.Runtime):
    """runtime.Runtime over the fake driver: loading a manifest first tells
    the fake its kernels' parameter sizes."""

    def __init__(self, path):
        super().__init__(path)
        lib = self.lib
        lib.faFakeDefineKernel.argtypes = [ctypes.c_char_p,
                                           ctypes.POINTER(ctypes.c_int64),
                                           ctypes.c_int]
        lib.faFakeNumLaunches.restype = ctypes.c_int64
        lib.faFakeNumEncodes.restype = ctypes.c_int64
        lib.faFakeLaunchKernel.restype = ctypes.c_char_p
        lib.faFakeLaunchKernel.argtypes = [ctypes.c_int64]
        lib.faFakeLaunchParams.argtypes = [ctypes.c_int64,
                                           ctypes.POINTER(ctypes.c_uint64),
                                           ctypes.c_int]

    def load(self, manifest, prefer_cubin=True):
        with open(manifest) as f:
            kernels = json.load(f)["kernels"]
        for k in kernels:
            sizes = [PARAM_BYTES[p["type"]] for p in k["params"]]
            self.lib.faFakeDefineKernel(k["name"].encode(),
                                        (ctypes.c_int64 * len(sizes))(*sizes),
                                        len(sizes))
        return super().load(manifest, prefer_cubin)

    def num_launches(self):
        return self.lib.faFakeNumLaunches()

    def num_encodes(self):
        return self.lib.faFakeNumEncodes()

    def launch(self, index):
        """(kernel name, parameter values) of recorded launch `index`."""
        n = self.lib.faFakeLaunchParams(index, None, 0)
        values = (ctypes.c_uint64 * n)()
        self.lib.faFakeLaunchParams(index, values, n)
        return self.lib.faFakeLaunchKernel(index).decode(), list(values[:n])

    def forget(self):
        """Drops the records (a long loop's memory stays flat)."""
        self.lib.faFakeForget()


def install(path=None):
    """Makes attention() run on CPU tensors through the fake driver; returns
    (the FakeDriverRuntime, a function that undoes it)."""
    rt = FakeDriverRuntime(path or library_path())
    rt.forget()  # the fake is one per process: earlier launches are not ours
    real_from_torch, real_runtime = runtime._Buf._from_torch, runtime._runtime

    def from_torch(self, name, x):
        return real_from_torch(self, name, OnCuda(x))

    runtime._Buf._from_torch = from_torch
    runtime._runtime = rt

    def undo():
        runtime._Buf._from_torch = real_from_torch
        runtime._runtime = real_runtime

    return rt, undo
