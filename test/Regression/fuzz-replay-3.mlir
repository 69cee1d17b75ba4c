// Every seed of the fuzz corpus (test/**/*.mlir and examples/ split at
// `// -----`, duplicate chunks once) through fa-fuzz: parse, round trip,
// every pipeline, with the sanitizers of the FA_ENABLE_FUZZER build
// (docs/Reliability.md). Shard 3 of 4 (fuzz-replay-0.mlir .. -3.mlir), so
// that lit's workers replay the corpus side by side (D118).
// REQUIRES: fa-fuzz
// RUN: rm -rf %t && %python %fa_src_root/scripts/fuzz-corpus.py --shard 3/4 %t %fa_src_root
// RUN: fa-fuzz -runs=0 %t 2>&1 | FileCheck %s

// CHECK: INITED
// CHECK: DONE
