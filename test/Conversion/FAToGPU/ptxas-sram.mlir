// REQUIRES: ptxas
// The SIMT kernel of one tiled attention, through the upstream NVVM lowering
// to PTX, assembled by ptxas for sm_90a and sm_80: no spills, and the
// launch's dynamic shared memory is the cost model's prediction. CUDA_ROOT
// points gpu-module-to-binary at the toolkit's libdevice (for expf).
//
// DEFINE: %{bufferize} = mlir-opt -allow-unregistered-dialect --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse
// DEFINE: %{to-gpu} = fa-opt --convert-fa-to-gpu --canonicalize --cse
// DEFINE: %{to-ptx} = env CUDA_ROOT=%cuda_root mlir-opt -allow-unregistered-dialect --lower-affine --gpu-kernel-outlining
//
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-check-sram-budget --fa-tile-attention=tile-memory-space=0 > %t.sm90.tiled.mlir
// RUN: FileCheck %s --check-prefix=PREDICTED < %t.sm90.tiled.mlir
// RUN: %{bufferize} %t.sm90.tiled.mlir | %{to-gpu} | %{to-ptx} --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" > %t.sm90.mlir
// RUN: FileCheck %s --check-prefix=LAUNCH < %t.sm90.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.sm90.mlir > %t.sm90.ptx
// RUN: %ptxas -v -arch=sm_90a %t.sm90.ptx -o %t.sm90.cubin 2>&1 | FileCheck %s --check-prefix=SM90
//
// RUN: fa-opt %s --fa-set-target=target=a100 --fa-check-sram-budget --fa-tile-attention=tile-memory-space=0 > %t.sm80.tiled.mlir
// RUN: FileCheck %s --check-prefix=PREDICTED < %t.sm80.tiled.mlir
// RUN: %{bufferize} %t.sm80.tiled.mlir | %{to-gpu} | %{to-ptx} --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_80 cubin-features=+ptx80 cubin-format=isa" > %t.sm80.mlir
// RUN: FileCheck %s --check-prefix=LAUNCH < %t.sm80.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.sm80.mlir > %t.sm80.ptx
// RUN: %ptxas -v -arch=sm_80 %t.sm80.ptx -o %t.sm80.cubin 2>&1 | FileCheck %s --check-prefix=SM80

// Shared memory of one thread block of the SIMT kernel, by hand (64 x 32
// tiles, d = dv = 64, bf16; every buffer padded to 128 bytes):
//   Q   64*64*2 =  8192      S    64*32*4 =  8192
//   K   32*64*2 =  4096      acc  64*64*4 = 16384
//   V   32*64*2 =  4096      m, l, row max, alpha: 4 * 64*4 = 1024
//   total 41984 B, within 232448 (h100) and 166912 (a100) per block.
// fa-tile-attention records the cost model's number on the thread-block loop;
// convert-fa-to-gpu packs the buffers, checks the sum against it and the
// target's budget, and launches with it.
// PREDICTED: scf.forall
// PREDICTED: } {fa.predicted_sram = 41984 : i64, fa.tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>}

// 4 q-blocks x 4 heads, 128 threads, 41984 bytes of dynamic shared memory.
// LAUNCH-DAG: %[[SMEM:.+]] = llvm.mlir.constant(41984 : i32) : i32
// LAUNCH-DAG: %[[THREADS:.+]] = llvm.mlir.constant(128 : index) : i64
// LAUNCH: gpu.launch_func @attention_kernel::@attention_kernel blocks in ({{.+}}) threads in (%[[THREADS]], {{.+}}) : i64 dynamic_shared_memory_size %[[SMEM]]
// LAUNCH: gpu.binary @attention_kernel

// ptxas: no stack, no spills; the only static shared memory is the 1-byte
// base symbol upstream's lowering declares for the dynamic region.
// SM90: Compiling entry function 'attention_kernel' for 'sm_90a'
// SM90: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SM90: Used {{[0-9]+}} registers, used 1 barriers, 1 bytes smem
// SM80: Compiling entry function 'attention_kernel' for 'sm_80'
// SM80: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SM80: Used {{[0-9]+}} registers, used 1 barriers, 1 bytes smem
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
