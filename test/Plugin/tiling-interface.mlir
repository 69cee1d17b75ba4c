// fa.attention's TilingInterface and AggregatedOpInterface in the stock
// mlir-opt, through the plugin (which attaches them with the dialect),
// checked by the CHECK lines and expected diagnostics of
// test/Dialect/FA/tiling-interface*.mlir.

// DEFINE: %{checks} = %fa_src_root/test/Dialect/FA/tiling-interface.mlir
// RUN: %fa-mlir-opt %{checks} -split-input-file -transform-interpreter -canonicalize | FileCheck %{checks}
// RUN: %fa-mlir-opt %fa_src_root/test/Dialect/FA/tiling-interface-errors.mlir -split-input-file -transform-interpreter -verify-diagnostics
