// fa-raise-attention keeps the meaning of the program: each case writes
// attention in linalg the way a frontend prints it (torch-mlir, StableHLO to
// linalg, named linalg ops on [B*H, N, D]), with fixed-seed random inputs, and
// test/Integration/raise_case.py runs it twice on the CPU, as written and
// after the raise (exactly one fa.attention, then lowered by
// fa-decompose-attention or the tiled form), and compares both outputs with a
// float64 NumPy reference and with each other.
// REQUIRES: numpy

// torch-mlir style: plain, additive bias, causal constant, GQA, bf16.
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --hq 2 --nq 9 --nk 13 --d 8 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask bias --b 2 --hq 3 --nq 7 --nk 11 --d 16 --seed 1 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask causal --b 2 --hq 4 --hkv 2 --nq 9 --nk 13 --d 8 --seed 2 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask causal --dtype bf16 --hq 4 --hkv 1 --nq 12 --d 16 --seed 3 | FileCheck %s
// StableHLO style.
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style stablehlo --mask bias --hq 2 --nq 9 --nk 13 --d 8 --seed 4 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style stablehlo --mask causal --b 2 --hq 4 --hkv 1 --nq 13 --nk 9 --d 8 --seed 5 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style stablehlo --dtype bf16 --hq 2 --nq 8 --nk 17 --d 16 --seed 6 | FileCheck %s
// Named ops on [B*H, N, D] (the softmax as a linalg.reduce chain: the
// upstream CPU lowering has no linalg.softmax).
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style named --softmax chain --mask bias --hq 3 --nq 9 --nk 13 --d 8 --seed 7 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style named --softmax chain --mask causal --b 2 --hq 4 --hkv 2 --nq 9 --nk 13 --d 8 --seed 8 | FileCheck %s
// torch-mlir's other spellings of the softmax: aten.max.dim (values and
// unused indices), reciprocal then multiply (an op of its own or fused), and
// bf16/f16 operands with the softmax in f32 between extf/truncf conversions.
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --max indices --div recip --mask bias --b 2 --hq 3 --nq 7 --nk 11 --d 16 --seed 11 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --dtype bf16 --softmax-dtype f32 --max indices --div recip --mask causal --hq 4 --hkv 2 --nq 9 --nk 13 --d 8 --seed 12 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --dtype f16 --softmax-dtype f32 --div recip-fused --mask bias --hq 2 --nq 8 --nk 12 --d 16 --seed 13 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style named --softmax chain --div recip-fused --mask causal --hq 2 --nq 9 --nk 13 --d 8 --seed 14 | FileCheck %s
// Masks written with arith.select (issue 26): an i1 keep-mask argument
// (Hugging Face masked_fill, JAX where) and the causal condition computed from
// linalg.index; the row max as upstream's linalg.softmax decomposition writes
// it (arith.maxnumf from NaN).
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask keep --b 2 --hq 3 --nq 7 --nk 11 --d 16 --seed 21 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask causal-index --b 2 --hq 4 --hkv 2 --nq 9 --nk 13 --d 8 --seed 22 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask causal-index --dtype bf16 --hq 2 --nq 13 --nk 9 --d 16 --seed 23 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask keep --dtype f16 --softmax-dtype f32 --hq 4 --hkv 1 --nq 8 --nk 12 --d 16 --seed 24 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style named --softmax chain --max maxnumf-nan --mask causal --hq 2 --nq 9 --nk 13 --d 8 --seed 25 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style named --softmax chain --max maxnumf-nan --mask bias --dtype bf16 --hq 3 --nq 8 --nk 8 --d 16 --seed 26 | FileCheck %s
// torch-mlir's is_causal bias built by a generic from linalg.index, and
// torch's expand of a single K/V head (multi-query).
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask causal-generated --b 2 --hq 2 --nq 9 --nk 13 --d 8 --seed 27 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask causal-generated --dtype bf16 --hq 2 --nq 13 --nk 9 --d 16 --seed 28 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --repeat expand --hq 4 --hkv 1 --mask bias --nq 9 --nk 13 --d 8 --seed 29 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --repeat expand --hq 3 --hkv 1 --mask causal --dtype bf16 --nq 8 --d 16 --seed 30 | FileCheck %s
// One head as 2-D linalg.matmul.
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style matmul --softmax chain --mask bias --hq 1 --nq 9 --nk 13 --d 8 --seed 31 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style matmul --softmax chain --mask causal --dtype bf16 --hq 1 --nq 13 --nk 9 --d 16 --seed 32 | FileCheck %s
// K in another layout: given pre-transposed, and [B, N, H, D] permuted by
// permute(0, 2, 3, 1) (the raise inserts the transpose).
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --k-layout pre-transposed --mask bias --b 2 --hq 3 --nq 7 --nk 11 --d 16 --seed 34 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --k-layout bnhd --mask causal --b 2 --hq 2 --nq 9 --nk 13 --d 8 --seed 35 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --k-layout bnhd --dtype bf16 --hq 4 --nq 8 --nk 12 --d 16 --seed 36 | FileCheck %s
// JAX/Flax's [B, N, H, D] layout: Q, K, V read with the heads after the
// sequence (the raise inserts their transposes).
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style stablehlo --layout bnhd --mask bias --b 2 --hq 3 --nq 7 --nk 11 --d 16 --seed 37 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style stablehlo --layout bnhd --mask causal --hq 2 --nq 13 --nk 9 --d 8 --seed 38 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style stablehlo --layout bnhd --dtype bf16 --hq 4 --nq 8 --nk 12 --d 16 --seed 39 | FileCheck %s
// A sliding window selected on linalg.index: built as an i1 mask.
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask window --b 2 --hq 3 --nq 7 --nk 11 --d 16 --seed 40 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask window --dtype bf16 --hq 2 --nq 12 --d 16 --seed 41 | FileCheck %s
// A drop-mask (select(m, -inf, s)) and Hugging Face's masked_fill(mask == 0,
// -inf) of an i32 mask: the keep-mask is built from the input.
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask drop --b 2 --hq 3 --nq 7 --nk 11 --d 16 --seed 42 | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask pad --dtype bf16 --hq 2 --nq 8 --nk 12 --d 16 --seed 43 | FileCheck %s
// Through the tiled form (tiling chosen for the H100, several blocks).
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style torch --mask causal --hq 2 --nq 150 --nk 150 --d 16 --seed 9 --passes="--fa-set-target=target=h100 --fa-select-tiling --fa-tile-attention=tile-memory-space=0" | FileCheck %s
// RUN: %python %fa_src_root/test/Integration/raise_case.py run --style stablehlo --mask bias --hq 4 --hkv 2 --nq 70 --nk 90 --d 16 --seed 10 --passes="--fa-set-target=target=h100 --fa-select-tiling --fa-tile-attention=tile-memory-space=0" | FileCheck %s

// CHECK-NOT: FAIL
// CHECK: PASSED
