// RUN: fa-opt %s --fa-attach-nvvm-target="features=+ptx94" --verify-diagnostics

// The option's features are checked as a gpu.module's own are: a feature
// the NVPTX back end does not know is ignored there with a warning, and the
// chip's lowest PTX ISA can then not select an op the kernel uses (the long
// fuzzing run's abort, session 23; attach-nvvm-target-written-targets.mlir).
// expected-error @below {{features: '+ptx94' is not a feature the NVPTX back end knows (PTX ISAs +ptx}}
module @negative_unknown_ptx attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
  }
}
