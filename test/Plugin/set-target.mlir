// fa-set-target in the stock mlir-opt, through --load-pass-plugin, checked
// by the CHECK lines of test/Dialect/FA/set-target.mlir and
// test/Dialect/FA/set-target-errors.mlir (the same cases as fa-opt's).

// DEFINE: %{checks} = %fa_src_root/test/Dialect/FA/set-target.mlir
// RUN: %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=h100})' | FileCheck %{checks} --check-prefix=H100
// RUN: %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=sm_80})' | FileCheck %{checks} --check-prefix=A100
// RUN: %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=t4})' | FileCheck %{checks} --check-prefix=T4
// RUN: %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=h100 sram-per-block=49152})' | FileCheck %{checks} --check-prefix=H100-48K
// RUN: %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=a100 sram-per-block=262144})' | FileCheck %{checks} --check-prefix=GROW
// RUN: %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=h100 arch=sm_90 sm-count=114 hbm-gbps=2000 tensor-tflops=756 regs-per-sm=32768 max-regs-per-thread=128})' | FileCheck %{checks} --check-prefix=PCIE
// RUN: %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=rtx4090},fa-set-target{sram-per-block=32768})' | FileCheck %{checks} --check-prefix=CHAIN

// REDEFINE: %{checks} = %fa_src_root/test/Dialect/FA/set-target-errors.mlir
// RUN: not %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=mi300})' 2>&1 | FileCheck %{checks} --check-prefix=UNKNOWN
// RUN: not %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{sram-per-block=1024})' 2>&1 | FileCheck %{checks} --check-prefix=NOBASE
// RUN: not %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=h100 sm-count=-3})' 2>&1 | FileCheck %{checks} --check-prefix=BAD
// RUN: not %fa-mlir-opt %{checks} --pass-pipeline='builtin.module(fa-set-target{target=h100 max-regs-per-thread=300})' 2>&1 | FileCheck %{checks} --check-prefix=REGS
