//===- fa-opt.cpp - flashattn-mlir optimizer driver -----------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Conversion/Passes.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "FlashAttn/Dialect/FA/Transforms/Passes.h"
#include "FlashAttn/Pipelines/Pipelines.h"
#include "FlashAttn/Transforms/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/TransformOps/DialectExtension.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::fa::FADialect, mlir::affine::AffineDialect,
                  mlir::arith::ArithDialect,
                  mlir::bufferization::BufferizationDialect,
                  mlir::cf::ControlFlowDialect, mlir::func::FuncDialect,
                  mlir::gpu::GPUDialect, mlir::linalg::LinalgDialect,
                  mlir::LLVM::LLVMDialect, mlir::math::MathDialect,
                  mlir::memref::MemRefDialect, mlir::nvgpu::NVGPUDialect,
                  mlir::NVVM::NVVMDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect, mlir::vector::VectorDialect>();
  mlir::fa::registerFAGPUDialectExtensions(registry);
  // fa.attention's TilingInterface and AggregatedOpInterface, driven by the
  // transform dialect's linalg ops (`-transform-interpreter`).
  mlir::fa::registerAttentionInterfaceExternalModels(registry);
  registry.insert<mlir::transform::TransformDialect>();
  mlir::linalg::registerTransformDialectExtension(registry);
  // linalg's own TilingInterface, so that a consumer of fa.attention is
  // tiled and the attention fused into its loops.
  mlir::linalg::registerTilingInterfaceExternalModels(registry);

  mlir::fa::registerFAPasses();
  mlir::fa::registerFAConversionPasses();
  mlir::fa::registerFlashAttnTransformsPasses();
  mlir::fa::registerFAGPUPasses();
  mlir::fa::registerFAPipelines();
  mlir::registerTransformsPasses();
  mlir::transform::registerTransformPasses();
  mlir::registerLinalgPasses();
  mlir::bufferization::registerBufferizationPasses();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "flashattn-mlir optimizer driver\n", registry));
}
