# -*- Python -*- lit configuration for flashattn-mlir.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "FLASHATTN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["Inputs", "Unit", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fa_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%fa_src_root", config.fa_src_root))
config.substitutions.append(("%fa_tools_dir", config.fa_tools_dir))
config.substitutions.append(("%fa_obj_root", config.fa_obj_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.fa_tools_dir, append_path=True)

tools = [
    "fa-compile",
    "fa-opt",
    ToolSubst("mlir-opt", unresolved="fatal"),
    ToolSubst("mlir-runner", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, [config.fa_tools_dir, config.llvm_tools_dir])

# CUDA toolkit: `ptxas` is a feature, tests that need it say REQUIRES: ptxas.
ptxas = shutil.which("ptxas") or (
    os.path.join(config.cuda_root, "bin", "ptxas")
    if os.path.exists(os.path.join(config.cuda_root, "bin", "ptxas"))
    else None
)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# Sanitizer builds (FA_ENABLE_SANITIZERS, docs/Reliability.md). A host that
# is not ours but loads our instrumented code (the stock mlir-opt with the
# plugin, Python with the C API) needs the ASan runtime preloaded; its own
# allocations at exit are not ours to leak-check. test/Plugin and test/CAPI
# put fa_host_preload in front of those hosts.
config.fa_host_preload = ""
if getattr(config, "fa_sanitizers", "").upper() in ("ON", "1", "TRUE", "YES"):
    import subprocess

    config.available_features.add("sanitizers")
    asan_rt = subprocess.check_output(
        [config.cxx_compiler, "-print-file-name=libclang_rt.asan-x86_64.so"],
        text=True).strip()
    config.fa_host_preload = (
        "env LD_PRELOAD=%s ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "
        % asan_rt)

# The libFuzzer target exists in FA_ENABLE_FUZZER builds (docs/Reliability.md).
if os.path.exists(os.path.join(config.fa_tools_dir, "fa-fuzz")):
    config.available_features.add("fa-fuzz")

# A GPU is only present on the device machine; CI never has one.
if os.environ.get("FA_GPU_TESTS") == "1":
    config.available_features.add("cuda-gpu")

# runtime/ (CUDA driver API), built when CMake found a CUDA toolkit.
fa_runtime_lib = os.path.join(config.fa_obj_root, "lib", "libfa_runtime.so")
if os.path.exists(fa_runtime_lib):
    config.available_features.add("fa-runtime")
    config.substitutions.append(("%fa_runtime_lib", fa_runtime_lib))

try:
    import numpy  # noqa: F401

    config.available_features.add("numpy")
except ImportError:
    pass

# CPU execution cases: emit -> fa-opt -> upstream CPU lowering -> mlir-runner
# -> check against a float64 NumPy reference (test/Integration/attention_case.py).
config.environment["MLIR_LIB_DIR"] = config.mlir_lib_dir
config.substitutions.append(
    ("%attn-case",
     config.python_executable + " "
     + os.path.join(config.fa_src_root, "test", "Integration", "attention_case.py")))
# The same for the gradients of fa.attention_grad (attention_grad_case.py).
config.substitutions.append(
    ("%attn-grad-case",
     config.python_executable + " "
     + os.path.join(config.fa_src_root, "test", "Integration",
                    "attention_grad_case.py")))
