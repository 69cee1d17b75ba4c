//===- Passes.td - flashattn-mlir GPU lowering passes ------*- tablegen -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Passes of the GPU tail that are not tied to the fa dialect: they work on
// upstream gpu.module / gpu.launch_func IR and read the module's #fa.target.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_TRANSFORMS_PASSES_TD
#define FLASHATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FAAttachNVVMTargetPass : Pass<"fa-attach-nvvm-target", "ModuleOp"> {
  let summary = "Attach an #nvvm.target derived from the module's #fa.target "
                "to every gpu.module";
  let description = [{
    Reads the `fa.target` attribute of the module (set by `fa-set-target`)
    and attaches `#nvvm.target<chip = ..., features = ...>` to every
    `gpu.module` that has no target yet, so that `gpu-module-to-binary`
    serializes for the architecture the cost model planned for. The chip is
    the target's `arch` (`sm_90a`, `sm_80`, ...); the PTX ISA version is the
    lowest one that supports that architecture (`+ptx70` for sm_80, `+ptx80`
    for sm_90a, ...) unless `features` overrides it.

    ```mlir
    module attributes {fa.target = #fa.target<arch = "sm_80", ...>} {
      gpu.module @k { ... }
    }
    // becomes
    gpu.module @k [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">]
    ```
  }];
  let options = [
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "PTX features, e.g. +ptx80 (default: the lowest PTX ISA version "
           "that supports the target's arch)">,
    Option<"optLevel", "O", "unsigned", /*default=*/"3",
           "Optimization level of the NVPTX back end">,
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::NVVM::NVVMDialect",
  ];
}

def FAMergeGPUModulesPass : Pass<"fa-merge-gpu-modules", "ModuleOp"> {
  let summary = "Merge every gpu.module of a module into the first one";
  let description = [{
    `gpu-kernel-outlining` puts each kernel in its own `gpu.module`, and
    `gpu-module-to-binary` then makes one binary (one PTX file) per kernel.
    This pass moves the kernels (and any helper functions) of all
    `gpu.module`s into the first one, renaming a kernel that would clash to
    the name of the module it came from, and retargets every
    `gpu.launch_func`. The result is one PTX module per compilation unit,
    which the runtime loads once. Modules that already carry different
    targets are left alone with an error.

    ```mlir
    gpu.module @f_kernel   { gpu.func @f_kernel() kernel { ... } }
    gpu.module @f_kernel_0 { gpu.func @f_kernel() kernel { ... } }
    // becomes
    gpu.module @f_kernel { gpu.func @f_kernel() kernel { ... }
                           gpu.func @f_kernel_0() kernel { ... } }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def FARequireKernelPass : Pass<"fa-require-kernel", "ModuleOp"> {
  let summary = "Fail when the module holds no kernel";
  let description = [{
    `fa-to-ptx-pipeline` makes kernels of `fa` ops and of GPU IR
    (`gpu.launch`, `gpu.launch_func`, `gpu.module`, `gpu.binary`) only: a
    module with none of them ends with no kernel, and a pipeline that exits
    0 on it hides the usual cause, an attention written in linalg that
    `fa-raise-attention` did not raise. This pass fails on such a module
    with an error that says so and points to
    `fa-raise-attention{explain=true}`, which names the step of each
    candidate that did not match. `fa-to-ptx-pipeline` runs it first, so
    every `stop-after` stage refuses such a module.

    ```mlir
    // error: the module holds no kernel: no fa.attention, gpu.launch or
    // gpu.module (run fa-raise-attention{explain=true} to see why an
    // attention written in linalg was not raised)
    module {
      func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> { return %x : tensor<4xf32> }
    }
    ```
  }];
}

def FACheckLaunchLimitsPass
    : InterfacePass<"fa-check-launch-limits", "::mlir::FunctionOpInterface"> {
  let summary = "Refuse gpu.launch / gpu.launch_func sizes beyond CUDA's "
                "limits";
  let description = [{
    A launch whose grid or block exceeds what CUDA launches fails at
    `cuLaunchKernel` (`CUDA_ERROR_INVALID_VALUE`), on the GPU machine and
    long after compiling. This pass refuses, with an error on the launch,
    every constant size outside CUDA's limits (the same on every compute
    capability from 3.0 on): grid x from 1 to 2^31 - 1, grid y and z from 1
    to 65535, block x and y from 1 to 1024, block z from 1 to 64, and at
    most 1024 threads a block. A size that is not a constant is left to the
    runtime, which checks the manifest's sizes the same way.
    `fa-to-ptx-pipeline` runs it first in its GPU tail, on the launches of
    either front end.

    ```mlir
    // error: gpu.launch grid y = 65536 exceeds CUDA's limit of 65535
    gpu.launch blocks(%bx, %by, %bz) in (%x = %c4, %y = %c65536, %z = %c1)
               threads(%tx, %ty, %tz) in (%a = %c128, %b = %c1, %c = %c1) {
      ...
    }
    ```
  }];
}

def FALowerTensorMapArgsPass
    : Pass<"fa-lower-tensormap-args", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Give kernel arguments of type !nvgpu.tensormap.descriptor "
                "their LLVM type, !llvm.ptr";
  let description = [{
    A TMA tensor map reaches a kernel as a pointer to its 128 bytes in
    global memory (upstream's convention: `convert-nvgpu-to-nvvm` lowers the
    descriptor type to `!llvm.ptr`). Upstream's GPU pipeline runs
    `convert-nvgpu-to-nvvm` on the host function too, before outlining, so
    its kernels never take the nvgpu type. flashattn-mlir's host function
    stays at the `gpu.launch_func` level, where the kernel manifest reads the
    `nvgpu.tma.create.descriptor` ops that the runtime then encodes, so the
    outlined kernels do take it, and `convert-gpu-to-nvvm`'s type converter
    does not know it. Run after `convert-nvgpu-to-nvvm` (whose
    `unrealized_conversion_cast`s from the argument to `!llvm.ptr` become
    no-ops) and before `convert-gpu-to-nvvm`; it rewrites the argument types
    of every `gpu.func` in the module.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def FASetKernelMaxRegistersPass
    : Pass<"fa-set-kernel-max-registers", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Give kernels that use setmaxnreg the register count they "
                "start with (nvvm.maxnreg)";
  let description = [{
    `setmaxnreg` (`nvvm.setmaxregister`) moves registers between the
    warpgroups of a block; ptxas applies it only when the kernel declares
    how many registers each thread starts with (`.maxnreg`), and otherwise
    ignores it or allocates the whole kernel within the entry count (with
    spills). Upstream's outlining does not carry attributes from the
    `gpu.launch` to the kernel, so this pass sets `nvvm.maxnreg` on every
    `gpu.func` kernel that contains `nvvm.setmaxregister`: the register
    file (65536 registers) over the kernel's `known_block_size` threads,
    rounded down to ptxas's granularity of 8. A kernel without a known block
    size is an error; one that already has `nvvm.maxnreg` keeps it. Run
    before `convert-gpu-to-nvvm`, which carries the attribute to the
    `llvm.func` (PTX `.maxnreg`).

    It also sets `nvvm.minctasm` (PTX `.minnctapersm`) on a kernel whose
    `gpu.dynamic_shared_memory` carries `fa.min_blocks_per_sm`, the resident
    blocks its `#fa.schedule` decided (`min_blocks`, D118), and removes
    that attribute; a kernel that has `nvvm.minctasm` keeps it.
  }];
}

def FAExternDynamicSharedMemoryPass
    : Pass<"fa-extern-dynamic-shared-memory", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Give the dynamic shared memory's zero-sized LLVM globals "
                "external linkage, so that they name the dynamic segment";
  let description = [{
    `convert-gpu-to-nvvm` lowers `gpu.dynamic_shared_memory` to an
    `internal` zero-sized array in address space 3. The NVPTX back end
    prints it as a static one-byte `.shared` variable, and ptxas lays it out
    with the other static ones (the kernels' mbarriers) at the start of the
    static segment, before them: the kernel's "dynamic" base is not the
    dynamic segment, and the wgmma kernels' tiles, which start there,
    alias their own mbarriers (docs/decisions.md, D91). An external
    zero-sized array is CUDA's `extern __shared__ char buf[]`
    (`.extern .shared .b8 name[]`), which the launch places after the
    static segment. Run after `convert-gpu-to-nvvm`.

    ```mlir
    // before
    llvm.mlir.global internal @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
    // after
    llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // FLASHATTN_TRANSFORMS_PASSES_TD
