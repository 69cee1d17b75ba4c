// The plugin registers every pass and pipeline of the project: the fa-*
// entries of `mlir-opt --load-pass-plugin --help` are those of
// `fa-opt --help`. A pass that fa-opt knows and the plugin does not (or the
// other way round) fails here.

// RUN: fa-opt --help | grep -o -e '--fa-[a-z0-9-]*' | sort -u > %t.fa-opt
// RUN: mlir-opt --load-pass-plugin=%fa_plugin --help | grep -o -e '--fa-[a-z0-9-]*' | sort -u > %t.plugin
// RUN: diff %t.fa-opt %t.plugin
// RUN: FileCheck %s < %t.plugin
// CHECK-DAG: --fa-decompose-attention
// CHECK-DAG: --fa-set-target
