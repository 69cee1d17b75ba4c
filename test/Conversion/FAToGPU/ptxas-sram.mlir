// REQUIRES: ptxas
// The SIMT kernel of one tiled attention, compiled to PTX by fa-compile
// (fa-to-ptx-pipeline: fa-select-tiling keeps the given tiling,
// fa-tile-attention, bufferization, convert-fa-to-gpu, the GPU tail) and
// assembled by ptxas for sm_90a and sm_80: no spills, and the launch's
// dynamic shared memory is the cost model's prediction, within the target's
// budget.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-check-sram-budget --fa-tile-attention=tile-memory-space=0 | FileCheck %s --check-prefix=PREDICTED
// RUN: fa-compile %s -o %t/h100 --pipeline-options="target=h100 kernel=simt"
// RUN: FileCheck %s --check-prefix=SM90 < %t/h100.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/h100.json
//
// RUN: fa-opt %s --fa-set-target=target=a100 --fa-check-sram-budget --fa-tile-attention=tile-memory-space=0 | FileCheck %s --check-prefix=PREDICTED
// RUN: fa-compile %s -o %t/a100 --pipeline-options="target=a100 kernel=simt"
// RUN: FileCheck %s --check-prefix=SM80 < %t/a100.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/a100.json

// Shared memory of one thread block of the SIMT kernel, by hand (64 x 32
// tiles, d = dv = 64, bf16; every buffer padded to 128 bytes):
//   Q   64*64*2 =  8192      S    64*32*4 =  8192
//   K   32*64*2 =  4096      acc  64*64*4 = 16384
//   V   32*64*2 =  4096      m, l, row max, alpha: 4 * 64*4 = 1024
//   total 41984 B, within 232448 (h100) and 166912 (a100) per block.
// fa-tile-attention records the cost model's number on the thread-block loop;
// convert-fa-to-gpu packs the buffers, checks the sum against it and against
// the target's budget, and launches with it.
// PREDICTED: scf.forall
// PREDICTED: } {fa.predicted_sram = 41984 : i64, fa.tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>}

// ptxas: no stack, no spills, no static shared memory (the dynamic
// region's base symbol is `.extern`, decision D93). The products' sums
// stay in registers because convert-fa-to-gpu carries them through the
// reduction loop (D95), not because LLVM takes the tiles' accesses for
// non-aliasing (it did while the base was a zero-sized internal array;
// after D93 it stored S[i][j] at every step and spilled 24 bytes).
// SM90: Compiling entry function 'attention_kernel' for 'sm_90a'
// SM90: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SM90: Used {{[0-9]+}} registers, used 1 barriers{{$}}
// SM80: Compiling entry function 'attention_kernel' for 'sm_80'
// SM80: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SM80: Used {{[0-9]+}} registers, used 1 barriers, {{[0-9]+}} bytes cmem[0]

// The manifest: 4 q-blocks x 4 heads of 128 threads, launched with the
// predicted 41984 bytes (fa-compile also checks dynamic + static against
// the target's budget).
// MANIFEST:      "block": [
// MANIFEST-NEXT:   128,
// MANIFEST:      "grid": [
// MANIFEST-NEXT:   4,
// MANIFEST-NEXT:   4,
// MANIFEST-NEXT:   1
// MANIFEST:      "resources": {
// MANIFEST:        "spill_load_bytes": 0,
// MANIFEST-NEXT:   "spill_store_bytes": 0,
// MANIFEST-NEXT:   "stack_frame_bytes": 0,
// MANIFEST-NEXT:   "static_shared_bytes": 0
// MANIFEST:      "shared_bytes": 41984
func.func @attention(%q: tensor<1x4x200x64xbf16>, %k: tensor<1x2x200x64xbf16>,
                     %v: tensor<1x2x200x64xbf16>, %o: tensor<1x4x200x64xbf16>)
    -> tensor<1x4x200x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x4x200x64xbf16>,
                        tensor<1x2x200x64xbf16>, tensor<1x2x200x64xbf16>)
       outs(%o : tensor<1x4x200x64xbf16>)
       {causal, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>}
       -> tensor<1x4x200x64xbf16>
  return %r : tensor<1x4x200x64xbf16>
}
