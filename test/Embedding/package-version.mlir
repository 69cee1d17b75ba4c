// The installed package has a version file and pins the MLIR it was built
// against; a project with only C++ enabled finds it; fa-compile and the
// runtime are installed (issue 26, item 4).
// REQUIRES: cmake

// RUN: rm -rf %t && mkdir -p %t/fake-mlir
// RUN: %cmake --install %fa_obj_root --prefix %t/install > %t.install.log
// fa-compile is installed with fa-opt, and the runtime with its header.
// RUN: %t/install/bin/fa-compile --help | FileCheck %s --check-prefix=COMPILE
// RUN: test -f %t/install/include/fa/runtime.h
// RUN: %if fa-runtime %{ test -f %t/install/lib/libfa_runtime.so %}
// RUN: %consumer-cmake -S %S/Inputs/version-check -B %t/ok -DCMAKE_PREFIX_PATH=%t/install -DFA_WANT=0.1 | FileCheck %s --check-prefix=OK
// RUN: not %consumer-cmake -S %S/Inputs/version-check -B %t/newer -DCMAKE_PREFIX_PATH=%t/install -DFA_WANT=0.2 2>&1 | FileCheck %s --check-prefix=NEWER
// RUN: echo 'set(LLVM_PACKAGE_VERSION 21.1.0)' > %t/fake-mlir/MLIRConfig.cmake
// RUN: not %consumer-cmake -S %S/Inputs/version-check -B %t/mlir -DCMAKE_PREFIX_PATH=%t/install -DFA_WANT=0.1 -DMLIR_DIR=%t/fake-mlir 2>&1 | FileCheck %s --check-prefix=MLIR

// COMPILE: USAGE: fa-compile

// OK: FlashAttn 0.1.0 with LLVM 22.

// NEWER: Could not find a configuration file for package "FlashAttn" that is
// NEWER: compatible with requested version "0.2"

// MLIR: Reason given by package:
// MLIR: flashattn-mlir was built against LLVM/MLIR 22.
// MLIR: 21.1.0
