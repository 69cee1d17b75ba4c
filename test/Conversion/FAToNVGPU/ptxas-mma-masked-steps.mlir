// REQUIRES: ptxas
// Why mma-masked-steps=auto takes the branch where ptxas spills
// (docs/decisions.md, D45): 128x64 on 4 warps at d = 128 has a register
// estimate over the 255 a thread can have (the model's own pick, 128x48,
// is within it since D58), so ptxas spills; with the masked kv-blocks in a
// second loop (split) the kernel holds two copies of the step and spills
// more than with one copy and the masks under a branch.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling="kernel=mma-sync explain" 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: fa-compile %s -o %t/auto --pipeline-options="target=h100 kernel=mma-sync"
// RUN: fa-compile %s -o %t/split --pipeline-options="target=h100 kernel=mma-sync mma-masked-steps=split"
// RUN: FileCheck %s --check-prefix=AUTO < %t/auto.ptxas.log
// RUN: FileCheck %s --check-prefix=SPLIT < %t/split.ptxas.log
// RUN: grep -c "mma.sync.aligned" %t/auto.ptx | FileCheck %s --check-prefix=AUTOMMA
// RUN: grep -c "mma.sync.aligned" %t/split.ptx | FileCheck %s --check-prefix=SPLITMMA

// MODEL: keeps the given tiling #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4> ({{.*}} 259 registers/thread
// AUTO: {{ [0-5]?[0-9]}} bytes spill stores
// SPLIT: {{ (6[0-9]|[7-9][0-9]|[1-9][0-9][0-9])}} bytes spill stores
// A step per warp (32 rows): Q K^T 8 k-slices x 8 n-tiles x 2 m-tiles and
// P V 4 x 16 x 2, 128 mma.sync each; one copy of the step or two.
// AUTOMMA: {{^}}256{{$}}
// SPLITMMA: {{^}}512{{$}}

func.func @attention(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>,
                     %v: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>)
    -> tensor<4x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>,
                        tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%o : tensor<4x16x4096x128xbf16>)
       {causal, tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>}
       -> tensor<4x16x4096x128xbf16>
  return %r : tensor<4x16x4096x128xbf16>
}
