// RUN: timeout 60 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=wgmma -verify-diagnostics
// RUN: timeout 60 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=auto -verify-diagnostics

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

// At the bound: selected. A light pattern (chunks of 64): a heavy one at
// the bound takes seconds with kernel=auto but tens of seconds with the
// SIMT kernel's candidates in the sanitizer build, and every test input is
// a fuzzer seed (tools/fa-fuzz runs each through all its pipelines).
func.func @at_the_bound(%q: tensor<1x1x65536x64xbf16>, %k: tensor<1x1x65536x64xbf16>, %v: tensor<1x1x65536x64xbf16>, %o: tensor<1x1x65536x64xbf16>, %do: tensor<1x1x65536x64xbf16>, %lse: tensor<1x1x65536xf32>, %dq: tensor<1x1x65536x64xbf16>, %dk: tensor<1x1x65536x64xbf16>, %dv: tensor<1x1x65536x64xbf16>) -> (tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536xf32>)
     outs(%dq, %dk, %dv : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<chunk = 64>} -> tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
}
