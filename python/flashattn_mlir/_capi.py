"""ctypes view of libFlashAttn-C.so (include/FlashAttn-c/, docs/Embedding.md).

The compiler is reached through the project's C API with nothing but ctypes:
MLIR's Python bindings are not built here, and a ctypes package needs no
compilation, so the same files import with any Python 3 (the build machine's
3.11, the GPU machine's 3.12). Only the compile side needs this library.
"""

import ctypes
import os
import re

from ._paths import find_library


class CompilerUnavailable(RuntimeError):
    """libFlashAttn-C.so (and with it LLVM/MLIR) is not available here."""


class CompileError(RuntimeError):
    """The compiler rejected the input; `diagnostics` holds its messages."""

    def __init__(self, message, diagnostics=""):
        self.diagnostics = diagnostics
        text = message if not diagnostics else f"{message}:\n{diagnostics.rstrip()}"
        super().__init__(text)


class _StringRef(ctypes.Structure):  # MlirStringRef
    _fields_ = [("data", ctypes.c_char_p), ("length", ctypes.c_size_t)]


class _Handle(ctypes.Structure):  # MlirContext, MlirModule, MlirOperation
    _fields_ = [("ptr", ctypes.c_void_p)]


class _LogicalResult(ctypes.Structure):  # MlirLogicalResult
    _fields_ = [("value", ctypes.c_int8)]


class _CallbackStringRef(ctypes.Structure):  # MlirStringRef given to callbacks
    # Not NUL-terminated: a c_char_p field would be read with strlen, past
    # the end of MLIR's buffer (AddressSanitizer found it in
    # test/CAPI/ctypes-test.py).
    _fields_ = [("data", ctypes.c_void_p), ("length", ctypes.c_size_t)]


_Callback = ctypes.CFUNCTYPE(None, _CallbackStringRef, ctypes.c_void_p)
# MlirDiagnosticHandler: MlirLogicalResult (*)(MlirDiagnostic, void *). Both
# structs hold one scalar and pass as it (x86-64 and AArch64 C ABIs).
_DiagHandler = ctypes.CFUNCTYPE(ctypes.c_int8, ctypes.c_void_p, ctypes.c_void_p)
_SEVERITY = {0: "error", 1: "warning", 2: "note", 3: "remark"}


def _text(ref):
    """The str of an MlirStringRef (not NUL-terminated)."""
    return ctypes.string_at(ref.data, ref.length).decode() if ref.length else ""


# include/FlashAttn-c/Attention.h
class _Tiling(ctypes.Structure):  # FATiling
    _fields_ = [("block_q", ctypes.c_int64), ("block_kv", ctypes.c_int64),
                ("stages", ctypes.c_int64), ("warps", ctypes.c_int64)]


class _Window(ctypes.Structure):  # FAWindow
    _fields_ = [("left", ctypes.c_int64), ("right", ctypes.c_int64)]


class _Schedule(ctypes.Structure):  # FASchedule
    _fields_ = [("kernel", _CallbackStringRef), ("loads", _CallbackStringRef),
                ("release", _CallbackStringRef), ("step", _CallbackStringRef),
                ("pingpong", ctypes.c_bool),
                ("masked_steps", _CallbackStringRef),
                ("epilogue", _CallbackStringRef),
                ("consumer_regs", ctypes.c_int64),
                ("walk", _CallbackStringRef),
                ("min_blocks", ctypes.c_int64)]


class _BackwardSchedule(ctypes.Structure):  # FABackwardSchedule
    _fields_ = [("kernel", _CallbackStringRef), ("dq", _CallbackStringRef),
                ("deterministic", ctypes.c_bool), ("walk", _CallbackStringRef),
                ("in_flight", _CallbackStringRef),
                ("epilogue", _CallbackStringRef),
                ("persistent", _CallbackStringRef),
                ("dq_pass", _CallbackStringRef),
                ("gqa", _CallbackStringRef),
                ("dq_convert", _CallbackStringRef),
                ("dq_reduce", _CallbackStringRef),
                ("launch_chunk", ctypes.c_int64)]


class _Target(ctypes.Structure):  # FATarget
    _fields_ = [("arch", _CallbackStringRef)] + [
        (name, ctypes.c_int64) for name in (
            "sram_per_block", "sram_per_sm", "regs_per_sm",
            "max_regs_per_thread", "sm_count", "hbm_gbps", "tensor_tflops")]


class _SharedMemory(ctypes.Structure):  # FASharedMemory
    _fields_ = [("bytes", ctypes.c_int64), ("budget", ctypes.c_int64)]


# include/FlashAttn-c/Passes.h
class _PipelineOption(ctypes.Structure):  # FAPipelineOption
    _fields_ = [("name", _CallbackStringRef), ("description", _CallbackStringRef),
                ("type", _CallbackStringRef), ("default", _CallbackStringRef),
                ("num_values", ctypes.c_ssize_t),
                ("values", ctypes.POINTER(_CallbackStringRef)),
                ("value_descriptions", ctypes.POINTER(_CallbackStringRef))]


_OptionCallback = ctypes.CFUNCTYPE(None, ctypes.POINTER(_PipelineOption),
                                   ctypes.c_void_p)


def _fields(struct):
    """A ctypes struct as a dict, its string fields as str."""
    return {name: _text(value) if isinstance(value, _CallbackStringRef) else value
            for name, value in ((f[0], getattr(struct, f[0]))
                                for f in struct._fields_)}


def _ref(data):
    if isinstance(data, str):
        data = data.encode()
    return _StringRef(data, len(data))


class _Chunks:
    """Collects what a C API callback hands over, as bytes."""

    def __init__(self):
        self.items = []
        self.callback = _Callback(self._add)

    def _add(self, ref, _):
        self.items.append(ctypes.string_at(ref.data, ref.length))

    def text(self):
        return b"".join(self.items).decode(errors="replace")


# The C functions the package calls: name -> (argument types, result type).
_FUNCTIONS = {
    "faContextCreate": ([], _Handle),
    "mlirContextDestroy": ([_Handle], None),
    "mlirModuleCreateParse": ([_Handle, _StringRef], _Handle),
    "mlirModuleGetOperation": ([_Handle], _Handle),
    "mlirModuleDestroy": ([_Handle], None),
    "mlirOperationPrint": ([_Handle, _Callback, ctypes.c_void_p], None),
    "mlirContextAttachDiagnosticHandler": (
        [_Handle, _DiagHandler, ctypes.c_void_p, ctypes.c_void_p], ctypes.c_uint64),
    "mlirContextDetachDiagnosticHandler": ([_Handle, ctypes.c_uint64], None),
    "mlirDiagnosticGetSeverity": ([ctypes.c_void_p], ctypes.c_int),
    "mlirDiagnosticGetLocation": ([ctypes.c_void_p], _Handle),
    "mlirLocationPrint": ([_Handle, _Callback, ctypes.c_void_p], None),
    "mlirDiagnosticPrint": ([ctypes.c_void_p, _Callback, ctypes.c_void_p], None),
    "faRegisterAllPasses": ([], None),
    "faRunPassPipeline": ([_Handle, _StringRef, _Callback, ctypes.c_void_p],
                          _LogicalResult),
    # include/FlashAttn-c/Target.h
    "faGetKernelBinary": ([_Handle, _Callback, _Callback, ctypes.c_void_p],
                          _LogicalResult),
    "faBuildKernelManifest": (
        [_Handle, _StringRef, _StringRef, _StringRef, _StringRef, _Callback,
         _Callback, ctypes.c_void_p], _LogicalResult),
    "faFindPtxas": ([_StringRef, _StringRef, _Callback, _Callback,
                     ctypes.c_void_p], _LogicalResult),
    # include/FlashAttn-c/Passes.h
    "faGetPipelineOptions": ([_StringRef, _OptionCallback, ctypes.c_void_p],
                             _LogicalResult),
    # include/FlashAttn-c/Attention.h
    "faModuleGetNumAttentionOps": ([_Handle], ctypes.c_ssize_t),
    "faModuleGetAttentionOp": ([_Handle, ctypes.c_ssize_t], _Handle),
    "faAttentionGetTiling": ([_Handle, ctypes.POINTER(_Tiling)], ctypes.c_bool),
    "faAttentionGetSchedule": ([_Handle, ctypes.POINTER(_Schedule)],
                               ctypes.c_bool),
    "faAttentionGetWindow": ([_Handle, ctypes.POINTER(_Window)], ctypes.c_bool),
    "faModuleGetNumAttentionGradOps": ([_Handle], ctypes.c_ssize_t),
    "faModuleGetAttentionGradOp": ([_Handle, ctypes.c_ssize_t], _Handle),
    "faAttentionGradGetSchedule": ([_Handle, ctypes.POINTER(_BackwardSchedule)],
                                   ctypes.c_bool),
    "faGetTarget": ([_Handle, ctypes.POINTER(_Target)], ctypes.c_bool),
    "faAttentionGetSharedMemory": (
        [_Handle, ctypes.POINTER(_SharedMemory), _Callback, ctypes.c_void_p],
        _LogicalResult),
    # The op's operands and attributes (mlir-c/IR.h, BuiltinTypes.h,
    # BuiltinAttributes.h): MlirValue, MlirType and MlirAttribute are
    # handles too.
    "mlirOperationGetNumOperands": ([_Handle], ctypes.c_ssize_t),
    "mlirOperationGetOperand": ([_Handle, ctypes.c_ssize_t], _Handle),
    "mlirOperationGetNumResults": ([_Handle], ctypes.c_ssize_t),
    "mlirOperationGetAttributeByName": ([_Handle, _StringRef], _Handle),
    "mlirValueGetType": ([_Handle], _Handle),
    "mlirShapedTypeGetRank": ([_Handle], ctypes.c_int64),
    "mlirShapedTypeGetDimSize": ([_Handle, ctypes.c_ssize_t], ctypes.c_int64),
    "mlirShapedTypeGetElementType": ([_Handle], _Handle),
    "mlirTypePrint": ([_Handle, _Callback, ctypes.c_void_p], None),
    "mlirAttributePrint": ([_Handle, _Callback, ctypes.c_void_p], None),
    "mlirFloatAttrGetValueDouble": ([_Handle], ctypes.c_double),
}


class Compiler:
    """One MLIR context in libFlashAttn-C.so. Not thread-safe."""

    def __init__(self, path=None):
        path = path or find_library("libFlashAttn-C.so", "FLASHATTN_MLIR_LIB")
        if path is None:
            raise CompilerUnavailable(
                "libFlashAttn-C.so not found: build flashattn-mlir "
                "(ninja -C build FlashAttn-C) or set FLASHATTN_MLIR_LIB; without "
                "it only precompiled kernels can be run (flashattn_mlir.load)")
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise CompilerUnavailable(f"cannot load {path}: {e}") from e
        self.path = path
        missing = [name for name in _FUNCTIONS if not hasattr(lib, name)]
        if missing:
            raise CompilerUnavailable(
                f"{path} predates {', '.join(missing)} (include/FlashAttn-c/): "
                "rebuild it (ninja -C build FlashAttn-C)")
        for name, (argtypes, restype) in _FUNCTIONS.items():
            function = getattr(lib, name)
            function.argtypes = argtypes
            function.restype = restype
        lib.faRegisterAllPasses()
        self.lib = lib
        self.ctx = lib.faContextCreate()
        self._pipeline_options = {}

    def __del__(self):
        lib = getattr(self, "lib", None)
        if lib is not None and self.ctx.ptr:
            lib.mlirContextDestroy(self.ctx)
            self.ctx = type(self.ctx)(None)  # no module global: it may be gone at exit

    def parse(self, source):
        """Returns a module handle; raises CompileError on invalid IR."""
        diags = _Chunks()
        lib = self.lib

        def handle(diag, _):
            # `loc: severity: message`, like faRunPassPipeline's callback.
            lib.mlirLocationPrint(lib.mlirDiagnosticGetLocation(diag),
                                  diags.callback, None)
            sev = _SEVERITY.get(lib.mlirDiagnosticGetSeverity(diag), "error")
            diags.items.append(f": {sev}: ".encode())
            lib.mlirDiagnosticPrint(diag, diags.callback, None)
            diags.items.append(b"\n")
            return 1

        handler = _DiagHandler(handle)
        hid = lib.mlirContextAttachDiagnosticHandler(self.ctx, handler, None, None)
        try:
            module = lib.mlirModuleCreateParse(self.ctx, _ref(source))
        finally:
            lib.mlirContextDetachDiagnosticHandler(self.ctx, hid)
        if not module.ptr:
            # The op verifiers run at parse time: bad shapes end up here.
            raise CompileError("invalid attention", diags.text())
        return module

    def destroy(self, module):
        self.lib.mlirModuleDestroy(module)

    def print(self, module):
        out = _Chunks()
        self.lib.mlirOperationPrint(self.lib.mlirModuleGetOperation(module),
                                    out.callback, None)
        return out.text()

    def run(self, module, pipeline):
        """Runs a textual pipeline; returns the remarks and warnings it
        emitted, or raises CompileError with every diagnostic."""
        diags = _Chunks()
        ok = self.lib.faRunPassPipeline(module, _ref(pipeline), diags.callback,
                                        None).value
        if not ok:
            raise CompileError(f"pipeline '{pipeline}' failed", diags.text())
        return diags.text()

    def kernel_binary(self, module):
        """(object bytes, chip, features, format) of the gpu.binary."""
        out, diags = _Chunks(), _Chunks()
        if not self.lib.faGetKernelBinary(module, out.callback, diags.callback,
                                          None).value:
            raise CompileError("no kernel binary", diags.text())
        obj, chip, features, fmt = out.items
        return obj, chip.decode(), features.decode(), fmt.decode()

    def manifest(self, module, ptx_file="", cubin_file="", ptxas_log="",
                 function=""):
        """The manifest JSON text, as fa-compile writes NAME.json."""
        out, diags = _Chunks(), _Chunks()
        if not self.lib.faBuildKernelManifest(
                module, _ref(function), _ref(ptx_file), _ref(cubin_file),
                _ref(ptxas_log), out.callback, diags.callback, None).value:
            raise CompileError("cannot build the kernel manifest", diags.text())
        return out.text()

    def find_ptxas(self, path="", toolkit=""):
        """ptxas as fa-compile finds it (faFindPtxas): `path`, else the bin
        of `toolkit`, else $PATH, else the bin of the toolkit the pipeline
        finds. Returns (its path, None) or (None, where it looked)."""
        out, error = _Chunks(), _Chunks()
        if self.lib.faFindPtxas(_ref(path), _ref(toolkit), out.callback,
                                error.callback, None).value:
            return out.text(), None
        return None, error.text()

    def pipeline_options(self, pipeline="fa-to-ptx-pipeline"):
        """The options of `pipeline` (faGetPipelineOptions), in declaration
        order: name -> {"type": string, int, uint, bool or enum, "default",
        "description", "values": an enum's allowed values}."""
        if pipeline not in self._pipeline_options:
            options = {}

            def add(option, _):
                o = option.contents
                options[_text(o.name)] = {
                    "type": _text(o.type), "default": _text(o.default),
                    "description": _text(o.description),
                    "values": [_text(o.values[i]) for i in range(o.num_values)]}

            callback = _OptionCallback(add)
            if not self.lib.faGetPipelineOptions(_ref(pipeline), callback,
                                                 None).value:
                raise ValueError(f"{pipeline} does not describe its options")
            self._pipeline_options[pipeline] = options
        return self._pipeline_options[pipeline]

    def _attention(self, module):
        """The module's single fa.attention, or None."""
        if self.lib.faModuleGetNumAttentionOps(module) != 1:
            return None
        return self.lib.faModuleGetAttentionOp(module, 0)

    def decisions(self, module):
        """What fa-select-tiling decided for the module's single
        fa.attention (include/FlashAttn-c/Attention.h), each None when
        absent: "tiling" and "schedule" (its #fa.tiling and #fa.schedule as
        dicts, the schedule's enum fields spelled as the options spell them),
        "target" (the module's #fa.target) and "shared_memory" ({"bytes":
        what its kernel needs, "budget": the target's sram_per_block})."""
        op = self._attention(module)
        if op is None:
            raise CompileError("expected one fa.attention in the module")
        return self._decided(op, _Schedule(), self.lib.faAttentionGetSchedule)

    def backward_decisions(self, module):
        """decisions() for the module's single fa.attention_grad: "tiling",
        "schedule" (its #fa.backward_schedule: kernel, dq, walk, in_flight,
        epilogue, persistent, dq_pass, gqa, dq_convert, dq_reduce,
        launch_chunk, and the op's
        deterministic
        request), "target" and
        "shared_memory" (its backward
        kernel's bytes, fa-check-sram-budget's count, and the budget)."""
        lib = self.lib
        if lib.faModuleGetNumAttentionGradOps(module) != 1:
            raise CompileError("expected one fa.attention_grad in the module")
        return self._decided(lib.faModuleGetAttentionGradOp(module, 0),
                             _BackwardSchedule(), lib.faAttentionGradGetSchedule)

    def _decided(self, op, schedule, get_schedule):
        """decisions()' dict for `op`, its schedule read by `get_schedule`."""
        lib, tiling, target, smem = self.lib, _Tiling(), _Target(), _SharedMemory()
        return {
            "tiling": _fields(tiling) if lib.faAttentionGetTiling(op, tiling) else None,
            "schedule": _fields(schedule) if get_schedule(op, schedule) else None,
            "target": _fields(target) if lib.faGetTarget(op, target) else None,
            "shared_memory": (_fields(smem) if lib.faAttentionGetSharedMemory(
                op, smem, _Chunks().callback, None).value else None)}

    def _type(self, value):
        """(shape, element type) of a shaped value: ([1, 2, 128, 64], "bf16")."""
        lib = self.lib
        t = lib.mlirValueGetType(value)
        shape = [lib.mlirShapedTypeGetDimSize(t, i)
                 for i in range(lib.mlirShapedTypeGetRank(t))]
        out = _Chunks()
        lib.mlirTypePrint(lib.mlirShapedTypeGetElementType(t), out.callback, None)
        return shape, out.text()

    def attention_operands(self, module):
        """The module's single fa.attention as compile() describes it, or
        None when there is not one: "q", "k", "v" and "mask" (None without
        one) as (shape, element type), "causal", "window" ([left, right],
        None when the op has none), "block_mask" ((block_q, block_kv, shape)
        of its block mask, None without), "scale" (None when the op has
        none), "mask_pattern" ([chunk, global, butterfly], None without
        one), "lse" (whether it returns the logsumexp too), and its
        "tiling" and "schedule" as decisions() reads them."""
        lib, op = self.lib, self._attention(module)
        if op is None:
            return None
        results = lib.mlirOperationGetNumResults(op)
        operands = [lib.mlirOperationGetOperand(op, i)
                    for i in range(lib.mlirOperationGetNumOperands(op))]
        # q, k, v, the optional mask and block mask, then one output per
        # result.
        blocks = lib.mlirOperationGetAttributeByName(op, _ref("block_sparse"))
        if blocks.ptr:
            text = _Chunks()
            lib.mlirAttributePrint(blocks, text.callback, None)
            sizes = [int(n) for n in re.findall(r"= (\d+)", text.text())]
        has_mask = len(operands) == 4 + results + bool(blocks.ptr)
        block_mask = (tuple(sizes) + (
            self._type(operands[3 + has_mask])[0],) if blocks.ptr else None)
        scale = lib.mlirOperationGetAttributeByName(op, _ref("scale"))
        causal = lib.mlirOperationGetAttributeByName(op, _ref("causal"))
        decided = self.decisions(module)
        window = _Window()
        attr, pattern = lib.mlirOperationGetAttributeByName(
            op, _ref("mask_pattern")), None
        if attr.ptr:
            text = _Chunks()
            lib.mlirAttributePrint(attr, text.callback, None)
            fields = dict(re.findall(r"(\w+) = (\d+)", text.text()))
            pattern = [int(fields.get(f, 0)) for f in ("chunk", "global",
                                                       "butterfly")]
        return {"window": ([window.left, window.right]
                           if lib.faAttentionGetWindow(op, window) else None),
                "mask_pattern": pattern,
                "block_mask": block_mask,
                "q": self._type(operands[0]), "k": self._type(operands[1]),
                "v": self._type(operands[2]),
                "mask": self._type(operands[3]) if has_mask else None,
                "causal": bool(causal.ptr), "lse": results == 2,
                "scale": lib.mlirFloatAttrGetValueDouble(scale) if scale.ptr else None,
                "tiling": decided["tiling"], "schedule": decided["schedule"]}


_compiler = None


def compiler():
    """The process's Compiler, created on first use."""
    global _compiler
    if _compiler is None:
        _compiler = Compiler()
    return _compiler


def compiler_available():
    try:
        compiler()
        return True
    except CompilerUnavailable:
        return False
