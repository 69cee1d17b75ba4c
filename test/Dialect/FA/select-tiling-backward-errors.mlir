// fa-select-tiling's diagnostics for fa.attention_grad: options the
// backward does not take, forced dQ modes that conflict with the kernel or
// with deterministic, kernels that do not apply, tilings that do not fit.
// Chunks: 1 @bf16_d128, 2 @f32_d64, 3 @deterministic_op (the op's
// deterministic attribute), 4 @given_atomic (a hand-written
// #fa.backward_schedule<kernel = mma_sync, dq = atomic>), 5 @given_big_tiling
// (a hand-written 256 x 256 tiling).
//
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=tensor-core -o /dev/null 2>&1 | FileCheck %s --check-prefix=TC
// TC: error: 'fa.attention_grad' op has no kernel=tensor-core backward: the backward's kernels are simt, mma-sync and wgmma (or auto)
//
// The SIMT kernel builds dq=separate only; a deterministic op refuses atomics
// whatever the kernel.
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=dq=atomic -o /dev/null 2>&1 | FileCheck %s --check-prefix=SIMT-ATOMIC
// SIMT-ATOMIC: 55:10: error: 'fa.attention_grad' op fa-select-tiling: the simt backward kernel accumulates dQ in its own pass (dq=separate), not dq=atomic (kernel=simt)
// SIMT-ATOMIC: 64:10: error: 'fa.attention_grad' op fa-select-tiling: the simt backward kernel accumulates dQ in its own pass (dq=separate), not dq=atomic (kernel=simt)
// SIMT-ATOMIC: 73:10: error: 'fa.attention_grad' op fa-select-tiling: dq=atomic cannot be deterministic: the f32 atomic adds are rounded in the order the blocks reach them (use dq=ordered, or drop deterministic) (kernel=simt)
// The op's own schedule wins over the options:
// SIMT-ATOMIC-NOT: 82:10: error
// SIMT-ATOMIC: 91:10: error
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=dq=ordered -o /dev/null 2>&1 | FileCheck %s --check-prefix=SIMT-ORDERED
// SIMT-ORDERED: 55:10: error: 'fa.attention_grad' op fa-select-tiling: the simt backward kernel accumulates dQ in its own pass (dq=separate), not dq=ordered (kernel=simt)
//
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling="kernel=mma-sync dq=atomic" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MMA-DET
// MMA-DET-NOT: 55:10: error
// MMA-DET: 64:10: error: 'fa.attention_grad' op cannot use the mma-sync backward kernel: the element type must be f16 or bf16
// MMA-DET: 73:10: error: 'fa.attention_grad' op fa-select-tiling: dq=atomic cannot be deterministic: the f32 atomic adds are rounded in the order the blocks reach them (use dq=ordered, or drop deterministic) (kernel=mma-sync)
// MMA-DET: 91:10: error: 'fa.attention_grad' op tiling #fa.tiling<block_q = 256, block_kv = 256, stages = 1, warps = 8> does not fit the target (sm_80): outside the mma-sync backward's shapes: block_kv must be 16 rows per warp (128) and stages 1 or 2, got block_kv = 256, stages = 1 (backward kernel=mma-sync)
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling="kernel=mma-sync dq=separate" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MMA-SEP
// MMA-SEP: 55:10: error: 'fa.attention_grad' op fa-select-tiling: the mma-sync backward kernel adds dQ from its K/V blocks (dq=atomic or dq=ordered); dq=separate is the simt kernel's (kernel=mma-sync)
//
// The pass option asks every op for a deterministic result: a given schedule
// of atomic adds is an error; the SIMT kernel's 256 x 256 tiling does not fit.
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=deterministic -o /dev/null 2>&1 | FileCheck %s --check-prefix=OPT-DET
// OPT-DET-NOT: 73:10: error
// OPT-DET: 82:10: error: 'fa.attention_grad' op schedule #fa.backward_schedule<kernel = mma_sync, dq = atomic> accumulates dQ with unordered atomic adds, but fa-select-tiling was asked for a deterministic result
// OPT-DET: 91:10: error: 'fa.attention_grad' op tiling #fa.tiling<block_q = 256, block_kv = 256, stages = 1, warps = 8> does not fit the target (sm_80): shared memory 1050624 B exceeds 166912 B per block (backward kernel=simt)
//
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=wgmma -o /dev/null 2>&1 | FileCheck %s --check-prefix=WGMMA-A100
// WGMMA-A100: 55:10: error: 'fa.attention_grad' op cannot use the wgmma backward kernel: the target (sm_80) has no wgmma (needs sm_90a)
//
// RUN: not fa-opt %s -split-input-file --fa-set-target="target=a100 sram-per-block=4096" --fa-select-tiling -o /dev/null 2>&1 | FileCheck %s --check-prefix=TINY
// TINY: 55:10: error: 'fa.attention_grad' op cannot be tiled for sm_80 (head dim 128, value head dim 128): no backward tiling fits: 512 candidates rejected (the smallest: shared memory 35072 B exceeds 4096 B per block) (backward kernel=simt)
// TINY: 82:10: error: 'fa.attention_grad' op cannot be tiled for sm_80 (head dim 128, value head dim 128): no backward tiling fits: 160 candidates rejected (the smallest: shared memory 27904 B exceeds 4096 B per block) (backward kernel=mma-sync)
//
// RUN: not fa-opt %s -split-input-file --fa-select-tiling -o /dev/null 2>&1 | FileCheck %s --check-prefix=NO-TARGET
// NO-TARGET: 55:10: error: 'fa.attention_grad' op needs a #fa.target on the enclosing module to choose a tiling; run fa-set-target first (e.g. --fa-set-target=target=h100)
//
// RUN: not fa-opt %s --fa-set-target=target=a100 --fa-select-tiling=dq=sorted 2>&1 | FileCheck %s --check-prefix=BAD-DQ
// BAD-DQ: for the --dq option: Cannot find option named 'sorted'!
// RUN: not fa-opt %s --fa-set-target=target=a100 --fa-select-tiling=deterministic=maybe 2>&1 | FileCheck %s --check-prefix=BAD-DET
// BAD-DET: for the --deterministic option: 'maybe' is invalid value for boolean argument!

func.func @bf16_d128(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}

// -----

func.func @f32_d64(%q: tensor<1x2x1024x64xf32>, %k: tensor<1x2x1024x64xf32>, %v: tensor<1x2x1024x64xf32>, %o: tensor<1x2x1024x64xf32>, %do: tensor<1x2x1024x64xf32>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x64xf32>, %dk0: tensor<1x2x1024x64xf32>, %dv0: tensor<1x2x1024x64xf32>) -> (tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>)
      -> tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>, tensor<1x2x1024x64xf32>
}

// -----

func.func @deterministic_op(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {deterministic}
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}

// -----

func.func @given_atomic(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>}
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}

// -----

func.func @given_big_tiling(%q: tensor<1x2x1024x128xbf16>, %k: tensor<1x2x1024x128xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>, %do: tensor<1x2x1024x128xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x128xbf16>, %dk0: tensor<1x2x1024x128xbf16>, %dv0: tensor<1x2x1024x128xbf16>) -> (tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {tiling = #fa.tiling<block_q = 256, block_kv = 256, stages = 1, warps = 8>}
      -> tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}
