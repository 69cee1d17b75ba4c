// REQUIRES: ptxas
// The wgmma kernel the cost model picks for a benchmark shape (d = 64,
// N = 4096; ptxas-wgmma-d128.mlir: d = 128), assembled by ptxas for sm_90a: no spills, no wgmma
// serialization warning (ptxas names the reason when it must wait for a
// wgmma it cannot track), and the launch's dynamic shared memory is the
// model's wgmma prediction. The pick is three consumer warpgroups of 64
// rows at one block per SM, which wgmma-release=auto builds as the
// producer kernel (a fourth warpgroup issues the loads; setmaxnreg gives
// the consumers 160 registers, which the model's 156 fit: no spills).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling="kernel=auto explain" 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: fa-compile %s -o %t/k --pipeline-options="target=h100"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/k.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/k.json
// RUN: FileCheck %s --check-prefix=PTX < %t/k.ptx

// MODEL: #1 192x128, 2 stages, 12 warps: {{.*}}, SRAM 91184 B, 156 registers/thread, 1 block(s)/SM
// MODEL: kernel=wgmma
// MODEL: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 160>: the producer kernel: one more warpgroup issues the loads, 3 consumer warpgroup(s) at 160 registers a thread
// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized
// The TMA loads' tensor maps (K's, V's alike): the runtime encodes them
// over the launch's buffers.
// PTX: setmaxnreg.inc.sync.aligned.u32 160;
// PTX: setmaxnreg.dec.sync.aligned.u32 24;
// MANIFEST: "block": [
// MANIFEST-NEXT:   512,
// MANIFEST:      "box": [
// MANIFEST-NEXT:   1,
// MANIFEST-NEXT:   1,
// MANIFEST-NEXT:   192,
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
// MANIFEST: "shared_bytes": 91136

func.func @attention(%q: tensor<4x32x4096x64xbf16>, %k: tensor<4x32x4096x64xbf16>,
                     %v: tensor<4x32x4096x64xbf16>, %o: tensor<4x32x4096x64xbf16>)
    -> tensor<4x32x4096x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<4x32x4096x64xbf16>,
                        tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
       outs(%o : tensor<4x32x4096x64xbf16>) -> tensor<4x32x4096x64xbf16>
  return %r : tensor<4x32x4096x64xbf16>
}
