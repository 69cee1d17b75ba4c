// The wgmma forward's dynamic shared memory (docs/decisions.md, D91 and
// D93). Upstream's lowering leaves gpu.dynamic_shared_memory an internal
// zero-sized array, which PTX declares as a static one-byte variable next
// to the static mbarriers: ptxas puts it first (SASS: at 0x400, the
// mbarriers at 0x408), so the tiles, from its address rounded up to 1024
// bytes, start on the mbarriers. extern-dynamic-smem (on by default)
// declares it `.extern` (the launch's dynamic segment, after the static
// one); extern-dynamic-smem=false gives upstream's declaration back. The
// mbarriers stay static and the manifest's dynamic bytes (the regions and
// the 1,024 bytes of slack the rounding takes) do not change.
// RUN: rm -rf %t && fa-compile %s -o %t/default --pipeline-options="target=h100 kernel=wgmma" --ptxas=none
// RUN: FileCheck %s --check-prefix=EXTERN < %t/default.ptx
// RUN: fa-compile %s -o %t/extern --pipeline-options="target=h100 kernel=wgmma extern-dynamic-smem=true" --ptxas=none
// RUN: cmp %t/default.ptx %t/extern.ptx
// RUN: fa-compile %s -o %t/static --pipeline-options="target=h100 kernel=wgmma extern-dynamic-smem=false" --ptxas=none
// RUN: FileCheck %s --check-prefix=STATIC < %t/static.ptx
// RUN: grep -h '"shared_bytes"' %t/static.json %t/default.json | FileCheck %s --check-prefix=BYTES

// STATIC-NOT: .extern .shared
// STATIC: .visible .entry attention_kernel(
// STATIC: .shared .align 16 .b8 __dynamic_shmem__0;
// STATIC: .shared .align 8 .b8 __mbarrier[

// EXTERN: .extern .shared .align 16 .b8 __dynamic_shmem__0[];
// EXTERN: .visible .entry attention_kernel(
// EXTERN-NOT: __dynamic_shmem__0;
// EXTERN: .shared .align 8 .b8 __mbarrier[

// BYTES: "shared_bytes": [[BYTES:[0-9]+]]
// BYTES-NEXT: "shared_bytes": [[BYTES]]
func.func @attention(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x256x64xbf16>,
                     %v: tensor<1x2x256x64xbf16>,
                     %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x256x64xbf16>,
                        tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>) {causal, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 3, warps = 4>} -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}
