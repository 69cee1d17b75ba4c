// Bad option values are errors that say what is wrong (issue 27, item 10).
// RUN: not fa-opt %s --fa-to-ptx-pipeline="target=h100 opt-level=4" 2>&1 | FileCheck %s --check-prefix=OPT
// RUN: not fa-opt %s --fa-to-ptx-pipeline="target=h100 sram-per-block=99999999999999999999" 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not fa-opt %s --fa-set-target="target=h100 sram-per-block=99999999999999999999" 2>&1 | FileCheck %s --check-prefix=PASS

// The level was missing ("got ").
// OPT: error: optimization level must be in [0, 3], got 4

// The option parser says why; no empty `error:` line follows.
// HUGE: for the --sram-per-block option: '99999999999999999999' value invalid for long argument!
// HUGE-NOT: error: {{$}}
// PASS: for the --sram-per-block option: '99999999999999999999' value invalid for long argument!
// PASS-NEXT: error: invalid fa-set-target options 'target=h100 sram-per-block=99999999999999999999' (the option parser's message is above)

func.func @attention(%q: tensor<1x2x16x16xf32>, %o: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
       outs(%o : tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
  return %r : tensor<1x2x16x16xf32>
}
