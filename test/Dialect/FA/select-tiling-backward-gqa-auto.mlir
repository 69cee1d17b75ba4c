// backward-gqa=auto (D122) gives way to what else is asked of the schedule:
// the Llama group (32 query heads over 8 K/V heads, causal, D = 128) at
// N = 1024 splits by default (the loop's 128 blocks leave SMs idle), but
// keeps the loop beside the TMA-store epilogue, the fused dQ conversion
// (D120), dK in flight or a deterministic (ordered) dQ, none of which the
// split builds.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=tma-store" | FileCheck %s --check-prefix=TMA
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-dq-convert=fused" | FileCheck %s --check-prefix=FUSED
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-in-flight=dk" | FileCheck %s --check-prefix=INFLIGHT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma deterministic" | FileCheck %s --check-prefix=DET
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, dq_reduce = warpgroup>
// TMA: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
// FUSED: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_convert = fused, dq_reduce = warpgroup>
// INFLIGHT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk
// INFLIGHT-NOT: gqa = split
// DET: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered
// DET-NOT: gqa = split
func.func @grad(%q: tensor<2x32x1024x128xbf16>, %kv: tensor<2x8x1024x128xbf16>, %lse: tensor<2x32x1024xf32>)
    -> (tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>,
          tensor<2x8x1024x128xbf16>, tensor<2x32x1024x128xbf16>, tensor<2x32x1024x128xbf16>, tensor<2x32x1024xf32>)
      outs(%q, %kv, %kv : tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>)
      {causal}
      -> tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>
}
