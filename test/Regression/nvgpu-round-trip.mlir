// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --convert-fa-to-nvgpu | fa-opt -split-input-file | FileCheck %s

// Found by the fuzzer's corpus replay (docs/Reliability.md): the wgmma
// backward copies each q-block's logsumexp and D rows with cp.async inside
// scf.if branches, so their commit group had no tokens, and an
// nvgpu.device_async_create_group without tokens prints in a form its
// parser does not take back (the next line's result is read as a token).
// A tokenless group is committed and waited for with the NVVM ops the
// NVGPU lowering would emit (PTX unchanged). Since D125 the ring reads
// its rows into registers; the fused dQ conversion and the persistent
// kernel keep the cp.async rows. Every kernel's output here must parse
// back.

// One buffer of Q_i and dO_i (stages 1): its rows are stored by threads.
// CHECK-LABEL: func.func @one_buffer
// CHECK: nvgpu.device_async_create_group %
func.func @one_buffer(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// The TMA ring (stages 2), atomic and ordered dQ: its rows come through
// registers (D125), the K/V group waited for through NVVM.
// CHECK-LABEL: func.func @ring
// CHECK: nvvm.cp.async.wait.group 0
func.func @ring(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// CHECK-LABEL: func.func @ring_ordered
// CHECK: nvvm.cp.async.wait.group 0
func.func @ring_ordered(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// The ring with the fused dQ conversion (D120) keeps the rows' cp.async in
// branches: the tokenless group committed and waited for through NVVM.
// CHECK-LABEL: func.func @ring_fused_dq_convert
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 0
func.func @ring_fused_dq_convert(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// The mma.sync backward (its rows are copied outside branches).
// CHECK-LABEL: func.func @mma_sync
// CHECK: nvgpu.device_async_create_group
func.func @mma_sync(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// The ring with a runtime block mask (D75): the mask entry carried through
// the loop, a plain mbarrier arrival for a skipped step; atomic and
// ordered dQ.
// CHECK-LABEL: func.func @ring_block_mask
// CHECK: nvgpu.mbarrier.arrive %
// CHECK: nvvm.cp.async.wait.group 0
func.func @ring_block_mask(%q: memref<1x4x200x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x200x64xbf16>, %do: memref<1x4x200x64xbf16>, %lse: memref<1x4x200xf32>, %bm: memref<1x4x4x3xi8>, %dq: memref<1x4x200x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200xf32>)
      block_mask(%bm : memref<1x4x4x3xi8>)
      outs(%dq, %dk, %dv : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {causal, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// CHECK-LABEL: func.func @ring_block_mask_ordered
// CHECK: nvgpu.mbarrier.arrive %
func.func @ring_block_mask_ordered(%q: memref<1x4x200x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x200x64xbf16>, %do: memref<1x4x200x64xbf16>, %lse: memref<1x4x200xf32>, %bm: memref<1x4x4x3xi8>, %dq: memref<1x4x200x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200xf32>)
      block_mask(%bm : memref<1x4x4x3xi8>)
      outs(%dq, %dk, %dv : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// A mask pattern on the ring and on one buffer (D75): the block lists a
// constant global of the module.
// CHECK: memref.global "private" constant @__fa_block_lists
// CHECK-LABEL: func.func @ring_pattern
// CHECK: memref.get_global @__fa_block_lists
func.func @ring_pattern(%q: memref<1x4x300x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x300x64xbf16>, %do: memref<1x4x300x64xbf16>, %lse: memref<1x4x300xf32>, %dq: memref<1x4x300x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300xf32>)
      outs(%dq, %dk, %dv : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {mask_pattern = #fa.mask_pattern<global = 16, butterfly = 64>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// CHECK-LABEL: func.func @one_buffer_pattern
// CHECK: memref.get_global @__fa_block_lists
func.func @one_buffer_pattern(%q: memref<1x2x1000x64xf16>, %k: memref<1x2x1000x64xf16>, %v: memref<1x2x1000x64xf16>, %o: memref<1x2x1000x64xf16>, %do: memref<1x2x1000x64xf16>, %lse: memref<1x2x1000xf32>, %dq: memref<1x2x1000x64xf16>, %dk: memref<1x2x1000x64xf16>, %dv: memref<1x2x1000x64xf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000xf32>)
      outs(%dq, %dk, %dv : memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>)
      {causal, mask_pattern = #fa.mask_pattern<chunk = 200>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
  return
}
