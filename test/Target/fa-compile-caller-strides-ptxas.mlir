// REQUIRES: ptxas
// fa-compile --caller-strides (docs/GPU.md, "Caller strides"): the
// manifest looks through the conversion's casts. A memref parameter names
// the argument and takes its strides from the launch (`stride_of` ARG,
// `dim`, the innermost too: the runtime requires it to be 1, the kernel's
// type has it static), as D128's `caller_strides` flag needs of a
// descriptor; a tensor map over a cast records the
// argument's own shape and dense strides (the runtime encodes it with the
// launch's). ptxas assembles every kernel without spills; the manifest
// matches the PTX's parameters (check_manifest.py).
// RUN: rm -rf %t && split-file %s %t
// The wgmma forward (sm_90a): tensor maps only, as without the option.
// RUN: fa-compile %t/fwd.mlir -o %t/fwd-wgmma --caller-strides --pipeline-options="target=h100"
// RUN: %python %S/Inputs/manifest_params.py %t/fwd-wgmma.json | FileCheck %s --check-prefix=WGMMA
// The mma-sync forward (sm_80): its 12 stride parameters are read.
// RUN: fa-compile %t/fwd.mlir -o %t/fwd-mma --caller-strides --pipeline-options="target=a100"
// RUN: %python %S/Inputs/manifest_params.py %t/fwd-mma.json | FileCheck %s --check-prefix=MMA
// RUN: FileCheck %s --check-prefix=MMAPTX < %t/fwd-mma.ptx
// The wgmma backward at D = 64 (with either epilogue) and 128, GQA's split
// group; the mma.sync backward with GQA.
// RUN: fa-compile %t/d64.mlir -o %t/d64 --caller-strides --pipeline-options="target=h100"
// RUN: %python %S/Inputs/manifest_params.py %t/d64.json | FileCheck %s --check-prefix=D64
// RUN: fa-compile %t/d64.mlir -o %t/d64-direct --caller-strides --pipeline-options="target=h100 backward-epilogue=direct"
// RUN: %python %S/Inputs/manifest_params.py %t/d64-direct.json | FileCheck %s --check-prefix=D64DIRECT
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h100 caller-strides"
// RUN: %python %S/Inputs/manifest_params.py %t/d128.json | FileCheck %s --check-prefix=D128
// RUN: fa-compile %t/gqa.mlir -o %t/gqa --caller-strides --pipeline-options="target=h100"
// RUN: %python %S/Inputs/manifest_params.py %t/gqa.json | FileCheck %s --check-prefix=GQA
// RUN: fa-compile %t/gqa.mlir -o %t/gqa-mma --caller-strides --pipeline-options="target=a100"
// RUN: %python %S/Inputs/manifest_params.py %t/gqa-mma.json | FileCheck %s --check-prefix=GQAMMA
// RUN: for m in fwd-wgmma fwd-mma d64 d64-direct d128 gqa gqa-mma; do %python %S/Inputs/check_manifest.py %t/$m.json %t/$m.ptx; done | FileCheck %s --check-prefix=XCHECK
// RUN: cat %t/*.ptxas.log | FileCheck %s --check-prefix=CLEAN
// The naive front end's kernels read dense buffers: refused.
// RUN: not fa-compile %t/fwd.mlir -o %t/naive --caller-strides --pipeline-options="target=h100 naive" --ptxas=none 2>&1 | FileCheck %s --check-prefix=NAIVE

// WGMMA: kernel attention_kernel map(arg0 [2, 4, 256, 64] [65536, 16384, 64, 1]) map(arg1 [2, 4, 256, 64] [65536, 16384, 64, 1]) map(arg2 [2, 4, 256, 64] [65536, 16384, 64, 1]) map(arg3 [2, 4, 256, 64] [65536, 16384, 64, 1])

// MMA: kernel attention_kernel arg0{0 2 4 256 64 arg0.0 arg0.1 arg0.2 arg0.3} arg1{0 2 4 256 64 arg1.0 arg1.1 arg1.2 arg1.3} arg2{0 2 4 256 64 arg2.0 arg2.1 arg2.2 arg2.3} arg3{0 2 4 256 64 arg3.0 arg3.1 arg3.2 arg3.3}
// Q's, K's, V's and O's outer strides (parameters 7-9 of each 11).
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_7];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_8];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_9];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_18];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_19];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_20];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_29];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_30];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_31];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_40];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_41];
// MMAPTX-DAG: ld.param.b64 {{.*}}[attention_kernel_param_42];

// Arguments q, k, v, o, do, lse, dq, dk, dv: the preprocess reads dO (arg4)
// and O (arg3) and writes the scratch D and dQ accumulator (dense); the
// main kernel reads K, V (arg1, arg2) and Q, dO through tensor maps, the
// lse (arg5) densely, and stores dK, dV (arg7, arg8) through tensor maps
// (the TMA-store epilogue on the wide q-block, auto's pick since D130); the
// conversion writes dQ (arg6).
// D64: kernel attention_grad_kernel arg4{0 2 4 256 64 arg4.0 arg4.1 arg4.2 arg4.3} arg3{0 2 4 256 64 arg3.0 arg3.1 arg3.2 arg3.3} tmp0{0 2 4 256 1024 256 1} tmp1{0 2 4 256 64 65536 16384 64 1}
// D64-NEXT: kernel attention_grad_kernel_0 arg1{0 2 4 256 64 arg1.0 arg1.1 arg1.2 arg1.3} arg2{0 2 4 256 64 arg2.0 arg2.1 arg2.2 arg2.3} map(arg0 [2, 4, 256, 64] [65536, 16384, 64, 1]) map(arg4 [2, 4, 256, 64] [65536, 16384, 64, 1]) arg5{0 2 4 256 1024 256 1} tmp0{0 2 4 256 1024 256 1} map(tmp1 [2, 4, 256, 64] [65536, 16384, 64, 1]) map(arg7 [2, 4, 256, 64] [65536, 16384, 64, 1]) map(arg8 [2, 4, 256, 64] [65536, 16384, 64, 1])
// D64-NEXT: kernel attention_grad_kernel_1 tmp1{0 2 4 256 64 65536 16384 64 1} arg6{0 2 4 256 64 arg6.0 arg6.1 arg6.2 arg6.3}

// With the direct epilogue asked for, the main kernel stores dK and dV
// through descriptors whose strides are the launch's.
// D64DIRECT: kernel attention_grad_kernel arg4{0 2 4 256 64 arg4.0 arg4.1 arg4.2 arg4.3} arg3{0 2 4 256 64 arg3.0 arg3.1 arg3.2 arg3.3} tmp0{0 2 4 256 1024 256 1} tmp1{0 2 4 256 64 65536 16384 64 1}
// D64DIRECT-NEXT: kernel attention_grad_kernel_0 arg1{0 2 4 256 64 arg1.0 arg1.1 arg1.2 arg1.3} arg2{0 2 4 256 64 arg2.0 arg2.1 arg2.2 arg2.3} map(arg0 [2, 4, 256, 64] [65536, 16384, 64, 1]) map(arg4 [2, 4, 256, 64] [65536, 16384, 64, 1]) arg5{0 2 4 256 1024 256 1} tmp0{0 2 4 256 1024 256 1} map(tmp1 [2, 4, 256, 64] [65536, 16384, 64, 1]) arg7{0 2 4 256 64 arg7.0 arg7.1 arg7.2 arg7.3} arg8{0 2 4 256 64 arg8.0 arg8.1 arg8.2 arg8.3}
// D64DIRECT-NEXT: kernel attention_grad_kernel_1 tmp1{0 2 4 256 64 65536 16384 64 1} arg6{0 2 4 256 64 arg6.0 arg6.1 arg6.2 arg6.3}

// D = 128 stores dK and dV through tensor maps (the TMA-store epilogue).
// D128: kernel attention_grad_kernel arg4{0 2 4 256 128 arg4.0 arg4.1 arg4.2 arg4.3} arg3{0 2 4 256 128 arg3.0 arg3.1 arg3.2 arg3.3}
// D128-NEXT: kernel attention_grad_kernel_0 arg1{0 2 4 256 128 arg1.0 arg1.1 arg1.2 arg1.3} arg2{0 2 4 256 128 arg2.0 arg2.1 arg2.2 arg2.3} map(arg0 [2, 4, 256, 128] [131072, 32768, 128, 1]) map(arg4 [2, 4, 256, 128] [131072, 32768, 128, 1]) {{.*}} map(arg7 [2, 4, 256, 128] [131072, 32768, 128, 1]) map(arg8 [2, 4, 256, 128] [131072, 32768, 128, 1])
// D128-NEXT: kernel attention_grad_kernel_1 tmp1{{.*}} arg6{0 2 4 256 128 arg6.0 arg6.1 arg6.2 arg6.3}

// GQA's split group: dK and dV accumulate in f32 scratch (tmp2, tmp3) and
// are converted into the strided dK, dV last.
// GQA: kernel attention_grad_kernel arg4{0 2 8 256 64 arg4.0 arg4.1 arg4.2 arg4.3} arg3{0 2 8 256 64 arg3.0 arg3.1 arg3.2 arg3.3}
// GQA-NEXT: kernel attention_grad_kernel_0 tmp2{0 2 2 256 64 32768 16384 64 1} tmp3{0 2 2 256 64 32768 16384 64 1}
// GQA-NEXT: kernel attention_grad_kernel_1 arg1{0 2 2 256 64 arg1.0 arg1.1 arg1.2 arg1.3} arg2{0 2 2 256 64 arg2.0 arg2.1 arg2.2 arg2.3} map(arg0 [2, 8, 256, 64] [131072, 16384, 64, 1]) map(arg4 [2, 8, 256, 64] [131072, 16384, 64, 1])
// GQA-NEXT: kernel attention_grad_kernel_2 tmp1{{.*}} arg6{0 2 8 256 64 arg6.0 arg6.1 arg6.2 arg6.3}
// GQA-NEXT: kernel attention_grad_kernel_3 tmp2{0 2 2 256 64 32768 16384 64 1} arg7{0 2 2 256 64 arg7.0 arg7.1 arg7.2 arg7.3} tmp3{0 2 2 256 64 32768 16384 64 1} arg8{0 2 2 256 64 arg8.0 arg8.1 arg8.2 arg8.3}

// The mma.sync backward reads Q and dO through descriptors too.
// GQAMMA: kernel attention_grad_kernel arg4{{.*}} arg3{{.*}}
// GQAMMA-NEXT: kernel attention_grad_kernel_0 arg1{0 2 2 256 64 arg1.0 arg1.1 arg1.2 arg1.3} arg2{0 2 2 256 64 arg2.0 arg2.1 arg2.2 arg2.3} arg0{0 2 8 256 64 arg0.0 arg0.1 arg0.2 arg0.3} arg4{0 2 8 256 64 arg4.0 arg4.1 arg4.2 arg4.3} arg5{0 2 8 256 2048 256 1} {{.*}} arg7{0 2 2 256 64 arg7.0 arg7.1 arg7.2 arg7.3} arg8{0 2 2 256 64 arg8.0 arg8.1 arg8.2 arg8.3}
// GQAMMA-NEXT: kernel attention_grad_kernel_1 tmp1{{.*}} arg6{0 2 8 256 64 arg6.0 arg6.1 arg6.2 arg6.3}

// XCHECK: OK 1 kernels
// XCHECK-NEXT: OK 1 kernels
// XCHECK-NEXT: OK 3 kernels
// XCHECK-NEXT: OK 3 kernels
// XCHECK-NEXT: OK 3 kernels
// XCHECK-NEXT: OK 5 kernels
// XCHECK-NEXT: OK 3 kernels

// 1 + 1 + 3 + 3 + 3 + 5 + 3 kernels.
// CLEAN-COUNT-19: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CLEAN-NOT: bytes spill

// NAIVE: fa-compile: error: the naive front end cannot read the caller's strides; drop caller-strides or naive

//--- fwd.mlir
func.func @attention(%q: tensor<2x4x256x64xbf16>, %k: tensor<2x4x256x64xbf16>, %v: tensor<2x4x256x64xbf16>, %o: tensor<2x4x256x64xbf16>) -> tensor<2x4x256x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>) outs(%o : tensor<2x4x256x64xbf16>) {scale = 0.125 : f32} -> tensor<2x4x256x64xbf16>
  return %r : tensor<2x4x256x64xbf16>
}
//--- d64.mlir
func.func @attention_grad(%q: tensor<2x4x256x64xbf16>, %k: tensor<2x4x256x64xbf16>, %v: tensor<2x4x256x64xbf16>, %o: tensor<2x4x256x64xbf16>, %do: tensor<2x4x256x64xbf16>, %lse: tensor<2x4x256xf32>, %dq: tensor<2x4x256x64xbf16>, %dk: tensor<2x4x256x64xbf16>, %dv: tensor<2x4x256x64xbf16>) -> (tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256xf32>) outs(%dq, %dk, %dv : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>) {causal, scale = 0.125 : f32} -> tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>
}
//--- d128.mlir
func.func @attention_grad(%q: tensor<2x4x256x128xbf16>, %k: tensor<2x4x256x128xbf16>, %v: tensor<2x4x256x128xbf16>, %o: tensor<2x4x256x128xbf16>, %do: tensor<2x4x256x128xbf16>, %lse: tensor<2x4x256xf32>, %dq: tensor<2x4x256x128xbf16>, %dk: tensor<2x4x256x128xbf16>, %dv: tensor<2x4x256x128xbf16>) -> (tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256xf32>) outs(%dq, %dk, %dv : tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>) {causal, scale = 0.125 : f32} -> tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>
}
//--- gqa.mlir
func.func @attention_grad(%q: tensor<2x8x256x64xbf16>, %k: tensor<2x2x256x64xbf16>, %v: tensor<2x2x256x64xbf16>, %o: tensor<2x8x256x64xbf16>, %do: tensor<2x8x256x64xbf16>, %lse: tensor<2x8x256xf32>, %dq: tensor<2x8x256x64xbf16>, %dk: tensor<2x2x256x64xbf16>, %dv: tensor<2x2x256x64xbf16>) -> (tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x8x256x64xbf16>, tensor<2x8x256x64xbf16>, tensor<2x8x256xf32>) outs(%dq, %dk, %dv : tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>) {causal, scale = 0.125 : f32} -> tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>
}
