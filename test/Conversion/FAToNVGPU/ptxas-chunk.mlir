// REQUIRES: ptxas
// Chunked attention (#fa.mask_pattern<chunk = C>, docs/GPU.md "Chunked
// attention") in the tensor-core kernels assembled by ptxas: mma.sync
// (cp.async) and wgmma (TMA, barrier and producer, and the overlapped
// step), no spills; the manifest's arguments are Q and O only (no table).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/mma --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/mma.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/mma.json
// RUN: fa-compile %s -o %t/wgmma --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/wgmma.ptxas.log
// RUN: fa-compile %s -o %t/producer --pipeline-options="target=h100 kernel=wgmma wgmma-release=producer"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/producer.ptxas.log
// RUN: fa-compile %s -o %t/overlap --pipeline-options="target=h100 kernel=wgmma wgmma-schedule=overlap"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/overlap.ptxas.log

// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: spill stores
// MANIFEST: "arguments"
// MANIFEST-COUNT-2: "dtype": "bf16"
// MANIFEST-NOT: "dtype"
func.func @chunk(%q: tensor<1x2x1000x128xbf16>, %o: tensor<1x2x1000x128xbf16>)
    -> tensor<1x2x1000x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>)
       outs(%o : tensor<1x2x1000x128xbf16>)
       {causal, mask_pattern = #fa.mask_pattern<chunk = 200>} -> tensor<1x2x1000x128xbf16>
  return %r : tensor<1x2x1000x128xbf16>
}
