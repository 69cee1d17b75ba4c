// The tiling decides whether the SIMT kernel fits: a tiling chosen for the
// tensor-core kernel can exceed the shared memory of the kernel that
// convert-fa-to-gpu emits, and both fa-check-sram-budget (kernel=simt, the
// default) and convert-fa-to-gpu say so; the default tiling fits.
//
// DEFINE: %{lower} = --fa-tile-attention=tile-memory-space=0 --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse --convert-fa-to-gpu --canonicalize --cse
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling %{lower} | FileCheck %s --check-prefix=SIMT
// RUN: not fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=tensor-core --fa-check-sram-budget 2>&1 | FileCheck %s --check-prefix=BUDGET
// RUN: not fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=tensor-core %{lower} 2>&1 | FileCheck %s --check-prefix=CONVERT

// Default (kernel=simt): 64x64 on the h100 at d = 128 (select-tiling-simt.mlir),
// 16384 (Q) + 16384 (K) + 16384 (V) + 16384 (S) + 32768 (acc) + 4 * 256 =
// 99328 bytes of dynamic shared memory.
// SIMT-DAG: %[[SMEM:.+]] = arith.constant 99328 : i32
// SIMT-DAG: %[[THREADS:.+]] = arith.constant 256 : index
// SIMT: gpu.launch {{.+}} threads({{.+}}) in (%{{.+}} = %[[THREADS]], {{.+}}) dynamic_shared_memory_size %[[SMEM]]

// kernel=tensor-core picks 256x80 with 8 warps (select-tiling.mlir): for the
// SIMT kernel that is 256*128*2 = 65536 (Q) + 80*128*2 = 20480 (K) + 20480
// (V) + 256*80*4 = 81920 (S) + 256*128*4 = 131072 (acc) + 4 * 1024 =
// 323584 bytes, over the 232448 an h100 block may use.
// BUDGET: error: 'fa.attention' op tiling #fa.tiling<block_q = 256, block_kv = 80, stages = 2, warps = 8> needs 323584 bytes of shared memory per block but the target (sm_90a) allows 232448 (kernel=simt)
// CONVERT: error: thread block needs 323584 bytes of shared memory but the target (sm_90a) allows 232448 per block
func.func @d128_full(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>,
                     %v: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>)
    -> tensor<4x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>,
                        tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%o : tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16>
  return %r : tensor<4x16x4096x128xbf16>
}
