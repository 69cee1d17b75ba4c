// The manifest describes static launches only; anything else is an error
// that names the problem.
// RUN: not fa-compile %s -o %t/dyn --pipeline-options="target=h100 naive" --ptxas=none --function=negative_dynamic 2>&1 | FileCheck %s --check-prefix=DYN
// RUN: not fa-compile %s -o %t/res --pipeline-options="target=h100 naive" --ptxas=none --function=negative_new_result 2>&1 | FileCheck %s --check-prefix=RES
// RUN: not fa-compile %s -o %t/fmt --pipeline-options="target=h100 naive format=bin" 2>&1 | FileCheck %s --check-prefix=FMT
// RUN: not fa-compile %s -o %t/opt --pipeline-options="target=h100 format=bogus" 2>&1 | FileCheck %s --check-prefix=OPTS
// RUN: not fa-compile %s -o %t/stop --pipeline-options="target=h100 naive stop-after=gpu" 2>&1 | FileCheck %s --check-prefix=STOP

// DYN: error: manifest needs statically shaped memrefs with the identity layout, got 'memref<?x2x16x8xf32>'
func.func @negative_dynamic(%q: tensor<?x2x16x8xf32>, %k: tensor<?x2x16x8xf32>,
                            %v: tensor<?x2x16x8xf32>, %o: tensor<?x2x16x8xf32>)
    -> tensor<?x2x16x8xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<?x2x16x8xf32>, tensor<?x2x16x8xf32>,
                        tensor<?x2x16x8xf32>)
       outs(%o : tensor<?x2x16x8xf32>) -> tensor<?x2x16x8xf32>
  return %r : tensor<?x2x16x8xf32>
}

// RES: error: manifest needs every result to be one of the function's arguments
func.func @negative_new_result(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
                               %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %init = tensor.empty() : tensor<1x2x16x8xf32>
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
                        tensor<1x2x16x8xf32>)
       outs(%init : tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %r : tensor<1x2x16x8xf32>
}

// fa-compile's own errors carry `error:` like MLIR's (issue 27, item 10).
// OPTS: for the --format option: Cannot find option named 'bogus'!
// OPTS: fa-compile: error: bad --pipeline-options
// FMT: fa-compile: error: writes PTX (format=isa) and assembles it with ptxas itself; drop the format option
// STOP: fa-compile: error: writes the compiled kernel; drop the stop-after option (fa-opt's --fa-to-ptx-pipeline prints the IR at a stage)
