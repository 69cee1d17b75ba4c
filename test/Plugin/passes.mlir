// The plugin registers every pass and pipeline of the project: what
// `mlir-opt --load-pass-plugin --help` lists beyond the stock mlir-opt's
// passes is exactly what `fa-opt --help` lists beyond them. A pass that
// fa-opt knows and the plugin does not (or the other way round) fails here.

// RUN: mlir-opt --help | grep -oE '^      --[a-z0-9-]+' | sort -u > %t.stock
// RUN: fa-opt --help | grep -oE '^      --[a-z0-9-]+' | sort -u | comm -23 - %t.stock > %t.fa-opt
// RUN: mlir-opt --load-pass-plugin=%fa_plugin --help | grep -oE '^      --[a-z0-9-]+' | sort -u | comm -23 - %t.stock > %t.plugin
// RUN: diff %t.fa-opt %t.plugin
// RUN: FileCheck %s < %t.plugin
// CHECK-DAG: --convert-fa-to-gpu
// CHECK-DAG: --fa-check-sram-budget
// CHECK-DAG: --fa-decompose-attention
// CHECK-DAG: --fa-select-tiling
// CHECK-DAG: --fa-set-target
// CHECK-DAG: --fa-tile-attention
