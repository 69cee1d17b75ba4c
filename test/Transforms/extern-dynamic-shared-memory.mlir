// RUN: fa-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(fa-extern-dynamic-shared-memory))" | FileCheck %s

// The zero-sized shared array that gpu.dynamic_shared_memory lowers to
// becomes external (PTX `.extern .shared ... []`: the launch's dynamic
// segment, after the static one), whatever its element type and linkage;
// static shared memory (the mbarriers) and a zero-sized global outside
// shared memory stay as they are (docs/decisions.md, D91).
// CHECK-LABEL: gpu.module @m
// CHECK-DAG:   llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK-DAG:   llvm.mlir.global internal @__mbarrier() {addr_space = 3 : i32, alignment = 8 : i64} : !llvm.array<4 x i64>
// CHECK-DAG:   llvm.mlir.global internal @global_zero() {addr_space = 1 : i32} : !llvm.array<0 x i8>
// CHECK-DAG:   llvm.mlir.global external @dynamic_f16() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x f16>
gpu.module @m {
  llvm.mlir.global internal @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
  llvm.mlir.global internal @__mbarrier() {addr_space = 3 : i32, alignment = 8 : i64} : !llvm.array<4 x i64>
  llvm.mlir.global internal @global_zero() {addr_space = 1 : i32} : !llvm.array<0 x i8>
  llvm.mlir.global private @dynamic_f16() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x f16>
}
