// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target --verify-diagnostics
// RUN: not fa-opt %s --split-input-file --fa-attach-nvvm-target 2>/dev/null \
// RUN:   | FileCheck %s
// RUN: not fa-opt %s --split-input-file \
// RUN:   --fa-to-ptx-pipeline="target=a100 naive=true" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PIPELINE

// Device code with an NVVM op the NVPTX back end selects only on some
// archs and PTX versions, and which upstream's NVVMRequiresSM traits do not
// cover: on another target, gpu-module-to-binary aborted (`LLVM ERROR:
// Cannot select: intrinsic %llvm.nvvm.setmaxnreg.inc.sync.aligned.u32`,
// `... %llvm.nvvm.prefetch.tensormap`, both found by fa-fuzz).
// fa-attach-nvvm-target refuses it, for the target it attaches and for one
// the gpu.module already has.

// PIPELINE: error: 'nvvm.setmaxregister' op (setmaxnreg) needs an arch-specific (a or f) target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_80 with PTX ISA 7.0
module @negative_setmaxnreg_sm_80 attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  gpu.module @k {
    gpu.func @producer() kernel attributes {known_block_size = array<i32: 384, 1, 1>} {
      // expected-error @below {{'nvvm.setmaxregister' op (setmaxnreg) needs an arch-specific (a or f) target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_80 with PTX ISA 7.0}}
      nvvm.setmaxregister increase 240
      gpu.return
    }
  }
}

// -----

// PIPELINE: error: 'nvvm.setmaxregister' op (setmaxnreg) needs an arch-specific (a or f) target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_90 with PTX ISA 7.8
module @negative_setmaxnreg_given_sm_90 attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k [#nvvm.target<chip = "sm_90">] {
    gpu.func @producer() kernel attributes {known_block_size = array<i32: 384, 1, 1>} {
      // expected-error @below {{'nvvm.setmaxregister' op (setmaxnreg) needs an arch-specific (a or f) target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_90 with PTX ISA 7.8}}
      nvvm.setmaxregister decrease 24
      gpu.return
    }
  }
}

// -----

// The archs the back end selects it for.
// CHECK-LABEL: module @setmaxnreg_sm_90a
// CHECK: gpu.module @k [#nvvm.target<{{.*}}chip = "sm_90a"
// CHECK-LABEL: module @setmaxnreg_sm_120f
// CHECK: gpu.module @k [#nvvm.target<{{.*}}chip = "sm_120f"
// CHECK-LABEL: module @setmaxnreg_sm_100a_given
// CHECK: gpu.module @k [#nvvm.target<chip = "sm_100a">]
module @setmaxnreg_sm_90a attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    gpu.func @producer() kernel {
      nvvm.setmaxregister increase 240
      gpu.return
    }
  }
}

// -----

module @setmaxnreg_sm_120f attributes {fa.target = #fa.target<arch = "sm_120f", sram_per_block = 101376, sram_per_sm = 102400, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 84, hbm_gbps = 1792, tensor_tflops = 419>} {
  gpu.module @k {
    gpu.func @producer() kernel {
      nvvm.setmaxregister increase 240
      gpu.return
    }
  }
}

// -----

module @setmaxnreg_sm_100a_given attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  gpu.module @k [#nvvm.target<chip = "sm_100a">] {
    gpu.func @producer() kernel {
      nvvm.setmaxregister increase 240
      gpu.return
    }
  }
}

// -----

// Every prefetch: sm_90 with PTX ISA 8.0 (sm_90's lowest is 7.8, so
// without a +ptx feature the pass gives the module 8.0; an explicit +ptx
// feature below an op's need is refused, as in
// attach-nvvm-target-inline-ptx.mlir); the L2 one on t4 (sm_75) was the
// fuzzer's third finding.
// PIPELINE: error: 'nvvm.prefetch' op (prefetch) needs a target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_80 with PTX ISA 7.0
// CHECK-LABEL: module @prefetch_tensormap_default_ptx
// CHECK: gpu.module @k [#nvvm.target<{{.*}}chip = "sm_90", features = "+ptx80">]
module @prefetch_tensormap_default_ptx attributes {fa.target = #fa.target<arch = "sm_90", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @prefetch(%p: !llvm.ptr) {
      nvvm.prefetch tensormap, %p : !llvm.ptr
      llvm.return
    }
  }
}

// -----

// PIPELINE: error: 'nvvm.prefetch' op (prefetch) needs a target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_80 with PTX ISA 7.0
module @negative_prefetch_l2_sm_75 attributes {fa.target = #fa.target<arch = "sm_75", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 40, hbm_gbps = 320, tensor_tflops = 65>} {
  gpu.module @k {
    llvm.func @prefetch(%p: !llvm.ptr) {
      // expected-error @below {{'nvvm.prefetch' op (prefetch) needs a target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_75 with PTX ISA 6.3}}
      nvvm.prefetch level = L2, %p : !llvm.ptr
      llvm.return
    }
  }
}

// -----

// CHECK-LABEL: module @prefetch_ptx80
// CHECK: gpu.module @k [#nvvm.target<chip = "sm_90", features = "+ptx80">]
module @prefetch_ptx80 attributes {fa.target = #fa.target<arch = "sm_90", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k [#nvvm.target<chip = "sm_90", features = "+ptx80">] {
    llvm.func @prefetch(%p: !llvm.ptr) {
      nvvm.prefetch tensormap, %p : !llvm.ptr
      nvvm.prefetch level = L2, %p : !llvm.ptr
      llvm.return
    }
  }
}

// -----

// The nvgpu op that convert-nvgpu-to-nvvm lowers to prefetch.tensormap,
// after this pass (the tensor-map test's kernel on sm_80, found by fa-fuzz).
!map = !nvgpu.tensormap.descriptor<tensor = memref<1x1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
// PIPELINE: error: 'nvgpu.tma.prefetch.descriptor' op (prefetch.tensormap) needs a target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_80 with PTX ISA 7.0
module @negative_tma_prefetch_sm_80 attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  gpu.module @k {
    gpu.func @kernel(%a: !map) kernel {
      // expected-error @below {{'nvgpu.tma.prefetch.descriptor' op (prefetch.tensormap) needs a target of sm_90 or later with PTX ISA 8.0 or later; the gpu.module targets sm_80 with PTX ISA 7.0}}
      nvgpu.tma.prefetch.descriptor %a : !map
      gpu.return
    }
  }
}
