// REQUIRES: ptxas
// The wgmma backward's warpgroup dQ reductions (`backward-dq-reduce=
// warpgroup`, D127; docs/Backward.md, "The TMA ring") through fa-compile's
// pipeline option, with the model's picks: at D = 64 GQA 4/2 dense with N
// not a multiple of the blocks (the wide q-block: a warpgroup's 64 rows x
// 64 columns) and at D = 128 GQA 4/1 causal with Nq != Nk (block_q 64: a
// warpgroup's 64 rows x 64 columns). In each step the warpgroup's issuing
// thread waits for its reductions of the step before to have read the tile
// before dS^T's barrier; after the dQ tile's stores and fence, a named
// barrier of the warpgroup's 128 threads (id 1 + wg), and one thread adds
// the two boxes of 64 rows x 32 f32 (the host's tensor map: box [1, 1, 64,
// 32] of the f32 accumulator). ptxas: the main kernel spills nothing.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/d64 --pipeline-options="target=h100 kernel=wgmma backward-dq-reduce=warpgroup"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/d64.ptx
// RUN: FileCheck %s --check-prefix=MAP < %t/d64.json
// RUN: sed 's/{}/{causal}/; s/1x2x1000x64/1x1x777x64/g; s/x64xbf16/x128xbf16/g' %s > %t/d128.mlir
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h100 kernel=wgmma backward-dq-reduce=warpgroup"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/d128.ptx
// RUN: FileCheck %s --check-prefix=MAP < %t/d128.json

// PTXAS: Compiling entry function 'attention_grad_kernel_1' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_1
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NEXT: Used {{[0-9]+}} registers

// PTX-LABEL: .entry attention_grad_kernel_1(
// PTX: cp.async.bulk.wait_group.read 0;
// PTX-NOT: st.shared
// PTX: bar.sync 0;
// PTX: fence.proxy.async.shared::cta;
// PTX-NEXT: bar.sync %r{{[0-9]+}}, 128;
// PTX-NOT: bar.sync
// PTX: cp.reduce.async.bulk.tensor.4d.global.shared::cta.add.tile.bulk_group
// PTX-NOT: bar.sync
// PTX: cp.reduce.async.bulk.tensor.4d.global.shared::cta.add.tile.bulk_group
// PTX-NOT: cp.reduce.async.bulk.tensor
// PTX: cp.async.bulk.commit_group;
// PTX-NOT: cp.reduce.async.bulk.tensor
// PTX: .entry

// MAP: "box": [
// MAP: "box": [
// MAP: "box": [
// MAP-NEXT: 1,
// MAP-NEXT: 1,
// MAP-NEXT: 64,
// MAP-NEXT: 32
// MAP-NEXT: ],
// MAP-NEXT: "buffer": "tmp{{[0-9]+}}",
// MAP-NEXT: "dtype": "f32",

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
