// RUN: fa-opt %s --split-input-file --fa-to-ptx-pipeline=target=h100 --verify-diagnostics

// The kernels' grid is (q-blocks, query heads, batch): 65536 heads or a
// batch of 65536 compiled to a gridDim.y or .z that CUDA cannot launch
// (issue 27, item 6). fa-check-launch-limits, the first pass of the GPU
// tail, refuses them.

func.func @negative_batch(%q: tensor<65536x1x16x64xbf16>, %o: tensor<65536x1x16x64xbf16>) -> tensor<65536x1x16x64xbf16> {
  // expected-error @below {{gpu.launch grid z = 65536 is outside CUDA's limits (1 to 65535)}}
  %r = fa.attention ins(%q, %q, %q : tensor<65536x1x16x64xbf16>, tensor<65536x1x16x64xbf16>, tensor<65536x1x16x64xbf16>)
       outs(%o : tensor<65536x1x16x64xbf16>) -> tensor<65536x1x16x64xbf16>
  return %r : tensor<65536x1x16x64xbf16>
}

// -----

func.func @negative_heads(%q: tensor<1x65536x16x64xbf16>, %o: tensor<1x65536x16x64xbf16>) -> tensor<1x65536x16x64xbf16> {
  // expected-error @below {{gpu.launch grid y = 65536 is outside CUDA's limits (1 to 65535)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x65536x16x64xbf16>, tensor<1x65536x16x64xbf16>, tensor<1x65536x16x64xbf16>)
       outs(%o : tensor<1x65536x16x64xbf16>) -> tensor<1x65536x16x64xbf16>
  return %r : tensor<1x65536x16x64xbf16>
}
