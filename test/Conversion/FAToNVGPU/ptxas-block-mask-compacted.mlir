// REQUIRES: ptxas
// The forward's compacted walk (D100, docs/BlockSparse.md "The
// forward's compacted walk"): warp 0 lists the kv-blocks the block mask
// keeps in shared memory, the loads and steps walk the list. Assembled by
// ptxas for sm_90a, as kernel=wgmma picks the schedule: D = 64 (GQA 2/1,
// Nq != Nk, causal, N not a multiple of the block), D = 128 (N = 8192, the
// benchmark's 128 x 128 mask blocks, the producer kernel), and D = 64 at
// N = 8192 (the barrier kernel): no spills, no serialized wgmma, a ballot
// scan. Their registers (CUDA 13): 128, 168 (240 after setmaxnreg) and
// 94, where the dense walk of the same ops takes 128, 168 and 95.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/all --function=causal_d64 --pipeline-options="target=h100 kernel=wgmma block-mask-walk=compacted"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/all.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/all.ptx
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/all.json
// RUN: fa-compile %s -o %t/mma --function=causal_d64 --pipeline-options="target=a100 kernel=mma-sync block-mask-walk=compacted"
// RUN: FileCheck %s --check-prefix=MMA < %t/mma.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX80 < %t/mma.ptx

// PTXAS-COUNT-3: Compiling entry function
// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS-NOT: bytes spill stores
// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: [1-9][0-9]* bytes spill

// The mma.sync kernel on sm_80 (kernel=auto's there): 188, 241 and 215
// registers (the dense walk 184, 243, 215), no spills. (On the h100
// target the mma.sync D = 128 kernel spills 88 bytes, its dense walk 8:
// not a kernel any selection takes there.)
// MMA-COUNT-3: Compiling entry function
// MMA-NOT: bytes spill stores
// MMA: 0 bytes spill stores, 0 bytes spill loads
// MMA-NOT: [1-9][0-9]* bytes spill
// PTX80: vote.sync.ballot.b32

// The scan: a ballot and its population counts, then the causal split's
// ballot.
// PTX-LABEL: .entry causal_d64_kernel(
// PTX: vote.sync.ballot.b32
// PTX: popc.b32
// PTX: vote.sync.ballot.b32
// PTX-LABEL: .entry random_d128_kernel(
// PTX: vote.sync.ballot.b32
// PTX: popc.b32
// PTX: setmaxnreg
// PTX-LABEL: .entry random_d64_kernel(
// PTX: vote.sync.ballot.b32

// The list is in the dynamic shared memory the launch asks for: the 64 x
// 128, 4-stage tiles (Q 8 KiB, K and V 16 KiB a stage), the 1 KiB of base
// slack and one 1 KiB atom of list (8 entries, 3 counts).
// MANIFEST: "shared_bytes": 141312

func.func @causal_d64(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x777x64xbf16>, %v: tensor<1x2x777x64xbf16>,
                      %bm: tensor<1x4x8x7xi8>, %o: tensor<1x4x1000x64xbf16>) -> tensor<1x4x1000x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x4x1000x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>)
       block_mask(%bm : tensor<1x4x8x7xi8>) outs(%o : tensor<1x4x1000x64xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x4x1000x64xbf16>
  return %r : tensor<1x4x1000x64xbf16>
}

func.func @random_d128(%q: tensor<1x16x8192x128xbf16>, %bm: tensor<1x1x64x64xi8>,
                       %o: tensor<1x16x8192x128xbf16>) -> tensor<1x16x8192x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>)
       block_mask(%bm : tensor<1x1x64x64xi8>) outs(%o : tensor<1x16x8192x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x16x8192x128xbf16>
  return %r : tensor<1x16x8192x128xbf16>
}

func.func @random_d64(%q: tensor<1x32x8192x64xbf16>, %bm: tensor<1x1x64x64xi8>,
                      %o: tensor<1x32x8192x64xbf16>) -> tensor<1x32x8192x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x32x8192x64xbf16>, tensor<1x32x8192x64xbf16>, tensor<1x32x8192x64xbf16>)
       block_mask(%bm : tensor<1x1x64x64xi8>) outs(%o : tensor<1x32x8192x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x32x8192x64xbf16>
  return %r : tensor<1x32x8192x64xbf16>
}
