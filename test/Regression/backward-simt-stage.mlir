// bench/correctness/backward_simt.py, the backward's GPU check (not run on a
// GPU yet): its cases compile, and `stage` fills a folder the device run
// needs (manifests, cases.json, run.sh, the runtime's sources, the scripts).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %fa_src_root/bench/correctness/backward_simt.py list | FileCheck %s --check-prefix=LIST
// RUN: %python %fa_src_root/bench/correctness/backward_simt.py stage %t/s --only _b2_h4x4_q777_k777_d64_causal_bias1x4x1x777 --fa-compile fa-compile | FileCheck %s --check-prefix=STAGE
// RUN: %python %S/../Target/Inputs/check_manifest.py %t/s/artifacts/bwd_bf16_b2_h4x4_q777_k777_d64_causal_bias1x4x1x777.json %t/s/artifacts/bwd_bf16_b2_h4x4_q777_k777_d64_causal_bias1x4x1x777.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: %python %S/../Target/Inputs/summarize_manifest.py %t/s/artifacts/bwd_bf16_b2_h4x4_q777_k777_d64_causal_bias1x4x1x777.json | FileCheck %s --check-prefix=SUMMARY
// RUN: test -f %t/s/run.sh && test -f %t/s/runtime/lib/Runtime.cpp && test -f %t/s/python/flashattn_mlir/runtime.py
// RUN: test -f %t/s/bench/correctness/backward_simt.py && test -f %t/s/bench/correctness/gpu_check.py
// RUN: FileCheck %s --check-prefix=SCRIPT < %t/s/run.sh
// Item 7 of issue 21: both types, every head dim, the lengths, GQA, masks,
// the long and the > 2^31-element cases.
// LIST-DAG: bwd_f16_b1_h2x2_q128_k128_d192v128_causal
// LIST-DAG: bwd_bf16_b1_h2x2_q128_k128_d256
// LIST-DAG: bwd_bf16_b1_h2x2_q1_k1_d64
// LIST-DAG: bwd_f16_b1_h2x2_q8192_k8192_d128_causal
// LIST-DAG: bwd_bf16_b1_h2x2_q2049_k17_d64_causal
// LIST-DAG: bwd_bf16_b2_h6x2_q1000_k1000_d128_causal
// LIST-DAG: bwd_bf16_b2_h8x1_q1000_k1000_d128
// LIST-DAG: bwd_f16_b2_h4x4_q777_k777_d128_causal_bool2x1x1x777_padding
// LIST-DAG: bwd_bf16_b1_h1x1_q65536_k65536_d64_causal
// LIST-DAG: bwd_bf16_b1_h1x1_q65536_k32769_d64_bias1x1x65536x32769

// STAGE: 1 cases in {{.*}} (h100), 0 did not compile
// XCHECK: OK 4 kernels
// Q K V O dO lse bias: arg0..arg6; dQ dK dV dBias: arg7..arg10. The bias
// [1, 4, 1, 777] is broadcast over the batch and the rows: its gradient's
// kernel has one block per (head, key block).
// SUMMARY: kernel {{.+}}_kernel grid [13, 4, 2]
// SUMMARY: kernel {{.+}}_kernel_2 grid [13, 4, 1]
// SUMMARY-SAME: buffers {{.*}}arg10
// SUMMARY: scratch tmp0 f32 [2, 4, 777] 24864
// SUMMARY: results arg7 arg8 arg9 arg10
// SCRIPT: g++ -O2
// SCRIPT: backward_simt.py run --runtime "$LIB" --artifacts artifacts
