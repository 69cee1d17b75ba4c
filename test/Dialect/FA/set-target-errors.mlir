// RUN: not fa-opt %s --fa-set-target=target=mi300 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not fa-opt %s --fa-set-target=sram-per-block=1024 2>&1 | FileCheck %s --check-prefix=NOBASE
// RUN: not fa-opt %s --fa-set-target="target=h100 sm-count=-3" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not fa-opt %s --fa-set-target="target=h100 max-regs-per-thread=300" 2>&1 | FileCheck %s --check-prefix=REGS
// RUN: not fa-opt %s --fa-set-target="target=h100 arch=sm_81" 2>&1 | FileCheck %s --check-prefix=ARCH

// UNKNOWN: error: unknown target 'mi300'; known targets: t4, a100, a10, rtx3090, l4, rtx4090, h100, h200, b200, rtx5090 (or an architecture such as sm_80)
// NOBASE: error: fa-set-target needs a 'target' option when the module has no fa.target yet
// BAD: error: invalid target after overrides: sm_count must be positive
// REGS: error: invalid target after overrides: max_regs_per_thread must be in [1, 255]
// ARCH: error: invalid target after overrides: arch 'sm_81' is not an NVIDIA SM architecture of sm_70 or later that the NVPTX back end knows
module {
}
