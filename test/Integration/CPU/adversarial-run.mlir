// Hostile inputs through the reference lowering (fa-decompose-attention) and
// the tiled form (fa-tile-attention, online softmax), executed by mlir-runner and compared with the float64 NumPy reference of
// test/Integration/attention_case.py: non-finite reference values must be
// matched exactly (NaN where it has NaN, +-inf where it has +-inf), finite
// ones within the usual bound. docs/Reliability.md lists what each injects.
// REQUIRES: numpy

// +-inf in Q, K and V; NaN in Q, K and V (with causal and keep-masks, where
// a masked-out NaN key must not poison the row).
// RUN: %attn-case run --adversarial inf --nq 9 --nk 13 --lse --seed 40 | FileCheck %s
// RUN: %attn-case run --adversarial inf --dtype f16 --nq 9 --causal --lse --seed 41 | FileCheck %s
// RUN: %attn-case run --adversarial nan --nq 9 --nk 13 --causal --lse --seed 42 | FileCheck %s
// RUN: %attn-case run --adversarial nan --dtype bf16 --hq 4 --hkv 2 --nq 7 --mask bool --lse --seed 43 | FileCheck %s
// Rows whose keys are all masked: by a -inf bias, by a keep-mask, by causal
// alignment with Nq > Nk. Output 0, logsumexp -inf, never NaN.
// RUN: %attn-case run --adversarial masked-bias --nq 9 --nk 6 --lse --seed 44 | FileCheck %s
// RUN: %attn-case run --adversarial masked-bias --dtype bf16 --mask bias-row --nq 9 --nk 6 --causal --lse --seed 45 | FileCheck %s
// RUN: %attn-case run --nq 5 --mask bool --masked-rows 5 --lse --seed 46 | FileCheck %s
// RUN: %attn-case run --dtype f16 --nq 12 --nk 3 --causal --lse --seed 47 | FileCheck %s
// Scores of ~1e30 (scale = 1e30): the softmax is one-hot, nothing overflows.
// RUN: %attn-case run --adversarial huge --nq 9 --lse --seed 48 | FileCheck %s
// RUN: %attn-case run --adversarial huge --dtype f16 --nq 9 --causal --lse --seed 49 | FileCheck %s
// Subnormal Q, K (scores underflow to 0) and V.
// RUN: %attn-case run --adversarial denormal --nq 9 --lse --seed 50 | FileCheck %s
// RUN: %attn-case run --adversarial denormal --dtype f16 --nq 9 --mask bias --lse --seed 51 | FileCheck %s
// RUN: %attn-case run --adversarial denormal --dtype bf16 --nq 9 --lse --seed 52 | FileCheck %s
// f16 with |Q|, |K| ~ 300: Q K^T exceeds 65504, the f32 accumulation does not.
// RUN: %attn-case run --adversarial f16-overflow --dtype f16 --nq 9 --nk 17 --lse --seed 53 | FileCheck %s
// RUN: %attn-case run --adversarial f16-overflow --dtype f16 --hq 4 --hkv 1 --nq 9 --d 64 --causal --lse --seed 54 | FileCheck %s

// The same through the tiled form: the online softmax's running max starts
// at -inf and its rescaling exp(m_old - m_new) must not turn a masked block
// or an infinite score into a NaN the reference does not have.
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial inf --nq 9 --nk 13 --lse --seed 40 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial inf --dtype f16 --nq 9 --causal --lse --seed 41 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial nan --nq 9 --nk 13 --causal --lse --seed 42 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial nan --dtype bf16 --hq 4 --hkv 2 --nq 7 --mask bool --lse --seed 43 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial masked-bias --nq 9 --nk 6 --lse --seed 44 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial masked-bias --dtype bf16 --mask bias-row --nq 9 --nk 6 --causal --lse --seed 45 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --nq 5 --mask bool --masked-rows 5 --lse --seed 46 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --dtype f16 --nq 12 --nk 3 --causal --lse --seed 47 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial huge --nq 9 --lse --seed 48 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 32,16,2,4 --adversarial huge --dtype f16 --nq 40 --nk 37 --causal --lse --seed 49 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial denormal --dtype f16 --nq 9 --mask bias --lse --seed 51 | FileCheck %s
// RUN: %attn-case run --passes=--fa-tile-attention --tiling 16,8,1,4 --adversarial f16-overflow --dtype f16 --hq 4 --hkv 1 --nq 9 --d 64 --causal --lse --seed 54 | FileCheck %s

// CHECK-NOT: FAIL
// CHECK: PASSED
