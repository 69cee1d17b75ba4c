// bench/correctness/gpu_cases.py's forward compacted-walk cases (D100):
// the wgmma-walk and mma-walk matrices check every block-mask case with
// block-mask-walk=compacted (`_cw`), bench-block-mask-walk times the dense
// and compacted walks of the same mask in pairs (the dense twin asks for
// block-mask-walk=dense: kernel=auto's walk is the compacted one, D103). The
// case's option reaches the kernel: the `_cw` case's PTX has the scan's
// ballot, as has the default's; the dense walk's has none.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py list --variant wgmma-walk | FileCheck %s --check-prefix=LIST
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py list --variant mma-walk | FileCheck %s --check-prefix=LIST
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py list --variant bench-block-mask-walk | FileCheck %s --check-prefix=PAIRS
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py options bf16_b2_h2x2_q2000_k2000_d128_causal_bm128x128_docs_cw --variant wgmma-walk | FileCheck %s --check-prefix=OPTS
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py options bench_bf16_b1_h16x16_q8192_k8192_d128_bm128x128_random10 --variant bench-block-mask-walk | FileCheck %s --check-prefix=DENSEOPT
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py emit bf16_b1_h2x2_q333_k2000_d64_bm64x64_random50_cw > %t/c.mlir
// RUN: fa-compile %t/c.mlir -o %t/c --ptxas=none --pipeline-options="target=h100 kernel=wgmma block-mask-walk=compacted"
// RUN: FileCheck %s --check-prefix=SCAN < %t/c.ptx
// RUN: fa-compile %t/c.mlir -o %t/a --ptxas=none --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=SCAN < %t/a.ptx
// RUN: fa-compile %t/c.mlir -o %t/d --ptxas=none --pipeline-options="target=h100 kernel=wgmma block-mask-walk=dense"
// RUN: FileCheck %s --check-prefix=DENSE < %t/d.ptx

// LIST-COUNT-12: _cw{{$}}
// LIST-NOT: {{.}}
// PAIRS: bench_bf16_b1_h32x32_q8192_k8192_d64_bm128x128_random10{{$}}
// PAIRS-NEXT: bench_bf16_b1_h32x32_q8192_k8192_d64_bm128x128_random10_cw{{$}}
// PAIRS: bench_bf16_b1_h16x16_q8192_k8192_d128_causal_bm128x128_docs{{$}}
// PAIRS-NEXT: bench_bf16_b1_h16x16_q8192_k8192_d128_causal_bm128x128_docs_cw{{$}}
// OPTS: block-mask-walk=compacted
// DENSEOPT: block-mask-walk=dense
// SCAN: vote.sync.ballot.b32
// DENSE-NOT: vote.sync.ballot
