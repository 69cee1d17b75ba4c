// convert-fa-to-nvgpu builds what checkLegality's Generation scope allows,
// also outside the cost model's ranges, at the SharedLayout's offsets.
// RUN: fa-opt %s -split-input-file --convert-fa-to-nvgpu | FileCheck %s

// 128 rows on 2 warps: 64 rows per warp, beyond the register fit that
// fa-select-tiling keeps to (48 rows), within what the generator unrolls.
// d = 64: padded rows of 64 + 8 elements, 144 bytes. Q 128 * 144 = 18432 B
// at 0; K 2 stages of 64 * 144 = 9216 B at 18432; V at 18432 + 2 * 9216 =
// 36864; 55296 B in all.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  // CHECK-LABEL: func.func @rows_beyond_the_fit
  func.func @rows_beyond_the_fit(%q: memref<1x2x256x64xbf16>, %o: memref<1x2x256x64xbf16>) {
    // CHECK-DAG: %[[SMEM:.+]] = arith.constant 55296 : i32
    // CHECK-DAG: %[[THREADS:.+]] = arith.constant 64 : index
    // CHECK: gpu.launch {{.*}} threads(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[THREADS]], {{.*}} dynamic_shared_memory_size %[[SMEM]]
    // CHECK-DAG: %[[K_AT:.+]] = arith.constant 18432 : index
    // CHECK-DAG: %[[V_AT:.+]] = arith.constant 36864 : index
    // CHECK-DAG: memref.view %{{.+}}[%{{.+}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<128x72xbf16, #gpu.address_space<workgroup>>
    // CHECK-DAG: memref.view %{{.+}}[%[[K_AT]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x64x72xbf16, #gpu.address_space<workgroup>>
    // CHECK-DAG: memref.view %{{.+}}[%[[V_AT]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x64x72xbf16, #gpu.address_space<workgroup>>
    fa.attention ins(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
         outs(%o : memref<1x2x256x64xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync, masked_steps = split, epilogue = staged>, tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 2>}
    return
  }
}
