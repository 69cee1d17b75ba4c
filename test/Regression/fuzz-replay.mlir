// Every seed of the fuzz corpus (test/**/*.mlir and examples/ split at
// `// -----`) once through fa-fuzz: parse, round trip, every pipeline, with
// the sanitizers of the FA_ENABLE_FUZZER build (docs/Reliability.md).
// REQUIRES: fa-fuzz
// RUN: rm -rf %t && %python %fa_src_root/scripts/fuzz-corpus.py %t %fa_src_root
// RUN: fa-fuzz -runs=0 %t 2>&1 | FileCheck %s

// CHECK: INITED
// CHECK: DONE
