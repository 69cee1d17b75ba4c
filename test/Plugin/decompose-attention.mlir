// fa-decompose-attention in the stock mlir-opt, through the plugin, checked
// by the CHECK lines of test/Dialect/FA/decompose-attention.mlir; and the
// plugin's output is the same as fa-opt's.

// DEFINE: %{checks} = %fa_src_root/test/Dialect/FA/decompose-attention.mlir
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-decompose-attention)' | FileCheck %{checks}
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(func.func(fa-decompose-attention))' > %t.plugin
// RUN: fa-opt %{checks} -split-input-file --fa-decompose-attention > %t.fa-opt
// RUN: diff %t.fa-opt %t.plugin
