// The wgmma kernel of convert-fa-to-nvgpu (sm_90a), from fa.attention
// through one-shot bufferization (docs/GPU.md, "The wgmma kernel"), with
// cp.async loads (wgmma-loads=cp-async; the default, TMA, is in
// convert-fa-to-wgmma-tma.mlir).
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma wgmma-loads=cp-async" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s

// 128 x 64 blocks, 2 stages, 8 warps (2 warpgroups): grid (4096 / 128, Hq,
// B), 256 threads; shared memory = 1 KiB alignment + Q 128 x 128 + 2 x (K +
// V) 64 x 128, bf16 = 1024 + 32768 + 65536 bytes.
// CHECK-LABEL: func.func @bf16_d128
// CHECK:         gpu.launch {{.*}} in (%{{.*}} = %c32, %{{.*}} = %c16, %{{.*}} = %c1{{(_[0-9]+)?}}) threads({{.*}}) in (%{{.*}} = %c256, %{{.*}} = %c1{{(_[0-9]+)?}}, %{{.*}} = %c1{{(_[0-9]+)?}}) dynamic_shared_memory_size %c99328_i32
// The base rounded up to the 1 KiB swizzle atom, one flat view.
// CHECK:           %[[BASE:.*]] = gpu.dynamic_shared_memory
// CHECK:           %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[BASE]]
// CHECK:           arith.remui %[[ADDR]], %c1024
// CHECK:           memref.view %[[BASE]][%{{.*}}][%c49152] : memref<?xi8, #gpu.address_space<workgroup>> to memref<?xbf16, #gpu.address_space<workgroup>>
// cp.async into the swizzled layout: chunk ^ (row % 8).
// CHECK:           arith.xori
// CHECK:           nvgpu.device_async_copy {{.*}} : memref<1x16x4096x128xbf16> to memref<?xbf16, #gpu.address_space<workgroup>>
// CHECK:           nvgpu.device_async_create_group
// The Q descriptor of this warpgroup: 128-byte swizzle (1 << 62), stride
// byte offset 1024 (64 << 32), leading 16 (1 << 16).
// CHECK:           arith.constant 4611686293305360384 : i64
// Wait for block j (2 stages: nothing else in flight), make it visible to
// the async proxy, then issue block j + 1 (after the fence: it is a memory
// barrier that would wait for copies in flight).
// CHECK:           scf.for
// CHECK:             nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT:        nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT:        gpu.barrier
// CHECK:             nvgpu.device_async_copy
// CHECK:             nvgpu.device_async_create_group
// S = Q K^T: 8 k16 steps over d = 128, the first without the accumulator.
// CHECK:             nvvm.wgmma.fence.aligned
// CHECK:             nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>, D[<f32>, <zero>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// CHECK-COUNT-7:     nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>, D[<f32>, <one>]
// CHECK:             nvvm.wgmma.commit.group.sync.aligned
// CHECK:             nvvm.wgmma.wait.group.sync.aligned 0
// CHECK:             llvm.inline_asm has_side_effects "", "=f,
// Online softmax on the fragments.
// CHECK:             gpu.shuffle  xor
// CHECK:             llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// O += P V: P in registers, V transposed (MN-major), 4 k16 steps over
// block_kv = 64; V's 64-column blocks 64 x 128 bytes apart (8192 = 512 << 4
// in the leading byte offset field: 512 << 16 | 64 << 32 | 1 << 62).
// CHECK:             arith.constant 4611686293338849280 : i64
// CHECK:             nvvm.wgmma.fence.aligned
// One asm statement for the 4 steps.
// CHECK:             llvm.inline_asm has_side_effects "{{(.*wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 [^;]*p, 1, 1, 1;){4}[\]}}0A}\0A"
// CHECK:             nvvm.wgmma.commit.group.sync.aligned
// CHECK:             nvvm.wgmma.wait.group.sync.aligned 0
// No closing barrier: the next step's barrier precedes its copies.
// CHECK-NOT:         gpu.barrier
// CHECK:             scf.yield
// CHECK:           nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK:           vector.store
func.func @bf16_d128(%q: tensor<1x16x4096x128xbf16>, %o: tensor<1x16x4096x128xbf16>) -> tensor<1x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x4096x128xbf16>, tensor<1x16x4096x128xbf16>, tensor<1x16x4096x128xbf16>)
       outs(%o : tensor<1x16x4096x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 8>} -> tensor<1x16x4096x128xbf16>
  return %r : tensor<1x16x4096x128xbf16>
}

// -----

// f16, causal, GQA, a partial last block: both loops, f16 operand types.
// CHECK-LABEL: func.func @f16_causal
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             nvvm.wgmma.mma_async {{.*}} A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK:             wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK:           scf.for
// CHECK:             arith.cmpi sle
// CHECK:             wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
func.func @f16_causal(%q: tensor<2x4x300x64xf16>, %k: tensor<2x2x300x64xf16>, %o: tensor<2x4x300x64xf16>) -> tensor<2x4x300x64xf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<2x4x300x64xf16>, tensor<2x2x300x64xf16>, tensor<2x2x300x64xf16>)
       outs(%o : tensor<2x4x300x64xf16>)
       {causal, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>} -> tensor<2x4x300x64xf16>
  return %r : tensor<2x4x300x64xf16>
}
