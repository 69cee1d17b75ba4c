// convert-fa-to-nvgpu on an fa.attention_grad scheduled for the mma.sync
// backward (docs/Backward.md, "On the GPU: the mma.sync kernels"): the
// scratch buffers (D and the f32 dQ accumulator) and three launches in
// order, then the op is gone.
// RUN: fa-opt %s --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// CHECK-LABEL: func.func @grad
// CHECK-SAME: %[[Q:[a-z0-9]+]]: memref<1x4x100x64xbf16> {fa.align = 16 : i64}
// CHECK: %[[D:.*]] = memref.alloc() : memref<1x4x100xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<1x4x100x64xf32>
// 1. D = rowsum(dO * O) by four lanes a row (16-byte loads, a butterfly),
// the accumulator zeroed by 16-byte stores; grid (q-blocks of 32 rows, Hq,
// B).
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4{{.*}}, {{.*}} = %c4{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256
// CHECK: gpu.shuffle xor
// CHECK: memref.store {{.*}}, %[[D]]
// CHECK: vector.store {{.*}}, %[[ACC]]
// CHECK: gpu.terminator
// 2. The main kernel: grid (kv-blocks of 128 rows, Hkv, B), its padded
// tiles in dynamic shared memory (K_j, V_j; one stage of Q_i, dO_i, lse_i,
// D_i; dS^T [kv rows, q rows]); K_j and V_j copied once, then one loop over
// (query head of the group, q-block): Q_i, dO_i by 16-byte cp.async, lse_i
// and D_i by 4-byte ones, the products on mma.sync, P^T in a branch (the
// mask's tests only on pairs that need them), dS^T stored as 32-bit pairs
// and read back by ldmatrix.trans for dQ, added atomically; dK_j, dV_j
// written at the end.
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}) dynamic_shared_memory_size
// CHECK-COUNT-2: memref.view {{.*}} to memref<128x72xbf16, #gpu.address_space<workgroup>>
// CHECK-COUNT-2: memref.view {{.*}} to memref<1x32x72xbf16, #gpu.address_space<workgroup>>
// CHECK-COUNT-2: memref.view {{.*}} to memref<1x32xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<128x40xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: nvgpu.device_async_copy %arg5[{{.*}}], %{{.*}}[{{.*}}], 1, %{{.*}} : memref<1x4x100xf32> to memref<1x32xf32, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %[[D]][{{.*}}], %{{.*}}[{{.*}}], 1, %{{.*}} : memref<1x4x100xf32> to memref<1x32xf32, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_wait
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.ldmatrix
// CHECK: nvvm.mma.sync
// CHECK: scf.if %{{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK: vector.load {{.*}} : memref<1x32xf32, #gpu.address_space<workgroup>>, vector<2xf32>
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: } else {
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK: vector.store {{.*}} {alignment = 4 : i64} : memref<128x40xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// CHECK: gpu.barrier
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true} : memref<128x40xbf16
// CHECK: memref.atomic_rmw addf {{.*}}, %[[ACC]]
// CHECK: scf.yield
// CHECK: nvgpu.device_async_wait
// CHECK: memref.store
// CHECK: gpu.terminator
// 3. dQ = scale * the accumulator, rounded.
// CHECK: gpu.launch
// CHECK: vector.load %[[ACC]]
// CHECK: arith.truncf
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[D]]
// CHECK: memref.dealloc %[[ACC]]
// CHECK-NOT: fa.attention_grad

func.func @grad(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
  return
}
