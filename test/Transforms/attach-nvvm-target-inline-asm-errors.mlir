// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target --verify-diagnostics

// Inline PTX the NVPTX back end cannot take stops the process there: a '$'
// that names no operand aborts it ("Bad $ operand number"), and a
// constraint it does not know or operands that do not match their
// constraints end it with exit(1) ("invalid operand in inline asm"), which
// takes a Python interpreter or a C API caller with it. fa-attach-nvvm-target
// refuses them first (found by the long fuzzing run, session 19: mutated
// copies of attach-nvvm-target-inline-ptx.mlir).

module @bad_reference attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: '$' at offset 23 of the text names no operand ($N or ${N}, or $$ for a '$'; no modifiers)}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 d$,], {$1, $2};", "l,f,f,~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

module @reference_out_of_range attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: $3 in the text, but the statement has 3 operand(s)}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $3};", "l,f,f,~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

module @braced_reference attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: '$' at offset 31 of the text names no operand}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [${0}], {${1:x, $2};", "l,f,f,~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

module @unknown_constraint attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: constraint '#' is not one the NVPTX back end takes (b, c, h, r, l, q, f, d, n or i, with '=' for an output; an output's number for a tied input; ~{...} for a clobber)}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};", "#,f,f,~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

module @inputs_mismatch attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: 2 input constraint(s) for 3 operand(s)}}
      llvm.inline_asm has_side_effects "red.global.add.f32 [$0], $1;", "l,f,~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

module @outputs_mismatch attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @load(%p: i64) -> i32 {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: 2 output constraint(s) for 1 result value(s)}}
      %v = llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$2];", "=r,=r,l" %p : (i64) -> i32
      llvm.return %v : i32
    }
  }
}

// -----

module @tied_past_outputs attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%a: i32) -> i32 {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: constraint '1' ties an input to output 1, but the statement has 1 output(s) before it}}
      %t = llvm.inline_asm "add.s32 $0, $0, $1;", "=r,1" %a : (i32) -> i32
      llvm.return %t : i32
    }
  }
}

// -----

// What the kernels use passes: outputs (one, or a struct of several), an
// input tied to an output (NVVM's PTX builder's read-write operands),
// clobbers, '$$' for a '$', a braced operand, no operands.
module @accepted attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @ok(%p: i64, %a: f32) -> i32 {
      llvm.inline_asm has_side_effects "red.global.add.f32 [$0], $1;", "l,f,~{memory}" %p, %a : (i64, f32) -> ()
      %v = llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 ${0}, [${1}]; // $$", "=&r,l" %p : (i64) -> i32
      %s = llvm.inline_asm "mov.b32 $0, 1; mov.b32 $1, 2;", "=r,=r" : () -> !llvm.struct<(i32, i32)>
      %t = llvm.inline_asm "add.s32 $0, $0, $1;", "=r,0,r" %v, %v : (i32, i32) -> i32
      llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", "" : () -> ()
      llvm.return %v : i32
    }
  }
}

// -----

// An immediate constraint (n, i) on an operand that is not an integer
// constant: the back end ends the process ("constraint 'n' expects an
// integer constant expression"; found by the long fuzzing run, session 21).
module @immediate_not_constant attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: constraint 'n' (input 1) is an immediate: its operand must be an integer constant}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};", "l,n,f,~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

module @immediate_output attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @mov() -> i32 {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: constraint '=n' is an immediate, which cannot be an output}}
      %r = llvm.inline_asm "mov.u32 $0, 1;", "=n" : () -> i32
      llvm.return %r : i32
    }
  }
}

// -----

// An integer constant takes an immediate.
module @immediate_constant attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @shift(%a: i32) -> i32 {
      %c = llvm.mlir.constant(3 : i32) : i32
      %r = llvm.inline_asm "shl.b32 $0, $1, $2;", "=r,r,n" %a, %c : (i32, i32) -> i32
      llvm.return %r : i32
    }
  }
}

// -----

// A clobber is one name in braces: LLVM reads what follows a first '}' as
// more constraint codes, and the digit here tied the clobber to an output
// the back end then could not print (found by the local fuzzing of
// session 23, with bytes that were not ASCII around the '1').
module @clobber_with_trailing_code attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: clobber '~{mem}1ory}' is not ~{name} with a register's name or memory (letters, digits, '_' and '.')}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f,~{mem}1ory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

module @clobber_without_braces attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      // expected-error @below {{'llvm.inline_asm' op cannot be compiled for NVPTX: clobber '~memory' is not ~{name} with a register's name or memory (letters, digits, '_' and '.')}}
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f,~memory" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}

// -----

// A register's name is a clobber the back end takes.
module @clobber_register attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
    llvm.func @add(%p: i64, %a: f32, %b: f32) {
      llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f,~{r1},~{memory}" %p, %a, %b : (i64, f32, f32) -> ()
      llvm.return
    }
  }
}
