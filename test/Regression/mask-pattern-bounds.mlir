// RUN: timeout 20 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=wgmma -verify-diagnostics
// RUN: timeout 20 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=auto -verify-diagnostics
// RUN: timeout 20 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling -verify-diagnostics

// Mask patterns are classified block by block at compile time (the cost
// models count the blocks of every candidate tiling, the kernels embed the
// lists), so their problems are bounded: ceil(Nq / 16) * ceil(Nk / 16) at
// most 2^24 (docs/Reliability.md, "Bounds on sizes"; D81). Before the
// bound, selection ran for minutes (Nq = Nk = 2^20: over 60 s; 2^17, a
// chunk of 2^17: 87 s for the forward) and Nq = 2^31 - 1 aborted on a
// 2 TiB table (session 9's campaign).

func.func @negative_forward_2_20(%q: tensor<1x1x1048576x64xbf16>, %k: tensor<1x1x1048576x64xbf16>) -> tensor<1x1x1048576x64xbf16> {
  // expected-error @below {{a mask pattern is classified block by block at compile time: ceil(Nq / 16) * ceil(Nk / 16) must be at most 16777216 (Nq = Nk = 65536), got Nq = 1048576, Nk = 1048576}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>) outs(%q : tensor<1x1x1048576x64xbf16>)
      {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<chunk = 1024, global = 16>} -> tensor<1x1x1048576x64xbf16>
  return %r : tensor<1x1x1048576x64xbf16>
}

// -----

func.func @negative_backward_2_20(%q: tensor<1x1x1048576x64xbf16>, %k: tensor<1x1x1048576x64xbf16>, %v: tensor<1x1x1048576x64xbf16>, %o: tensor<1x1x1048576x64xbf16>, %do: tensor<1x1x1048576x64xbf16>, %lse: tensor<1x1x1048576xf32>, %dq: tensor<1x1x1048576x64xbf16>, %dk: tensor<1x1x1048576x64xbf16>, %dv: tensor<1x1x1048576x64xbf16>) -> (tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>) {
  // expected-error @below {{a mask pattern is classified block by block at compile time: ceil(Nq / 16) * ceil(Nk / 16) must be at most 16777216 (Nq = Nk = 65536), got Nq = 1048576, Nk = 1048576}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576xf32>)
     outs(%dq, %dk, %dv : tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>) {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<chunk = 1024, global = 16>} -> tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>
}

// -----

func.func @negative_backward_longest_query(%q: tensor<1x1x2147483647x64xbf16>, %k: tensor<1x1x1048576x64xbf16>, %v: tensor<1x1x1048576x64xbf16>, %o: tensor<1x1x2147483647x64xbf16>, %do: tensor<1x1x2147483647x64xbf16>, %lse: tensor<1x1x2147483647xf32>, %dq: tensor<1x1x2147483647x64xbf16>, %dk: tensor<1x1x1048576x64xbf16>, %dv: tensor<1x1x1048576x64xbf16>) -> (tensor<1x1x2147483647x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>) {
  // expected-error @below {{a mask pattern is classified block by block at compile time: ceil(Nq / 16) * ceil(Nk / 16) must be at most 16777216 (Nq = Nk = 65536), got Nq = 2147483647, Nk = 1048576}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647x64xbf16>, tensor<1x1x2147483647xf32>)
     outs(%dq, %dk, %dv : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>) {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<chunk = 4096>} -> tensor<1x1x2147483647x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1048576x64xbf16>, tensor<1x1x1048576x64xbf16>
}

// -----

func.func @negative_forward_one_past(%q: tensor<1x1x65537x64xbf16>, %k: tensor<1x1x65536x64xbf16>) -> tensor<1x1x65537x64xbf16> {
  // expected-error @below {{a mask pattern is classified block by block at compile time: ceil(Nq / 16) * ceil(Nk / 16) must be at most 16777216 (Nq = Nk = 65536), got Nq = 65537, Nk = 65536}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x65537x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) outs(%q : tensor<1x1x65537x64xbf16>)
      {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<butterfly = 64>} -> tensor<1x1x65537x64xbf16>
  return %r : tensor<1x1x65537x64xbf16>
}

// -----

// At the bound: selected, with kernel=auto, wgmma and the SIMT candidates
// (the default), each file under `timeout 20`. The cost models count the
// blocks without visiting them (D90): the heaviest patterns at the bound
// take well under a second in the Release build (docs/Reliability.md,
// "Time bounds"; they took 46 s with the SIMT candidates before). The
// skewed extreme (Nq = 2^28, Nk = 16) is timed by
// BlockClassifierTest.CountsAtThePatternBoundAreFast instead: its kernels'
// block lists take seconds to build, and every test input is a fuzzer
// seed that tools/fa-fuzz runs through all its pipelines.
func.func @at_the_bound(%q: tensor<1x1x65536x64xbf16>, %k: tensor<1x1x65536x64xbf16>, %v: tensor<1x1x65536x64xbf16>, %o: tensor<1x1x65536x64xbf16>, %do: tensor<1x1x65536x64xbf16>, %lse: tensor<1x1x65536xf32>, %dq: tensor<1x1x65536x64xbf16>, %dk: tensor<1x1x65536x64xbf16>, %dv: tensor<1x1x65536x64xbf16>) -> (tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536xf32>)
     outs(%dq, %dk, %dv : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<chunk = 64>} -> tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
}

// -----

// A pattern keeping every block (one chunk of the whole sequence), at the
// bound: the old counts' worst square case.
func.func @every_block_forward(%q: tensor<1x1x65536x64xbf16>, %k: tensor<1x1x65536x64xbf16>) -> tensor<1x1x65536x64xbf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) outs(%q : tensor<1x1x65536x64xbf16>)
      {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<chunk = 65536>} -> tensor<1x1x65536x64xbf16>
  return %r : tensor<1x1x65536x64xbf16>
}

// -----

func.func @every_block_backward(%q: tensor<1x1x65536x64xbf16>, %k: tensor<1x1x65536x64xbf16>, %lse: tensor<1x1x65536xf32>) -> (tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536xf32>)
     outs(%q, %k, %k : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<chunk = 65536>} -> tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
}

// -----

// A butterfly of one position with global tokens: the new counts' most
// work (each q-block's rows, and their partner runs, one cell apiece).
func.func @butterfly_of_one_backward(%q: tensor<1x1x65536x64xbf16>, %k: tensor<1x1x65536x64xbf16>, %lse: tensor<1x1x65536xf32>) -> (tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536xf32>)
     outs(%q, %k, %k : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<butterfly = 1, global = 3>} -> tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
}
