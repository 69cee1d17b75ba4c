"""flashattn_mlir: compile, inspect and run FlashAttention kernels.

Pure Python over ctypes (docs/Python.md): the compile side calls the
project's C API in libFlashAttn-C.so ($FLASHATTN_MLIR_LIB, default
build/lib/), the run side the CUDA runtime in libfa_runtime.so
($FA_RUNTIME_LIB), which needs no LLVM.
"""

from ._capi import CompileError, CompilerUnavailable, compiler_available
from .compiler import STAGES, clear_cache, compile, pipeline_options
from .kernel import Kernel, load, load_dir, register, registered
from .runtime import KernelNotFoundError, attention, find_kernel

__all__ = ["CompileError", "CompilerUnavailable", "Kernel",
           "KernelNotFoundError", "STAGES", "attention", "clear_cache",
           "compile", "compiler_available", "find_kernel", "load", "load_dir",
           "pipeline_options", "register", "registered"]
