// fa-compile finds ptxas with the pipeline's toolkit search
// (FlashAttn/Target/CUDAToolkit.h): a toolkit named by the `toolkit` option
// is used whole (its libdevice and its ptxas); a ptxas asked for with
// --ptxas must exist; without one found, the PTX is written alone and the
// message says where fa-compile looked. The toolkits here are fakes: an
// empty libdevice and a script for ptxas (Inputs/fake-ptxas.sh).
//
// RUN: rm -rf %t && mkdir -p %t/cuda/bin %t/cuda/nvvm/libdevice %t/bare/nvvm/libdevice
// RUN: llvm-as < /dev/null -o %t/cuda/nvvm/libdevice/libdevice.10.bc
// RUN: cp %t/cuda/nvvm/libdevice/libdevice.10.bc %t/bare/nvvm/libdevice/
// RUN: cp %S/Inputs/fake-ptxas.sh %t/cuda/bin/ptxas
//
// RUN: fa-compile %s -o %t/fake --pipeline-options="target=h100 toolkit=%t/cuda" 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// RUN: FileCheck %s --check-prefix=FAKE < %t/fake.ptxas.log
// RUN: FileCheck %s --check-prefix=CUBIN < %t/fake.cubin
// QUIET-NOT: fa-compile:
// FAKE: fake ptxas of the test toolkit
// CUBIN: fake cubin
//
// RUN: fa-compile %s -o %t/bare --pipeline-options="target=h100 toolkit=%t/bare" 2>&1 | FileCheck %s --check-prefix=BARE -DT=%t
// RUN: test -f %t/bare.ptx && test -f %t/bare.json && not test -e %t/bare.cubin
// BARE: fa-compile: warning: no ptxas in the CUDA toolkit '[[T]]/bare' ([[T]]/bare/bin/ptxas is not an executable file); writing no cubin (--ptxas=none skips ptxas)
//
// RUN: not fa-compile %s -o %t/option --pipeline-options=target=h100 --ptxas=%t/bare/bin/ptxas 2>&1 | FileCheck %s --check-prefix=OPTION -DT=%t
// OPTION: fa-compile: error: ptxas '[[T]]/bare/bin/ptxas' is not an executable file
//
// RUN: fa-compile %s -o %t/none --pipeline-options="target=h100 toolkit=%t/bare" --ptxas=none 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty

module {
  func.func @copy(%m: memref<128xf32>) {
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
      %x = memref.load %m[%tx] : memref<128xf32>
      memref.store %x, %m[%tx] : memref<128xf32>
      gpu.terminator
    }
    return
  }
}
