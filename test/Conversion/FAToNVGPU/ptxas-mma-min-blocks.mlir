// REQUIRES: ptxas
// The mma.sync kernel's resident blocks (D118): where its shared memory holds
// fewer blocks an SM than its registers would, fa-select-tiling records them
// in the schedule (`min_blocks`) and the kernel asks ptxas to fit its
// registers to them (.minnctapersm). Without it ptxas, which does not see
// dynamic shared memory, fits the registers to more blocks than ever run:
// D113's open case, kernel=auto on an A100 with a keep-mask and a block mask
// (64x128x2x4 walking compacted, 83,072 B of shared memory: one block an
// SM; the registers alone allow 3), went to 168 registers and spilled 20 B;
// with .minnctapersm 1 ptxas takes 250 and spills nothing (CUDA 13).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=a100 block-mask-walk=compacted stop-after=selected" | FileCheck %s --check-prefix=SCHED
// RUN: fa-compile %s -o %t/keep --pipeline-options="target=a100 block-mask-walk=compacted"
// RUN: FileCheck %s --check-prefix=PTX < %t/keep.ptx
// RUN: FileCheck %s --check-prefix=PTXAS < %t/keep.ptxas.log

// SCHED: schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, walk = compacted, min_blocks = 1>
// SCHED-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 4>

// PTX: .maxntid 128, 1, 1
// PTX-NEXT: .minnctapersm 1

// PTXAS: Compiling entry function 'attention_kernel' for 'sm_80'
// PTXAS: 0 bytes spill stores, 0 bytes spill loads

func.func @attention(%q: tensor<1x2x1024x64xbf16>, %k: tensor<1x2x1024x64xbf16>, %v: tensor<1x2x1024x64xbf16>,
    %mask: tensor<1x2x1024x1024xi1>, %bm: tensor<1x2x8x8xi8>, %o: tensor<1x2x1024x64xbf16>) -> tensor<1x2x1024x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>)
       mask(%mask : tensor<1x2x1024x1024xi1>) block_mask(%bm : tensor<1x2x8x8xi8>)
       outs(%o : tensor<1x2x1024x64xbf16>)
       {scale = 0.125 : f32, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>} -> tensor<1x2x1024x64xbf16>
  return %r : tensor<1x2x1024x64xbf16>
}
