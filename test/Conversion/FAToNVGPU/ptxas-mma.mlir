// REQUIRES: ptxas
// The mma-sync kernels the cost model picks for a benchmark shape (d = 64
// and 128), assembled by ptxas for sm_90a and sm_80: no spills (the model's
// register fit keeps the tiles under 255), and the launch's dynamic shared
// memory is the model's mma-sync prediction.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 --fa-select-tiling="kernel=mma-sync explain" 2>&1 | FileCheck %s --check-prefix=MODEL90
// RUN: fa-compile %s -o %t/h100 --pipeline-options="target=h100"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/h100.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST90 < %t/h100.json
// RUN: fa-compile %s -o %t/a100 --pipeline-options="target=a100"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/a100.ptxas.log

// MODEL90: #1 256x32, 2 stages, 8 warps: {{.*}}, SRAM 104448 B,
// MANIFEST90: "shared_bytes": 104448
// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: bytes spill stores
// PTXAS: Used {{[0-9]+}} registers

func.func @attention(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>,
                     %v: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>)
    -> tensor<4x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>,
                        tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%o : tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16>
  return %r : tensor<4x16x4096x128xbf16>
}
