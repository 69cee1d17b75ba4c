// REQUIRES: ptxas
// Global tokens and the butterfly (#fa.mask_pattern, docs/BlockSparse.md
// "The kernels' block lists") in the tensor-core forward kernels assembled
// by ptxas at D = 64 and 128: mma.sync (cp.async, split and branch masked
// steps) and wgmma (TMA: the barrier kernel, the producer, the overlapped
// step), no spills. The lists are a constant global of the kernel's module
// (read with ld.global.nc), not an argument: the mma.sync manifest's
// arguments stay Q and O.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/mma --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/mma.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/mma.ptx
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/mma.json
// RUN: fa-compile %s -o %t/branch --pipeline-options="target=h100 kernel=mma-sync mma-masked-steps=branch"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/branch.ptxas.log
// RUN: fa-compile %s -o %t/wgmma --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/wgmma.ptxas.log
// RUN: fa-compile %s -o %t/producer --pipeline-options="target=h100 kernel=wgmma wgmma-release=producer"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/producer.ptxas.log
// RUN: fa-compile %s -o %t/overlap --pipeline-options="target=h100 kernel=wgmma wgmma-schedule=overlap"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/overlap.ptxas.log

// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: spill stores
// PTX: .global .align {{[0-9]+}} .b8 __fa_block_lists[
// PTX: ld.global.nc
// MANIFEST: "arguments"
// MANIFEST-COUNT-2: "dtype": "bf16"
// MANIFEST-NOT: "dtype"
func.func @butterfly_global(%q: tensor<1x2x1000x128xbf16>, %o: tensor<1x2x1000x128xbf16>)
    -> tensor<1x2x1000x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>)
       outs(%o : tensor<1x2x1000x128xbf16>)
       {causal, mask_pattern = #fa.mask_pattern<butterfly = 128, global = 64>} -> tensor<1x2x1000x128xbf16>
  return %r : tensor<1x2x1000x128xbf16>
}
