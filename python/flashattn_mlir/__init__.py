"""flashattn_mlir: compile, inspect and run FlashAttention kernels.

Pure Python over ctypes (docs/Python.md): the compile side calls the
project's C API in libFlashAttn-C.so ($FLASHATTN_MLIR_LIB, default
build/lib/), the run side the CUDA runtime in libfa_runtime.so
($FA_RUNTIME_LIB), which needs no LLVM.

Modules, each importing only those listed after it: integrations.transformers
(the transformers backend, imported on demand), autograd (torch tensors:
the custom ops, launch plans; imported when torch is), aot (record calls,
compile bundles), runtime (attention(), find_kernel), backward
(compile_backward()), compiler (compile(), the caches), block_mask
(BlockMask and its helpers), _disk_cache, kernel
(Kernel, load, the registry), _stages (the IR at each stage), _config (a
kernel's configuration, name, keys and pipeline options), _capi (the C
API), _dlpack, _paths.
"""

import sys

from ._capi import CompileError, CompilerUnavailable, compiler_available
from ._config import pipeline_options
from ._stages import STAGES
from .compiler import clear_cache, compile
from .backward import compile_backward
from .block_mask import (BlockMask, block_mask_from_document_ids,
                         create_block_mask, document_keep_mask)
from .kernel import Kernel, load, load_dir, register, registered
from .mask_pattern import MaskPattern
from .runtime import KernelNotFoundError, attention, find_kernel

__all__ = ["BlockMask", "CompileError", "CompilerUnavailable", "Kernel",
           "KernelNotFoundError", "MaskPattern", "STAGES", "attention", "clear_cache",
           "block_mask_from_document_ids", "compile", "compile_backward",
           "compiler_available", "create_block_mask", "document_keep_mask",
           "find_kernel", "load", "load_dir",
           "pipeline_options", "register", "registered"]

# The torch custom ops (torch.ops.flashattn_mlir.attention, ...) are
# registered by flashattn_mlir.autograd: now when torch is already
# imported, else on attention()'s first torch call (or by importing
# flashattn_mlir.autograd). The package itself does not need torch.
if "torch" in sys.modules:
    from . import autograd  # noqa: F401
