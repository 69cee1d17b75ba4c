"""attention(): runs compiled kernels on CUDA tensors through runtime/
(libfa_runtime.so, CUDA driver API). Needs neither LLVM nor the compiler:
on a GPU machine without them, kernels come from load_dir()."""

import ctypes
import functools
import math
import os
import struct
import tempfile

from . import _capi, _checks, _dlpack
from ._paths import find_library
from ._config import make_config, semantic_key
from .backward import compile_backward, make_grad_config
from .compiler import compile as _compile
from .kernel import Kernel, _registry, load_dir, register


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
        lib.faRtNumKernels.argtypes = [ctypes.c_void_p]
        # The device pointers go as the bytes of a uint64_t array
        # (_packer): no ctypes array to build per launch.
        lib.faRtLaunch.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                   ctypes.c_int, ctypes.c_void_p]
        self._launch = lib.faRtLaunch
        # The strides go as a packed array of pointers (_pack_strides). A
        # library built before D128 has no faRtLaunchStrided: its strided
        # launches fail, naming it.
        self._launch_strided = getattr(lib, "faRtLaunchStrided", None)
        if self._launch_strided is not None:
            self._launch_strided.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                             ctypes.c_void_p, ctypes.c_int,
                                             ctypes.c_void_p]
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

    def argument_bytes(self, handle):
        """The bytes of each manifest argument of a loaded module."""
        return [self.lib.faRtArgumentBytes(handle, i)
                for i in range(self.lib.faRtNumArguments(handle))]

    def launch(self, handle, buffers, stream, strides=None):
        """`buffers`: (pointer, bytes) per manifest argument, in order;
        `strides`: None, or per argument None (dense) or its strides in
        elements (faRtLaunchStrided)."""
        want = self.argument_bytes(handle)
        if len(want) != len(buffers):
            raise ValueError(f"the kernel takes {len(want)} buffers, got {len(buffers)}")
        for i, ((_, nbytes), w) in enumerate(zip(buffers, want)):
            if w != nbytes:
                raise ValueError(f"buffer {i}: {nbytes} bytes, the kernel wants {w}")
        self.launch_pointers(handle, [p for p, _ in buffers], stream, strides)

    def launch_pointers(self, handle, pointers, stream, strides=None):
        """The launch itself: one device pointer per argument, sizes already
        checked (attention()'s launch plans check them once per shape)."""
        n = len(pointers)
        if strides is not None:
            if self._launch_strided is None:
                raise RuntimeError(f"{self.path} has no faRtLaunchStrided (built "
                                   "before D128): rebuild it for strided tensors")
            packed = _pack_strides(tuple(strides))
            if self._launch_strided(handle, _packer(n)(*pointers), packed[0], n,
                                    stream):
                self._check(1, "faRtLaunchStrided")
        elif self._launch(handle, _packer(n)(*pointers), n, stream):
            self._check(1, "faRtLaunch")

    def launch_tensors(self, handle, tensors, pointers, stream, strides=None):
        """launch_pointers for torch tensors (`pointers` their data_ptr()s,
        `strides` as launch_pointers'); the tests' fake runtime reads
        `tensors`."""
        n = len(pointers)
        if strides is not None:
            self.launch_pointers(handle, pointers, stream, strides)
        elif self._launch(handle, _packer(n)(*pointers), n, stream):
            self._check(1, "faRtLaunch")

    def synchronize(self):
        """Waits for the current context's work; raises if a kernel faulted."""
        self._check(self.lib.faRtSynchronize(), "faRtSynchronize")

    def unload(self, handle):
        self.lib.faRtUnload(handle)

    def loaded_format(self, handle):
        """'cubin' or 'ptx'."""
        return self.lib.faRtLoadedFormat(handle).decode()

    def num_kernels(self, handle):
        return self.lib.faRtNumKernels(handle)


@functools.lru_cache(maxsize=None)
def _packer(n):
    """The function that packs `n` device pointers as a native uint64_t[n]."""
    return struct.Struct(f"={n}Q").pack


@functools.lru_cache(maxsize=256)
def _pack_strides(strides):
    """faRtLaunchStrided's `strides` for a tuple of per-argument strides
    (None: dense): (the array of pointers, the int64 arrays they point
    to, kept alive with it)."""
    arrays = [None if s is None else (ctypes.c_int64 * len(s))(*s) for s in strides]
    pointers = (ctypes.c_void_p * len(strides))(
        *[None if a is None else ctypes.addressof(a) for a in arrays])
    return pointers, arrays


_runtime = None


def runtime():
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


_TORCH_DTYPES = {"torch.bfloat16": "bf16", "torch.float16": "f16",
                 "torch.float32": "f32", "torch.bool": "bool", "torch.int8": "i8"}
_TYPESTR = {"<f2": "f16", "<f4": "f32", "|b1": "bool"}
_SIZES = {"bf16": 2, "f16": 2, "f32": 4, "bool": 1, "i8": 1}
_FLOATS = ("bf16", "f16", "f32")


def _row_major(shape, strides):
    """Whether `strides` (in elements) are row-major for `shape`; a size-1
    dimension's stride does not matter."""
    acc = 1
    for d, s in zip(reversed(shape), reversed(strides)):
        if d != 1 and s != acc:
            return False
        acc *= d
    return True


def takes_strides(shape, strides, size):
    """Whether the kernels can read or write a tensor of `strides` (in
    elements of `size` bytes) in place where its manifest argument says
    caller_strides (D128; faRtLaunchStrided's checks, a size-1
    dimension's stride ignored): innermost stride 1, the others at least 1
    and multiples of 16 bytes (a TMA tensor map's)."""
    last = len(shape) - 1
    for i, (d, st) in enumerate(zip(shape, strides)):
        if d == 1:
            continue
        if st != 1 if i == last else (st < 1 or st * size % 16):
            return False
    return True


class _Buf:
    """What attention() needs of one tensor: a torch tensor, an object with
    __cuda_array_interface__, or one with __dlpack__/__dlpack_device__.
    `dtypes`: the dtypes accepted; `stream`: the CUDA stream the launch
    will use (handed to __dlpack__ so the producer orders its work).
    `strides`: None when row-major, else its strides in elements (D128:
    passed where the kernel's manifest argument takes them, else copied)."""

    def __init__(self, name, x, dtypes=_FLOATS, stream=0):
        self.obj, self.torch, self.device, self.strides = x, False, None, None
        if type(x).__module__.startswith("torch"):
            self._from_torch(name, x)
        elif hasattr(x, "__cuda_array_interface__"):
            self._from_cuda_array_interface(name, x.__cuda_array_interface__)
        elif hasattr(x, "__dlpack__") and hasattr(x, "__dlpack_device__"):
            self._from_dlpack(name, x, stream)
        elif _dlpack.is_capsule(x):  # torch.utils.dlpack.to_dlpack's
            self._from_dlpack_view(name, _dlpack.View(x))
        else:
            raise TypeError(f"{name} is a {type(x).__name__}: pass a torch CUDA "
                            "tensor, an object with __cuda_array_interface__ "
                            "or __dlpack__, or a DLPack capsule")
        if self.dtype not in dtypes:
            raise TypeError(f"{name} has dtype {self.dtype}; supported here: "
                            f"{', '.join(dtypes)}")

    def _from_torch(self, name, x):
        self.torch = True
        if not x.is_cuda:
            raise ValueError(f"{name} is on {x.device}; attention() needs "
                             "CUDA tensors")
        if str(x.dtype) not in _TORCH_DTYPES:
            raise TypeError(f"{name} has dtype {x.dtype}; supported: "
                            "bfloat16, float16, float32 (bool for attn_mask)")
        self.dtype = _TORCH_DTYPES[str(x.dtype)]
        self.shape = tuple(x.shape)
        self.device = x.device.index if x.device.index is not None else 0
        if not x.is_contiguous():
            # Any strides: torch copies what the kernel cannot take.
            self.strides = tuple(x.stride())
        self.ptr = x.data_ptr()

    def _from_cuda_array_interface(self, name, iface):
        if iface["typestr"] not in _TYPESTR:
            raise TypeError(f"{name} has typestr {iface['typestr']!r}; supported "
                            "through __cuda_array_interface__: <f2, <f4, |b1")
        self.dtype = _TYPESTR[iface["typestr"]]
        self.shape = tuple(iface["shape"])
        strides = iface.get("strides")
        if strides is not None:
            size = _SIZES[self.dtype]
            if any(s % size for s in strides):
                raise ValueError(f"{name}'s strides {strides} are not whole "
                                 "elements")
            self._keep_strides(name, [s // size for s in strides])
        if iface.get("mask") is not None:
            raise ValueError(f"{name} is a masked array")
        self.ptr = iface["data"][0]

    def _from_dlpack(self, name, x, stream):
        dev_type, dev_id = (int(v) for v in x.__dlpack_device__())
        if dev_type != _dlpack.CUDA:
            # Checked before __dlpack__: a CPU producer refuses a stream.
            raise ValueError(
                f"{name} is on {_dlpack.device_name(dev_type, dev_id)} (DLPack); "
                "attention() needs CUDA device memory (kDLCUDA)")
        # DLPack's stream convention: 1 is the legacy default stream.
        view = _dlpack.View(x.__dlpack__(stream=stream or 1))
        if view.device != (dev_type, dev_id):
            raise ValueError(f"{name}: __dlpack__ describes "
                             f"{_dlpack.device_name(*view.device)}, "
                             f"__dlpack_device__ {_dlpack.device_name(dev_type, dev_id)}")
        self._from_dlpack_view(name, view)

    def _from_dlpack_view(self, name, view):
        if view.device[0] != _dlpack.CUDA:
            raise ValueError(
                f"{name} is on {_dlpack.device_name(*view.device)} (DLPack); "
                "attention() needs CUDA device memory (kDLCUDA)")
        if view.dtype not in _dlpack.DTYPES:
            raise TypeError(f"{name} has DLPack dtype {_dlpack.dtype_name(*view.dtype)}; "
                            "supported: float16, bfloat16, float32, bool")
        self.dtype = _dlpack.DTYPES[view.dtype]
        self.shape = view.shape
        if view.strides is not None:
            self._keep_strides(name, view.strides)
        self.device, self.ptr, self._view = view.device[1], view.data, view

    def _keep_strides(self, name, strides):
        """Keeps the element `strides` of an array that is not a torch
        tensor (nothing here can copy it): row-major ones as None, others
        with an innermost stride of 1 and none negative."""
        if _row_major(self.shape, strides):
            return
        if any(s < 0 for s in strides) or (
                self.shape and self.shape[-1] != 1 and strides[-1] != 1):
            raise ValueError(f"{name} is not C-contiguous and has strides "
                             f"{tuple(strides)}: the kernels take an innermost "
                             "stride of 1 and no negative one; pass a "
                             "C-contiguous copy")
        self.strides = tuple(strides)

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
        raise _not_found("forward", config)
    c = config
    kernel = _compile(c["q_shape"], c["k_shape"], c["v_shape"], c["dtype"],
                      c["causal"], c["scale"],
                      mask=c["mask"]["kind"] if c["mask"] else None,
                      mask_shape=c["mask"]["shape"] if c["mask"] else None,
                      lse=c["lse"],
                      target=target or os.environ.get("FLASHATTN_MLIR_TARGET", "h100"),
                      window=c.get("window"), block_mask=c.get("block_mask"),
                      mask_pattern=c.get("mask_pattern"))
    register(kernel)
    return kernel


# The compile() override that asks for the kernel variant whose memref
# parameters take the caller's strides (the pipeline's caller-strides
# option; D128): part of the kernel's configuration and key (semantic_key).
CALLER_STRIDES = {"caller_strides": True}


def compiler_has_caller_strides():
    """Whether this compiler's fa-to-ptx-pipeline has the caller-strides
    option (without it, strided tensors of a backward are copied)."""
    return "caller-strides" in _capi.compiler().pipeline_options()


def _not_found(what, config):
    """KernelNotFoundError for a call that no registered kernel matches,
    naming the call and what to do."""
    c = config
    call = (f"dtype={c['dtype']} q={c['q_shape']} k={c['k_shape']} v={c['v_shape']} "
            f"causal={c['causal']} scale={c['scale']} mask={c['mask']} "
            f"lse={c['lse']}" + (f" {c['grad']}" if "grad" in c else ""))
    have = [repr(k) for k in _registry.values()]
    more = f"\n  ... and {len(have) - 5} more" if len(have) > 5 else ""
    return KernelNotFoundError(
        f"no compiled {what} kernel for the call {call}, and the compiler is not "
        "available here (libFlashAttn-C.so). On a machine with the compiler, "
        "record the model's calls (flashattn_mlir.aot.record()) or list them, "
        "run `python -m flashattn_mlir.aot compile CALLS.json DIR`, then here "
        "load_dir(DIR) or set FLASHATTN_MLIR_KERNELS=DIR (docs/Training.md). "
        f"Registered kernels ({len(have)}):\n  " + ("\n  ".join(have[:5]) or "(none)")
        + more)


# The caller-strides variants' keys that the compiler refused (their
# kernel cannot read strides): find_grad_kernel takes the plain kernel.
_NO_CALLER_STRIDES = set()


def find_grad_kernel(config, bias_grad, deterministic, target=None,
                     strided=False):
    """The backward kernel for the forward `config` (attention()'s): a
    registered one, else compile_backward() now where the compiler is
    available, else KernelNotFoundError. `strided`: some tensor of the
    call is not contiguous; then the caller-strides variant (D128) where
    one is registered or the compiler can make one, else the plain kernel
    (whose launches copy the strided tensors)."""
    _load_env_dirs()
    c = config
    kw = dict(mask=c["mask"]["kind"] if c["mask"] else None,
              mask_shape=c["mask"]["shape"] if c["mask"] else None,
              bias_grad=bias_grad, deterministic=deterministic,
              target=target or os.environ.get("FLASHATTN_MLIR_TARGET", "h100"),
              window=c.get("window"), block_mask=c.get("block_mask"),
              mask_pattern=c.get("mask_pattern"))
    args = (c["q_shape"], c["k_shape"], c["v_shape"], c["dtype"], c["causal"],
            c["scale"])
    if strided:
        variant = dict(kw, **CALLER_STRIDES)
        key = semantic_key(make_grad_config(*args, **variant))
        if key in _registry:
            return _registry[key]
        if (key not in _NO_CALLER_STRIDES and _capi.compiler_available()
                and compiler_has_caller_strides()):
            try:
                kernel = compile_backward(*args, **variant)
            except _capi.CompileError as e:
                # The kernel the compiler picks cannot take the strides (the
                # SIMT kernels: f32, or no tensor-core tiling): the plain
                # kernel, whose launches copy; asked once per problem.
                if "(caller-strides)" not in str(e):
                    raise
                _NO_CALLER_STRIDES.add(key)
            else:
                register(kernel)
                return kernel
    key = semantic_key(make_grad_config(*args, **kw))
    if key in _registry:
        return _registry[key]
    if not _capi.compiler_available():
        raise _not_found("backward", make_grad_config(*args, **kw))
    kernel = compile_backward(*args, **kw)
    register(kernel)
    return kernel


_TORCH_NAMES = {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}


def _output(given, what, shape, bq, q, stream, dtype=None):
    """(the output, its _Buf): `given` checked against `shape` and `dtype`
    (default q's) on q's device, or a new torch tensor for torch inputs."""
    dtype = dtype or bq.dtype
    if given is None:
        if not bq.torch:
            raise TypeError(f"pass {what}= for inputs that are not torch tensors")
        import torch
        given = torch.empty(shape, dtype=getattr(torch, _TORCH_NAMES[dtype]),
                            device=q.device)
    b = _Buf(what, given, dtypes=(dtype,), stream=stream)
    if b.shape != shape or b.device != bq.device:
        raise ValueError(f"{what} must be {shape} {dtype} on q's device, "
                         f"got {b.shape} {b.dtype}")
    return given, b


def _torch_stream(x):
    import torch
    return torch.cuda.current_stream(x.device).cuda_stream


def alignment_needs(kernel):
    """[(argument index, bytes, why)] for the buffers a kernel moves through
    TMA tensor maps (the sm_90a kernel's q, k, v and out) or reads with
    16-byte cp.async copies (the sm_80 kernel's q, k, v; the manifest's
    "align"); read from the manifest once per kernel."""
    if kernel._alignment is not None:
        return kernel._alignment
    manifest = kernel.manifest or {}
    need = {}
    index = {}
    for a in manifest.get("arguments", []):
        index[a["name"]] = a["index"]
        if a.get("align", 1) > 1:
            need[a["index"]] = (a["align"], "reads it with aligned loads")
    for k in manifest.get("kernels", []):
        for p in k.get("params", []):
            i = index.get(p.get("buffer")) if p.get("type") == "tensormap" else None
            if i is not None:
                need[i] = (max(16, need.get(i, (1, ""))[0]), "moves it with TMA")
    kernel._alignment = [(i, align, why) for i, (align, why) in sorted(need.items())]
    return kernel._alignment


def _check_alignment(kernel, buffers, names):
    """The buffers alignment_needs() names must be aligned: a ValueError
    naming the argument, before anything runs (else the runtime's error,
    or a misaligned-address fault)."""
    for i, align, why in alignment_needs(kernel):
        if i < len(buffers) and buffers[i][0] % align:
            raise ValueError(
                f"{names[i]} (at {buffers[i][0]:#x}) is not {align}-byte aligned, "
                f"which kernel {kernel.name} needs: it {why}; pass a tensor whose "
                f"data starts on {align} bytes (a fresh allocation or a copy)")


def attention(q, k, v, causal=False, scale=None, kernel=None, attn_mask=None,
              out=None, target=None, return_lse=False, lse_out=None,
              deterministic=False, window=None, block_mask=None,
              mask_pattern=None):
    """softmax(q k^T * scale [+ mask]) v on the GPU, with the meaning of
    torch.nn.functional.scaled_dot_product_attention(q, k, v,
    attn_mask=attn_mask, is_causal=causal, scale=scale, enable_gqa=True):

    * q: [B, Hq, Nq, D], k: [B, Hkv, Nk, D], v: [B, Hkv, Nk, Dv], Hq a
      multiple of Hkv; on one CUDA device, one dtype (bf16, f16, f32):
      torch tensors, objects with __cuda_array_interface__ or
      __dlpack__/__dlpack_device__, or DLPack capsules. Returns (or writes
      into `out`) [B, Hq, Nq, Dv], allocated like q. Strided views (e.g.
      transformers' [B, N, H, D] seen as [B, H, N, D]) are read in place
      where the kernel takes their strides, else torch tensors are copied
      (docs/Python.md, "Strided tensors").
    * scale: default 1/sqrt(D).
    * causal=True is torch's is_causal, which is top-left aligned; for Nq
      != Nk it is refused. causal='bottom_right' is fa.attention's own mask
      (query i sees key j iff j <= i + Nk - Nq, FlashAttention-2's).
    * window=(left, right): a sliding window (fa.attention's #fa.window):
      query i sees only keys i' - left <= j <= i' + right, i' = i + Nk - Nq
      (bottom-right aligned, as causal='bottom_right'); with causal, right
      must be 0. Key blocks outside every row's window are never loaded.
      ValueError for a window that is not a pair of extents >= 0.
    * mask_pattern: a flashattn_mlir.MaskPattern(chunk, global_tokens,
      butterfly) (or a dict of those keys): chunked attention, global
      tokens (with a chunk, a butterfly or the window), a block butterfly;
      the compiler classifies its blocks at compile time and skips the
      empty ones (docs/BlockSparse.md, "Structured masks"). ValueError for
      an empty pattern, chunk with butterfly, either with a window, global
      tokens without a local pattern, or with block_mask.
    * block_mask: a flashattn_mlir.block_mask.BlockMask (torch tensors
      only): the (query block, key block) pairs computed; the kernels skip
      the others without loading K/V (docs/BlockSparse.md). Its shape must
      be [B or 1, Hq or 1, ceil(Nq / block_q), ceil(Nk / block_kv)].
    * attn_mask: a keep-mask (bool; True keeps; a torch uint8 mask is read
      as mask != 0) or an additive bias of q's dtype, broadcastable to [B,
      Hq, Nq, Nk] with 4 dimensions.
    * return_lse=True also returns the logsumexp of each row's scaled (and
      masked) scores, f32 [B, Hq, Nq] (natural log): (out, lse); written
      into `lse_out` when given.
    * A query row that sees no key gives 0 (torch gives NaN) and an lse of
      -inf.

    * Differentiable (docs/Python.md, "Training"): when torch's grad mode
      is on and q, k, v or a float attn_mask requires grad, the call records
      a torch.autograd.Function whose backward runs compile_backward()'s
      kernels; dK, dV are summed over each KV group, a bias's gradient is
      reduced to its own (broadcast) shape, a keep-mask has none, lse is
      not differentiable. `out=`/`lse_out=` are refused then.
      `deterministic=True` asks for a backward bit-identical run to run
      (every backward is today: dQ is a separate pass without atomics).

    Inputs that are not torch tensors run on the legacy default stream.
    Errors (wrong device, dtype, shape, strides, no kernel) raise
    ValueError/TypeError/KernelNotFoundError before anything runs.
    """
    check_flags(causal, scale, kernel, target, return_lse, deterministic, window,
                mask_pattern)
    tensors = (q, k, v) if attn_mask is None else (q, k, v, attn_mask)
    if block_mask is not None:
        from .block_mask import BlockMask
        if not isinstance(block_mask, BlockMask):
            raise TypeError("block_mask must be a flashattn_mlir.block_mask."
                            f"BlockMask, got {type(block_mask).__name__}")
        if not type(block_mask.mask).__module__.startswith("torch"):
            raise TypeError("a BlockMask's mask must be a torch tensor")
    if _all_torch(tensors):
        autograd = _autograd()  # torch is there
        if out is None and lse_out is None:
            # The launch-plan path (autograd.py): the custom op under
            # torch.compile, else the kernels directly.
            return autograd.attention(q, k, v, attn_mask, causal, scale, kernel,
                                      target, return_lse, deterministic, window,
                                      block_mask, mask_pattern)
        if autograd.wants_grad(tensors):
            raise ValueError("out= and lse_out= are not differentiable: leave "
                             "them out when an input requires grad")
    elif any(getattr(t, "requires_grad", False) for t in tensors):
        raise TypeError("with inputs that require grad, q, k, v and attn_mask "
                        "must be torch tensors")
    # The launch stream: torch's current one for torch inputs.
    is_torch = type(q).__module__.startswith("torch")
    stream = _torch_stream(q) if is_torch and getattr(q, "is_cuda", False) else 0
    if lse_out is not None and not return_lse:
        raise ValueError("lse_out= needs return_lse=True")
    blocks = block_mask and block_mask.config(_Buf("q", q).shape,
                                              _Buf("k", k).shape)
    bq, bk, bv, bm, config = check_call(q, k, v, attn_mask, causal, scale,
                                        return_lse, stream, window, blocks,
                                        mask_pattern)
    bbm = block_mask and check_block_mask(block_mask.operand(), bq)
    B, Hq, Nq, _ = bq.shape
    Dv = bv.shape[3]

    # Outputs are checked (or allocated) before a kernel is looked for.
    out, bo = _output(out, "out", (B, Hq, Nq, Dv), bq, q, stream)
    bufs, names = [bq, bk, bv], ["q", "k", "v"]
    if bm is not None:
        bufs.append(bm)
        names.append("attn_mask")
    if bbm is not None:
        bufs.append(bbm)
        names.append("block_mask")
    bufs.append(bo)
    names.append("out")
    if return_lse:
        lse_out, bl = _output(lse_out, "lse_out", (B, Hq, Nq), bq, q, stream,
                              dtype="f32")
        bufs.append(bl)
        names.append("lse_out")
    kernel = chosen_kernel(kernel, config, target)
    bufs, strides = _layouts(kernel, bufs, names, outputs=("out", "lse_out"))
    launch(kernel, [(b.ptr, b.nbytes) for b in bufs], names, bq.device or 0,
           stream, strides)
    return (out, lse_out) if return_lse else out


def _all_torch(tensors):
    for t in tensors:
        if not type(t).__module__.startswith("torch"):
            return False
    return True


_autograd_module = None


def _autograd():
    """flashattn_mlir.autograd, imported on the first torch call."""
    global _autograd_module
    if _autograd_module is None:
        from . import autograd
        _autograd_module = autograd
    return _autograd_module


def check_flags(causal, scale, kernel, target, return_lse, deterministic,
                window=None, mask_pattern=None):
    """attention()'s arguments that are not tensors, before any tensor is
    read."""
    if (window is None and mask_pattern is None and kernel is None
            and target is None and scale is None
            and type(causal) is bool and type(return_lse) is bool
            and type(deterministic) is bool):
        return  # the defaults and bools: valid, nothing else to check
    if isinstance(causal, str):
        _checks.one_of("causal", causal, ("bottom_right",))
    elif not isinstance(causal, bool):
        raise TypeError(f"causal must be False, True or 'bottom_right', got {causal!r}")
    _checks.boolean("return_lse", return_lse)
    _checks.boolean("deterministic", deterministic)
    _checks.mask_pattern("mask_pattern", mask_pattern,
                         _checks.window("window", window, bool(causal)))
    if kernel is not None and not isinstance(kernel, Kernel):
        raise TypeError(f"kernel must be a Kernel (compile(), load()), got {kernel!r}")
    if target is not None:
        _checks.pipeline_word("target", target)
    if scale is not None:
        _checks.f32_scale("scale", scale)


def check_shapes(q, k, v, mask, causal):
    """The shapes of a call (tuples; `mask` None or a shape): ValueError
    unless q [B, Hq, Nq, D], k [B, Hkv, Nk, D], v [B, Hkv, Nk, Dv], Hq a
    multiple of Hkv, a 4-D mask broadcasting to [B, Hq, Nq, Nk], and
    causal=True (top-left) only with Nq == Nk. Also the custom op's fake
    implementation (autograd.py), so torch.compile raises the same."""
    if any(len(s) != 4 for s in (q, k, v)):
        raise ValueError(f"q, k, v must be 4-D [B, H, N, D]; got shapes "
                         f"{tuple(q)}, {tuple(k)}, {tuple(v)}")
    (B, Hq, Nq, D), (Bk, Hkv, Nk, Dk), (Bv, Hv, Nv, _) = q, k, v
    if not (B == Bk == Bv and Hkv == Hv and Nk == Nv and D == Dk
            and Hkv > 0 and Hq % Hkv == 0):
        raise ValueError(f"incompatible shapes q={tuple(q)} k={tuple(k)} "
                         f"v={tuple(v)}: need q [B, Hq, Nq, D], k [B, Hkv, Nk, D], "
                         "v [B, Hkv, Nk, Dv] with Hq a multiple of Hkv")
    if causal is True and Nq != Nk:
        raise ValueError(
            f"causal=True with Nq={Nq} != Nk={Nk}: torch's is_causal is top-left "
            "aligned, fa.attention's causal mask is bottom-right aligned; pass "
            "causal='bottom_right' for the latter")
    if causal and mask is not None:
        raise ValueError("pass either attn_mask or causal, as with torch SDPA")
    if mask is not None:
        if len(mask) != 4:
            raise ValueError(f"attn_mask must be 4-D, got shape {tuple(mask)}")
        if any(s not in (1, w) for s, w in zip(mask, (B, Hq, Nq, Nk))):
            raise ValueError(f"attn_mask {tuple(mask)} does not broadcast to "
                             f"{(B, Hq, Nq, Nk)}")


def check_block_mask(operand, bq):
    """The _Buf of a block mask's int8 operand (BlockMask.operand()), on
    q's device."""
    b = _Buf("block_mask", operand, dtypes=("i8",))
    if b.device != bq.device:
        raise ValueError("block_mask is not on q's device")
    return b


def check_call(q, k, v, attn_mask, causal, scale, return_lse, stream,
               window=None, block_mask=None, mask_pattern=None):
    """The tensors of a call checked (device, dtype, strides, shapes) and
    its configuration (with `window`, a checked (left, right) or None; with
    `block_mask`, compile()'s (block_q, block_kv, shape) or None):
    (bq, bk, bv, bm or None, config), _Bufs."""
    bq, bk, bv = (_Buf(n, x, stream=stream) for n, x in (("q", q), ("k", k), ("v", v)))
    if not (bq.dtype == bk.dtype == bv.dtype):
        raise TypeError(f"q, k, v dtypes differ: {bq.dtype}, {bk.dtype}, {bv.dtype}")
    devices = {b.device for b in (bq, bk, bv)}
    if len(devices) != 1:
        raise ValueError(f"q, k, v are on different devices: {sorted(map(str, devices))}")
    mask, bm = None, None
    if attn_mask is not None:
        if (type(attn_mask).__module__.startswith("torch")
                and str(attn_mask.dtype) == "torch.uint8"):
            attn_mask = attn_mask != 0  # 0/1 bytes are not enough: an i1 is one bit
        bm = _Buf("attn_mask", attn_mask, dtypes=_FLOATS + ("bool",), stream=stream)
        if bm.dtype != "bool" and bm.dtype != bq.dtype:
            raise TypeError(f"a float attn_mask must have q's dtype {bq.dtype}, "
                            f"got {bm.dtype}")
        if bm.device != bq.device:
            raise ValueError("attn_mask is not on q's device")
        mask = "bool" if bm.dtype == "bool" else "bias"
    check_shapes(bq.shape, bk.shape, bv.shape, bm and bm.shape, causal)
    config = make_config(bq.shape, bk.shape, bv.shape, bq.dtype, bool(causal),
                         scale, mask=mask, mask_shape=bm and bm.shape,
                         lse=return_lse, window=window, block_mask=block_mask,
                         mask_pattern=mask_pattern)
    return bq, bk, bv, bm, config


def chosen_kernel(kernel, config, target):
    """The forward kernel of a call: `kernel` when it was compiled for
    `config` (ValueError otherwise), else find_kernel's."""
    if kernel is None:
        return find_kernel(config, target)
    if kernel.config is None or semantic_key(kernel.config) != semantic_key(config):
        raise ValueError(f"kernel {kernel.name} was compiled for "
                         f"{kernel.config and semantic_key(kernel.config)}; this call "
                         f"needs {semantic_key(config)}")
    return kernel


def launch(kernel, buffers, names, ordinal, stream, strides=None):
    """Runs `kernel`'s manifest (all its kernels, in order) on `buffers`
    ((pointer, bytes) per manifest argument, `names` for messages) on
    device `ordinal`, loading it there once; `strides` as _layouts'."""
    _check_alignment(kernel, buffers, names)
    rt, handle = loaded(kernel, ordinal)
    rt.launch(handle, buffers, stream, strides)


def caller_strides(kernel):
    """The indices of the manifest arguments that say caller_strides: the
    kernels read (or write) them through the launch's strides (D128);
    read from the manifest once per kernel."""
    if kernel._caller_strides is None:
        kernel._caller_strides = frozenset(
            a["index"] for a in (kernel.manifest or {}).get("arguments", [])
            if a.get("caller_strides") is True)
    return kernel._caller_strides


def _layouts(kernel, bufs, names, outputs):
    """(the _Bufs to launch, the strides to launch them with or None) for
    attention()'s `bufs` (one per manifest argument): a strided one is
    passed with its strides where its argument takes them (caller_strides
    and takes_strides()), else a torch input is copied (.contiguous());
    an array that is not a torch tensor, or an output (named in
    `outputs`), is an error then."""
    if all(b.strides is None for b in bufs):
        return bufs, None
    takes = caller_strides(kernel)
    launched, strides = [], []
    for i, (b, name) in enumerate(zip(bufs, names)):
        if b.strides is not None and i in takes and takes_strides(
                b.shape, b.strides, _SIZES[b.dtype]):
            launched.append(b)
            strides.append(b.strides)
            continue
        if b.strides is not None:
            if name in outputs or not b.torch:
                raise ValueError(
                    f"{name} has strides {b.strides}, which kernel {kernel.name} "
                    f"cannot {'write' if name in outputs else 'read'} in place "
                    "(docs/Python.md, \"Strided tensors\"); pass a contiguous "
                    f"{name}")
            b = _Buf(name, b.obj.contiguous(), dtypes=(b.dtype,))
        launched.append(b)
        strides.append(None)
    return launched, strides


def loaded(kernel, ordinal):
    """(the runtime, `kernel`'s module handle on device `ordinal`), loading
    it there the first time."""
    rt = runtime()
    rt.init(ordinal)
    handle = kernel._loaded.get(ordinal)
    if handle is None:
        if kernel.path is None:
            kernel.save(tempfile.mkdtemp(prefix="flashattn-mlir-"))
        handle = rt.load(kernel.path, prefer_cubin=True)
        kernel._loaded[ordinal] = handle
    return rt, handle
