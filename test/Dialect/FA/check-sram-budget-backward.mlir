// fa-check-sram-budget on fa.attention_grad: the shared memory of its
// #fa.backward_schedule's kernel, else the SIMT kernel's largest nest
// (simtBackwardSramBytes); the kernel option is the forward's and does not
// change it. An op without a tiling is left alone.
// RUN: fa-opt %s -split-input-file --fa-check-sram-budget -verify-diagnostics
// RUN: fa-opt %s -split-input-file --fa-check-sram-budget=kernel=tensor-core -verify-diagnostics

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @simt_too_big(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  // expected-error @below {{'fa.attention_grad' op tiling #fa.tiling<block_q = 256, block_kv = 256, stages = 1, warps = 8> needs 1050624 bytes of shared memory per block but the target (sm_80) allows 166912 (backward kernel=simt)}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {tiling = #fa.tiling<block_q = 256, block_kv = 256, stages = 1, warps = 8>}
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @simt_fits(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>}
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @mma_sync_too_big(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  // expected-error @below {{'fa.attention_grad' op tiling #fa.tiling<block_q = 256, block_kv = 256, stages = 1, warps = 8> needs 415744 bytes of shared memory per block but the target (sm_80) allows 166912 (backward kernel=mma-sync)}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 256, block_kv = 256, stages = 1, warps = 8>}
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}
}

// -----

func.func @no_target(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  // expected-error @below {{'fa.attention_grad' op has a tiling but no #fa.target on the enclosing module to check it against; run fa-set-target}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>}
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @no_tiling(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}
}
