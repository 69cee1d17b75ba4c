// RUN: fa-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

func.func @negative_rank(%q: tensor<8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{query must have rank 4 ([B, H, N, D]), got 'tensor<8x128x64xf16>'}}
  %r = fa.attention ins(%q, %k, %v : tensor<8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_head_dim(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x32xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{query and key head dimensions differ: 64 vs 32}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x32xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_gqa_ratio(%q: tensor<2x6x128x64xf16>, %k: tensor<2x4x128x64xf16>,
    %v: tensor<2x4x128x64xf16>, %o: tensor<2x6x128x64xf16>) -> tensor<2x6x128x64xf16> {
  // expected-error @+1 {{query heads (6) must be a positive multiple of key/value heads (4)}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x6x128x64xf16>, tensor<2x4x128x64xf16>, tensor<2x4x128x64xf16>)
       outs(%o : tensor<2x6x128x64xf16>) -> tensor<2x6x128x64xf16>
  return %r : tensor<2x6x128x64xf16>
}

// -----

func.func @negative_dtype_mismatch(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xbf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{query, key and value must share one element type, got 'f16', 'bf16', 'f16'}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xbf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_element_type(%q: tensor<2x8x128x64xi8>, %k: tensor<2x8x128x64xi8>,
    %v: tensor<2x8x128x64xi8>, %o: tensor<2x8x128x64xi8>) -> tensor<2x8x128x64xi8> {
  // expected-error @+1 {{element type must be f16, bf16 or f32, got 'i8'}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xi8>, tensor<2x8x128x64xi8>, tensor<2x8x128x64xi8>)
       outs(%o : tensor<2x8x128x64xi8>) -> tensor<2x8x128x64xi8>
  return %r : tensor<2x8x128x64xi8>
}

// -----

func.func @negative_output_dtype(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf32>) -> tensor<2x8x128x64xf32> {
  // expected-error @+1 {{output element type 'f32' must match the input element type 'f16'}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf32>) -> tensor<2x8x128x64xf32>
  return %r : tensor<2x8x128x64xf32>
}

// -----

func.func @negative_output_shape(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x256x64xf16>,
    %v: tensor<2x8x256x32xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{output must have shape [B, Hq, Nq, Dv] = [2, 8, 128, 32] (? is dynamic), got 'tensor<2x8x128x64xf16>'}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x32xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_kv_length(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x256x64xf16>,
    %v: tensor<2x8x255x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{key and value sequence lengths differ: 256 vs 255}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x255x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_kv_heads(%q: tensor<2x8x128x64xf16>, %k: tensor<2x4x128x64xf16>,
    %v: tensor<2x2x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{key and value must have the same number of heads, got 4 and 2}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x4x128x64xf16>, tensor<2x2x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_batch(%q: tensor<2x8x128x64xf16>, %k: tensor<3x8x128x64xf16>,
    %v: tensor<3x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{batch sizes of query, key and value differ}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<3x8x128x64xf16>, tensor<3x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_dynamic_heads(%q: tensor<2x?x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{query head count and head dimension must be static}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x?x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_bias_shape(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x256x64xf16>,
    %v: tensor<2x8x256x64xf16>, %m: tensor<1x8x128x128xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{mask must be broadcastable to [B, Hq, Nq, Nk] (each dimension equal or 1), got 'tensor<1x8x128x128xf16>'}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x64xf16>)
       mask(%m : tensor<1x8x128x128xf16>) outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_mask_type(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %m: tensor<1x1x128x128xi8>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{mask element type must be f16, bf16 or f32 (additive) or i1 (keep), got 'i8'}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       mask(%m : tensor<1x1x128x128xi8>) outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_scale(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{scale must be positive and finite, got -1}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) {scale = -1.0 : f32} -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_scale_zero(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{scale must be positive and finite, got 0}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) {scale = 0.0 : f32} -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

// scale * log2(e) overflows f32 (issue 27, item 8: the tensor-core kernels'
// output was NaN where the math is finite).
func.func @negative_scale_huge(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{scale must be between about 2.94e-39 and 2.36e38 (scale * log2(e) and 1 / scale are finite f32), got 2.400000e+38}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) {scale = 2.4e38 : f32} -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

// 1 / scale overflows f32 (the kernels divide an additive mask by it).
func.func @negative_scale_tiny(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  // expected-error @+1 {{scale must be between about 2.94e-39 and 2.36e38}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) {scale = 1.0e-39 : f32} -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

func.func @negative_lse_type(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>, %l: tensor<2x8x128xf16>)
    -> (tensor<2x8x128x64xf16>, tensor<2x8x128xf16>) {
  // expected-error @+1 {{logsumexp init must be f32 of shape [B, Hq, Nq] = [2, 8, 128], got 'tensor<2x8x128xf16>'}}
  %r:2 = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o, %l : tensor<2x8x128x64xf16>, tensor<2x8x128xf16>) -> tensor<2x8x128x64xf16>, tensor<2x8x128xf16>
  return %r#0, %r#1 : tensor<2x8x128x64xf16>, tensor<2x8x128xf16>
}

// -----

func.func @negative_result_type(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x32xf16> {
  // expected-error @+1 {{result type 'tensor<2x8x128x32xf16>' does not match its init type 'tensor<2x8x128x64xf16>'}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x32xf16>
  return %r : tensor<2x8x128x32xf16>
}

// -----

func.func @negative_tiling(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
    %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       // expected-error @+1 {{#fa.tiling block sizes must be positive, got block_q = 0, block_kv = 64}}
       outs(%o : tensor<2x8x128x64xf16>) {tiling = #fa.tiling<block_q = 0, block_kv = 64, stages = 2, warps = 4>} -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

// expected-error @+1 {{'fa.target' is only allowed on builtin.module}}
func.func @negative_target_on_func() attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  return
}

// -----

// expected-error @+1 {{'fa.target' must be a #fa.target attribute}}
module attributes {fa.target = "h100"} {
}

// -----

// expected-error @+1 {{unknown fa dialect attribute 'fa.bogus'}}
module attributes {fa.bogus = 1} {
}

// -----

// expected-error @+1 {{invalid #fa.target: sram_per_sm must be at least sram_per_block}}
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 1024, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
}

// -----

// expected-error @+1 {{invalid #fa.target: arch 'gfx90a' is not an NVIDIA SM architecture of sm_70 or later}}
module attributes {fa.target = #fa.target<arch = "gfx90a", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
}

// -----

// Not an arch of the NVPTX back end (issue 27, item 1: these aborted LLVM).
// expected-error @+1 {{invalid #fa.target: arch 'sm_81' is not an NVIDIA SM architecture of sm_70 or later that the NVPTX back end knows (sm_70, sm_72,}}
module attributes {fa.target = #fa.target<arch = "sm_81", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
}

// -----

// Not an arch of the NVPTX back end (issue 27, item 1: these aborted LLVM).
// expected-error @+1 {{invalid #fa.target: arch 'sm_91' is not an NVIDIA SM architecture of sm_70 or later that the NVPTX back end knows (sm_70, sm_72,}}
module attributes {fa.target = #fa.target<arch = "sm_91", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
}

// -----

// Not an arch of the NVPTX back end (issue 27, item 1: these aborted LLVM).
// expected-error @+1 {{invalid #fa.target: arch 'sm_999' is not an NVIDIA SM architecture of sm_70 or later that the NVPTX back end knows (sm_70, sm_72,}}
module attributes {fa.target = #fa.target<arch = "sm_999", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
}

// -----

// Not an arch of the NVPTX back end (issue 27, item 1: these aborted LLVM).
// expected-error @+1 {{invalid #fa.target: arch 'sm_90abc' is not an NVIDIA SM architecture of sm_70 or later that the NVPTX back end knows (sm_70, sm_72,}}
module attributes {fa.target = #fa.target<arch = "sm_90abc", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
}

// -----

// Not an arch of the NVPTX back end (issue 27, item 1: these aborted LLVM).
// expected-error @+1 {{invalid #fa.target: arch 'sm_70x' is not an NVIDIA SM architecture of sm_70 or later that the NVPTX back end knows (sm_70, sm_72,}}
module attributes {fa.target = #fa.target<arch = "sm_70x", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
}

// -----

func.func @negative_tiling_attr_kind() {
  // expected-error @+1 {{'fa.tiling' must be a #fa.tiling attribute}}
  "test.op"() {fa.tiling = 3 : i32} : () -> ()
  return
}

// -----

func.func @negative_predicted_sram_kind() {
  // expected-error @+1 {{'fa.predicted_sram' must be an integer attribute}}
  "test.op"() {fa.predicted_sram = "99328"} : () -> ()
  return
}

// -----

func.func @negative_predicted_sram_negative() {
  // expected-error @+1 {{'fa.predicted_sram' must not be negative}}
  "test.op"() {fa.predicted_sram = -128 : i64} : () -> ()
  return
}

// -----

// fa.align: a memref argument's byte alignment (convert-fa-to-nvgpu).
// expected-error @+1 {{'fa.align' must be a positive power of two (i64)}}
func.func @align_not_power_of_two(%q: memref<4xf16> {fa.align = 12 : i64}) {
  return
}

// -----

// expected-error @+1 {{'fa.align' must be a positive power of two (i64)}}
func.func @align_not_i64(%q: memref<4xf16> {fa.align = 16 : i32}) {
  return
}

// -----

// expected-error @+1 {{'fa.align' is only allowed on a memref argument}}
func.func @align_not_memref(%q: f16 {fa.align = 16 : i64}) {
  return
}

// -----

// expected-error @+1 {{unknown fa dialect argument attribute 'fa.alignment'}}
func.func @unknown_arg_attr(%q: memref<4xf16> {fa.alignment = 16 : i64}) {
  return
}

// -----

// A function body with fewer block arguments than its signature (found by
// the long fuzzing run, session 21: the check read a block argument that
// does not exist): fa.align is checked against the signature's type.
// expected-error @+1 {{'fa.align' is only allowed on a memref argument}}
func.func @align_signature_not_memref(f16 {fa.align = 16 : i64}) {
  return
}

// -----

// The signature's memref takes fa.align; the function's own verifier then
// refuses the body.
// expected-error @+1 {{entry block must have 1 arguments to match function signature}}
func.func @align_signature_memref(memref<4xf16> {fa.align = 16 : i64}) {
  return
}
