// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target="features=+ptx80" \
// RUN:   --verify-diagnostics=only-expected

// Inline PTX that needs a later PTX ISA than the arch's lowest (the wgmma
// backward's dQ adds, red.global.add.v2.f32: PTX ISA 8.1, sm_90): without
// a +ptx feature fa-attach-nvvm-target raises the gpu.module's PTX ISA to
// 8.1, and only that module's; a +ptx feature below it is refused with the
// instruction named, where ptxas would have failed.

// CHECK-LABEL: module @vector_red_sm_90a
// CHECK: gpu.module @k [#nvvm.target<{{.*}}chip = "sm_90a", features = "+ptx81">]
module @vector_red_sm_90a attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op (red.global.add.v2.f32) needs a target of sm_90 or later with PTX ISA 8.1 or later; the gpu.module targets sm_90a with PTX ISA 8.0}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f,~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

// Other inline PTX keeps the arch's lowest version.
// CHECK-LABEL: module @other_asm_sm_90a
// CHECK: gpu.module @k [#nvvm.target<{{.*}}chip = "sm_90a", features = "+ptx80">]
module @other_asm_sm_90a attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @commit() {
      llvm.inline_asm has_side_effects "cp.async.bulk.commit_group;", "" : () -> ()
      llvm.return
    }
  }
}

