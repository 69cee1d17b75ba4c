// The property test can fail: with an fa-opt whose fa-check-sram-budget
// aborts and whose fa-decompose-attention fails without a diagnostic
// (Inputs/broken-fa-opt.py), it reports both and exits 1.
// RUN: not %python %S/property_test.py --fa-opt "%python %S/Inputs/broken-fa-opt.py fa-opt" --count 4 --seed 1 | FileCheck %s

// CHECK: property: seed 1, 4 of 4 configurations ran
// CHECK: chain tiling: ok 0, rejected {{[0-9]+}}, failures {{[1-9]}}
// CHECK: chain decompose: ok 0, rejected 0, failures 4
// CHECK: FAILURE config 0 chain tiling
// CHECK-SAME: PLEASE submit a bug report
// CHECK: FAILURE config 0 chain decompose
// CHECK-SAME: failed without an error: diagnostic
// CHECK: property: failures: {{[1-9]}}
