// convert-fa-to-nvgpu's caller-strides (docs/GPU.md, "Caller strides"):
// the op's 4-d operands are cast on the host to dynamic outer strides
// before the kernels are built (Q, K, V, O; and dO, dQ, dK, dV of the
// backward; never the logsumexp or the scratch buffers), and every kernel
// takes them through the casts: memref parameters of the strided type, and
// tensor maps over the casts. The wgmma forward (TMA loads and store)
// takes only tensor maps; the mma-sync forward's staged O store checks the
// strides' alignment as well as the base's. Backward: the wgmma kernels at
// D = 64 and 128 (preprocess, main, dQ conversion; dK and dV by the
// TMA-store epilogue, and at D = 64 by the direct stores asked for, DIRECT)
// and GQA's split group (its dK/dV zeroing and conversion kernels). The
// kernels are outlined to pin their parameter types.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=auto \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu=caller-strides --gpu-kernel-outlining | FileCheck %s
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto backward-epilogue=direct" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu=caller-strides --gpu-kernel-outlining | FileCheck %s --check-prefix=DIRECT
// Without the option no cast is made.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=auto \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=DENSE
// DENSE-NOT: strided<

// CHECK-LABEL: func.func @fwd_wgmma(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<2x4x256x64xbf16>, %[[K:[a-z0-9]+]]: memref<2x4x256x64xbf16>, %[[V:[a-z0-9]+]]: memref<2x4x256x64xbf16>, %[[O:[a-z0-9]+]]: memref<2x4x256x64xbf16>)
// CHECK:         %[[QS:.+]] = memref.cast %[[Q]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[KS:.+]] = memref.cast %[[K]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[VS:.+]] = memref.cast %[[V]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[OS:.+]] = memref.cast %[[O]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[QU:.+]] = memref.cast %[[QS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         nvgpu.tma.create.descriptor %[[QU]]
// CHECK:         %[[KU:.+]] = memref.cast %[[KS]] : {{.*}} to memref<*xbf16>
// CHECK:         nvgpu.tma.create.descriptor %[[KU]]
// CHECK:         %[[VU:.+]] = memref.cast %[[VS]] : {{.*}} to memref<*xbf16>
// CHECK:         nvgpu.tma.create.descriptor %[[VU]]
// CHECK:         %[[OU:.+]] = memref.cast %[[OS]] : {{.*}} to memref<*xbf16>
// CHECK:         nvgpu.tma.create.descriptor %[[OU]]
// CHECK:         gpu.func @fwd_wgmma_kernel(
// CHECK-NOT:       xbf16, strided
// CHECK-SAME:      kernel attributes
func.func @fwd_wgmma(%q: tensor<2x4x256x64xbf16>, %k: tensor<2x4x256x64xbf16>, %v: tensor<2x4x256x64xbf16>, %o: tensor<2x4x256x64xbf16>) -> tensor<2x4x256x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>) outs(%o : tensor<2x4x256x64xbf16>) {scale = 0.125 : f32} -> tensor<2x4x256x64xbf16>
  return %r : tensor<2x4x256x64xbf16>
}

// The cp.async loads' alignment is the argument's (fa.align, through the
// casts); the kernel reads Q, K, V and writes O through strided memrefs.
// The staged O store: the base's address or'ed with each outer stride's
// bytes (2 per bf16), 16-byte aligned or the direct stores.
// CHECK-LABEL: func.func @fwd_mma(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}
// CHECK:         %[[QS:.+]] = memref.cast %[[Q]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         gpu.launch_func @fwd_mma_kernel::@fwd_mma_kernel {{.*}} args(%{{.*}} : index, %{{.*}} : index, %[[QS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>,
// CHECK:         gpu.func @fwd_mma_kernel(%{{.*}}: index, %{{.*}}: index, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: index, %[[OK:.*]]: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>)
// CHECK:           nvgpu.device_async_copy {{.*}} : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>> to memref<
// CHECK:           %[[BASE:.+]] = memref.extract_aligned_pointer_as_index %[[OK]]
// CHECK:           %{{.*}}, %{{.*}}, %{{.*}}:4, %[[STRIDES:.+]]:4 = memref.extract_strided_metadata %[[OK]]
// CHECK:           %[[B0:.+]] = arith.muli %[[STRIDES]]#0, %c2
// CHECK:           %[[OR0:.+]] = arith.ori %[[BASE]], %[[B0]]
// CHECK:           %[[B1:.+]] = arith.muli %[[STRIDES]]#1, %c2
// CHECK:           %[[OR1:.+]] = arith.ori %[[OR0]], %[[B1]]
// CHECK:           %[[B2:.+]] = arith.muli %[[STRIDES]]#2, %c2
// CHECK:           %[[OR2:.+]] = arith.ori %[[OR1]], %[[B2]]
// CHECK:           arith.remui %[[OR2]], %c16
// CHECK:           vector.store {{.*}}, %[[OK]][{{.*}}] {alignment = 16 : i64} : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, vector<8xbf16>
func.func @fwd_mma(%q: tensor<2x4x256x64xbf16>, %k: tensor<2x4x256x64xbf16>, %v: tensor<2x4x256x64xbf16>, %o: tensor<2x4x256x64xbf16>) -> tensor<2x4x256x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>) outs(%o : tensor<2x4x256x64xbf16>) {scale = 0.125 : f32, schedule = #fa.schedule<kernel = mma_sync, epilogue = staged>} -> tensor<2x4x256x64xbf16>
  return %r : tensor<2x4x256x64xbf16>
}

// Eight casts (not the logsumexp); the preprocess reads dO and O through
// them, the main kernel K and V and stores dK and dV through tensor maps
// over the casts (the TMA-store epilogue on the wide q-block, auto's pick
// since D130; Q and dO come through tensor maps too), the conversion
// writes dQ.
// CHECK-LABEL: func.func @grad_d64(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[K:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[V:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[O:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[DO:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[LSE:[a-z0-9]+]]: memref<2x4x256xf32>, %[[DQ:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 8 : i64}, %[[DK:[a-z0-9]+]]: memref<2x4x256x64xbf16>, %[[DV:[a-z0-9]+]]: memref<2x4x256x64xbf16>)
// CHECK:         %[[QS:.+]] = memref.cast %[[Q]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[KS:.+]] = memref.cast %[[K]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[VS:.+]] = memref.cast %[[V]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[OS:.+]] = memref.cast %[[O]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DOS:.+]] = memref.cast %[[DO]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DQS:.+]] = memref.cast %[[DQ]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DKS:.+]] = memref.cast %[[DK]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DVS:.+]] = memref.cast %[[DV]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK-NOT:     memref.cast %[[LSE]]
// CHECK:         gpu.launch_func @grad_d64_kernel::@grad_d64_kernel {{.*}} args(%{{.*}} : index, %[[DOS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %[[OS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}} : memref<2x4x256xf32>,
// CHECK:         memref.cast %[[QS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         memref.cast %[[DOS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         memref.cast %[[DKS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         memref.cast %[[DVS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         gpu.launch_func @grad_d64_kernel_{{[0-9]+}}::@grad_d64_kernel {{.*}} args(%{{.*}} : index, %[[KS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %[[VS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>,
// CHECK:         gpu.launch_func @grad_d64_kernel_{{[0-9]+}}::@grad_d64_kernel {{.*}} args(%{{.*}} : index, %{{.*}} : memref<2x4x256x64xf32>, %[[DQS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>)
// CHECK:         gpu.func @grad_d64_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256xf32>,
// CHECK:         gpu.func @grad_d64_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>,
// CHECK:         gpu.func @grad_d64_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x64xf32>, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>)
// With the direct epilogue asked for (DIRECT), the main kernel stores dK
// and dV through the casts themselves.
// DIRECT-LABEL: func.func @grad_d64(
// DIRECT-SAME:    %[[Q:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[K:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[V:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[O:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[DO:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 16 : i64}, %[[LSE:[a-z0-9]+]]: memref<2x4x256xf32>, %[[DQ:[a-z0-9]+]]: memref<2x4x256x64xbf16> {fa.align = 8 : i64}, %[[DK:[a-z0-9]+]]: memref<2x4x256x64xbf16>, %[[DV:[a-z0-9]+]]: memref<2x4x256x64xbf16>)
// DIRECT:         %[[QS:.+]] = memref.cast %[[Q]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT:         %[[KS:.+]] = memref.cast %[[K]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT:         %[[VS:.+]] = memref.cast %[[V]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT:         %[[OS:.+]] = memref.cast %[[O]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT:         %[[DOS:.+]] = memref.cast %[[DO]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT:         %[[DQS:.+]] = memref.cast %[[DQ]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT:         %[[DKS:.+]] = memref.cast %[[DK]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT:         %[[DVS:.+]] = memref.cast %[[DV]] : memref<2x4x256x64xbf16> to memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT-NOT:     memref.cast %[[LSE]]
// DIRECT:         gpu.launch_func @grad_d64_kernel::@grad_d64_kernel {{.*}} args(%{{.*}} : index, %[[DOS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %[[OS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}} : memref<2x4x256xf32>,
// DIRECT:         memref.cast %[[QS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// DIRECT:         memref.cast %[[DOS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// DIRECT:         gpu.launch_func @grad_d64_kernel_{{[0-9]+}}::@grad_d64_kernel {{.*}} args(%{{.*}} : index, %[[KS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %[[VS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>,
// DIRECT-SAME:      %[[DKS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %[[DVS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>
// DIRECT:         gpu.launch_func @grad_d64_kernel_{{[0-9]+}}::@grad_d64_kernel {{.*}} args(%{{.*}} : index, %{{.*}} : memref<2x4x256x64xf32>, %[[DQS]] : memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>)
// DIRECT:         gpu.func @grad_d64_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256xf32>,
// DIRECT:         gpu.func @grad_d64_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>,
// DIRECT:         gpu.func @grad_d64_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x64xf32>, %{{.*}}: memref<2x4x256x64xbf16, strided<[?, ?, ?, 1]>>)
func.func @grad_d64(%q: tensor<2x4x256x64xbf16>, %k: tensor<2x4x256x64xbf16>, %v: tensor<2x4x256x64xbf16>, %o: tensor<2x4x256x64xbf16>, %do: tensor<2x4x256x64xbf16>, %lse: tensor<2x4x256xf32>, %dq: tensor<2x4x256x64xbf16>, %dk: tensor<2x4x256x64xbf16>, %dv: tensor<2x4x256x64xbf16>) -> (tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256xf32>) outs(%dq, %dk, %dv : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>) {causal, scale = 0.125 : f32} -> tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>, tensor<2x4x256x64xbf16>
}

// D = 128: the main kernel stores dK and dV through tensor maps over the
// casts (the TMA-store epilogue).
// CHECK-LABEL: func.func @grad_d128(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<2x4x256x128xbf16> {fa.align = 16 : i64}, %[[K:[a-z0-9]+]]: memref<2x4x256x128xbf16> {fa.align = 16 : i64}, %[[V:[a-z0-9]+]]: memref<2x4x256x128xbf16> {fa.align = 16 : i64}, %[[O:[a-z0-9]+]]: memref<2x4x256x128xbf16> {fa.align = 16 : i64}, %[[DO:[a-z0-9]+]]: memref<2x4x256x128xbf16> {fa.align = 16 : i64}, %[[LSE:[a-z0-9]+]]: memref<2x4x256xf32>, %[[DQ:[a-z0-9]+]]: memref<2x4x256x128xbf16> {fa.align = 8 : i64}, %[[DK:[a-z0-9]+]]: memref<2x4x256x128xbf16>, %[[DV:[a-z0-9]+]]: memref<2x4x256x128xbf16>)
// CHECK:         %[[QS:.+]] = memref.cast %[[Q]] : memref<2x4x256x128xbf16> to memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[KS:.+]] = memref.cast %[[K]] : memref<2x4x256x128xbf16> to memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[VS:.+]] = memref.cast %[[V]] : memref<2x4x256x128xbf16> to memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[OS:.+]] = memref.cast %[[O]] : memref<2x4x256x128xbf16> to memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DOS:.+]] = memref.cast %[[DO]] : memref<2x4x256x128xbf16> to memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DQS:.+]] = memref.cast %[[DQ]] : memref<2x4x256x128xbf16> to memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DKS:.+]] = memref.cast %[[DK]] : memref<2x4x256x128xbf16> to memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DVS:.+]] = memref.cast %[[DV]] : memref<2x4x256x128xbf16> to memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>
// CHECK-NOT:     memref.cast %[[LSE]]
// CHECK:         gpu.launch_func @grad_d128_kernel::@grad_d128_kernel {{.*}} args(%{{.*}} : index, %[[DOS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>, %[[OS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>, %{{.*}} : memref<2x4x256xf32>,
// CHECK:         memref.cast %[[QS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         memref.cast %[[DOS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         memref.cast %[[DKS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         memref.cast %[[DVS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>> to memref<*xbf16>
// CHECK:         gpu.launch_func @grad_d128_kernel_{{[0-9]+}}::@grad_d128_kernel {{.*}} args(%{{.*}} : index, %[[KS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>, %[[VS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>,
// CHECK:         gpu.launch_func @grad_d128_kernel_{{[0-9]+}}::@grad_d128_kernel {{.*}} args(%{{.*}} : index, %{{.*}} : memref<2x4x256x128xf32>, %[[DQS]] : memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>)
// CHECK:         gpu.func @grad_d128_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256xf32>,
// CHECK:         gpu.func @grad_d128_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>,
// CHECK:         gpu.func @grad_d128_kernel(%{{.*}}: index, %{{.*}}: memref<2x4x256x128xf32>, %{{.*}}: memref<2x4x256x128xbf16, strided<[?, ?, ?, 1]>>)
func.func @grad_d128(%q: tensor<2x4x256x128xbf16>, %k: tensor<2x4x256x128xbf16>, %v: tensor<2x4x256x128xbf16>, %o: tensor<2x4x256x128xbf16>, %do: tensor<2x4x256x128xbf16>, %lse: tensor<2x4x256xf32>, %dq: tensor<2x4x256x128xbf16>, %dk: tensor<2x4x256x128xbf16>, %dv: tensor<2x4x256x128xbf16>) -> (tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256xf32>) outs(%dq, %dk, %dv : tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>) {causal, scale = 0.125 : f32} -> tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>
}

// GQA (8 query heads on 2 K/V heads) takes the split group: dK and dV
// in f32 accumulators, zeroed before the main kernel and converted into
// the strided dK and dV after it.
// CHECK-LABEL: func.func @grad_gqa(
// CHECK:         memref.cast %{{.*}} : memref<2x2x256x64xbf16> to memref<2x2x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         memref.cast %{{.*}} : memref<2x2x256x64xbf16> to memref<2x2x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DKS:.+]] = memref.cast %{{.*}} : memref<2x2x256x64xbf16> to memref<2x2x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         %[[DVS:.+]] = memref.cast %{{.*}} : memref<2x2x256x64xbf16> to memref<2x2x256x64xbf16, strided<[?, ?, ?, 1]>>
// CHECK:         gpu.launch_func @grad_gqa_kernel_{{[0-9]+}}::@grad_gqa_kernel {{.*}} args(%{{.*}} : index, %[[DKACC:.+]] : memref<2x2x256x64xf32>, %[[DVACC:.+]] : memref<2x2x256x64xf32>)
// CHECK:         gpu.launch_func @grad_gqa_kernel_{{[0-9]+}}::@grad_gqa_kernel {{.*}} args(%{{.*}} : index, %[[DKACC]] : memref<2x2x256x64xf32>, %[[DKS]] : memref<2x2x256x64xbf16, strided<[?, ?, ?, 1]>>, %[[DVACC]] : memref<2x2x256x64xf32>, %[[DVS]] : memref<2x2x256x64xbf16, strided<[?, ?, ?, 1]>>)
// CHECK:         gpu.func @grad_gqa_kernel(%{{.*}}: index, %{{.*}}: memref<2x2x256x64xf32>, %{{.*}}: memref<2x2x256x64xbf16, strided<[?, ?, ?, 1]>>, %{{.*}}: memref<2x2x256x64xf32>, %{{.*}}: memref<2x2x256x64xbf16, strided<[?, ?, ?, 1]>>)
func.func @grad_gqa(%q: tensor<2x8x256x64xbf16>, %k: tensor<2x2x256x64xbf16>, %v: tensor<2x2x256x64xbf16>, %o: tensor<2x8x256x64xbf16>, %do: tensor<2x8x256x64xbf16>, %lse: tensor<2x8x256xf32>, %dq: tensor<2x8x256x64xbf16>, %dk: tensor<2x2x256x64xbf16>, %dv: tensor<2x2x256x64xbf16>) -> (tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x8x256x64xbf16>, tensor<2x8x256x64xbf16>, tensor<2x8x256xf32>) outs(%dq, %dk, %dv : tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>) {causal, scale = 0.125 : f32} -> tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x8x256x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x64xbf16>
}
