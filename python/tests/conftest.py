"""The package from this checkout, the compiler from its build folder
($FLASHATTN_MLIR_LIB, else build/lib/libFlashAttn-C.so)."""

import os
import shutil
import sys

import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(PYTHON_DIR)
sys.path.insert(0, PYTHON_DIR)

import flashattn_mlir  # noqa: E402


def _has_cuda():
    try:
        import torch
        return torch.cuda.is_available()
    except ImportError:
        return False


HAS_CUDA = _has_cuda()
requires_gpu = pytest.mark.skipif(not HAS_CUDA, reason="needs torch and a CUDA GPU")
# test/Python (check-fa) sets FLASHATTN_MLIR_REQUIRE_COMPILER=1: there a
# missing compiler is a failure, not a skip.
if os.environ.get("FLASHATTN_MLIR_REQUIRE_COMPILER") == "1":
    flashattn_mlir._capi.compiler()  # raises CompilerUnavailable
requires_compiler = pytest.mark.skipif(
    not flashattn_mlir.compiler_available(),
    reason="needs libFlashAttn-C.so (set FLASHATTN_MLIR_LIB)")


def load_script(relative, name):
    """The module of the checkout's script ROOT/`relative` (bench/...),
    imported as `name`: the bench scripts are files, not a package."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(ROOT, *relative.split("/")))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fa_compile_path():
    path = os.environ.get("FA_COMPILE") or os.path.join(ROOT, "build", "bin", "fa-compile")
    return path if os.path.exists(path) else shutil.which("fa-compile")


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    # No disk cache unless a test asks for one (cache_dir=, or its own
    # FLASHATTN_MLIR_CACHE): the tests never write into ~/.cache.
    monkeypatch.setenv("FLASHATTN_MLIR_CACHE", "off")
    flashattn_mlir.clear_cache()
    flashattn_mlir.kernel._registry.clear()
    yield
    flashattn_mlir.clear_cache()
    flashattn_mlir.kernel._registry.clear()
