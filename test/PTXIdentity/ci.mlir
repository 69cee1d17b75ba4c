// The PTX identity check on CI's subset (scripts/ptx-identity.py): the
// kernels of the wgmma, mma-sync and a100 matrices (and the forced wgmma
// variants) at N <= 1000 must compile to the PTX and manifests stored in
// baseline.txt. A change that moves a kernel updates the baseline
// (scripts/ptx-identity.py --update) and says why in its commit.
// The sanitizer build's fa-compile is instrumented and many times slower;
// the plain build checks the same code.
// UNSUPPORTED: sanitizers
// RUN: %python %fa_src_root/scripts/ptx-identity.py --subset ci --tools %fa_tools_dir | FileCheck %s
// CHECK: ptx-identity: [[N:[0-9]+]] of [[N]] kernels identical
