// REQUIRES: ptxas
// The mma.sync backward's three kernels (fa-compile-grad-mma.mlir) assembled
// by ptxas for sm_90a at D = 64 and D = 128, bf16 and f16, and for sm_80 at
// D = 64, with the tilings fa-select-tiling picks (block_q 48 at D = 64, 32
// at D = 128: the model's register fit, kMmaSyncBackwardRegisters): a cubin,
// no stack and no spills in any kernel, and every kernel's resources in the
// manifest.
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %S/fa-compile-grad-mma.mlir -o %t/bf16-d64 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: test -s %t/bf16-d64.cubin
// RUN: FileCheck %s --check-prefix=LOG < %t/bf16-d64.ptxas.log
// RUN: FileCheck %s --check-prefix=JSON < %t/bf16-d64.json
// RUN: sed 's/x64xbf16/x64xf16/g' %S/fa-compile-grad-mma.mlir > %t/f16-d64.mlir
// RUN: fa-compile %t/f16-d64.mlir -o %t/f16-d64 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=LOG < %t/f16-d64.ptxas.log
// RUN: sed 's/x64xbf16/x128xbf16/g' %S/fa-compile-grad-mma.mlir > %t/bf16-d128.mlir
// RUN: fa-compile %t/bf16-d128.mlir -o %t/bf16-d128 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=LOG < %t/bf16-d128.ptxas.log
// RUN: sed 's/x64xbf16/x128xf16/g' %S/fa-compile-grad-mma.mlir > %t/f16-d128.mlir
// RUN: fa-compile %t/f16-d128.mlir -o %t/f16-d128 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=LOG < %t/f16-d128.ptxas.log
// RUN: fa-compile %t/f16-d64.mlir -o %t/a100-f16-d64 --pipeline-options="target=a100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=LOG < %t/a100-f16-d64.ptxas.log
// RUN: fa-compile %S/fa-compile-grad-mma.mlir -o %t/a100-bf16-d64 --pipeline-options="target=a100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=LOG < %t/a100-bf16-d64.ptxas.log

// LOG-COUNT-3: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// LOG-NOT: bytes spill
// JSON: "cubin": "bf16-d64.cubin",
// JSON-COUNT-3: "registers":
