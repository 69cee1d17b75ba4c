// bench/correctness/gpu_cases.py's ab-d96 cases (docs/decisions.md, D89):
// the forward tiling sweep's six d = 96 shapes, each the model's own case
// and six forced tilings, for bench/experiments/ab.py. The model's case is
// the kernel the sweep timed as its forced pick: at causal N = 4k the
// model's PTX is byte for byte that of 128x192 with 8 warps (two
// warpgroups and the producer), not D48's 192x80 with 12.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py list --variant ab-d96 | FileCheck %s --check-prefix=LIST
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py emit sweep_bf16_b4_h21x21_q4096_k4096_d96_causal_model > %t/m.mlir
// RUN: fa-compile %t/m.mlir -o %t/m --ptxas=none --pipeline-options="target=h200 kernel=wgmma"
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py emit sweep_bf16_b4_h21x21_q4096_k4096_d96_causal_t128x192s2w8 > %t/t.mlir
// RUN: fa-compile %t/t.mlir -o %t/t --ptxas=none --pipeline-options="target=h200 kernel=wgmma"
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py emit sweep_bf16_b4_h21x21_q4096_k4096_d96_causal_t192x80s2w12 > %t/o.mlir
// RUN: fa-compile %t/o.mlir -o %t/o --ptxas=none --pipeline-options="target=h200 kernel=wgmma"
// RUN: cmp %t/m.ptx %t/t.ptx
// RUN: not cmp -s %t/m.ptx %t/o.ptx

// LIST: sweep_bf16_b16_h21x21_q1024_k1024_d96_model
// LIST-NEXT: sweep_bf16_b16_h21x21_q1024_k1024_d96_t128x128s2w8
// LIST-NEXT: sweep_bf16_b16_h21x21_q1024_k1024_d96_t128x192s2w8
// LIST-NEXT: sweep_bf16_b16_h21x21_q1024_k1024_d96_t192x80s2w12
// LIST-NEXT: sweep_bf16_b16_h21x21_q1024_k1024_d96_t192x80s4w12
// LIST-NEXT: sweep_bf16_b16_h21x21_q1024_k1024_d96_t256x80s2w16
// LIST-NEXT: sweep_bf16_b16_h21x21_q1024_k1024_d96_t128x48s2w8
// LIST: sweep_bf16_b4_h21x21_q4096_k4096_d96_causal_model
// LIST: sweep_bf16_b1_h21x21_q16384_k16384_d96_causal_t128x48s2w8
