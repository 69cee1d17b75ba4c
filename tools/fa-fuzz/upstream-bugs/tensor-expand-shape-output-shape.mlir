// Upstream MLIR bug (LLVM/MLIR 22.1; Debian's mlir-opt fails the same way):
// a tensor.expand_shape whose static output_shape ([3, 2]) disagrees with its
// result type (2x3) verifies, and one-shot bufferization turns it into a
// memref.expand_shape that does not ("invalid output shape provided at pos
// 0"):
//   mlir-opt this.mlir --one-shot-bufferize=bufferize-function-boundaries
// fa-fuzz skips such inputs (hitsUpstreamExpandShapeBug); scripts/fuzz.sh
// runs this file first to show that it does.
func.func @f(%a: tensor<6xf32>) -> tensor<2x3xf32> {
  %e = tensor.expand_shape %a [[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<2x3xf32>
  return %e : tensor<2x3xf32>
}
