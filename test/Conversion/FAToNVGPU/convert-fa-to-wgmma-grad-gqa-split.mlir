// The wgmma backward's split group (gqa = split, D119; docs/Backward.md
// "The split group"), GQA 4/1, D = 64 with the wide q-block, causal, B = 2:
// the host function allocates D, dQ's accumulator and the f32 dK and dV
// accumulators in the key's and the value's shapes; five launches: the
// preprocess (q-blocks, Hq, B), the accumulators' zeroing (kv-blocks, Hkv,
// B), the main kernel of a block per query head (kv-blocks, Hq, B: its K/V
// head is blockIdx.y / 4), whose epilogue waits for dQ's reductions to
// have read their tiles (after the ring's wait for their completion and
// K_j's and V_j's copies), then adds dK_j's and dV_j's rows by two bulk
// reductions of 256 bytes (64 f32) a lane, waited for before the block
// exits; dQ's conversion (q-blocks, Hq, B); dK's and dV's (kv-blocks, Hkv,
// B). Then the scratch is freed.
// RUN: fa-opt %s --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// CHECK-LABEL: func.func @grad_split
// CHECK: memref.alloc() : memref<2x4x1000xf32>
// CHECK: memref.alloc() : memref<2x4x1000x64xf32>
// CHECK: %[[DKACC:.+]] = memref.alloc() : memref<2x1x1000x64xf32>
// CHECK: %[[DVACC:.+]] = memref.alloc() : memref<2x1x1000x64xf32>
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c8{{.*}}, %{{.*}} = %c4{{.*}}, %{{.*}} = %c2{{.*}}) threads
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c8{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c2{{.*}}) threads
// CHECK: vector.store %{{.*}}, %[[DKACC]]
// CHECK: vector.store %{{.*}}, %[[DVACC]]
// CHECK: gpu.launch blocks(%{{.*}}, %[[Y:.+]], %{{.*}}) in (%{{.*}} = %c8{{.*}}, %{{.*}} = %c4{{.*}}, %{{.*}} = %c2{{.*}}) threads
// CHECK: arith.divui %[[Y]], %c4
// CHECK: "cp.async.bulk.wait_group 0;"
// CHECK-NEXT: nvgpu.device_async_wait
// CHECK-NEXT: "cp.async.bulk.wait_group.read 0;"
// CHECK-NEXT: gpu.barrier
// CHECK: memref.extract_aligned_pointer_as_index %[[DKACC]]
// CHECK: "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], [$1], 256;
// CHECK: "cp.async.bulk.wait_group.read 0;"
// CHECK: memref.extract_aligned_pointer_as_index %[[DVACC]]
// CHECK: "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], [$1], 256;
// CHECK: "cp.async.bulk.wait_group 0;"
// CHECK-NEXT: gpu.terminator
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c8{{.*}}, %{{.*}} = %c4{{.*}}, %{{.*}} = %c2{{.*}}) threads
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c8{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c2{{.*}}) threads
// CHECK: vector.load %[[DKACC]]
// CHECK: vector.load %[[DVACC]]
// CHECK: memref.dealloc %[[DKACC]]
// CHECK: memref.dealloc %[[DVACC]]
func.func @grad_split(%q: memref<2x4x1000x64xbf16>, %k: memref<2x1x1000x64xbf16>, %v: memref<2x1x1000x64xbf16>, %o: memref<2x4x1000x64xbf16>, %do: memref<2x4x1000x64xbf16>, %lse: memref<2x4x1000xf32>, %dq: memref<2x4x1000x64xbf16>, %dk: memref<2x1x1000x64xbf16>, %dv: memref<2x1x1000x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x4x1000x64xbf16>, memref<2x1x1000x64xbf16>, memref<2x1x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000xf32>)
      outs(%dq, %dk, %dv : memref<2x4x1000x64xbf16>, memref<2x1x1000x64xbf16>, memref<2x1x1000x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}
