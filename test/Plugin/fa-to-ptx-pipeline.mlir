// The whole pipeline to PTX in the stock mlir-opt, through the plugin: the
// same kernels as fa-opt (the wgmma kernel by default on sm_90a, the
// mma-sync one on sm_80, the scalar one with kernel=simt), byte for byte but
// for the recorded translation time.

// RUN: %fa-mlir-opt %s --pass-pipeline='builtin.module(fa-to-ptx-pipeline{target=h100})' | sed -E 's/TimeInMs = [0-9]+/TimeInMs = T/' > %t.plugin
// RUN: fa-opt %s --fa-to-ptx-pipeline=target=h100 | sed -E 's/TimeInMs = [0-9]+/TimeInMs = T/' > %t.fa-opt
// RUN: diff %t.fa-opt %t.plugin
// RUN: FileCheck %s < %t.plugin
// RUN: %fa-mlir-opt %s --pass-pipeline='builtin.module(fa-to-ptx-pipeline{target=a100})' | FileCheck %s --check-prefix=SM80
// RUN: %fa-mlir-opt %s --pass-pipeline='builtin.module(fa-to-ptx-pipeline{target=a100 kernel=simt})' | FileCheck %s --check-prefix=SIMT
// RUN: not %fa-mlir-opt %s --pass-pipeline='builtin.module(fa-to-ptx-pipeline{target=h100 format=bogus})' 2>&1 | FileCheck %s --check-prefix=FORMAT

// CHECK: gpu.launch_func @attention_kernel::@attention_kernel
// CHECK: gpu.binary @attention_kernel
// CHECK-SAME: .target sm_90a
// CHECK-SAME: mbarrier.init.shared.b64
// CHECK-SAME: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n{{[0-9]+}}k16.f32.bf16.bf16

// SM80: gpu.binary @attention_kernel
// SM80-SAME: .target sm_80
// SM80-SAME: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// SM80-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// A bad format is an error of the option parser (issue 27, item 5).
// FORMAT: for the --format option: Cannot find option named 'bogus'!
// FORMAT-NOT: gpu.binary

// SIMT: gpu.launch_func
// SIMT: gpu.binary @attention_kernel
// SIMT-SAME: .target sm_80
// SIMT-NOT: mma.sync

func.func @attention(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>,
                     %v: tensor<1x2x128x64xbf16>, %o: tensor<1x2x128x64xbf16>)
    -> tensor<1x2x128x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x128x64xbf16>,
                        tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>)
       outs(%o : tensor<1x2x128x64xbf16>) {causal} -> tensor<1x2x128x64xbf16>
  return %r : tensor<1x2x128x64xbf16>
}
