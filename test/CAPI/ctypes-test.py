# Python reaches the compiler through libFlashAttn-C.so with nothing but
# ctypes (no MLIR Python bindings): register, parse, run a textual pipeline,
# print, and see a failing pipeline's diagnostics. docs/Embedding.md shows
# this program.
#
# RUN: %python %s %fa_obj_root/lib/libFlashAttn-C.so %fa_src_root/examples/attention.mlir | FileCheck %s
# CHECK: module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448,
# CHECK: fa.attention
# CHECK-SAME: tiling = #fa.tiling<block_q =
# CHECK: failed: {{.*}}error: unknown target 'mi300'

import ctypes
import sys


class StringRef(ctypes.Structure):  # MlirStringRef
    _fields_ = [("data", ctypes.c_char_p), ("length", ctypes.c_size_t)]


class Handle(ctypes.Structure):  # MlirContext, MlirModule, MlirOperation
    _fields_ = [("ptr", ctypes.c_void_p)]


class LogicalResult(ctypes.Structure):  # MlirLogicalResult
    _fields_ = [("value", ctypes.c_int8)]


class CallbackStringRef(ctypes.Structure):  # MlirStringRef given to callbacks
    # Not NUL-terminated: a c_char_p field would be read with strlen, past
    # the end of MLIR's buffer (AddressSanitizer found it).
    _fields_ = [("data", ctypes.c_void_p), ("length", ctypes.c_size_t)]


Callback = ctypes.CFUNCTYPE(None, CallbackStringRef, ctypes.c_void_p)  # MlirStringCallback


def string_ref(data: bytes) -> StringRef:
    return StringRef(data, len(data))


lib = ctypes.CDLL(sys.argv[1])
lib.faContextCreate.restype = Handle
lib.mlirModuleCreateParse.argtypes = [Handle, StringRef]
lib.mlirModuleCreateParse.restype = Handle
lib.mlirModuleGetOperation.argtypes = [Handle]
lib.mlirModuleGetOperation.restype = Handle
lib.faRunPassPipeline.argtypes = [Handle, StringRef, Callback, ctypes.c_void_p]
lib.faRunPassPipeline.restype = LogicalResult
lib.mlirOperationPrint.argtypes = [Handle, Callback, ctypes.c_void_p]
lib.mlirModuleDestroy.argtypes = [Handle]
lib.mlirContextDestroy.argtypes = [Handle]

chunks = []
collect = Callback(lambda text, _: chunks.append(ctypes.string_at(text.data, text.length)))


def run_pipeline(source: bytes, pipeline: bytes) -> str:
    """Returns the module after `pipeline`, or raises with its diagnostics."""
    module = lib.mlirModuleCreateParse(ctx, string_ref(source))
    if not module.ptr:
        raise ValueError("invalid IR")
    try:
        chunks.clear()
        if not lib.faRunPassPipeline(module, string_ref(pipeline), collect, None).value:
            raise RuntimeError(b"".join(chunks).decode())
        chunks.clear()
        lib.mlirOperationPrint(lib.mlirModuleGetOperation(module), collect, None)
        return b"".join(chunks).decode()
    finally:
        lib.mlirModuleDestroy(module)


lib.faRegisterAllPasses()
ctx = lib.faContextCreate()
source = open(sys.argv[2], "rb").read()
print(run_pipeline(source, b"fa-set-target{target=h100},func.func(fa-select-tiling)"))
try:
    run_pipeline(source, b"fa-set-target{target=mi300}")
except RuntimeError as e:
    print("failed:", str(e).splitlines()[0])
lib.mlirContextDestroy(ctx)
