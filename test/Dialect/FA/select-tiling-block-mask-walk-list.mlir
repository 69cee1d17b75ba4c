// A compacted walk asked for (block-mask-walk=compacted; a written
// schedule: select-tiling-block-mask-walk-errors.mlir) whose list of live blocks fits no tiling's shared memory
// (D106): an error that names the list, for the forward under kernel=auto
// too, where the mma.sync kernel was taken walking dense without a word;
// `auto` keeps walking dense there. Nk = 2^24 with 16-column mask blocks:
// the dense pick's 2^20 kv-blocks list in 4 MiB.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=auto block-mask-walk=compacted" -verify-diagnostics
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=auto block-mask-walk=auto" \
// RUN:   | FileCheck %s --check-prefix=AUTO

// AUTO-LABEL: func.func @negative_forward_auto
// AUTO:       schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>
func.func @negative_forward_auto(%q: tensor<1x1x128x64xbf16>, %k: tensor<1x1x16777216x64xbf16>,
    %bm: tensor<1x1x1x1048576xi8>, %o: tensor<1x1x128x64xbf16>) -> tensor<1x1x128x64xbf16> {
  // expected-error-re @+1 {{fa-select-tiling: block-mask-walk=compacted: no wgmma tiling fits with the compacted walk's list of live kv-blocks: with {{.*}}, the dense walk's pick, the list of {{[0-9]+}} kv-blocks takes the block's shared memory to {{[0-9]+}} B (232448 B per block available); block-mask-walk=auto or dense walks dense}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x64xbf16>, tensor<1x1x16777216x64xbf16>, tensor<1x1x16777216x64xbf16>)
       block_mask(%bm : tensor<1x1x1x1048576xi8>) outs(%o : tensor<1x1x128x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 16>}
       -> tensor<1x1x128x64xbf16>
  return %r : tensor<1x1x128x64xbf16>
}

// -----

// A written tiling that fits the dense walk, not the list: the error says
// the list is why. (`auto` walks dense with it: D103.)
// AUTO-LABEL: func.func @negative_written_tiling
// AUTO:       schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, epilogue = tma_store, consumer_regs = 240>
func.func @negative_written_tiling(%q: tensor<1x1x128x128xbf16>, %k: tensor<1x1x131072x128xbf16>,
    %bm: tensor<1x1x1x1024xi8>, %o: tensor<1x1x128x128xbf16>) -> tensor<1x1x128x128xbf16> {
  // expected-error @+1 {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8> does not fit the target (sm_90a): shared memory 235584 B exceeds 232448 B per block (kernel=wgmma); the compacted walk's list of 1024 kv-blocks takes it over (the tiling fits the dense walk)}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x128xbf16>, tensor<1x1x131072x128xbf16>, tensor<1x1x131072x128xbf16>)
       block_mask(%bm : tensor<1x1x1x1024xi8>) outs(%o : tensor<1x1x128x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8>}
       -> tensor<1x1x128x128xbf16>
  return %r : tensor<1x1x128x128xbf16>
}

// -----

// The backward: a kv-block walks the q-blocks of its group's 64 query heads,
// 64 x 2^14 = 2^20 entries at Nq = 2^20.
// AUTO-LABEL: func.func @negative_backward
// AUTO:       schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
func.func @negative_backward(%q: tensor<1x64x1048576x64xbf16>, %k: tensor<1x1x256x64xbf16>,
    %lse: tensor<1x64x1048576xf32>, %bm: tensor<1x64x8192x2xi8>)
    -> (tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>) {
  // expected-error-re @below {{fa-select-tiling: block-mask-walk=compacted: no wgmma backward tiling fits with the compacted walk's list of live q-blocks: with {{.*}} the list of 1048576 q-blocks (a kv-block's walk over the 64 query head(s) of its group) takes the block's shared memory to {{[0-9]+}} B (232448 B per block available); block-mask-walk=auto or dense walks dense}}
  %r:3 = fa.attention_grad
      ins(%q, %k, %k, %q, %q, %lse : tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>,
          tensor<1x1x256x64xbf16>, tensor<1x64x1048576x64xbf16>, tensor<1x64x1048576x64xbf16>, tensor<1x64x1048576xf32>)
      block_mask(%bm : tensor<1x64x8192x2xi8>)
      outs(%q, %k, %k : tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
      -> tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>
}

// -----

// The backward with a written ring tiling that fits only without the list.
// AUTO-LABEL: func.func @negative_backward_written_tiling
// AUTO:       schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
func.func @negative_backward_written_tiling(%q: tensor<1x64x1048576x64xbf16>, %k: tensor<1x1x256x64xbf16>,
    %lse: tensor<1x64x1048576xf32>, %bm: tensor<1x64x8192x2xi8>)
    -> (tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>) {
  // expected-error-re @below {{tiling #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8> does not fit the target (sm_90a): shared memory {{[0-9]+}} B exceeds 232448 B per block (backward kernel=wgmma); the compacted walk's list of 1048576 q-blocks takes it over (the tiling fits the dense walk)}}
  %r:3 = fa.attention_grad
      ins(%q, %k, %k, %q, %q, %lse : tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>,
          tensor<1x1x256x64xbf16>, tensor<1x64x1048576x64xbf16>, tensor<1x64x1048576x64xbf16>, tensor<1x64x1048576xf32>)
      block_mask(%bm : tensor<1x64x8192x2xi8>)
      outs(%q, %k, %k : tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x64x1048576x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>
}
