// The reference lowering of fa.attention_grad runs: each case draws Q, K, V,
// the mask and dO with a fixed seed, computes O and the logsumexp with
// fa.attention, feeds them to fa.attention_grad, lowers both with
// fa-decompose-attention and upstream passes, runs the program with
// mlir-runner and compares dQ, dK, dV (and dBias) with their float64 NumPy
// closed form (test/Integration/attention_grad_case.py; criterion of
// shared/DESIGN.md). Rows without a visible key must get dQ = 0 exactly.
// REQUIRES: numpy

// Plain multi-head, f32; N = 1; odd sizes; Dv != D.
// RUN: %attn-grad-case run --hq 2 --nq 16 --d 16 | FileCheck %s
// RUN: %attn-grad-case run --hq 1 --nq 1 --d 8 --seed 1 | FileCheck %s
// RUN: %attn-grad-case run --b 2 --hq 3 --nq 17 --nk 29 --d 12 --dv 20 --seed 2 | FileCheck %s
// Causal, square and with Nq != Nk both ways (bottom-right aligned; with
// Nq > Nk the first Nq - Nk rows see no key).
// RUN: %attn-grad-case run --nq 19 --causal --seed 3 | FileCheck %s
// RUN: %attn-grad-case run --nq 9 --nk 23 --causal --seed 4 | FileCheck %s
// RUN: %attn-grad-case run --nq 23 --nk 9 --causal --seed 5 | FileCheck %s
// GQA (dK, dV summed over groups of 3) and MQA.
// RUN: %attn-grad-case run --b 2 --hq 6 --hkv 2 --nq 17 --nk 13 --d 8 --dv 12 --causal --seed 6 | FileCheck %s
// RUN: %attn-grad-case run --hq 4 --hkv 1 --nq 12 --nk 21 --d 16 --seed 7 | FileCheck %s
// Bias gradients: a full bias; broadcast over batch; over batch and heads
// with -inf entries; per key (broadcast over heads and queries) with -inf
// key padding; per query row (its gradient is 0: a row shift leaves the
// softmax unchanged).
// RUN: %attn-grad-case run --b 2 --hq 2 --nq 7 --nk 10 --mask bias-full --dbias --seed 8 | FileCheck %s
// RUN: %attn-grad-case run --b 2 --hq 4 --hkv 2 --nq 13 --nk 21 --mask bias --dbias --causal --seed 9 | FileCheck %s
// RUN: %attn-grad-case run --b 2 --hq 2 --nq 11 --nk 10 --mask bias-row --dbias --seed 10 | FileCheck %s
// RUN: %attn-grad-case run --b 2 --hq 4 --hkv 2 --nq 9 --nk 23 --mask bias-key --dbias --causal --seed 11 | FileCheck %s
// RUN: %attn-grad-case run --hq 3 --nq 7 --nk 10 --mask bias-query --dbias --seed 12 | FileCheck %s
// A bias without its gradient; i1 keep-masks with fully masked rows (zero
// gradients, never NaN).
// RUN: %attn-grad-case run --nq 13 --nk 21 --mask bias --seed 13 | FileCheck %s
// RUN: %attn-grad-case run --nq 17 --nk 11 --causal --mask bool --masked-rows 3 --seed 14 | FileCheck %s
// RUN: %attn-grad-case run --b 2 --hq 2 --nq 18 --nk 25 --mask bool --masked-rows 17 --seed 15 | FileCheck %s
// Explicit scale; scores of magnitude 30+ (P comes from the logsumexp: no
// exp overflows).
// RUN: %attn-grad-case run --nq 16 --scale 0.5 --seed 16 | FileCheck %s
// RUN: %attn-grad-case run --nq 8 --nk 12 --magnitude 30 --causal --seed 17 | FileCheck %s
// Dynamic batch and sequence lengths.
// RUN: %attn-grad-case run --b 2 --hq 4 --hkv 1 --nq 9 --nk 14 --dynamic --mask bias --dbias --causal --seed 18 | FileCheck %s
// bf16 and f16.
// RUN: %attn-grad-case run --dtype bf16 --b 2 --hq 4 --hkv 2 --nq 19 --nk 13 --causal --mask bias-key --dbias --seed 19 | FileCheck %s
// RUN: %attn-grad-case run --dtype bf16 --nq 17 --causal --mask bool --masked-rows 3 --d 32 --seed 20 | FileCheck %s
// RUN: %attn-grad-case run --dtype f16 --hq 2 --nq 9 --nk 20 --mask bias-row --dbias --dynamic --seed 21 | FileCheck %s
// RUN: %attn-grad-case run --dtype f16 --nq 1 --nk 5 --seed 22 | FileCheck %s
// Sliding windows (#fa.window): with and without causal, Nq != Nk, a
// window wider than N, the diagonal only, rows that see no key, a bias
// gradient under a window.
// RUN: %attn-grad-case run --nq 19 --window 4,2 --seed 23 | FileCheck %s
// RUN: %attn-grad-case run --nq 17 --causal --window 3,0 --seed 24 | FileCheck %s
// RUN: %attn-grad-case run --hq 4 --hkv 2 --nq 9 --nk 23 --window 2,5 --seed 25 | FileCheck %s
// RUN: %attn-grad-case run --nq 23 --nk 9 --causal --window 2,0 --seed 26 | FileCheck %s
// RUN: %attn-grad-case run --nq 11 --window 50,50 --seed 27 | FileCheck %s
// RUN: %attn-grad-case run --nq 12 --window 0,0 --seed 28 | FileCheck %s
// RUN: %attn-grad-case run --b 2 --hq 2 --nq 13 --nk 21 --mask bias --dbias --window 5,1 --seed 29 | FileCheck %s

// Runtime block masks, expanded to an element mask.
// RUN: %attn-grad-case run --b 2 --nq 45 --nk 37 --block-mask 16,16 --bm-empty-rows --seed 40 | FileCheck %s
// RUN: %attn-grad-case run --hq 4 --hkv 2 --nq 40 --block-mask 32,16 --bm-broadcast --causal --mask bias --dbias --seed 41 | FileCheck %s
// Mask patterns: chunks, a butterfly with global tokens, global tokens with
// a window and a bias gradient.
// RUN: %attn-grad-case run --nq 40 --causal --chunk 8 --seed 50 | FileCheck %s
// RUN: %attn-grad-case run --nq 9 --nk 27 --chunk 8 --seed 52 | FileCheck %s
// RUN: %attn-grad-case run --nq 32 --butterfly 4 --global-tokens 3 --seed 54 | FileCheck %s
// RUN: %attn-grad-case run --nq 30 --window 3,3 --global-tokens 4 --mask bias --dbias --seed 56 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASSED
