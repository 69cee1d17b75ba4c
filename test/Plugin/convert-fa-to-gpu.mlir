// convert-fa-to-gpu in the stock mlir-opt, through the plugin, checked by
// the CHECK lines and expected diagnostics of test/Conversion/FAToGPU.

// DEFINE: %{checks} = %fa_src_root/test/Conversion/FAToGPU/convert-fa-to-gpu.mlir
// RUN: %fa-mlir-opt %{checks} -split-input-file --pass-pipeline='builtin.module(convert-fa-to-gpu,canonicalize,cse)' | FileCheck %{checks}
// RUN: %fa-mlir-opt %fa_src_root/test/Conversion/FAToGPU/convert-fa-to-gpu-invalid.mlir -split-input-file --pass-pipeline='builtin.module(convert-fa-to-gpu)' -verify-diagnostics
