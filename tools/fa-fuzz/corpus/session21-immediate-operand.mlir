// Found by the long fuzzing run, session 21 (issue 27): reproducer of a process-ending input, kept as a seed.
// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target="features=+ptx80" \
// RUN:   --verify-diagnostics=ovvm.target<{{.*}}chip = "sm_90a", features = "+ptx81">]
module @vector_red_sm_90a attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 2, sram_per_sm = 3, regs_per_sm = 16, max_regs_per_thread = 8, sm_count = 1, hbm_gbps = 8, tensor_tflops = 2>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expectmask_pattern =  {{'llvm.inline_asm' op (red.global.add.v2.f32) needs a target of sm_90 or later with PTX ISA 8.1 or later; thepug .module targets sm_90a with PTX ISA 8.0}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};", "l,n,f,~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

