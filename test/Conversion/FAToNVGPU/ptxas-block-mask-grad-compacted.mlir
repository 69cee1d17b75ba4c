// REQUIRES: ptxas
// The wgmma backward's compacted walk (D94, docs/BlockSparse.md "The
// compacted walk"): warp 0 lists the q-blocks the block mask keeps in
// shared memory, the TMA ring walks the list. Assembled by ptxas for
// sm_90a at D = 64 (GQA 2/1, Nq != Nk, causal) and D = 128 (Nq = Nk =
// 8192, 128 x 128 mask blocks, the benchmark's shape): no spills, no
// serialized wgmma.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/all --function=compacted_d64 --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=SERIAL < %t/all.ptxas.log
// RUN: grep -A2 "'compacted_d64_kernel_0'" %t/all.ptxas.log | FileCheck %s --check-prefix=PTXAS
// RUN: grep -A2 "'compacted_d128_kernel_2'" %t/all.ptxas.log | FileCheck %s --check-prefix=PTXAS
// RUN: FileCheck %s --check-prefix=PTX < %t/all.ptx

// SERIAL-COUNT-6: Compiling entry function
// SERIAL-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function '{{.*}}_kernel_{{[0-9]}}' for 'sm_90a'
// PTXAS-NEXT: Function properties for {{.*}}_kernel_{{[0-9]}}
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// The scan: a ballot and two population counts a group of 32 steps.
// PTX-LABEL: .entry compacted_d64_kernel_0(
// PTX: vote.sync.ballot.b32
// PTX: popc.b32
// PTX: popc.b32
// PTX-LABEL: .entry compacted_d128_kernel_2(
// PTX: vote.sync.ballot.b32
// PTX: popc.b32

func.func @compacted_d64(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x777x64xbf16>, %v: tensor<1x2x777x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %bm: tensor<1x4x16x7xi8>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x777x64xbf16>, %dv: tensor<1x2x777x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         block_mask(%bm : tensor<1x4x16x7xi8>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>)
         {causal, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>} -> tensor<1x4x1000x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>
}

func.func @compacted_d128(%q: tensor<1x16x8192x128xbf16>, %k: tensor<1x16x8192x128xbf16>, %v: tensor<1x16x8192x128xbf16>, %o: tensor<1x16x8192x128xbf16>, %do: tensor<1x16x8192x128xbf16>, %lse: tensor<1x16x8192xf32>, %bm: tensor<1x1x64x64xi8>, %dq: tensor<1x16x8192x128xbf16>, %dk: tensor<1x16x8192x128xbf16>, %dv: tensor<1x16x8192x128xbf16>) -> (tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192xf32>)
         block_mask(%bm : tensor<1x1x64x64xi8>)
         outs(%dq, %dk, %dv : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>)
         {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>} -> tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>
}
