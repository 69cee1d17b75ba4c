// fa-tile-attention in the stock mlir-opt, through the plugin, checked by
// the CHECK lines and expected diagnostics of
// test/Dialect/FA/tile-attention*.mlir.

// DEFINE: %{checks} = %fa_src_root/test/Dialect/FA/tile-attention.mlir
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-tile-attention)' | FileCheck %{checks}
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-tile-attention{tile-memory-space=0})' | FileCheck %{checks} --check-prefix=NOSPACE
// RUN: %fa-mlir-opt %fa_src_root/test/Dialect/FA/tile-attention-errors.mlir -split-input-file --pass-pipeline='builtin.module(fa-tile-attention{require-tiling})' -verify-diagnostics
