// Chunked attention (#fa.mask_pattern<chunk = C>) in the tensor-core
// kernels (docs/GPU.md, "Chunked attention"): the q-block's loop steps start
// at kvBegin, the block of its first row's chunk start, and end at its last
// row's last key (causal); the full blocks are those inside the rows' one
// chunk (ceil(c C / BKV) to floor((c + 1) C / BKV), and causal's bound), the
// masked edges around them test floor(i' / C) == floor(j / C); the full
// loop has no chunk test. Nq = 256, Nk = 300, chunks of 96, 64 x 32 blocks.
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync mma-masked-steps=split" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=WGMMA

// CHECK-LABEL: func.func @bf16_chunk(
// CHECK:         gpu.launch
// kvBegin: the block of the first row's chunk start.
// CHECK:           %[[C:.+]] = arith.floordivsi %{{.+}}, %c96{{(_[0-9]+)?}} : index
// CHECK:           %[[START:.+]] = arith.muli %[[C]], %c96
// CHECK:           arith.floordivsi %[[START]], %c32
// The split: the rows' chunk [c C, (c + 1) C) in blocks, selected when the
// first and last rows share it.
// CHECK:           %[[CS:.+]] = arith.muli %{{.+}}, %c96
// CHECK:           arith.ceildivsi %[[CS]], %c32
// CHECK:           %[[CE:.+]] = arith.addi %[[CS]], %c96
// CHECK:           arith.floordivsi %[[CE]], %c32
// CHECK:           arith.select
// The masked left edge, the full blocks, the masked right edge.
// CHECK:           scf.for %{{.+}} = %c0{{(_[0-9]+)?}} to %[[FS:[0-9a-z_]+]] step
// CHECK:             arith.floordivsi %{{.+}}, %c96{{(_[0-9]+)?}} : index
// CHECK:           scf.for %{{.+}} = %[[FS]] to %[[MS:[0-9a-z_]+]] step
// CHECK-NOT:         arith.floordivsi %{{.+}}, %c96{{(_[0-9]+)?}} : index
// CHECK:           scf.for %{{.+}} = %[[MS]] to
// CHECK:             arith.floordivsi %{{.+}}, %c96{{(_[0-9]+)?}} : index
// WGMMA-LABEL: func.func @bf16_chunk(
// WGMMA:         gpu.launch
// WGMMA:           arith.floordivsi %{{.+}}, %c96{{(_[0-9]+)?}} : index
// WGMMA:           scf.for
// WGMMA:             arith.floordivsi %{{.+}}, %c96{{(_[0-9]+)?}} : index
func.func @bf16_chunk(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x300x64xbf16>,
                      %v: tensor<1x2x300x64xbf16>, %o: tensor<1x2x256x64xbf16>)
    -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x256x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {causal, mask_pattern = #fa.mask_pattern<chunk = 96>,
        tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
       -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}
