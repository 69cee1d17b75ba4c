// bench/experiments/tiling_sweep.py's staging (docs/CostModel.md, "The
// tiling sweep") on one head dim and N: the wgmma tilings fa-select-tiling
// keeps among the candidates at block_kv 16 and 64, 2 stages (d = 256's
// 192-row blocks are refused on registers), plus the pick's block shape at
// every stage count it keeps (128x80 non-causal since D116: 1 and 2;
// 128x64 causal: 1 and 2; 3 stages exceed the shared memory), compiled to
// cubins in one archive with the run script; exactly one pick a shape,
// fa-select-tiling's own.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %fa_src_root/bench/experiments/tiling_sweep.py stage %t/s --build %fa_tools_dir/.. --d 256 --n 1024 --kinds wgmma --block-kv 16 64 | FileCheck %s --check-prefix=STAGE
// RUN: tar -xJf %t/s/artifacts.tar.xz -C %t ./cases.json
// RUN: %python -c "import json; [print(c['name'], c['model_pick'], c['predicted_s'] > 0) for c in json.load(open('%t/cases.json'))['cases']]" | FileCheck %s
// RUN: ls %t/s/sweep_run.sh %t/s/bench/experiments/tiling_sweep.py %t/s/bench/benchmark/benchmark.py %t/s/bench/correctness/gpu_check.py %t/s/python/flashattn_mlir/__init__.py %t/s/runtime/lib/Runtime.cpp

// STAGE: tiling_sweep: 11 kernels to compile
// STAGE: tiling_sweep: 11 kernels in {{.*}}artifacts.tar.xz ({{[0-9.]+}} MB), 0 did not compile

// CHECK: sweep_d256_n1024_wgmma_t64x16s2w4 False True
// CHECK-NEXT: sweep_d256_n1024_wgmma_t64x64s2w4 False True
// CHECK-NEXT: sweep_d256_n1024_wgmma_t128x16s2w8 False True
// CHECK-NEXT: sweep_d256_n1024_wgmma_t128x64s2w8 False True
// CHECK-NEXT: sweep_d256_n1024_wgmma_t128x80s1w8 False True
// CHECK-NEXT: sweep_d256_n1024_wgmma_t128x80s2w8 True True
// CHECK-NEXT: sweep_d256_n1024_causal_wgmma_t64x16s2w4 False True
// CHECK-NEXT: sweep_d256_n1024_causal_wgmma_t64x64s2w4 False True
// CHECK-NEXT: sweep_d256_n1024_causal_wgmma_t128x16s2w8 False True
// CHECK-NEXT: sweep_d256_n1024_causal_wgmma_t128x64s1w8 False True
// CHECK-NEXT: sweep_d256_n1024_causal_wgmma_t128x64s2w8 True True
