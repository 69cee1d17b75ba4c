// bench/correctness/gpu_cases.py's nan-d64 matrix (docs/decisions.md, D91
// and D93): the wgmma tilings that gave NaN at d = 64 causal in the forward
// tiling sweep and their neighbours, at the sweep's shapes, bf16 and f16,
// each built with extern-dynamic-smem=false (upstream's declaration, the
// tiles over the mbarriers) and with extern-dynamic-smem (the default since
// D93), both spelled as the case's own pipeline options (which
// scripts/gpu-artifacts.sh appends to the variant's kernel=wgmma), launched
// 16 more times by gpu_check.py.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py list --variant nan-d64 | FileCheck %s --check-prefix=LIST
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py list --variant nan-d64 | wc -l | FileCheck %s --check-prefix=COUNT
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py json %t --variant nan-d64
// RUN: FileCheck %s --check-prefix=JSON < %t/cases.json
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py options nan_bf16_b16_h32x32_q1024_k1024_d64_causal_t64x64s3w4_extern --variant nan-d64 | FileCheck %s --check-prefix=OPTS
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py options nan_bf16_b16_h32x32_q1024_k1024_d64_causal_t64x64s3w4 --variant nan-d64 | FileCheck %s --check-prefix=OFF
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py emit nan_bf16_b16_h32x32_q1024_k1024_d64_causal_t64x64s3w4_extern > %t/e.mlir
// RUN: FileCheck %s --check-prefix=EMIT < %t/e.mlir
// RUN: fa-compile %t/e.mlir -o %t/e --ptxas=none --pipeline-options="target=h200 kernel=wgmma extern-dynamic-smem=true"
// RUN: FileCheck %s --check-prefix=PTX < %t/e.ptx
// RUN: fa-compile %t/e.mlir -o %t/s --ptxas=none --pipeline-options="target=h200 kernel=wgmma extern-dynamic-smem=false"
// RUN: FileCheck %s --check-prefix=STATIC < %t/s.ptx

// LIST:      nan_bf16_b16_h32x32_q1024_k1024_d64_causal_t64x16s2w4{{$}}
// LIST-NEXT: nan_bf16_b16_h32x32_q1024_k1024_d64_causal_t64x16s2w4_extern{{$}}
// LIST:      nan_bf16_b16_h32x32_q1024_k1024_d64_causal_t64x64s1w4{{$}}
// LIST:      nan_bf16_b16_h32x32_q1024_k1024_d64_causal_t64x64s3w4{{$}}
// LIST:      nan_bf16_b4_h32x32_q4096_k4096_d64_causal_t128x96s3w8{{$}}
// LIST:      nan_f16_b16_h32x32_q1024_k1024_d64_causal_t64x16s2w4{{$}}
// LIST:      nan_f16_b4_h32x32_q4096_k4096_d64_causal_t128x96s3w8_extern{{$}}
// COUNT: 36
// JSON: "variant": "nan-d64"
// JSON: "repeat": 16
// OPTS: {{^}}extern-dynamic-smem=true{{$}}
// OFF: {{^}}extern-dynamic-smem=false{{$}}
// EMIT: fa.attention
// EMIT-NEXT: {causal, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 3, warps = 4>
// PTX: .extern .shared .align 16 .b8 __dynamic_shmem__0[];
// STATIC-NOT: .extern .shared
// STATIC: .shared .align 16 .b8 __dynamic_shmem__0;
