#!/bin/sh
# A stand-in for ptxas (test/Target/fa-compile-ptxas-search.mlir): writes a
# marker to the file after -o and a `ptxas -v`-like line to its output.
out=
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then out=$2; fi
  shift
done
echo "fake cubin" > "$out"
echo "ptxas info    : fake ptxas of the test toolkit"
