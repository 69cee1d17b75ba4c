// convert-fa-to-gpu's caller-strides (docs/GPU.md, "Caller strides"): the
// SIMT kernel addresses its operands densely, so under the option its
// thread-block loops are an error rather than kernels that would ignore
// the caller's strides. f32 takes the SIMT kernels, forward and backward.
// RUN: fa-opt %s -split-input-file --fa-to-ptx-pipeline="target=h100 caller-strides stop-after=gpu" -verify-diagnostics

func.func @negative_simt_forward(%q: tensor<2x4x256x64xf32>, %k: tensor<2x4x256x64xf32>, %v: tensor<2x4x256x64xf32>, %o: tensor<2x4x256x64xf32>) -> tensor<2x4x256x64xf32> {
  // expected-error @+1 {{the SIMT kernel cannot read the caller's strides (caller-strides): it addresses its operands densely; use the mma-sync or wgmma kernel}}
  %r = fa.attention ins(%q, %k, %v : tensor<2x4x256x64xf32>, tensor<2x4x256x64xf32>, tensor<2x4x256x64xf32>) outs(%o : tensor<2x4x256x64xf32>) {scale = 0.125 : f32} -> tensor<2x4x256x64xf32>
  return %r : tensor<2x4x256x64xf32>
}

// -----

func.func @negative_simt_backward(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>, %o: tensor<1x2x64x32xf32>, %do: tensor<1x2x64x32xf32>, %lse: tensor<1x2x64xf32>, %dq: tensor<1x2x64x32xf32>, %dk: tensor<1x2x64x32xf32>, %dv: tensor<1x2x64x32xf32>) -> (tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) {
  // expected-error @+1 {{the SIMT kernel cannot read the caller's strides}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64xf32>) outs(%dq, %dk, %dv : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) {scale = 0.125 : f32} -> tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
}
