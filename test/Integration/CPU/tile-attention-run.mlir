// The tiled form runs: each case is generated with fixed-seed random inputs,
// tiled by fa-tile-attention with the #fa.tiling given by --tiling, lowered
// with upstream passes, executed by mlir-runner, and compared with a float64
// NumPy reference by test/Integration/attention_case.py (criterion of
// shared/DESIGN.md: at most twice the error of a naive implementation in the
// same precision, plus a small floor).
// REQUIRES: numpy

// Sequence lengths that are not multiples of the blocks; N = 1; Dv != D.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 2 --nq 16 --d 16 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 1 --nq 1 --d 8 --lse | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 3 --nq 37 --nk 29 --d 12 --dv 20 --seed 1 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 1 --nk 45 --lse --seed 2 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 45 --nk 1 --lse --seed 3 | FileCheck %s
// Causal, square and with Nq != Nk both ways (bottom-right aligned; with
// Nq > Nk the first Nq - Nk rows see no key: output 0, lse -inf).
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 35 --causal --lse --seed 4 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 9 --nk 43 --causal --lse --seed 5 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 43 --nk 9 --causal --lse --seed 6 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 1 --nk 20 --causal --lse --seed 7 | FileCheck %s
// GQA and MQA.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 4 --hkv 2 --nq 17 --nk 33 --d 16 --dv 8 --causal --lse --seed 8 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 4 --hkv 1 --nq 21 --d 32 --seed 9 | FileCheck %s
// Masks: additive bias, broadcast bias with -inf entries, boolean keep-mask
// with fully masked rows (output 0, never NaN; lse -inf).
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 13 --nk 21 --mask bias --seed 10 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 2 --nq 19 --nk 20 --mask bias-row --lse --seed 11 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 27 --causal --mask bool --masked-rows 3 --lse --seed 12 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 2 --nq 18 --nk 25 --mask bool --masked-rows 17 --lse --seed 13 | FileCheck %s
// Explicit scale; scores of magnitude 30+ where a naive exp overflows f32.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 16 --scale 0.5 --seed 14 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 24 --nk 40 --magnitude 30 --lse --seed 0 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 24 --magnitude 30 --causal --lse --dtype bf16 --seed 16 | FileCheck %s
// Dynamic batch and sequence lengths.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --nq 19 --nk 30 --dynamic --lse --seed 17 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 3 --hq 4 --hkv 2 --nq 30 --nk 11 --dynamic --causal --mask bias-row --lse --seed 18 | FileCheck %s
// bf16 and f16.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --dtype bf16 --b 2 --hq 4 --hkv 1 --nq 33 --nk 7 --causal --d 32 --lse --seed 19 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --dtype bf16 --nq 17 --causal --mask bool --masked-rows 3 --lse --seed 20 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --dtype f16 --hq 2 --nq 9 --nk 20 --mask bias-row --dynamic --lse --seed 21 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --dtype f16 --nq 1 --nk 5 --seed 22 | FileCheck %s
// One problem, several tilings (blocks larger than N, of size 1, not powers
// of two): the same answer within the criterion.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --lse --seed 23 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 64,64,2,4 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --lse --seed 23 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 1,1,1,1 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --lse --seed 23 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 5,3,1,4 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --lse --seed 23 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 32,16,3,8 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --causal --mask bias --lse --seed 23 | FileCheck %s
// Sliding windows: the kv loop runs from the first block the q-block's
// first row sees to the last its last row sees; with and without causal,
// Nq != Nk both ways, windows wider than N, the diagonal only (0, 0),
// windows narrower and wider than a block, blocks of size 1, dynamic sizes.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 45 --window 9,3 --lse --seed 25 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 45 --causal --window 20,0 --lse --seed 26 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 8,16,1,4 --nq 13 --nk 50 --window 2,17 --lse --seed 27 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 50 --nk 13 --causal --window 3,0 --lse --seed 28 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 30 --window 200,200 --lse --seed 29 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 30 --window 0,0 --lse --seed 30 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 1,1,1,1 --b 2 --hq 4 --hkv 2 --nq 29 --nk 37 --window 4,1 --mask bias --lse --seed 31 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --nq 19 --nk 30 --dynamic --causal --window 6,0 --lse --seed 32 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --dtype bf16 --nq 40 --window 5,5 --mask bool --masked-rows 3 --lse --seed 33 | FileCheck %s
// Windows wider than the blocks (blocks fully inside the window between the
// edges), with Nq != Nk and dynamic sizes.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 8,8,1,4 --nq 100 --window 40,10 --lse --seed 34 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 8,8,1,4 --nq 70 --nk 90 --causal --window 30,0 --lse --seed 35 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --nq 61 --nk 45 --dynamic --window 33,17 --lse --dtype bf16 --seed 36 | FileCheck %s
// The tile memory space does not change the numbers (0: default space).
// RUN: %attn-case run --passes="--fa-tile-attention=tile-memory-space=0" --tiling 16,8,1,4 --nq 20 --causal --lse --seed 24 | FileCheck %s

// Runtime block masks (block_mask operand, #fa.block_sparse): random masks
// at several densities (0 and 1 included), i8 and i1, broadcast over batch
// and heads, query blocks that keep no block (output 0, lse -inf), with a
// keep-mask, causal and a window; tiles that divide the mask's blocks.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 2 --nq 45 --nk 37 --block-mask 16,16 --lse --seed 40 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,16,1,4 --nq 64 --nk 80 --block-mask 32,16 --bm-density 0.2 --bm-empty-rows --lse --seed 41 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --hq 4 --hkv 2 --nq 33 --block-mask 16,32 --bm-broadcast --bm-i1 --causal --lse --seed 42 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 40 --nk 50 --block-mask 16,16 --bm-density 0.6 --mask bool --masked-rows 2 --window 12,3 --lse --dtype bf16 --seed 43 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,16,1,4 --nq 30 --block-mask 16,16 --bm-density 0.0 --lse --seed 44 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,16,1,4 --b 2 --nq 30 --nk 47 --block-mask 16,16 --bm-density 1.0 --dynamic --lse --seed 45 | FileCheck %s
// Mask patterns: the kv loop runs over the q-block's non-empty blocks of
// the compile-time block table, full blocks unmasked, partial ones masked;
// chunks, a butterfly and global tokens, blocks across chunk edges, Nq != Nk,
// rows without keys, blocks of size 1, GQA with a keep-mask.
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 40 --chunk 8 --lse --seed 50 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 45 --causal --chunk 16 --lse --seed 51 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 8,16,1,4 --nq 9 --nk 43 --causal --chunk 12 --lse --seed 52 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 43 --nk 9 --causal --chunk 4 --lse --seed 53 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 5,3,1,4 --nq 37 --chunk 7 --mask bias --lse --seed 58 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 8,8,1,4 --nq 64 --butterfly 8 --lse --seed 54 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,16,1,4 --nq 70 --causal --butterfly 4 --global-tokens 5 --lse --seed 55 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --nq 50 --window 3,3 --global-tokens 4 --lse --seed 56 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 16,8,1,4 --b 2 --hq 4 --hkv 2 --nq 45 --causal --window 6,0 --global-tokens 3 --mask bool --masked-rows 2 --lse --dtype bf16 --seed 57 | FileCheck %s
// RUN: %attn-case run --passes="--fa-tile-attention" --tiling 1,1,1,1 --nq 20 --nk 23 --causal --chunk 5 --global-tokens 2 --lse --seed 59 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASSED
