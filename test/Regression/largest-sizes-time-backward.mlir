// RUN: timeout 10 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling --fa-check-sram-budget | FileCheck %s --check-prefix=AUTO
// RUN: timeout 10 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=wgmma | FileCheck %s --check-prefix=WGMMA
// RUN: timeout 10 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=mma-sync -o /dev/null
// RUN: timeout 60 fa-opt %s -split-input-file \
// RUN:   --fa-to-ptx-pipeline="target=h100 stop-after=gpu" | FileCheck %s --check-prefix=GPU

// The backward's time bound on the largest legal sizes (docs/Reliability.md,
// "Time bounds"), as largest-sizes-time.mlir for the forward: the backward
// model's pair counts are floor sums, so selection does not grow with Nq.

// AUTO-LABEL: func.func @longest_query_grad
// AUTO: schedule = #fa.backward_schedule<kernel = simt>
// WGMMA-LABEL: func.func @longest_query_grad
// WGMMA: schedule = #fa.backward_schedule<kernel = wgmma
// GPU-LABEL: func.func @longest_query_grad
// GPU-COUNT-3: gpu.launch
func.func @longest_query_grad(%q: tensor<1x1x2147483647x64xbf16>, %k: tensor<1x1x1024x64xbf16>, %l: tensor<1x1x2147483647xf32>)
    -> (tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>,
      tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647xf32>)
      outs(%q, %k, %k : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) {causal}
      -> tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
}

// -----

// The longest key sequence, causal: the diagonal's masked pairs are a
// closed form over the kv-blocks (backwardMaskedPairs; a loop over them
// took 13 s here).
// AUTO-LABEL: func.func @longest_key_grad
// AUTO: schedule = #fa.backward_schedule<kernel = simt>
// WGMMA-LABEL: func.func @longest_key_grad
// WGMMA: schedule = #fa.backward_schedule<kernel = wgmma
// GPU-LABEL: func.func @longest_key_grad
// GPU-COUNT-3: gpu.launch
func.func @longest_key_grad(%q: tensor<1x1x1024x64xbf16>, %k: tensor<1x1x2147483647x64xbf16>, %l: tensor<1x1x1024xf32>)
    -> (tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>,
      tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024xf32>)
      outs(%q, %k, %k : tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>) {causal}
      -> tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>
}

// -----

// The longest key sequence under a sliding window: the window's counts are
// summed by periodic stretches of kv-blocks (a loop over them took 54 s).
// AUTO-LABEL: func.func @longest_key_window_grad
// AUTO: schedule = #fa.backward_schedule<kernel = simt>
// WGMMA-LABEL: func.func @longest_key_window_grad
// WGMMA: schedule = #fa.backward_schedule<kernel = wgmma
// GPU-LABEL: func.func @longest_key_window_grad
// GPU-COUNT-3: gpu.launch
func.func @longest_key_window_grad(%q: tensor<1x1x1024x64xbf16>, %k: tensor<1x1x2147483647x64xbf16>, %l: tensor<1x1x1024xf32>)
    -> (tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>,
      tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024xf32>)
      outs(%q, %k, %k : tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>) {window = #fa.window<left = 1000, right = 0>}
      -> tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x1024x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>
}
