// The wgmma backward's launch order (launch_chunk, D131/D133;
// docs/Backward.md "The launch order"): the main kernel keeps its grid
// (kv-blocks, heads, B) and renames its blocks before anything reads
// them. From the launch index L = x + X (y + Y z), chunk c = L / (C X),
// its first pair c C and its width min(C, Y Z - c C); r = L - c C X is
// kv-block r / width of pair c C + r % width (head: pair % Y, batch:
// pair / Y), the grid's sizes the launch's operands (constants here, so
// that the divisions fold into multiplications). The kv-block starts K_j's
// rows, the head and the batch index K's copies; the epilogue renames the
// hardware's ids read anew (so the loop's need not stay live across it).
// Without the field (a chunk of 1) the kernel reads its block ids as they
// are.
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// CHECK-LABEL: func.func @grad_chunk
// CHECK: gpu.launch
// CHECK: gpu.launch blocks(%[[X:arg[0-9]+]], %[[Y:arg[0-9]+]], %[[Z:arg[0-9]+]]) in (%{{arg[0-9]+}} = %[[GX:c[0-9_]+]], %{{arg[0-9]+}} = %[[GY:c[0-9_]+]], %{{arg[0-9]+}} = %[[GZ:c3]]) threads
// CHECK: %[[ZY:.+]] = arith.muli %[[Z]], %[[GY]] : index
// CHECK: %[[YZ:.+]] = arith.addi %[[ZY]], %[[Y]] : index
// CHECK: %[[YZX:.+]] = arith.muli %[[YZ]], %[[GX]] : index
// CHECK: %[[L:.+]] = arith.addi %[[YZX]], %[[X]] : index
// CHECK: %[[PAIRS:.+]] = arith.muli %[[GY]], %[[GZ]] : index
// CHECK: %[[SPAN:.+]] = arith.muli %[[GX]], %c4{{[_0-9]*}} : index
// CHECK: %[[CHUNK:.+]] = arith.divui %[[L]], %[[SPAN]] : index
// CHECK: %[[FIRST:.+]] = arith.muli %[[CHUNK]], %{{.+}} : index
// CHECK: %[[LEFT:.+]] = arith.subi %[[PAIRS]], %[[FIRST]] : index
// CHECK: %[[WIDTH:.+]] = arith.minui %[[LEFT]], %{{.+}} : index
// CHECK: %[[BEFORE:.+]] = arith.muli %[[CHUNK]], %[[SPAN]] : index
// CHECK: %[[R:.+]] = arith.subi %[[L]], %[[BEFORE]] : index
// CHECK: %[[INPAIR:.+]] = arith.remui %[[R]], %[[WIDTH]] : index
// CHECK: %[[PAIR:.+]] = arith.addi %[[FIRST]], %[[INPAIR]] : index
// CHECK: %[[KV:.+]] = arith.divui %[[R]], %[[WIDTH]] : index
// CHECK: %[[HEAD:.+]] = arith.remui %[[PAIR]], %[[GY]] : index
// CHECK: %[[BATCH:.+]] = arith.divui %[[PAIR]], %[[GY]] : index
// CHECK: arith.muli %[[KV]], %c128
// CHECK: nvgpu.device_async_copy %arg1[%[[BATCH]], %[[HEAD]],
// The epilogue renames its ids again from ids read anew:
// CHECK: %[[X2:.+]] = llvm.inline_asm has_side_effects "mov.u32 $0, %ctaid.x;", "=r"
// CHECK: %[[Y2:.+]] = llvm.inline_asm has_side_effects "mov.u32 $0, %ctaid.y;", "=r"
// CHECK: %[[Z2:.+]] = llvm.inline_asm has_side_effects "mov.u32 $0, %ctaid.z;", "=r"
// CHECK: arith.index_castui %[[Z2]] : i32 to index
// CHECK: arith.minui
func.func @grad_chunk(%q: memref<3x2x1000x64xbf16>, %k: memref<3x2x1000x64xbf16>, %v: memref<3x2x1000x64xbf16>, %o: memref<3x2x1000x64xbf16>, %do: memref<3x2x1000x64xbf16>, %lse: memref<3x2x1000xf32>, %dq: memref<3x2x1000x64xbf16>, %dk: memref<3x2x1000x64xbf16>, %dv: memref<3x2x1000x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000xf32>)
      outs(%dq, %dk, %dv : memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, launch_chunk = 4>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// The split group (a block per query head: the pairs are (batch, query
// head)) renames its blocks the same way, before its K/V head is taken
// from the query head.
// CHECK-LABEL: func.func @grad_chunk_split
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: gpu.launch blocks(%{{.+}}) in (%{{arg[0-9]+}} = %{{.+}}, %{{arg[0-9]+}} = %[[GY:c4[_0-9]*]], %{{arg[0-9]+}} = %c2{{[_0-9]*}}) threads
// CHECK: arith.minui
// CHECK: %[[PAIR:.+]] = arith.addi
// CHECK: arith.divui
// CHECK: %[[QHEAD:.+]] = arith.remui %[[PAIR]], %[[GY]] : index
// CHECK: arith.divui %[[PAIR]], %[[GY]] : index
// CHECK: arith.divui %[[QHEAD]], %c4
func.func @grad_chunk_split(%q: memref<2x4x1000x64xbf16>, %k: memref<2x1x1000x64xbf16>, %v: memref<2x1x1000x64xbf16>, %o: memref<2x4x1000x64xbf16>, %do: memref<2x4x1000x64xbf16>, %lse: memref<2x4x1000xf32>, %dq: memref<2x4x1000x64xbf16>, %dk: memref<2x1x1000x64xbf16>, %dv: memref<2x1x1000x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x4x1000x64xbf16>, memref<2x1x1000x64xbf16>, memref<2x1x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000xf32>)
      outs(%dq, %dk, %dv : memref<2x4x1000x64xbf16>, memref<2x1x1000x64xbf16>, memref<2x1x1000x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, launch_chunk = 3>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// A chunk of 1 (the field's default) reads the block ids as they are.
// CHECK-LABEL: func.func @grad_no_chunk
// CHECK: gpu.launch
// CHECK: gpu.launch blocks(%[[X:arg[0-9]+]], %{{.+}}) in
// CHECK-NOT: arith.minui
// CHECK: arith.muli %[[X]], %c128
func.func @grad_no_chunk(%q: memref<3x2x1000x64xbf16>, %k: memref<3x2x1000x64xbf16>, %v: memref<3x2x1000x64xbf16>, %o: memref<3x2x1000x64xbf16>, %do: memref<3x2x1000x64xbf16>, %lse: memref<3x2x1000xf32>, %dq: memref<3x2x1000x64xbf16>, %dk: memref<3x2x1000x64xbf16>, %dv: memref<3x2x1000x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000xf32>)
      outs(%dq, %dk, %dv : memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>, memref<3x2x1000x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, launch_chunk = 1>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}
