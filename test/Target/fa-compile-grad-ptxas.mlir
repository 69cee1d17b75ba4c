// REQUIRES: ptxas
// The backward's four SIMT kernels (fa-compile-grad.mlir) assembled by
// ptxas for sm_90a: a cubin, no stack and no spills in any kernel, and the
// manifest names the cubin and records every kernel's resources.
// RUN: rm -rf %t && fa-compile %S/fa-compile-grad.mlir -o %t/grad --pipeline-options="target=h100"
// RUN: test -s %t/grad.cubin
// RUN: FileCheck %s --check-prefix=LOG < %t/grad.ptxas.log
// RUN: %python %S/Inputs/check_manifest.py %t/grad.json %t/grad.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: FileCheck %s --check-prefix=JSON < %t/grad.json

// LOG-COUNT-4: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// LOG-NOT: bytes spill
// XCHECK: OK 4 kernels
// JSON: "cubin": "grad.cubin",
// JSON-COUNT-4: "registers":
