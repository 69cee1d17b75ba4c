// A causal, grouped-query attention in bf16: 16 query heads share 4 K/V heads,
// head dimension 128, 4096 queries and keys. The output buffer is an argument
// (destination-passing style), so the compiled kernel writes the caller's
// tensor. Compile it with
//   build/bin/fa-compile examples/attention.mlir -o out/attention --pipeline-options="target=h100"
// or look at one stage with fa-opt (docs/Overview.md).
func.func @attention(%q: tensor<4x16x4096x128xbf16>,
                     %k: tensor<4x4x4096x128xbf16>,
                     %v: tensor<4x4x4096x128xbf16>,
                     %init: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>,
                        tensor<4x4x4096x128xbf16>, tensor<4x4x4096x128xbf16>)
       outs(%init : tensor<4x16x4096x128xbf16>) {causal}
       -> tensor<4x16x4096x128xbf16>
  return %o : tensor<4x16x4096x128xbf16>
}
