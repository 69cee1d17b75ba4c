// The reference lowering runs: each case is generated with fixed-seed random
// inputs, lowered with fa-decompose-attention and upstream passes, executed by
// mlir-runner, and compared with a float64 NumPy reference by
// test/Integration/attention_case.py (criterion of shared/DESIGN.md).
// REQUIRES: numpy

// Plain multi-head, f32; N = 1; odd sizes; Dv != D.
// RUN: %attn-case run --hq 2 --nq 16 --d 16 | FileCheck %s
// RUN: %attn-case run --hq 1 --nq 1 --d 8 | FileCheck %s
// RUN: %attn-case run --b 2 --hq 3 --nq 17 --nk 29 --d 12 --dv 20 --seed 1 | FileCheck %s
// Causal, square and with Nq != Nk (bottom-right aligned, both directions).
// RUN: %attn-case run --nq 19 --causal --lse --seed 2 | FileCheck %s
// RUN: %attn-case run --nq 9 --nk 23 --causal --lse --seed 3 | FileCheck %s
// RUN: %attn-case run --nq 23 --nk 9 --causal --lse --seed 4 | FileCheck %s
// GQA and MQA.
// RUN: %attn-case run --b 2 --hq 4 --hkv 2 --nq 17 --nk 33 --d 16 --dv 8 --causal --lse --seed 5 | FileCheck %s
// RUN: %attn-case run --hq 4 --hkv 1 --nq 12 --d 32 --seed 6 | FileCheck %s
// Masks: additive bias, broadcast bias with -inf, boolean keep-mask with fully masked rows.
// RUN: %attn-case run --nq 13 --nk 21 --mask bias --seed 7 | FileCheck %s
// RUN: %attn-case run --hq 2 --nq 9 --nk 20 --mask bias-row --lse --seed 8 | FileCheck %s
// RUN: %attn-case run --nq 17 --causal --mask bool --masked-rows 3 --lse --seed 9 | FileCheck %s
// Explicit scale; scores of magnitude 30+ (a naive exp overflows f32).
// RUN: %attn-case run --nq 16 --scale 0.5 --seed 10 | FileCheck %s
// RUN: %attn-case run --nq 8 --magnitude 30 --lse --seed 11 | FileCheck %s
// Dynamic batch and sequence length.
// RUN: %attn-case run --b 2 --nq 9 --nk 14 --dynamic --lse --seed 12 | FileCheck %s
// bf16 and f16.
// RUN: %attn-case run --dtype bf16 --b 2 --hq 4 --hkv 1 --nq 33 --nk 7 --causal --d 32 --lse --seed 13 | FileCheck %s
// RUN: %attn-case run --dtype bf16 --nq 17 --causal --mask bool --masked-rows 3 --lse --seed 14 | FileCheck %s
// RUN: %attn-case run --dtype f16 --hq 2 --nq 9 --nk 20 --mask bias-row --dynamic --lse --seed 15 | FileCheck %s
// RUN: %attn-case run --dtype f16 --nq 1 --nk 5 --seed 16 | FileCheck %s
// Sliding windows (#fa.window): with and without causal, Nq != Nk both
// ways (bottom-right aligned), windows wider than N, the diagonal only
// (0, 0), rows that see no key, with a keep-mask, GQA.
// RUN: %attn-case run --nq 23 --window 4,2 --lse --seed 18 | FileCheck %s
// RUN: %attn-case run --nq 23 --causal --window 5,0 --lse --seed 19 | FileCheck %s
// RUN: %attn-case run --nq 9 --nk 27 --window 3,1 --lse --seed 20 | FileCheck %s
// RUN: %attn-case run --nq 27 --nk 9 --causal --window 2,0 --lse --seed 21 | FileCheck %s
// RUN: %attn-case run --nq 12 --window 100,100 --lse --seed 22 | FileCheck %s
// RUN: %attn-case run --nq 12 --window 0,0 --lse --seed 23 | FileCheck %s
// RUN: %attn-case run --nq 16 --nk 5 --window 1,0 --lse --seed 24 | FileCheck %s
// RUN: %attn-case run --b 2 --hq 4 --hkv 2 --nq 17 --window 6,3 --mask bool --masked-rows 2 --lse --dtype bf16 --seed 25 | FileCheck %s
// RUN: %attn-case run --nq 19 --nk 30 --window 7,2 --dynamic --lse --seed 26 | FileCheck %s
// The tiling attribute does not change the reference semantics.
// RUN: %attn-case run --nq 20 --tiling 16,8,2,4 --causal --seed 17 | FileCheck %s

// Runtime block masks expanded to an element mask: i8 and i1, broadcast,
// query blocks without a block, with causal and a keep-mask.
// RUN: %attn-case run --nq 45 --nk 37 --b 2 --block-mask 16,16 --lse --seed 40 | FileCheck %s
// RUN: %attn-case run --nq 64 --nk 80 --block-mask 32,16 --bm-density 0.3 --bm-empty-rows --bm-broadcast --bm-i1 --causal --lse --seed 41 | FileCheck %s
// RUN: %attn-case run --hq 4 --hkv 2 --nq 33 --block-mask 16,32 --mask bool --lse --dtype bf16 --seed 42 | FileCheck %s
// Mask patterns (#fa.mask_pattern): chunks with and without causal, Nq != Nk
// both ways (bottom-right aligned positions), a butterfly, global tokens with
// a window (and causal: attention sinks) and with a butterfly.
// RUN: %attn-case run --nq 40 --chunk 8 --lse --seed 50 | FileCheck %s
// RUN: %attn-case run --nq 40 --causal --chunk 16 --lse --seed 51 | FileCheck %s
// RUN: %attn-case run --nq 9 --nk 27 --causal --chunk 8 --lse --seed 52 | FileCheck %s
// RUN: %attn-case run --nq 27 --nk 9 --causal --chunk 4 --lse --seed 53 | FileCheck %s
// RUN: %attn-case run --nq 32 --butterfly 4 --lse --seed 54 | FileCheck %s
// RUN: %attn-case run --nq 33 --causal --butterfly 8 --global-tokens 5 --lse --seed 55 | FileCheck %s
// RUN: %attn-case run --nq 30 --window 3,3 --global-tokens 4 --lse --seed 56 | FileCheck %s
// RUN: %attn-case run --b 2 --hq 4 --hkv 2 --nq 30 --causal --window 4,0 --global-tokens 3 --mask bool --masked-rows 2 --lse --dtype bf16 --seed 57 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASSED
