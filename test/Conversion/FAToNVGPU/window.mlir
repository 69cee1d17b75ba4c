// A #fa.window in the tensor-core kernels (docs/GPU.md, "Sliding windows"):
// the q-block's loop steps start at kvBegin, the block of its first row's
// first key (qBase + Nk - Nq - left), and end at the block of its last row's
// last key; the blocks outside are never loaded. The masked left edge, the
// full blocks and the masked right edge are three loops (split), or one
// loop whose mask branch also takes the steps before fullStart (branch).
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync mma-masked-steps=split" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync mma-masked-steps=branch" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=BRANCH
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma wgmma-schedule=overlap" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=OVERLAP

// Nk - Nq = 44; the last row of q-block qb is min(64 qb + 64, 256) - 1.
// CHECK-LABEL: func.func @bf16_window(
// CHECK:         gpu.launch
// CHECK:           %[[QBASE:.+]] = arith.muli %{{.+}}, %c64
// CHECK:           %[[NUMKV:.+]] = arith.ceildivui %c300, %c32
// CHECK:           %[[DIAG:.+]] = arith.subi %c300, %c256
// The end: the block of the last row's key + right (8), plus 1, clamped.
// CHECK:           %[[LASTKEY:.+]] = arith.addi %{{.+}}, %[[DIAG]]
// CHECK:           %[[RIGHT:.+]] = arith.addi %[[LASTKEY]], %c8
// CHECK:           arith.floordivsi %[[RIGHT]], %c32
// CHECK:           %[[END:.+]] = arith.minsi %{{.+}}, %[[NUMKV]]
// The begin: the block of qBase + 44 - 100, at least 0; the steps count from it.
// CHECK:           %[[FIRST:.+]] = arith.addi %[[QBASE]], %[[DIAG]]
// CHECK:           %[[FIRSTKEY:.+]] = arith.addi %[[FIRST]], %c-100
// CHECK:           %[[FB:.+]] = arith.floordivsi %[[FIRSTKEY]], %c32
// CHECK:           %[[BEGIN:.+]] = arith.maxsi %[[FB]], %c0
// CHECK:           %[[COUNT:.+]] = arith.subi %[[END]], %[[BEGIN]]
// CHECK:           %[[STEPS:.+]] = arith.maxsi %[[COUNT]], %c0
// The prologue loads block kvBegin + 0 (and skips it past the steps).
// CHECK:           %[[B0:.+]] = arith.addi %c0{{.*}}, %[[BEGIN]]
// CHECK:           arith.muli %[[B0]], %c32
// CHECK:           arith.cmpi slt, %c0{{.*}}, %[[STEPS]]
// The split: fullStart from the last row's left edge (ceil), maskStart from
// the first row's right edge.
// CHECK:           arith.ceildivsi
// CHECK:           %[[FULL:.+]] = arith.maxsi %{{.+}}, %c0
// CHECK:           %[[MASK:.+]] = arith.maxsi %{{.+}}, %[[FULL]]
// CHECK:           scf.for %{{.+}} = %c0{{.*}} to %[[FULL]]
// CHECK:             nvvm.mma.sync
// CHECK:             arith.cmpi sge
// CHECK:             arith.select
// CHECK:           scf.for %{{.+}} = %[[FULL]] to %[[MASK]]
// CHECK-NOT:         arith.select {{.*}} : vector<2x2xf32>
// CHECK:           scf.for %{{.+}} = %[[MASK]] to %[[STEPS]]

// BRANCH-LABEL: func.func @bf16_window(
// BRANCH:         scf.for %[[J:[a-z0-9]+]] = %c0{{(_[0-9]+)?}} to
// BRANCH:           %[[RIGHTEDGE:.+]] = arith.cmpi sge, %[[J]], %{{.*}} : index
// BRANCH:           %[[LEFTEDGE:.+]] = arith.cmpi slt, %[[J]], %{{.*}} : index
// BRANCH:           %[[MASKED:.+]] = arith.ori %[[RIGHTEDGE]], %[[LEFTEDGE]]
// BRANCH-NEXT:      scf.if %[[MASKED]] -> (vector<2x2xf32>

// Block 0 (step 0, block kvBegin) with the masks, then the left edge, the
// full blocks and the right edge from step 1.
// OVERLAP-LABEL: func.func @bf16_window(
// OVERLAP:         nvvm.wgmma.mma_async
// OVERLAP:         %[[SPLIT:.+]] = arith.maxsi %{{.+}}, %c1
// OVERLAP:         %[[FROM:.+]] = arith.maxsi %{{.+}}, %c1
// OVERLAP:         scf.for %{{.+}} = %c1{{.*}} to %[[FROM]]
// OVERLAP:         scf.for %{{.+}} = %[[FROM]] to %[[SPLIT]]
// OVERLAP:         scf.for %{{.+}} = %[[SPLIT]] to
func.func @bf16_window(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x300x64xbf16>,
                       %v: tensor<1x2x300x64xbf16>, %o: tensor<1x2x256x64xbf16>)
    -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x256x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {window = #fa.window<left = 100, right = 8>, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
       -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}
