// Forward tilings on the targets with less shared memory than the H100
// (issue 25, item 5): sm_80 (A100, 163 KB a block) and sm_86, sm_89 and
// sm_120 (99 KB) get an mma-sync tiling for every head dim that is a
// multiple of 16 up to 256, and for d = 192 with dv = 128; where the larger
// blocks do not fit, a smaller one is chosen (64 rows at d >= 144 on 99
// KB), never an error. The whole pipeline builds every kernel of the
// module, and fa-compile's check of the launch's shared memory against the
// target passes for the largest head dims (d = 256, and 192 with dv = 128).
// The prefix A100-99K is the sm_80 target with the 99 KB budget forced
// (sram-per-block, and sram-per-sm of the 99 KB parts): what
// `scripts/gpu-artifacts.sh DEST mma-99k a100` stages for the H200 to run.
//
// RUN: fa-opt %s --fa-set-target=target=a100 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=A100
// RUN: fa-opt %s --fa-set-target=target=a10 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=SM86
// RUN: fa-opt %s --fa-set-target=target=l4 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=SM89
// RUN: fa-opt %s --fa-set-target=target=rtx5090 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=SM120
// RUN: fa-opt %s --fa-set-target="target=a100 sram-per-block=101376 sram-per-sm=102400" --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=A100-99K
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=a100 format=isa" -o /dev/null
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=l4 format=isa" -o /dev/null
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -n '/^func.func @d256(/,/^}/p' %s > %t/d256.mlir
// RUN: sed -n '/^func.func @d192_dv128(/,/^}/p' %s > %t/d192.mlir
// RUN: fa-compile %t/d256.mlir -o %t/a100-d256 --ptxas=none --pipeline-options="target=a100"
// RUN: fa-compile %t/d192.mlir -o %t/a100-d192 --ptxas=none --pipeline-options="target=a100"
// RUN: fa-compile %t/d256.mlir -o %t/l4-d256 --ptxas=none --pipeline-options="target=l4"
// RUN: fa-compile %t/d192.mlir -o %t/l4-d192 --ptxas=none --pipeline-options="target=l4"
// RUN: fa-compile %t/d256.mlir -o %t/a100-99k-d256 --ptxas=none --pipeline-options="target=a100 sram-per-block=101376 sram-per-sm=102400"
// RUN: fa-compile %t/d192.mlir -o %t/a100-99k-d192 --ptxas=none --pipeline-options="target=a100 sram-per-block=101376 sram-per-sm=102400"

// A100-99K-LABEL: func.func @d16(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 2>
// A100-99K-LABEL: func.func @d32(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d48(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d64(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d80(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d96(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d112(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 2>
// A100-99K-LABEL: func.func @d128(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d144(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d160(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 16, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d176(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 2, warps = 8>
// A100-99K-LABEL: func.func @d192(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d192_dv128(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d208(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d224(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d240(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// A100-99K-LABEL: func.func @d256(
// A100-99K: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>

// A100-LABEL: func.func @d16(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 4, warps = 2>
// A100-LABEL: func.func @d32(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 80, stages = 2, warps = 2>
// A100-LABEL: func.func @d48(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 2>
// A100-LABEL: func.func @d64(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 3, warps = 4>
// A100-LABEL: func.func @d80(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 3, warps = 4>
// A100-LABEL: func.func @d96(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 3, warps = 4>
// A100-LABEL: func.func @d112(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// A100-LABEL: func.func @d128(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 2, warps = 4>
// A100-LABEL: func.func @d144(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 2, warps = 8>
// A100-LABEL: func.func @d160(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
// A100-LABEL: func.func @d176(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
// A100-LABEL: func.func @d192(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 8>
// A100-LABEL: func.func @d192_dv128(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 2, warps = 4>
// A100-LABEL: func.func @d208(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 8>
// A100-LABEL: func.func @d224(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 2, warps = 8>
// A100-LABEL: func.func @d240(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 2, warps = 8>
// A100-LABEL: func.func @d256(
// A100: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 1, warps = 8>

// SM86-LABEL: func.func @d16(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 80, stages = 2, warps = 2>
// SM86-LABEL: func.func @d32(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 2>
// SM86-LABEL: func.func @d48(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 2>
// SM86-LABEL: func.func @d64(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 2>
// SM86-LABEL: func.func @d80(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 192, block_kv = 96, stages = 2, warps = 12>
// SM86-LABEL: func.func @d96(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 96, stages = 2, warps = 4>
// SM86-LABEL: func.func @d112(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 80, stages = 2, warps = 4>
// SM86-LABEL: func.func @d128(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>
// SM86-LABEL: func.func @d144(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>
// SM86-LABEL: func.func @d160(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// SM86-LABEL: func.func @d176(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// SM86-LABEL: func.func @d192(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM86-LABEL: func.func @d192_dv128(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// SM86-LABEL: func.func @d208(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM86-LABEL: func.func @d224(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM86-LABEL: func.func @d240(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM86-LABEL: func.func @d256(
// SM86: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>

// SM89-LABEL: func.func @d16(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 2>
// SM89-LABEL: func.func @d32(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>
// SM89-LABEL: func.func @d48(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 2>
// SM89-LABEL: func.func @d64(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 2>
// SM89-LABEL: func.func @d80(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>
// SM89-LABEL: func.func @d96(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 2, warps = 4>
// SM89-LABEL: func.func @d112(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 2>
// SM89-LABEL: func.func @d128(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 2, warps = 4>
// SM89-LABEL: func.func @d144(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>
// SM89-LABEL: func.func @d160(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// SM89-LABEL: func.func @d176(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// SM89-LABEL: func.func @d192(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM89-LABEL: func.func @d192_dv128(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 2, warps = 4>
// SM89-LABEL: func.func @d208(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM89-LABEL: func.func @d224(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM89-LABEL: func.func @d240(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM89-LABEL: func.func @d256(
// SM89: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>

// SM120-LABEL: func.func @d16(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 2>
// SM120-LABEL: func.func @d32(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 2, warps = 1>
// SM120-LABEL: func.func @d48(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 4>
// SM120-LABEL: func.func @d64(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 4>
// SM120-LABEL: func.func @d80(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 4>
// SM120-LABEL: func.func @d96(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 96, stages = 2, warps = 4>
// SM120-LABEL: func.func @d112(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 80, stages = 2, warps = 4>
// SM120-LABEL: func.func @d128(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>
// SM120-LABEL: func.func @d144(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>
// SM120-LABEL: func.func @d160(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// SM120-LABEL: func.func @d176(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// SM120-LABEL: func.func @d192(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM120-LABEL: func.func @d192_dv128(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// SM120-LABEL: func.func @d208(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM120-LABEL: func.func @d224(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM120-LABEL: func.func @d240(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// SM120-LABEL: func.func @d256(
// SM120: schedule = #fa.schedule<kernel = mma_sync{{.*}}tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>

func.func @d16(%q: tensor<1x16x4096x16xbf16>, %k: tensor<1x16x4096x16xbf16>, %v: tensor<1x16x4096x16xbf16>, %o: tensor<1x16x4096x16xbf16>) -> tensor<1x16x4096x16xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x16xbf16>, tensor<1x16x4096x16xbf16>, tensor<1x16x4096x16xbf16>) outs(%o : tensor<1x16x4096x16xbf16>) {causal} -> tensor<1x16x4096x16xbf16>
  return %r : tensor<1x16x4096x16xbf16>
}

func.func @d32(%q: tensor<1x16x4096x32xbf16>, %k: tensor<1x16x4096x32xbf16>, %v: tensor<1x16x4096x32xbf16>, %o: tensor<1x16x4096x32xbf16>) -> tensor<1x16x4096x32xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x32xbf16>, tensor<1x16x4096x32xbf16>, tensor<1x16x4096x32xbf16>) outs(%o : tensor<1x16x4096x32xbf16>) {causal} -> tensor<1x16x4096x32xbf16>
  return %r : tensor<1x16x4096x32xbf16>
}

func.func @d48(%q: tensor<1x16x4096x48xbf16>, %k: tensor<1x16x4096x48xbf16>, %v: tensor<1x16x4096x48xbf16>, %o: tensor<1x16x4096x48xbf16>) -> tensor<1x16x4096x48xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x48xbf16>, tensor<1x16x4096x48xbf16>, tensor<1x16x4096x48xbf16>) outs(%o : tensor<1x16x4096x48xbf16>) {causal} -> tensor<1x16x4096x48xbf16>
  return %r : tensor<1x16x4096x48xbf16>
}

func.func @d64(%q: tensor<1x16x4096x64xbf16>, %k: tensor<1x16x4096x64xbf16>, %v: tensor<1x16x4096x64xbf16>, %o: tensor<1x16x4096x64xbf16>) -> tensor<1x16x4096x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>) outs(%o : tensor<1x16x4096x64xbf16>) {causal} -> tensor<1x16x4096x64xbf16>
  return %r : tensor<1x16x4096x64xbf16>
}

func.func @d80(%q: tensor<1x16x4096x80xbf16>, %k: tensor<1x16x4096x80xbf16>, %v: tensor<1x16x4096x80xbf16>, %o: tensor<1x16x4096x80xbf16>) -> tensor<1x16x4096x80xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x80xbf16>, tensor<1x16x4096x80xbf16>, tensor<1x16x4096x80xbf16>) outs(%o : tensor<1x16x4096x80xbf16>) {causal} -> tensor<1x16x4096x80xbf16>
  return %r : tensor<1x16x4096x80xbf16>
}

func.func @d96(%q: tensor<1x16x4096x96xbf16>, %k: tensor<1x16x4096x96xbf16>, %v: tensor<1x16x4096x96xbf16>, %o: tensor<1x16x4096x96xbf16>) -> tensor<1x16x4096x96xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x96xbf16>, tensor<1x16x4096x96xbf16>, tensor<1x16x4096x96xbf16>) outs(%o : tensor<1x16x4096x96xbf16>) {causal} -> tensor<1x16x4096x96xbf16>
  return %r : tensor<1x16x4096x96xbf16>
}

func.func @d112(%q: tensor<1x16x4096x112xbf16>, %k: tensor<1x16x4096x112xbf16>, %v: tensor<1x16x4096x112xbf16>, %o: tensor<1x16x4096x112xbf16>) -> tensor<1x16x4096x112xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x112xbf16>, tensor<1x16x4096x112xbf16>, tensor<1x16x4096x112xbf16>) outs(%o : tensor<1x16x4096x112xbf16>) {causal} -> tensor<1x16x4096x112xbf16>
  return %r : tensor<1x16x4096x112xbf16>
}

func.func @d128(%q: tensor<1x16x4096x128xbf16>, %k: tensor<1x16x4096x128xbf16>, %v: tensor<1x16x4096x128xbf16>, %o: tensor<1x16x4096x128xbf16>) -> tensor<1x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x128xbf16>, tensor<1x16x4096x128xbf16>, tensor<1x16x4096x128xbf16>) outs(%o : tensor<1x16x4096x128xbf16>) {causal} -> tensor<1x16x4096x128xbf16>
  return %r : tensor<1x16x4096x128xbf16>
}

func.func @d144(%q: tensor<1x16x4096x144xbf16>, %k: tensor<1x16x4096x144xbf16>, %v: tensor<1x16x4096x144xbf16>, %o: tensor<1x16x4096x144xbf16>) -> tensor<1x16x4096x144xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x144xbf16>, tensor<1x16x4096x144xbf16>, tensor<1x16x4096x144xbf16>) outs(%o : tensor<1x16x4096x144xbf16>) {causal} -> tensor<1x16x4096x144xbf16>
  return %r : tensor<1x16x4096x144xbf16>
}

func.func @d160(%q: tensor<1x16x4096x160xbf16>, %k: tensor<1x16x4096x160xbf16>, %v: tensor<1x16x4096x160xbf16>, %o: tensor<1x16x4096x160xbf16>) -> tensor<1x16x4096x160xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x160xbf16>, tensor<1x16x4096x160xbf16>, tensor<1x16x4096x160xbf16>) outs(%o : tensor<1x16x4096x160xbf16>) {causal} -> tensor<1x16x4096x160xbf16>
  return %r : tensor<1x16x4096x160xbf16>
}

func.func @d176(%q: tensor<1x16x4096x176xbf16>, %k: tensor<1x16x4096x176xbf16>, %v: tensor<1x16x4096x176xbf16>, %o: tensor<1x16x4096x176xbf16>) -> tensor<1x16x4096x176xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x176xbf16>, tensor<1x16x4096x176xbf16>, tensor<1x16x4096x176xbf16>) outs(%o : tensor<1x16x4096x176xbf16>) {causal} -> tensor<1x16x4096x176xbf16>
  return %r : tensor<1x16x4096x176xbf16>
}

func.func @d192(%q: tensor<1x16x4096x192xbf16>, %k: tensor<1x16x4096x192xbf16>, %v: tensor<1x16x4096x192xbf16>, %o: tensor<1x16x4096x192xbf16>) -> tensor<1x16x4096x192xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x192xbf16>, tensor<1x16x4096x192xbf16>, tensor<1x16x4096x192xbf16>) outs(%o : tensor<1x16x4096x192xbf16>) {causal} -> tensor<1x16x4096x192xbf16>
  return %r : tensor<1x16x4096x192xbf16>
}

func.func @d192_dv128(%q: tensor<1x16x4096x192xbf16>, %k: tensor<1x16x4096x192xbf16>, %v: tensor<1x16x4096x128xbf16>, %o: tensor<1x16x4096x128xbf16>) -> tensor<1x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x192xbf16>, tensor<1x16x4096x192xbf16>, tensor<1x16x4096x128xbf16>) outs(%o : tensor<1x16x4096x128xbf16>) {causal} -> tensor<1x16x4096x128xbf16>
  return %r : tensor<1x16x4096x128xbf16>
}

func.func @d208(%q: tensor<1x16x4096x208xbf16>, %k: tensor<1x16x4096x208xbf16>, %v: tensor<1x16x4096x208xbf16>, %o: tensor<1x16x4096x208xbf16>) -> tensor<1x16x4096x208xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x208xbf16>, tensor<1x16x4096x208xbf16>, tensor<1x16x4096x208xbf16>) outs(%o : tensor<1x16x4096x208xbf16>) {causal} -> tensor<1x16x4096x208xbf16>
  return %r : tensor<1x16x4096x208xbf16>
}

func.func @d224(%q: tensor<1x16x4096x224xbf16>, %k: tensor<1x16x4096x224xbf16>, %v: tensor<1x16x4096x224xbf16>, %o: tensor<1x16x4096x224xbf16>) -> tensor<1x16x4096x224xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x224xbf16>, tensor<1x16x4096x224xbf16>, tensor<1x16x4096x224xbf16>) outs(%o : tensor<1x16x4096x224xbf16>) {causal} -> tensor<1x16x4096x224xbf16>
  return %r : tensor<1x16x4096x224xbf16>
}

func.func @d240(%q: tensor<1x16x4096x240xbf16>, %k: tensor<1x16x4096x240xbf16>, %v: tensor<1x16x4096x240xbf16>, %o: tensor<1x16x4096x240xbf16>) -> tensor<1x16x4096x240xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x240xbf16>, tensor<1x16x4096x240xbf16>, tensor<1x16x4096x240xbf16>) outs(%o : tensor<1x16x4096x240xbf16>) {causal} -> tensor<1x16x4096x240xbf16>
  return %r : tensor<1x16x4096x240xbf16>
}

func.func @d256(%q: tensor<1x16x4096x256xbf16>, %k: tensor<1x16x4096x256xbf16>, %v: tensor<1x16x4096x256xbf16>, %o: tensor<1x16x4096x256xbf16>) -> tensor<1x16x4096x256xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x16x4096x256xbf16>, tensor<1x16x4096x256xbf16>, tensor<1x16x4096x256xbf16>) outs(%o : tensor<1x16x4096x256xbf16>) {causal} -> tensor<1x16x4096x256xbf16>
  return %r : tensor<1x16x4096x256xbf16>
}
