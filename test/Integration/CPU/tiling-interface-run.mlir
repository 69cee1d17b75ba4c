// fa.attention tiled by upstream transforms through its TilingInterface
// (tile_using_for, tile_using_forall) and decomposed through its
// AggregatedOpInterface (decompose_interface) computes what the untiled op
// computes: each case runs the transform script of Inputs/ with
// -transform-interpreter, lowers the tiles with fa-decompose-attention (or
// the script's decompose_interface) and upstream passes, executes with
// mlir-runner and compares with the float64 NumPy reference of
// test/Integration/attention_case.py.
// REQUIRES: numpy

// scf.for over (B, Hq, Nq) by (1, 1, 5): GQA, causal with Nq > Nk and
// Nq < Nk (tiles whose keys are all masked), masks, dynamic sizes, bf16.
// RUN: %attn-case run --b 2 --hq 4 --hkv 2 --nq 17 --nk 33 --d 16 --dv 8 --causal --lse --seed 5 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --nq 23 --nk 9 --causal --lse --seed 4 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --nq 9 --nk 23 --causal --lse --seed 3 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --hq 2 --nq 13 --nk 21 --mask bias-full --causal --seed 7 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --nq 17 --causal --mask bool --masked-rows 3 --lse --seed 9 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --b 2 --nq 9 --nk 14 --dynamic --causal --lse --seed 12 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --dtype bf16 --b 2 --hq 4 --hkv 1 --nq 33 --nk 7 --causal --d 32 --lse --seed 13 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// A causal window keeps its alignment through the causal cut of the keys.
// RUN: %attn-case run --b 2 --hq 4 --hkv 2 --nq 17 --nk 33 --d 16 --dv 8 --causal --window 6,0 --lse --seed 30 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --nq 23 --nk 9 --causal --window 2,0 --lse --seed 31 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-for.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s

// scf.forall over (Hq, Nq) by (2, 7): a whole group of 2 per tile, half a
// group of 4 (MQA), broadcast masks.
// RUN: %attn-case run --b 2 --hq 4 --hkv 2 --nq 17 --nk 33 --d 16 --dv 8 --causal --lse --seed 5 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-forall.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --hq 4 --hkv 1 --nq 12 --d 32 --causal --lse --seed 6 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-forall.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --hq 2 --nq 9 --nk 20 --mask bias-row --lse --seed 8 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-forall.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s
// RUN: %attn-case run --b 2 --nq 9 --nk 14 --dynamic --causal --lse --seed 12 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-forall.mlir --transform-interpreter --fa-decompose-attention" | FileCheck %s

// scf.for over (Nq, Dv) by (4, 8), each tile decomposed by
// decompose_interface (no logsumexp: Dv tiles and upstream's one-result
// decompose_interface both need that).
// RUN: %attn-case run --b 2 --hq 2 --nq 17 --nk 33 --d 16 --dv 16 --causal --seed 5 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-decompose.mlir --transform-interpreter" | FileCheck %s
// RUN: %attn-case run --hq 4 --hkv 1 --nq 13 --nk 21 --d 8 --dv 24 --mask bias --seed 14 --passes "--transform-preload-library=transform-library-paths=%S/Inputs/tile-decompose.mlir --transform-interpreter" | FileCheck %s

// CHECK-NOT: FAIL
// CHECK: PASSED
