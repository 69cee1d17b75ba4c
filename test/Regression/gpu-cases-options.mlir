// bench/correctness/gpu_cases.py: a case may carry its own
// fa-to-ptx-pipeline options (ab-d64-producer forces the producer kernel on
// 192-row tilings), which scripts/gpu-artifacts.sh appends to the variant's;
// cases without any print an empty line. The option reaches the kernel: the forced-producer
// case at N = 2k (where the model's own pick stays 128x96) has setmaxnreg.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py options sweep_bf16_b8_h32x32_q2048_k2048_d64_causal_t192x96s2w12_producer --variant ab-d64-producer | FileCheck %s --check-prefix=OPTS
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py options sweep_bf16_b8_h32x32_q2048_k2048_d64_causal_model --variant ab-d64-producer | FileCheck %s --check-prefix=NONE
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py emit sweep_bf16_b8_h32x32_q2048_k2048_d64_causal_t192x96s2w12_producer > %t/p.mlir
// RUN: fa-compile %t/p.mlir -o %t/p --ptxas=none --pipeline-options="target=h100 kernel=wgmma wgmma-release=producer"
// RUN: FileCheck %s --check-prefix=PTX < %t/p.ptx
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py emit sweep_bf16_b8_h32x32_q2048_k2048_d64_causal_model > %t/m.mlir
// RUN: fa-compile %t/m.mlir -o %t/m --ptxas=none --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=DEFAULT < %t/m.ptx

// OPTS: wgmma-release=producer
// NONE-NOT: {{.}}
// PTX: setmaxnreg.inc.sync.aligned.u32 160;
// DEFAULT-NOT: setmaxnreg
