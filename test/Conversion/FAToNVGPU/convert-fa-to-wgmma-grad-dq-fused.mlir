// The wgmma backward's fused dQ conversion (dq_convert = fused, D120;
// docs/Backward.md "The fused dQ conversion"), GQA 4/1, D = 64 with the
// wide q-block, causal with Nq 1000 > Nk 777, B = 2: the host function
// allocates D, dQ's accumulator and a counter per (batch, query head,
// q-block) (i32 [2, 4, 8]); two launches, no convert kernel: the
// preprocess (q-blocks, Hq, B) counts the kv-blocks whose walk holds its
// q-block (a lane every 32nd, summed by shuffles), stores the count and,
// where it is 0, zeroes the q-block's dQ rows; the main kernel (kv-blocks,
// Hkv, B), after the ring's wait for its reductions' completion and its
// epilogue, fences the async proxy, counts each step's q-block down
// (acq_rel at gpu scope) and converts the q-blocks it was last at from L2.
// RUN: fa-opt %s --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// CHECK-LABEL: func.func @grad_fused
// CHECK: memref.alloc() : memref<2x4x1000xf32>
// CHECK: %[[ACC:.+]] = memref.alloc() : memref<2x4x1000x64xf32>
// CHECK: %[[COUNT:.+]] = memref.alloc() : memref<2x4x8xi32>
// CHECK: gpu.launch blocks(%[[QB:.+]], %[[QH:.+]], %[[QZ:.+]]) in (%{{.*}} = %c8{{.*}}, %{{.*}} = %c4{{.*}}, %{{.*}} = %c2{{.*}}) threads
// CHECK: gpu.shuffle  xor
// CHECK: memref.store %{{.*}}, %[[COUNT]][%[[QZ]], %[[QH]], %[[QB]]] : memref<2x4x8xi32>
// CHECK: scf.if
// CHECK: vector.store %{{.*}}, %arg6{{.*}} : memref<2x4x1000x64xbf16>, vector<4xbf16>
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c7{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c2{{.*}}) threads
// CHECK: "cp.async.bulk.wait_group 0;"
// CHECK: "fence.proxy.async.global;"
// CHECK-NEXT: gpu.barrier
// CHECK: memref.extract_aligned_pointer_as_index %[[COUNT]]
// CHECK: "atom.acq_rel.gpu.global.add.s32 $0, [$1], -1;"
// CHECK: gpu.barrier
// CHECK: memref.extract_aligned_pointer_as_index %[[ACC]]
// CHECK: "ld.global.cg.v4.f32 {$0, $1, $2, $3}, [$4];"
// CHECK: vector.store %{{.*}}, %arg6{{.*}} : memref<2x4x1000x64xbf16>, vector<4xbf16>
// CHECK: gpu.barrier
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
// CHECK: memref.dealloc
func.func @grad_fused(%q: memref<2x4x1000x64xbf16>, %k: memref<2x1x777x64xbf16>, %v: memref<2x1x777x64xbf16>, %o: memref<2x4x1000x64xbf16>, %do: memref<2x4x1000x64xbf16>, %lse: memref<2x4x1000xf32>, %dq: memref<2x4x1000x64xbf16>, %dk: memref<2x1x777x64xbf16>, %dv: memref<2x1x777x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x4x1000x64xbf16>, memref<2x1x777x64xbf16>, memref<2x1x777x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000xf32>)
      outs(%dq, %dk, %dv : memref<2x4x1000x64xbf16>, memref<2x1x777x64xbf16>, memref<2x1x777x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}
