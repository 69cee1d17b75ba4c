// Random valid fa.attention configurations through every stage chain fa-opt
// has (test/Property/property_test.py, docs/Reliability.md): each compiles or
// stops with an error naming the reason; no crash, no assertion, no sanitizer
// report, and what succeeds agrees with an independent recomputation of the
// shared memory. A fixed seed; at most ~60 s (fewer configurations run on a
// slow machine, and the first line says how many).
// REQUIRES: numpy
// RUN: %python %S/property_test.py --fa-opt fa-opt --count 200 --seed 1 --time-limit 60 | FileCheck %s

// CHECK: property: seed 1, {{[0-9]+}} of 200 configurations ran
// CHECK: chain tiling: ok {{[1-9][0-9]*}}, rejected {{[0-9]+}}, failures 0
// CHECK: chain decompose: ok {{[1-9][0-9]*}}, rejected 0, failures 0
// CHECK: property: failures: 0
