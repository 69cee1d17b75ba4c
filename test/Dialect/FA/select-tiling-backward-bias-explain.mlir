// fa-select-tiling=explain on an fa.attention_grad with an additive bias and
// its gradient (BackwardBias, D72): both tensor-core backwards build it and
// passed their GPU check with it (session 8), so kernel=auto takes the
// wgmma backward at D = 64 and the mma.sync one where the wgmma bias is not
// built (D = 128, sm_80), and says why; by name each is chosen.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="explain kernel=auto" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO-H100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling="explain kernel=auto" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO-A100
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma 2>&1 | FileCheck %s --check-prefix=WGMMA
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=mma-sync | FileCheck %s --check-prefix=MMA

// AUTO-H100: note: kernel=auto chose wgmma: it builds this backward{{$}}
// AUTO-H100: note: kernel=auto chose mma-sync: it builds this backward (not wgmma: an additive bias is built for it at D = 64 only (at D = 128 its loads and dBias's adds spill registers); use kernel=mma-sync or simt)
// AUTO-A100: note: kernel=auto chose mma-sync: it builds this backward (not wgmma: {{.*}})
// WGMMA: error: 'fa.attention_grad' op cannot use the wgmma backward kernel: an additive bias is built for it at D = 64 only (at D = 128 its loads and dBias's adds spill registers); use kernel=mma-sync or simt
// WGMMA-LABEL: func.func @d64
// WGMMA: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// MMA-LABEL: func.func @d64
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// MMA-LABEL: func.func @d128
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>

func.func @d64(%q: tensor<2x8x1000x64xbf16>, %k: tensor<2x2x1000x64xbf16>, %o: tensor<2x8x1000x64xbf16>, %l: tensor<2x8x1000xf32>, %b: tensor<1x8x1x1000xf32>) -> (tensor<2x8x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<1x8x1x1000xf32>) {
  %r:4 = fa.attention_grad ins(%o, %k, %k, %o, %o, %l : tensor<2x8x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<2x8x1000x64xbf16>, tensor<2x8x1000x64xbf16>, tensor<2x8x1000xf32>) mask(%b : tensor<1x8x1x1000xf32>)
      outs(%q, %k, %k, %b : tensor<2x8x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<1x8x1x1000xf32>) {causal}
      -> tensor<2x8x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<1x8x1x1000xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<2x8x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<2x2x1000x64xbf16>, tensor<1x8x1x1000xf32>
}

// -----

func.func @d128(%q: tensor<2x8x1000x128xbf16>, %k: tensor<2x2x1000x128xbf16>, %o: tensor<2x8x1000x128xbf16>, %l: tensor<2x8x1000xf32>, %b: tensor<2x8x1000x1000xbf16>) -> (tensor<2x8x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>) {
  %r:3 = fa.attention_grad ins(%o, %k, %k, %o, %o, %l : tensor<2x8x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x8x1000x128xbf16>, tensor<2x8x1000x128xbf16>, tensor<2x8x1000xf32>) mask(%b : tensor<2x8x1000x1000xbf16>)
      outs(%q, %k, %k : tensor<2x8x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>)
      -> tensor<2x8x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x8x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>
}
