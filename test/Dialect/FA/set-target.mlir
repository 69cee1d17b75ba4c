// RUN: fa-opt %s --fa-set-target=target=h100 | FileCheck %s --check-prefix=H100
// RUN: fa-opt %s --fa-set-target=target=sm_80 | FileCheck %s --check-prefix=A100
// RUN: fa-opt %s --fa-set-target=target=t4 | FileCheck %s --check-prefix=T4
// RUN: fa-opt %s --fa-set-target="target=h100 sram-per-block=49152" | FileCheck %s --check-prefix=H100-48K
// RUN: fa-opt %s --fa-set-target="target=a100 sram-per-block=262144" | FileCheck %s --check-prefix=GROW
// RUN: fa-opt %s --fa-set-target="target=h100 arch=sm_90 sm-count=114 hbm-gbps=2000 tensor-tflops=756 regs-per-sm=32768 max-regs-per-thread=128" | FileCheck %s --check-prefix=PCIE
// RUN: fa-opt %s --fa-set-target=target=rtx4090 | fa-opt --fa-set-target=sram-per-block=32768 | FileCheck %s --check-prefix=CHAIN
// RUN: fa-opt %s --fa-set-target="target=h100 sm-count=0 sram-per-block=0" | FileCheck %s --check-prefix=H100
// RUN: fa-opt %s --pass-pipeline="builtin.module(fa-set-target{target=h100})" --dump-pass-pipeline 2>&1 | FileCheck %s --check-prefix=PRINTED

// H100: #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>
// A100: #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>
// T4: #fa.target<arch = "sm_75", sram_per_block = 65536, sram_per_sm = 65536,
// H100-48K: #fa.target<arch = "sm_90a", sram_per_block = 49152, sram_per_sm = 233472,
// GROW: sram_per_block = 262144, sram_per_sm = 262144,
// PCIE: #fa.target<arch = "sm_90", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 32768, max_regs_per_thread = 128, sm_count = 114, hbm_gbps = 2000, tensor_tflops = 756>
// A 0 keeps the table's number: no field can be 0, and a printed pipeline
// lists every option with its value (issue 27, item 10: documented rather
// than made an error, which would break printed pipelines).
// PRINTED: fa-set-target{arch= hbm-gbps=0 max-regs-per-thread=0 regs-per-sm=0 sm-count=0 sram-per-block=0 sram-per-sm=0 target=h100 tensor-tflops=0}
// CHAIN: #fa.target<arch = "sm_89", sram_per_block = 32768, sram_per_sm = 102400, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 128,
module {
}
