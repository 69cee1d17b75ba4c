// Not valid: the output's head dimension differs from the value's.
func.func @attention(%q: tensor<1x2x128x64xf16>, %o: tensor<1x2x128x32xf16>) -> tensor<1x2x128x32xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>)
       outs(%o : tensor<1x2x128x32xf16>) -> tensor<1x2x128x32xf16>
  return %r : tensor<1x2x128x32xf16>
}
