// REQUIRES: ptxas
// The wgmma kernel the cost model picks for a benchmark shape (d = 128,
// N = 4096; ptxas-wgmma.mlir: d = 64), assembled by ptxas for sm_90a: no spills, no wgmma
// serialization warning (ptxas names the reason when it must wait for a
// wgmma it cannot track), and the launch's dynamic shared memory is the
// model's wgmma prediction.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling="kernel=auto explain" 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: fa-compile %s -o %t/k --pipeline-options="target=h100"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/k.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/k.json
// One block per SM of two warpgroups: wgmma-release=auto adds the producer
// warpgroup; the block starts at 65536 / 384 registers a thread (168) and
// the consumers take 240 of the producer's.
// RUN: FileCheck %s --check-prefix=PTX < %t/k.ptx
// PTX: .maxntid 384, 1, 1
// PTX-NEXT: .maxnreg 168
// With the producer the step is the overlapped one (P_{j-1} V_{j-1} in
// flight under the softmax) and the two consumer warpgroups take turns on
// named barriers 1 and 2: bar.sync on their own, bar.arrive on the other's.
// PTXAS below: no spills within the consumers' setmaxnreg budget.
// PTX: setmaxnreg.inc.sync.aligned.u32 240;
// PTX: bar.sync {{.*}}, 256;
// PTX: bar.arrive {{.*}}, 256;
// PTX: wgmma.wait_group.sync.aligned 1;
// PTX: nanosleep.u32 0;
// The epilogue: O through shared memory (32-bit stores) and a TMA store of
// each warp's rows, waited for (reads) before exit; no store to global
// memory from registers.
// PTX-NOT: st.global
// PTX: st.shared.b32
// PTX: fence.proxy.async.shared::cta;
// PTX: cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group
// PTX: cp.async.bulk.commit_group;
// PTX-NEXT: cp.async.bulk.wait_group.read 0;
// PTX-NOT: st.global
// RUN: FileCheck %s --check-prefix=PTXDEC < %t/k.ptx
// PTXDEC: setmaxnreg.dec.sync.aligned.u32 24;
// The serial step (the default before the overlapped one), and the serial
// step with turns.
// RUN: fa-compile %s -o %t/s --pipeline-options="target=h100 wgmma-schedule=serial"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/s.ptxas.log
// RUN: fa-compile %s -o %t/p --pipeline-options="target=h100 wgmma-schedule=serial wgmma-pingpong=on"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/p.ptxas.log

// MODEL: #1 128x160, 2 stages, 8 warps: {{.*}}, SRAM 197680 B, 248 registers/thread, 1 block(s)/SM
// MODEL: kernel=wgmma
// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Used {{(1[0-9][0-9]|2[0-4][0-9]|25[0-5])}} registers
// O's tensor map (the fourth, after V's): boxes of one warp's 16 rows.
// MANIFEST: "buffer": "arg2",
// MANIFEST: "box": [
// MANIFEST-NEXT: 1,
// MANIFEST-NEXT: 1,
// MANIFEST-NEXT: 16,
// MANIFEST-NEXT: 64
// MANIFEST-NEXT: ],
// MANIFEST-NEXT: "buffer": "arg3",
// MANIFEST: "shared_bytes": 197632

func.func @attention(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>,
                     %v: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>)
    -> tensor<4x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>,
                        tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%o : tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16>
  return %r : tensor<4x16x4096x128xbf16>
}
