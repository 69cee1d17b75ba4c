// The wgmma backward's TMA-store epilogue (epilogue = tma_store, D107;
// docs/Backward.md "The TMA-store epilogue"), at D = 80 (a second box
// clipped past D), GQA 4/2, on the ring: dK's and dV's tensor maps (boxes
// of a warp's 16 rows x 64 columns) are built on the host after Q's and
// dO's; after the loops (the reductions' wait, the K_j/V_j copies' wait) a
// block barrier, then the lane's 2 x 20 pairs (dK's 10 n-tiles scaled, then
// dV's) over K_j's and V_j's swizzled tiles, fence.proxy.async, the warp
// reconverged, and lane 0 stores the warp's rows of K_j's two 64-column
// blocks (bytes 0 and 16384 of a [128, 80] tile) through dK's map and of
// V_j's (bytes 32768, 49152) through dV's, at kv row kvBase + the warp's
// first row, K/V head and batch; commit, wait for the reads. No element
// store of dK or dV is left in the main kernel.
// RUN: fa-opt %s --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// CHECK-LABEL: func.func @grad_ring_tma_store
// CHECK-SAME: %[[DK:arg7]]: memref<1x2x100x80xbf16>
// CHECK-SAME: %[[DV:arg8]]: memref<1x2x100x80xbf16>
// CHECK: nvgpu.tma.create.descriptor {{.*}} box[{{.*}}, {{.*}}, %c64{{.*}}, %c64{{.*}}]
// CHECK: nvgpu.tma.create.descriptor {{.*}} box[{{.*}}, {{.*}}, %c64{{.*}}, %c64{{.*}}]
// CHECK: %[[DKCAST:.*]] = memref.cast %[[DK]]
// CHECK: %[[DKMAP:.*]] = nvgpu.tma.create.descriptor %[[DKCAST]] box[{{.*}}, {{.*}}, %c16{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<1x1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
// CHECK: %[[DVCAST:.*]] = memref.cast %[[DV]]
// CHECK: %[[DVMAP:.*]] = nvgpu.tma.create.descriptor %[[DVCAST]] box[{{.*}}, {{.*}}, %c16{{.*}}, %c64{{.*}}]
// CHECK: gpu.launch
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;"
// CHECK-NEXT: nvgpu.device_async_wait
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-40: vector.store {{.*}} : memref<?xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK: nvvm.bar.warp.sync
// CHECK: scf.if
// CHECK: memref.view {{.*}} to memref<1x1x16x64xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.tma.async.store {{.*}} to %[[DKMAP]][%c0{{.*}}, %{{.*}}, %arg10, %arg11]
// CHECK: arith.constant 16384 : index
// CHECK: nvgpu.tma.async.store {{.*}} to %[[DKMAP]][%c64{{.*}}, %{{.*}}, %arg10, %arg11]
// CHECK: arith.constant 32768 : index
// CHECK: nvgpu.tma.async.store {{.*}} to %[[DVMAP]][%c0{{.*}}, %{{.*}}, %arg10, %arg11]
// CHECK: arith.constant 49152 : index
// CHECK: nvgpu.tma.async.store {{.*}} to %[[DVMAP]][%c64{{.*}}, %{{.*}}, %arg10, %arg11]
// CHECK-NEXT: nvvm.cp.async.bulk.commit.group
// CHECK-NEXT: nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK-NEXT: }
// CHECK-NEXT: gpu.terminator
func.func @grad_ring_tma_store(%q: memref<1x4x100x80xbf16>, %k: memref<1x2x100x80xbf16>, %v: memref<1x2x100x80xbf16>, %o: memref<1x4x100x80xbf16>, %do: memref<1x4x100x80xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x80xbf16>, %dk: memref<1x2x100x80xbf16>, %dv: memref<1x2x100x80xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x80xbf16>, memref<1x2x100x80xbf16>, memref<1x2x100x80xbf16>, memref<1x4x100x80xbf16>, memref<1x4x100x80xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x80xbf16>, memref<1x2x100x80xbf16>, memref<1x2x100x80xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}
