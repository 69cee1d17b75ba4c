// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling="explain kernel=tensor-core" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="mode=paper explain kernel=tensor-core" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=PAPER
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling="explain kernel=mma-sync" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=MMA

// The remark states the winner, whether it is memory- or compute-bound and
// why it beat the runner-up; the notes list the best candidates with their
// HBM bytes, SRAM bytes, registers and predicted time, then the rejections.
// HBM bytes (Theorem 2) of the winner, 128x80 on 4 x 16 heads, N = 4096,
// d = 128, bf16: Q + O = 64 * 2 * 4096 * 128 * 2 = 134217728 B, K/V read
// by 32 q-blocks: 64 * 32 * 4096 * 256 * 2 = 4294967296 B; 4.429 GB in all.
// SRAM: 128*128*2 + 2 * 2 * 80*128*2 = 114688 B. Registers:
// 128 (O) + 80 (S) + 24 + 8 = 240.
// CHECK: remark: fa-select-tiling (model): 128x80, 2 stages, 4 warps wins: {{.*}} ms predicted, compute-bound (memory {{.*}}, compute {{.*}}); ties the runner-up 128x80, 3 stages, 4 warps on time and traffic and uses less shared memory (114688 B vs 155648 B)
// CHECK: note: #1 128x80, 2 stages, 4 warps: {{[0-9.]+}} ms, HBM 4.429 GB (DRAM after L2 {{[0-9.]+}} MB), SRAM 114688 B, 240 registers/thread, 1 block(s)/SM, 19 wave(s)
// CHECK: note: #2 128x80, 3 stages, 4 warps: {{.*}} SRAM 155648 B, 240 registers/thread
// CHECK: note: #3
// CHECK: note: #4
// CHECK: note: #5
// CHECK: note: {{[0-9]+}} of {{[0-9]+}} candidates rejected: {{[0-9]+}} over shared memory, {{[0-9]+}} over registers per thread
// CHECK: note: kernel=tensor-core: the tensor-core kernel (accumulators in registers, K/V stages in shared memory)
// CHECK-NOT: dynamic sizes assumed
// The mma-sync kernel's candidates: 19 (block_q, warps) pairs with whole
// m16 fragments a warp, each with 16 block_kv and 4 stages: 1216. The
// pairs over 48 rows a warp, (64, 1), (128, 1 or 2), (192, 1 or 2) and
// (256, 1, 2 or 4), break the kernel's own rule: 8 * 64 = 512.
// MMA: note: {{[0-9]+}} of 1216 candidates rejected: {{.*}}512 outside the mma-sync kernel's shapes
// PAPER: remark: fa-select-tiling (paper): Algorithm 1 with M = 116224 elements: Bc = ceil(M / 4d) = 227, Br = min(Bc, d) = 128
// PAPER: note: #1 128x227, 1 stage, 4 warps
func.func @explained(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>,
                     %v: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x128xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>,
                        tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%init : tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16>
  return %o : tensor<4x16x4096x128xbf16>
}

// -----

// Dynamic batch and sequence lengths: the prediction assumes batch 1 and
// N = 4096, and says so.
// CHECK: remark: fa-select-tiling (model):
// CHECK: note: dynamic sizes assumed for the prediction: batch = 1, Nq = 4096, Nk = 4096 (options assumed-batch, assumed-seq-len)
// PAPER: remark: fa-select-tiling (paper):
// PAPER: note: dynamic sizes assumed for the prediction: batch = 1, Nq = 4096, Nk = 4096
func.func @dynamic(%q: tensor<?x8x?x64xf16>, %k: tensor<?x8x?x64xf16>,
                   %v: tensor<?x8x?x64xf16>, %init: tensor<?x8x?x64xf16>)
    -> tensor<?x8x?x64xf16> {
  %o = fa.attention ins(%q, %k, %v : tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>,
                        tensor<?x8x?x64xf16>)
       outs(%init : tensor<?x8x?x64xf16>) -> tensor<?x8x?x64xf16>
  return %o : tensor<?x8x?x64xf16>
}

// -----

// A tiling given by hand is kept and described. HBM: Q + O = 2 * 256*64*2
// = 65536 B, K/V read by 4 q-blocks: 4 * 256 * 128 * 2 = 262144 B.
// SRAM: 64*64*2 + 2 * 2 * 64*64*2 = 40960 B.
// CHECK: remark: fa-select-tiling: keeps the given tiling #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4> (64x64, 2 stages, 4 warps: {{.*}}, HBM 327680 B ({{.*}}), SRAM 40960 B
// PAPER: remark: fa-select-tiling: keeps the given tiling
func.func @given(%q: tensor<1x1x256x64xf16>, %k: tensor<1x1x256x64xf16>,
                 %v: tensor<1x1x256x64xf16>) -> tensor<1x1x256x64xf16> {
  %init = tensor.empty() : tensor<1x1x256x64xf16>
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x256x64xf16>,
                        tensor<1x1x256x64xf16>, tensor<1x1x256x64xf16>)
       outs(%init : tensor<1x1x256x64xf16>)
       {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>}
       -> tensor<1x1x256x64xf16>
  return %o : tensor<1x1x256x64xf16>
}
