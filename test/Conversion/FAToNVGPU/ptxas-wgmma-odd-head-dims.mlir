// REQUIRES: ptxas
// The wgmma kernel at head dims that are not a multiple of 64 (issue 25,
// item 2; docs/GPU.md, "Head dims that are not a multiple of 64";
// docs/decisions.md D48): the cost model's pick on the h200 at the
// benchmark's N = 4k, assembled by ptxas for sm_90a without spills, at
// d = 96 and 80, bf16 and f16, causal and not, and d = 96 with dv = 64.
// Q K^T issues d / 16 k16 steps (only the real columns), P V one wgmma of
// n = dv a step; each tile takes whole 64-column blocks in shared memory,
// the last one's columns past d zero-filled by its TMA box.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling="kernel=auto explain" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: fa-compile %s -o %t/d96 --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d96.ptxas.log
// RUN: FileCheck %s --check-prefix=D96 < %t/d96.ptx
// RUN: sed 's/x96xbf16/x80xf16/g' %s > %t/d80.mlir
// RUN: fa-compile %t/d80.mlir -o %t/d80 --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d80.ptxas.log
// RUN: FileCheck %s --check-prefix=D80 < %t/d80.ptx
// RUN: sed 's/) -> tensor/) {causal} -> tensor/' %s > %t/d96c.mlir
// RUN: fa-compile %t/d96c.mlir -o %t/d96c --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d96c.ptxas.log
// RUN: sed -e 's/x96xbf16/x80xbf16/g' -e 's/) -> tensor/) {causal} -> tensor/' %s > %t/d80c.mlir
// RUN: fa-compile %t/d80c.mlir -o %t/d80c --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d80c.ptxas.log
// RUN: sed 's/x96xbf16/x96xf16/g' %s > %t/d96f.mlir
// RUN: fa-compile %t/d96f.mlir -o %t/d96f --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d96f.ptxas.log
// RUN: sed -e 's/%v: tensor<4x16x4096x96xbf16>/%v: tensor<4x16x4096x64xbf16>/' -e 's/%o: tensor<4x16x4096x96xbf16>/%o: tensor<4x16x4096x64xbf16>/' -e 's/, tensor<4x16x4096x96xbf16>)$/, tensor<4x16x4096x64xbf16>)/' -e 's/outs(%o : tensor<4x16x4096x96xbf16>) -> tensor<4x16x4096x96xbf16>/outs(%o : tensor<4x16x4096x64xbf16>) -> tensor<4x16x4096x64xbf16>/' -e 's/-> tensor<4x16x4096x96xbf16> {/-> tensor<4x16x4096x64xbf16> {/' -e 's/return %r : tensor<4x16x4096x96xbf16>/return %r : tensor<4x16x4096x64xbf16>/' %s > %t/d96v64.mlir
// RUN: fa-compile %t/d96v64.mlir -o %t/d96v64 --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d96v64.ptxas.log
// RUN: FileCheck %s --check-prefix=V64 < %t/d96v64.ptx

// MODEL: kernel=wgmma
// PTXAS: Compiling entry function 'attention_kernel' for 'sm_90a'
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// d = 96: six k16 steps of Q K^T, P V at n = 96.
// D96: wgmma.mma_async.sync.aligned.m64n{{[0-9]+}}k16.f32.bf16.bf16
// D96: wgmma.mma_async.sync.aligned.m64n96k16.f32.bf16.bf16
// d = 80 (f16): P V at n = 80.
// D80: wgmma.mma_async.sync.aligned.m64n80k16.f32.f16.f16
// dv = 64: P V at n = 64.
// V64: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16

func.func @attention(%q: tensor<4x16x4096x96xbf16>, %k: tensor<4x16x4096x96xbf16>,
    %v: tensor<4x16x4096x96xbf16>, %o: tensor<4x16x4096x96xbf16>)
    -> tensor<4x16x4096x96xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<4x16x4096x96xbf16>,
                        tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>)
       outs(%o : tensor<4x16x4096x96xbf16>) -> tensor<4x16x4096x96xbf16>
  return %r : tensor<4x16x4096x96xbf16>
}
