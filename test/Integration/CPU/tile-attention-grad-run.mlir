// The backward's tiled form runs: each case draws Q, K, V, the mask and dO
// with a fixed seed, computes O and the logsumexp with fa.attention, feeds
// them to fa.attention_grad, tiles both with fa-tile-attention (the
// #fa.tiling given by --tiling), lowers them with upstream passes, runs the
// program with mlir-runner and compares dQ, dK, dV (and dBias) with their
// float64 NumPy closed form (test/Integration/attention_grad_case.py;
// criterion of shared/DESIGN.md). Rows without a visible key must get
// dQ = 0 exactly.
// REQUIRES: numpy

// Sequence lengths that are not multiples of the blocks; N = 1; Dv != D.
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 2 --nq 16 --d 16 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 1 --nq 1 --d 8 --seed 1 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 3 --nq 37 --nk 29 --d 12 --dv 20 --seed 2 | FileCheck %s
// Causal, square and with Nq != Nk both ways (whole blocks skipped in both
// directions: key blocks of a query block, query blocks of a key block).
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 35 --causal --seed 3 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 9 --nk 43 --causal --seed 4 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 43 --nk 9 --causal --seed 5 | FileCheck %s
// GQA (dK_j, dV_j accumulated over a group of 3 query heads) and MQA.
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 8,8,1,4 --b 2 --hq 6 --hkv 2 --nq 17 --nk 13 --d 8 --dv 12 --causal --seed 6 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 4 --hkv 1 --nq 21 --nk 30 --d 16 --seed 7 | FileCheck %s
// Bias gradients: full; broadcast over batch; over batch and heads with
// -inf entries; per key with -inf padding (rows summed in the tile); per
// query row (keys summed; the gradient is 0).
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 2 --nq 21 --nk 19 --mask bias-full --dbias --seed 8 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 4 --hkv 2 --nq 13 --nk 21 --mask bias --dbias --causal --seed 9 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 4,8,1,4 --b 2 --hq 2 --nq 11 --nk 10 --mask bias-row --dbias --seed 10 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 8,4,1,4 --b 2 --hq 4 --hkv 2 --nq 19 --nk 13 --mask bias-key --dbias --causal --seed 11 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 8,16,1,4 --hq 3 --nq 27 --nk 10 --mask bias-query --dbias --seed 12 | FileCheck %s
// Keep-masks with fully masked rows (zero gradients, never NaN).
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 27 --causal --mask bool --masked-rows 3 --seed 14 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 2 --nq 18 --nk 25 --mask bool --masked-rows 17 --seed 15 | FileCheck %s
// Explicit scale; scores of magnitude 30+.
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 16 --scale 0.5 --seed 16 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 24 --nk 40 --magnitude 30 --causal --seed 17 | FileCheck %s
// Dynamic batch and sequence lengths.
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 4 --hkv 1 --nq 19 --nk 30 --dynamic --mask bias --dbias --causal --seed 18 | FileCheck %s
// bf16 and f16.
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --dtype bf16 --b 2 --hq 4 --hkv 2 --nq 19 --nk 13 --causal --mask bias-key --dbias --seed 19 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --dtype bf16 --nq 17 --causal --mask bool --masked-rows 3 --d 32 --seed 20 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --dtype f16 --hq 2 --nq 9 --nk 20 --mask bias-row --dbias --dynamic --seed 21 | FileCheck %s
// One problem, several tilings (blocks larger than N, of size 1, not powers
// of two): the same answer within the criterion.
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --dbias --seed 23 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 64,64,1,4 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --dbias --seed 23 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 1,1,1,1 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --dbias --seed 23 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 5,3,1,4 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --dbias --seed 23 | FileCheck %s
// The tile memory space does not change the numbers (0: default space).
// The tilings fa-select-tiling chooses (SIMT kernel; the op then also
// carries #fa.backward_schedule and fa.predicted_sram), deterministic or not:
// RUN: %attn-grad-case run --passes="--fa-set-target=target=a100 --fa-select-tiling --fa-tile-attention" --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --dbias --seed 25 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-set-target=target=a10 --fa-select-tiling=deterministic --fa-tile-attention" --dtype bf16 --hq 2 --nq 70 --nk 100 --d 32 --dv 16 --causal --seed 26 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention=tile-memory-space=0" --tiling 16,8,1,4 --nq 20 --causal --seed 24 | FileCheck %s
// Sliding windows: the dQ nest visits the key blocks of the q-block's
// window, the dK/dV nest the query blocks that see the key block; with and
// without causal, Nq != Nk, windows wider than N, (0, 0), a bias gradient.
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 45 --window 9,3 --seed 30 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 8,16,1,4 --nq 45 --causal --window 20,0 --seed 31 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 4 --hkv 2 --nq 13 --nk 50 --window 2,17 --seed 32 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 50 --nk 13 --causal --window 3,0 --seed 33 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 30 --window 200,200 --seed 34 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 5,3,1,4 --nq 30 --window 0,0 --seed 35 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 2 --nq 29 --nk 37 --window 4,1 --mask bias --dbias --seed 36 | FileCheck %s

// Runtime block masks: the nests skip the pairs the mask hides (dK/dV,
// dQ and dBias), rows without a block get dQ = 0.
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --nq 45 --nk 37 --block-mask 16,16 --seed 40 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,16,1,4 --hq 4 --hkv 2 --nq 40 --block-mask 32,16 --bm-density 0.3 --bm-empty-rows --causal --seed 41 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 2 --nq 29 --nk 37 --block-mask 16,16 --bm-broadcast --bm-i1 --mask bias --dbias --seed 42 | FileCheck %s
// Mask patterns: the dQ nest visits the q-block's non-empty key blocks, the
// dK/dV nest the kv-block's non-empty query blocks, the dBias nest every
// pair by its kind (empty skipped, full unmasked, partial masked).
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 45 --causal --chunk 16 --seed 50 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 8,16,1,4 --hq 4 --hkv 2 --nq 13 --nk 50 --chunk 12 --seed 52 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 50 --nk 13 --causal --chunk 4 --seed 53 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 8,8,1,4 --nq 64 --butterfly 8 --global-tokens 3 --seed 54 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 2 --nq 37 --window 4,4 --global-tokens 5 --mask bias --dbias --seed 56 | FileCheck %s
// RUN: %attn-grad-case run --passes="--fa-tile-attention" --tiling 5,3,1,4 --nq 30 --causal --window 3,0 --global-tokens 2 --seed 57 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASSED
