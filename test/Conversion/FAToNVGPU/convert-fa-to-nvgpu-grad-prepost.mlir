// The preprocess and convert kernels of the tensor-core backwards
// (docs/Backward.md, "The preprocess and convert kernels"; D105), built by
// convert-fa-to-nvgpu for mma.sync and wgmma alike: 16-byte accesses, a
// warp's contiguous, several loads in flight a thread.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h200 --convert-fa-to-nvgpu | FileCheck %s

// Dv = 80, f16, block_q = 48, 8 warps, Nq = 100 (a partial q-block). O and
// dO are read by 16-byte chunks, dQ written by 8-byte units: the function
// marks them aligned for the runtime's check.
// CHECK-LABEL: func.func @d80(
// CHECK-SAME: %[[O:[a-z0-9]+]]: memref<1x4x100x80xf16> {fa.align = 16 : i64}, %[[DO:[a-z0-9]+]]: memref<1x4x100x80xf16> {fa.align = 16 : i64}
// CHECK-SAME: %[[DQ:[a-z0-9]+]]: memref<1x4x100x80xf16> {fa.align = 8 : i64}
// CHECK: %[[D:.*]] = memref.alloc() : memref<1x4x100xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<1x4x100x80xf32>
// The preprocess kernel: one pass of 64 rows (8 warps of 8 rows; the 16
// past block_q store nothing), rows clamped below Nq for the loads.
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c3{{.*}}, {{.*}} = %c4{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256
// CHECK: %[[QUARTER:.*]] = arith.remui %{{.*}}, %c4{{.*}} : index
// CHECK: %[[ZERO8:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK: scf.for %[[PASS:.*]] = %c0{{.*}} to %c1{{.*}} step %c1
// CHECK: %[[SRC:.*]] = arith.minui %{{.*}}, %{{.*}} : index
// Chunks g, g + 4, g + 8 of the row (the third round only for g < 2: Dv
// holds 10 chunks), dO times O widened to f32, eight running sums.
// CHECK: %[[C0:.*]] = arith.muli %[[QUARTER]], %c8{{.*}} : index
// CHECK: %[[DO0:.*]] = vector.load %[[DO]][%{{.*}}, %{{.*}}, %[[SRC]], %[[C0]]] {alignment = 16 : i64} : memref<1x4x100x80xf16>, vector<8xf16>
// CHECK: %[[DO0F:.*]] = arith.extf %[[DO0]] : vector<8xf16> to vector<8xf32>
// CHECK: %[[O0:.*]] = vector.load %[[O]][%{{.*}}, %{{.*}}, %[[SRC]], %[[C0]]] {alignment = 16 : i64} : memref<1x4x100x80xf16>, vector<8xf16>
// CHECK: %[[O0F:.*]] = arith.extf %[[O0]] : vector<8xf16> to vector<8xf32>
// CHECK: %[[P0:.*]] = arith.mulf %[[DO0F]], %[[O0F]] : vector<8xf32>
// CHECK: %[[S0:.*]] = arith.addf %[[ZERO8]], %[[P0]] : vector<8xf32>
// CHECK: %[[G1:.*]] = arith.addi %[[QUARTER]], %c4{{.*}} : index
// CHECK: arith.muli %[[G1]], %c8{{.*}} : index
// CHECK: vector.load %[[DO]]
// CHECK: vector.load %[[O]]
// CHECK: %[[S1:.*]] = arith.addf %[[S0]], %{{.*}} : vector<8xf32>
// CHECK: %[[G2:.*]] = arith.addi %[[QUARTER]], %c8{{.*}} : index
// CHECK: %[[HAS:.*]] = arith.cmpi ult, %[[G2]], %c10{{.*}} : index
// CHECK: %[[LASTCHUNK:.*]] = arith.minui %[[G2]], %c9{{.*}} : index
// CHECK: arith.muli %[[LASTCHUNK]], %c8{{.*}} : index
// CHECK: vector.load %[[DO]]
// CHECK: vector.load %[[O]]
// CHECK: %[[S2:.*]] = arith.addf %[[S1]], %{{.*}} : vector<8xf32>
// CHECK: %[[SUMS:.*]] = arith.select %[[HAS]], %[[S2]], %[[S1]] : vector<8xf32>
// The butterfly: quarters g ^ 2, then g ^ 1, each of the eight sums; then
// the lane's own three levels (i + 4, i + 2, i + 1).
// CHECK-COUNT-8: gpu.shuffle  xor %{{.*}}, %c2_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK-COUNT-8: gpu.shuffle  xor %{{.*}}, %c1_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK-NOT: gpu.shuffle
// CHECK-COUNT-7: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: %[[LOCAL_OK:.*]] = arith.cmpi ult, %{{.*}}, %c48{{.*}} : index
// CHECK: scf.if
// CHECK-NEXT: memref.store %{{.*}}, %[[D]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x4x100xf32>
// The accumulator's rows below Nq zeroed, 16 bytes a thread in turn.
// CHECK: %[[ROWS:.*]] = arith.minui %c48{{.*}}, %{{.*}} : index
// CHECK: %[[UNITS:.*]] = arith.muli %[[ROWS]], %c20{{.*}} : index
// CHECK: %[[ZERO4:.*]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// CHECK: scf.for %[[U:.*]] = %{{.*}} to %[[UNITS]] step %c256
// CHECK: vector.store %[[ZERO4]], %[[ACC]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<1x4x100x80xf32>, vector<4xf32>
// CHECK: gpu.terminator
// The main kernel.
// CHECK: gpu.launch
// CHECK: memref.atomic_rmw addf {{.*}}, %[[ACC]]
// CHECK: gpu.terminator
// The convert kernel: 48 x 20 units over 256 threads, 4 a thread in
// flight (all loaded, the one past the block's last unit clamped to it),
// then each scaled, rounded and stored (8 bytes), the first always.
// CHECK: gpu.launch
// CHECK: %[[CUNITS:.*]] = arith.muli %{{.*}}, %c20{{.*}} : index
// CHECK: %[[LAST:.*]] = arith.subi %{{.*}}, %c1{{.*}} : index
// CHECK: scf.for %[[V:.*]] = %{{.*}} to %[[CUNITS]] step %c1024
// CHECK-COUNT-4: vector.load %[[ACC]][{{.*}}] {alignment = 16 : i64} : memref<1x4x100x80xf32>, vector<4xf32>
// CHECK-NOT: vector.load
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<4xf32>
// CHECK: arith.truncf %{{.*}} : vector<4xf32> to vector<4xf16>
// CHECK: vector.store %{{.*}}, %[[DQ]][{{.*}}] {alignment = 8 : i64} : memref<1x4x100x80xf16>, vector<4xf16>
// CHECK-COUNT-3: scf.if
// CHECK: gpu.terminator

func.func @d80(%q: memref<1x4x100x80xf16>, %k: memref<1x2x100x80xf16>, %v: memref<1x2x100x80xf16>, %o: memref<1x4x100x80xf16>, %do: memref<1x4x100x80xf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x80xf16>, %dk: memref<1x2x100x80xf16>, %dv: memref<1x2x100x80xf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x80xf16>, memref<1x2x100x80xf16>, memref<1x2x100x80xf16>, memref<1x4x100x80xf16>, memref<1x4x100x80xf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x80xf16>, memref<1x2x100x80xf16>, memref<1x2x100x80xf16>)
      {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 48, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// D = 192 with Dv = 128, bf16, block_q = 16: D sums Dv's 16 chunks (four
// whole rounds, no select); the accumulator and dQ have D's 48 units a
// row, 16 x 48 over 256 threads: 3 a thread in flight.
// CHECK-LABEL: func.func @d192v128(
// CHECK-SAME: %[[DQ:[a-z0-9]+]]: memref<2x4x33x192xbf16> {fa.align = 8 : i64}
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<2x4x33x192xf32>
// CHECK: gpu.launch
// CHECK-COUNT-8: vector.load {{.*}} : memref<2x4x33x128xbf16>, vector<8xbf16>
// CHECK-NOT: arith.select
// CHECK: gpu.shuffle
// CHECK: arith.muli %{{.*}}, %c48{{.*}} : index
// CHECK: scf.for
// CHECK: vector.store %{{.*}}, %[[ACC]]{{.*}} : memref<2x4x33x192xf32>, vector<4xf32>
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} step %c768
// CHECK-COUNT-3: vector.load %[[ACC]]
// CHECK-NOT: vector.load
// CHECK: vector.store %{{.*}}, %[[DQ]]{{.*}} : memref<2x4x33x192xbf16>, vector<4xbf16>
// CHECK-COUNT-2: vector.store %{{.*}}, %[[DQ]]
// CHECK: gpu.terminator

func.func @d192v128(%q: memref<2x4x33x192xbf16>, %k: memref<2x2x33x192xbf16>, %v: memref<2x2x33x128xbf16>, %o: memref<2x4x33x128xbf16>, %do: memref<2x4x33x128xbf16>, %lse: memref<2x4x33xf32>, %dq: memref<2x4x33x192xbf16>, %dk: memref<2x2x33x192xbf16>, %dv: memref<2x2x33x128xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x4x33x192xbf16>, memref<2x2x33x192xbf16>, memref<2x2x33x128xbf16>, memref<2x4x33x128xbf16>, memref<2x4x33x128xbf16>, memref<2x4x33xf32>)
      outs(%dq, %dk, %dv : memref<2x4x33x192xbf16>, memref<2x2x33x192xbf16>, memref<2x2x33x128xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
  return
}
