// REQUIRES: ptxas
// The SIMT kernel of a #fa.mask_pattern (causal chunks of 64, 64 x 32
// blocks, N = 200): the block table of the tiled form is a constant global
// that convert-fa-to-gpu reads inside the launch (its memref.get_global ops
// sunk into the gpu.launch), so kernel outlining copies the globals into the
// kernel's module and the kernel keeps its arguments (here q and o); the
// PTX defines the tables with their values, and ptxas assembles the kernel
// without spills (the reductions accumulate in registers, D95). The shared
// memory is the cost model's prediction (the
// full and partial sides of the scores' step write the one S tile).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 kernel=simt stop-after=gpu" | FileCheck %s --check-prefix=GPU
// RUN: fa-compile %s -o %t/h100 --pipeline-options="target=h100 kernel=simt"
// RUN: FileCheck %s --check-prefix=PTX < %t/h100.ptx
// RUN: FileCheck %s --check-prefix=SM90 < %t/h100.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/h100.json

// GPU-LABEL: func.func @attention
// GPU-NOT: memref.get_global
// GPU: gpu.launch
// GPU-DAG: memref.get_global @[[KINDS:__constant_4x7xi8]] : memref<4x7xi8>
// GPU-DAG: memref.get_global @{{__constant_4xi32.*}} : memref<4xi32>
// GPU: gpu.terminator

// 4 q-blocks of 64 rows, 7 kv-blocks of 32 keys: q-blocks 0..2 see the 2
// kv-blocks of their chunk, both crossing the rows' diagonal (partial);
// q-block 3 (rows 192..199) only kv-block 6 (keys 192..199).
// PTX: .global .align {{[0-9]+}} .b8 __constant_4x7xi8[28] = {2, 2, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 2};
// PTX: .entry attention_kernel(

// SM90: Compiling entry function 'attention_kernel' for 'sm_90a'
// SM90: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// MANIFEST:      "arguments": [
// MANIFEST-COUNT-2: "dtype": "bf16",
// MANIFEST-NOT: "dtype"
// MANIFEST:      "shared_bytes":
func.func @attention(%q: tensor<1x2x200x64xbf16>, %o: tensor<1x2x200x64xbf16>)
    -> tensor<1x2x200x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x200x64xbf16>,
                        tensor<1x2x200x64xbf16>, tensor<1x2x200x64xbf16>)
       outs(%o : tensor<1x2x200x64xbf16>)
       {causal, mask_pattern = #fa.mask_pattern<chunk = 64>,
        tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>}
       -> tensor<1x2x200x64xbf16>
  return %r : tensor<1x2x200x64xbf16>
}
