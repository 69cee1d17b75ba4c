// Crashes Debian's mlir-opt 22.1 (null attribute from DenseI64ArrayAttr::parse
// stored by linalg.transpose's parser); fa-fuzz must skip it.
func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %0 = linalg.transpose ins(%a : tensor<2x3xf32>) outs(%b : tensor<3x2xf32>) permutation = [1 x
  return %0 : tensor<3x2xf32>
}
