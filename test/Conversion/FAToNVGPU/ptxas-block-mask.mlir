// REQUIRES: ptxas
// The kernels with a runtime block mask (docs/BlockSparse.md) assembled by
// ptxas: mma.sync (cp.async) and wgmma (TMA, barrier and producer), no
// spills; the block mask is an i8 argument of the manifest, after Q, K, V.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/mma --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/mma.ptxas.log
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/mma.json
// RUN: fa-compile %s -o %t/wgmma --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/wgmma.ptxas.log
// RUN: fa-compile %s -o %t/producer --pipeline-options="target=h100 kernel=wgmma wgmma-release=producer"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/producer.ptxas.log

// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: spill stores
// MANIFEST: "arguments"
// MANIFEST: "dtype": "bf16"
// MANIFEST: "dtype": "i8",
// MANIFEST-NEXT: "index": 1,
// MANIFEST-NEXT: "name": "arg1",
// MANIFEST-NEXT: "shape": [
// MANIFEST-NEXT: 1,
// MANIFEST-NEXT: 2,
// MANIFEST-NEXT: 8,
// MANIFEST-NEXT: 8
func.func @block_mask(%q: tensor<1x2x1000x128xbf16>, %bm: tensor<1x2x8x8xi8>,
                      %o: tensor<1x2x1000x128xbf16>) -> tensor<1x2x1000x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>)
       block_mask(%bm : tensor<1x2x8x8xi8>) outs(%o : tensor<1x2x1000x128xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x2x1000x128xbf16>
  return %r : tensor<1x2x1000x128xbf16>
}
