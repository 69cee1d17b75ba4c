// REQUIRES: ptxas
// The wgmma kernel the cost model picks for a benchmark shape (d = 64,
// N = 4096; ptxas-wgmma-d128.mlir: d = 128), assembled by ptxas for sm_90a: no spills, no wgmma
// serialization warning (ptxas names the reason when it must wait for a
// wgmma it cannot track), and the launch's dynamic shared memory is the
// model's wgmma prediction.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling="kernel=auto explain" 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: fa-compile %s -o %t/k --pipeline-options="target=h100"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/k.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/k.json

// MODEL: #1 128x96, 2 stages, 8 warps: {{.*}}, SRAM 66608 B, 128 registers/thread, 2 block(s)/SM
// MODEL: kernel=wgmma
// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized
// The TMA loads' tensor maps (K's, V's alike): the runtime encodes them
// over the launch's buffers.
// MANIFEST:      "box": [
// MANIFEST-NEXT:   1,
// MANIFEST-NEXT:   1,
// MANIFEST-NEXT:   128,
// MANIFEST-NEXT:   64
// MANIFEST-NEXT: ],
// MANIFEST-NEXT: "buffer": "arg0",
// MANIFEST-NEXT: "dtype": "bf16",
// MANIFEST-NEXT: "interleave": "none",
// MANIFEST-NEXT: "l2promo": "l2promo_128b",
// MANIFEST-NEXT: "oob": "zero",
// MANIFEST:      "swizzle": "swizzle_128b",
// MANIFEST-NEXT: "type": "tensormap"
// MANIFEST:      "buffer": "arg1",
// MANIFEST:      "type": "tensormap"
// MANIFEST:      "buffer": "arg2",
// MANIFEST:      "type": "tensormap"
// MANIFEST: "shared_bytes": 66560

func.func @attention(%q: tensor<4x32x4096x64xbf16>, %k: tensor<4x32x4096x64xbf16>,
                     %v: tensor<4x32x4096x64xbf16>, %o: tensor<4x32x4096x64xbf16>)
    -> tensor<4x32x4096x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<4x32x4096x64xbf16>,
                        tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
       outs(%o : tensor<4x32x4096x64xbf16>) -> tensor<4x32x4096x64xbf16>
  return %r : tensor<4x32x4096x64xbf16>
}
