// #fa.schedule's own checks: keywords, decided values, the kernel.
// RUN: fa-opt %s -split-input-file -verify-diagnostics

func.func @negative_unknown_release() attributes {
  // expected-error @below {{unknown #fa.schedule release 'sometimes'}}
  // expected-error @below {{failed to parse FA_ScheduleAttr parameter 'release'}}
  test.attr = #fa.schedule<kernel = wgmma, release = sometimes>} {
  return
}

// -----

func.func @negative_auto() attributes {
  // expected-error @below {{#fa.schedule holds decided values, not 'auto'}}
  test.attr = #fa.schedule<kernel = wgmma, step = auto>} {
  return
}

// -----

func.func @negative_prediction_kernel() attributes {
  // expected-error @below {{#fa.schedule kernel must be simt, mma_sync or wgmma, got tensor_core}}
  test.attr = #fa.schedule<kernel = tensor_core>} {
  return
}

// -----

func.func @negative_flag() attributes {
  // expected-error @below {{expected 'true' or 'false' in #fa.schedule, got 'yes'}}
  // expected-error @below {{failed to parse FA_ScheduleAttr parameter 'pingpong'}}
  test.attr = #fa.schedule<kernel = wgmma, pingpong = yes>} {
  return
}

// -----

func.func @negative_missing_kernel() attributes {
  // expected-error @below {{struct is missing required parameter: kernel}}
  test.attr = #fa.schedule<loads = tma>} {
  return
}

// -----

func.func @negative_old_kernel_attribute(%q: tensor<1x2x64x64xbf16>, %o: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @below {{unknown fa dialect attribute 'fa.kernel'}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>)
       outs(%o : tensor<1x2x64x64xbf16>) {fa.kernel = "mma-sync"} -> tensor<1x2x64x64xbf16>
  return %r : tensor<1x2x64x64xbf16>
}

// -----

func.func @negative_walk_auto() attributes {
  // expected-error @below {{#fa.schedule holds a decided walk, not 'auto'}}
  test.attr = #fa.schedule<kernel = wgmma, loads = tma, walk = auto>} {
  return
}

// -----

func.func @negative_unknown_walk() attributes {
  // expected-error @below {{unknown #fa.schedule walk 'sparse'}}
  // expected-error @below {{failed to parse FA_ScheduleAttr parameter 'walk'}}
  test.attr = #fa.schedule<kernel = wgmma, walk = sparse>} {
  return
}

// -----

// The forward's compacted walk is the tensor-core kernels' (D100).
func.func @negative_walk_simt() attributes {
  // expected-error @below {{invalid #fa.schedule: walk = compacted is the tensor-core kernels' (mma_sync, wgmma), not simt}}
  test.attr = #fa.schedule<kernel = simt, walk = compacted>} {
  return
}
