"""attention(): runs compiled kernels on CUDA tensors through runtime/
(libfa_runtime.so, CUDA driver API). Needs neither LLVM nor the compiler:
on a GPU machine without them, kernels come from load_dir()."""

import ctypes
import math
import os
import tempfile

from . import _capi
from ._paths import find_library
from .compiler import compile as _compile
from .compiler import make_config, semantic_key
from .kernel import _registry, load_dir, register


class KernelNotFoundError(LookupError):
    """No compiled kernel matches the call, and the compiler is not here."""


class Runtime:
    """ctypes view of runtime/include/fa/runtime.h."""

    def __init__(self, path=None):
        path = path or find_library("libfa_runtime.so", "FA_RUNTIME_LIB")
        if path is None:
            raise RuntimeError("libfa_runtime.so not found: set FA_RUNTIME_LIB "
                               "(docs/GPU.md says how to build it)")
        lib = ctypes.CDLL(path)
        lib.faRtGetLastError.restype = ctypes.c_char_p
        lib.faRtDeviceName.restype = ctypes.c_char_p
        lib.faRtLoad.restype = ctypes.c_void_p
        lib.faRtLoad.argtypes = [ctypes.c_char_p, ctypes.c_int]
        lib.faRtUnload.argtypes = [ctypes.c_void_p]
        lib.faRtLoadedFormat.restype = ctypes.c_char_p
        lib.faRtLoadedFormat.argtypes = [ctypes.c_void_p]
        lib.faRtNumArguments.argtypes = [ctypes.c_void_p]
        lib.faRtArgumentBytes.restype = ctypes.c_int64
        lib.faRtArgumentBytes.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.faRtLaunch.argtypes = [ctypes.c_void_p,
                                   ctypes.POINTER(ctypes.c_uint64),
                                   ctypes.c_int, ctypes.c_void_p]
        self.lib, self.path, self.ordinal = lib, path, None

    def _check(self, rc, what):
        if rc != 0:
            raise RuntimeError(f"{what}: {self.lib.faRtGetLastError().decode()}")

    def init(self, ordinal):
        if self.ordinal is None:
            self._check(self.lib.faRtInit(ordinal), "faRtInit")
            self.ordinal = ordinal
        elif ordinal != self.ordinal:
            raise ValueError(f"the runtime runs on cuda:{self.ordinal}; these "
                             f"tensors are on cuda:{ordinal} (one device per process)")

    def load(self, manifest, prefer_cubin=True):
        handle = self.lib.faRtLoad(manifest.encode(), int(prefer_cubin))
        if not handle:
            raise RuntimeError(f"faRtLoad({manifest}): "
                               f"{self.lib.faRtGetLastError().decode()}")
        return handle

    def launch(self, handle, buffers, stream):
        """`buffers`: (pointer, bytes) per manifest argument, in order."""
        n = self.lib.faRtNumArguments(handle)
        if n != len(buffers):
            raise ValueError(f"the kernel takes {n} buffers, got {len(buffers)}")
        for i, (_, nbytes) in enumerate(buffers):
            want = self.lib.faRtArgumentBytes(handle, i)
            if want != nbytes:
                raise ValueError(f"buffer {i}: {nbytes} bytes, the kernel wants {want}")
        ptrs = (ctypes.c_uint64 * n)(*[p for p, _ in buffers])
        self._check(self.lib.faRtLaunch(handle, ptrs, n, ctypes.c_void_p(stream)),
                    "faRtLaunch")


_runtime = None


def runtime():
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


_TORCH_DTYPES = {"torch.bfloat16": "bf16", "torch.float16": "f16",
                 "torch.float32": "f32"}
_TYPESTR = {"<f2": "f16", "<f4": "f32"}
_SIZES = {"bf16": 2, "f16": 2, "f32": 4}


class _Buf:
    """What attention() needs of one tensor."""

    def __init__(self, name, x):
        self.obj = x
        mod = type(x).__module__
        if mod.startswith("torch"):
            self.torch = True
            if not x.is_cuda:
                raise ValueError(f"{name} is on {x.device}; attention() needs "
                                 "CUDA tensors")
            if str(x.dtype) not in _TORCH_DTYPES:
                raise TypeError(f"{name} has dtype {x.dtype}; supported: "
                                "bfloat16, float16, float32")
            self.dtype = _TORCH_DTYPES[str(x.dtype)]
            self.shape = tuple(x.shape)
            self.device = x.device.index if x.device.index is not None else 0
            if not x.is_contiguous():
                raise ValueError(f"{name} is not contiguous (strides "
                                 f"{tuple(x.stride())}); pass {name}.contiguous()")
            self.ptr = x.data_ptr()
            return
        iface = getattr(x, "__cuda_array_interface__", None)
        if iface is None:
            raise TypeError(f"{name} is a {type(x).__name__}: pass a torch CUDA "
                            "tensor or an object with __cuda_array_interface__")
        self.torch = False
        if iface["typestr"] not in _TYPESTR:
            raise TypeError(f"{name} has typestr {iface['typestr']!r}; supported "
                            "through __cuda_array_interface__: <f2, <f4")
        self.dtype = _TYPESTR[iface["typestr"]]
        self.shape = tuple(iface["shape"])
        strides = iface.get("strides")
        if strides is not None:
            want, acc = [], _SIZES[self.dtype]
            for d in reversed(self.shape):
                want.insert(0, acc)
                acc *= d
            if tuple(strides) != tuple(want):
                raise ValueError(f"{name} is not C-contiguous (strides {strides})")
        if iface.get("mask") is not None:
            raise ValueError(f"{name} is a masked array")
        self.device = None
        self.ptr = iface["data"][0]

    @property
    def nbytes(self):
        return math.prod(self.shape) * _SIZES[self.dtype]


_kernel_dirs_loaded = False


def _load_env_dirs():
    global _kernel_dirs_loaded
    if _kernel_dirs_loaded:
        return
    _kernel_dirs_loaded = True
    for d in filter(None, os.environ.get("FLASHATTN_MLIR_KERNELS", "").split(os.pathsep)):
        load_dir(d)


def find_kernel(config, target=None):
    """The kernel attention() would run for `config`: a registered one
    (load_dir, register, $FLASHATTN_MLIR_KERNELS), else compiled now where
    the compiler is available, else KernelNotFoundError."""
    _load_env_dirs()
    key = semantic_key(config)
    if key in _registry:
        return _registry[key]
    if not _capi.compiler_available():
        have = "\n  ".join(repr(k) for k in _registry.values()) or "(none)"
        raise KernelNotFoundError(
            "no compiled kernel for dtype={dtype} q={q_shape} k={k_shape} "
            "v={v_shape} causal={causal} scale={scale} mask={mask} and the "
            "compiler is not available here (libFlashAttn-C.so); compile it on "
            "the build machine and load_dir() it. Registered kernels:\n  ".format(**config)
            + have)
    c = config
    kernel = _compile(c["q_shape"], c["k_shape"], c["v_shape"], c["dtype"],
                      c["causal"], c["scale"],
                      mask=c["mask"]["kind"] if c["mask"] else None,
                      mask_shape=c["mask"]["shape"] if c["mask"] else None,
                      lse=c["lse"],
                      target=target or os.environ.get("FLASHATTN_MLIR_TARGET", "h100"))
    register(kernel)
    return kernel


def attention(q, k, v, causal=False, scale=None, kernel=None, attn_mask=None,
              out=None, target=None):
    """softmax(q k^T * scale [+ mask]) v on the GPU, with the meaning of
    torch.nn.functional.scaled_dot_product_attention(q, k, v,
    attn_mask=attn_mask, is_causal=causal, scale=scale, enable_gqa=True):

    * q: [B, Hq, Nq, D], k: [B, Hkv, Nk, D], v: [B, Hkv, Nk, Dv], Hq a
      multiple of Hkv; contiguous, on one CUDA device, one dtype (bf16, f16,
      f32). Returns (or writes into `out`) [B, Hq, Nq, Dv].
    * scale: default 1/sqrt(D).
    * causal=True is torch's is_causal, which is top-left aligned; for Nq
      != Nk it is refused. causal='bottom_right' is fa.attention's own mask
      (query i sees key j iff j <= i + Nk - Nq, FlashAttention-2's).
    * attn_mask: bool (True keeps) or an additive bias of q's dtype,
      broadcastable to [B, Hq, Nq, Nk] with 4 dimensions.
    * A query row that sees no key gives 0 (torch gives NaN).

    No autograd. Errors (wrong device, dtype, shape, strides, no kernel)
    raise ValueError/TypeError/KernelNotFoundError before anything runs.
    """
    bq, bk, bv = _Buf("q", q), _Buf("k", k), _Buf("v", v)
    for b in (bq, bk, bv):
        if len(b.shape) != 4:
            raise ValueError(f"q, k, v must be 4-D [B, H, N, D]; got shapes "
                             f"{bq.shape}, {bk.shape}, {bv.shape}")
    if not (bq.dtype == bk.dtype == bv.dtype):
        raise TypeError(f"q, k, v dtypes differ: {bq.dtype}, {bk.dtype}, {bv.dtype}")
    (B, Hq, Nq, D), (Bk, Hkv, Nk, Dk), (Bv, Hv, Nv, Dv) = bq.shape, bk.shape, bv.shape
    if not (B == Bk == Bv and Hkv == Hv and Nk == Nv and D == Dk
            and Hkv > 0 and Hq % Hkv == 0):
        raise ValueError(f"incompatible shapes q={bq.shape} k={bk.shape} "
                         f"v={bv.shape}: need q [B, Hq, Nq, D], k [B, Hkv, Nk, D], "
                         "v [B, Hkv, Nk, Dv] with Hq a multiple of Hkv")
    devices = {b.device for b in (bq, bk, bv)}
    if len(devices) != 1:
        raise ValueError(f"q, k, v are on different devices: {sorted(map(str, devices))}")
    if causal not in (False, True, "bottom_right"):
        raise ValueError(f"causal must be False, True or 'bottom_right', got {causal!r}")
    if causal is True and Nq != Nk:
        raise ValueError(
            f"causal=True with Nq={Nq} != Nk={Nk}: torch's is_causal is top-left "
            "aligned, fa.attention's causal mask is bottom-right aligned; pass "
            "causal='bottom_right' for the latter")
    if causal and attn_mask is not None:
        raise ValueError("pass either attn_mask or causal, as with torch SDPA")
    mask, mask_shape, bm = None, None, None
    if attn_mask is not None:
        if type(attn_mask).__module__.startswith("torch") and str(attn_mask.dtype) == "torch.bool":
            if not attn_mask.is_cuda or not attn_mask.is_contiguous() or attn_mask.dim() != 4:
                raise ValueError("a bool attn_mask must be a contiguous 4-D CUDA tensor")
            mask, mask_shape = "bool", tuple(attn_mask.shape)
            bm = (attn_mask.data_ptr(), attn_mask.numel())
        else:
            m = _Buf("attn_mask", attn_mask)
            if m.dtype != bq.dtype or len(m.shape) != 4:
                raise ValueError("a float attn_mask must be 4-D and of q's dtype")
            mask, mask_shape, bm = "bias", m.shape, (m.ptr, m.nbytes)
        if any(s not in (1, w) for s, w in zip(mask_shape, (B, Hq, Nq, Nk))):
            raise ValueError(f"attn_mask {mask_shape} does not broadcast to "
                             f"{(B, Hq, Nq, Nk)}")
    config = make_config(bq.shape, bk.shape, bv.shape, bq.dtype, bool(causal),
                         scale, mask=mask, mask_shape=mask_shape)
    if kernel is None:
        kernel = find_kernel(config, target)
    elif kernel.config is None or semantic_key(kernel.config) != semantic_key(config):
        raise ValueError(f"kernel {kernel.name} was compiled for "
                         f"{kernel.config and semantic_key(kernel.config)}; this call "
                         f"needs {semantic_key(config)}")

    if out is None:
        if not bq.torch:
            raise TypeError("pass out= for inputs that are not torch tensors")
        import torch
        out = torch.empty((B, Hq, Nq, Dv), dtype=q.dtype, device=q.device)
    bo = _Buf("out", out)
    if bo.shape != (B, Hq, Nq, Dv) or bo.dtype != bq.dtype or bo.device != bq.device:
        raise ValueError(f"out must be {(B, Hq, Nq, Dv)} {bq.dtype} on q's device, "
                         f"got {bo.shape} {bo.dtype}")
    buffers = [(bq.ptr, bq.nbytes), (bk.ptr, bk.nbytes), (bv.ptr, bv.nbytes)]
    if bm is not None:
        buffers.append(bm)
    buffers.append((bo.ptr, bo.nbytes))

    stream = 0
    ordinal = bq.device or 0
    if bq.torch:
        import torch
        stream = torch.cuda.current_stream(q.device).cuda_stream
    rt = runtime()
    rt.init(ordinal)
    handle = kernel._loaded.get(ordinal)
    if handle is None:
        if kernel.path is None:
            kernel.save(tempfile.mkdtemp(prefix="flashattn-mlir-"))
        handle = rt.load(kernel.path, prefer_cubin=True)
        kernel._loaded[ordinal] = handle
    rt.launch(handle, buffers, stream)
    return out
