// fa-select-tiling and fa-check-sram-budget in the stock mlir-opt, through
// the plugin, checked by the CHECK lines and expected diagnostics of
// test/Dialect/FA/select-tiling*.mlir and check-sram-budget*.mlir.

// DEFINE: %{checks} = %fa_src_root/test/Dialect/FA/select-tiling.mlir
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-set-target{target=t4},fa-select-tiling{kernel=tensor-core})' | FileCheck %{checks} --check-prefix=T4
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-set-target{target=h100},fa-select-tiling{kernel=tensor-core})' | FileCheck %{checks} --check-prefix=H100
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-set-target{target=h100 sram-per-block=49152},fa-select-tiling{kernel=tensor-core})' | FileCheck %{checks} --check-prefix=H100-48K
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-set-target{target=a100},fa-select-tiling{mode=paper kernel=tensor-core})' | FileCheck %{checks} --check-prefix=PAPER-A100
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-set-target{target=t4},fa-select-tiling{kernel=tensor-core},fa-check-sram-budget{kernel=tensor-core})' -o /dev/null

// REDEFINE: %{checks} = %fa_src_root/test/Dialect/FA/select-tiling-explain.mlir
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-set-target{target=a100},fa-select-tiling{explain kernel=tensor-core})' --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %{checks}

// RUN: %fa-mlir-opt %fa_src_root/test/Dialect/FA/select-tiling-errors.mlir -split-input-file --pass-pipeline='builtin.module(fa-set-target{target=h100},fa-select-tiling{kernel=tensor-core})' -verify-diagnostics
// RUN: %fa-mlir-opt %fa_src_root/test/Dialect/FA/check-sram-budget-errors.mlir -split-input-file --pass-pipeline='builtin.module(fa-check-sram-budget{kernel=tensor-core})' -verify-diagnostics

// REDEFINE: %{checks} = %fa_src_root/test/Dialect/FA/check-sram-budget.mlir
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(fa-check-sram-budget{kernel=tensor-core})' | FileCheck %{checks}
