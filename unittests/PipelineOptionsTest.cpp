//===- PipelineOptionsTest.cpp - fa-to-ptx-pipeline's options described ---===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// describePipelineOptions, what the C API and Python check option values
// with: every option of fa-to-ptx-pipeline, with the enum values its parser
// accepts, against the pipeline's own --help text and its parser.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Pipelines/Pipelines.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::fa;

namespace {
SmallVector<PipelineOptionInfo> describe() {
  FailureOr<SmallVector<PipelineOptionInfo>> options =
      describePipelineOptions("fa-to-ptx-pipeline");
  EXPECT_TRUE(succeeded(options));
  return succeeded(options) ? *options : SmallVector<PipelineOptionInfo>();
}

const PipelineOptionInfo *lookup(ArrayRef<PipelineOptionInfo> options,
                                 StringRef name) {
  const auto *it = llvm::find_if(
      options, [&](const PipelineOptionInfo &o) { return o.name == name; });
  return it == options.end() ? nullptr : it;
}

/// The options and enum values that --help lists for the pipeline
/// (`--name=<value>` lines, each followed by its `=value` lines), as
/// `name` and `name=value`.
std::vector<std::string> helpEntries() {
  testing::internal::CaptureStdout();
  FAToPTXPipelineOptions().printHelp(2, 40);
  llvm::outs().flush();
  std::string help = testing::internal::GetCapturedStdout();
  std::vector<std::string> entries;
  std::string option;
  SmallVector<StringRef> lines;
  StringRef(help).split(lines, '\n');
  for (StringRef line : lines) {
    line = line.ltrim();
    if (line.consume_front("--")) {
      option =
          line.take_until([](char c) { return c == '=' || c == ' '; }).str();
      entries.push_back(option);
    } else if (line.consume_front("=")) {
      entries.push_back(option + "=" +
                        line.take_until([](char c) { return c == ' '; }).str());
    }
  }
  llvm::sort(entries);
  return entries;
}

TEST(PipelineOptionsTest, EveryOptionOfTheHelp) {
  std::vector<std::string> described;
  for (const PipelineOptionInfo &o : describe()) {
    described.push_back(o.name);
    for (const auto &[value, description] : o.values)
      described.push_back(o.name + "=" + value);
  }
  llvm::sort(described);
  std::vector<std::string> help = helpEntries();
  ASSERT_GT(help.size(), 20u);
  EXPECT_EQ(described, help);
}

TEST(PipelineOptionsTest, TypesDefaultsAndValues) {
  SmallVector<PipelineOptionInfo> options = describe();
  ASSERT_FALSE(options.empty());
  EXPECT_EQ(options.front().name, "target");
  const PipelineOptionInfo *release = lookup(options, "wgmma-release");
  ASSERT_TRUE(release);
  EXPECT_EQ(release->type, "enum");
  EXPECT_EQ(release->defaultValue, "auto");
  std::vector<std::string> values;
  for (const auto &[value, description] : release->values) {
    values.push_back(value);
    EXPECT_FALSE(description.empty());
  }
  EXPECT_EQ(values, (std::vector<std::string>{"auto", "barrier", "mbarrier",
                                              "producer"}));
  const PipelineOptionInfo *target = lookup(options, "target");
  EXPECT_EQ(target->type, "string");
  // No default target: the module's #fa.target, else an error (issue 27).
  EXPECT_EQ(target->defaultValue, "");
  const PipelineOptionInfo *format = lookup(options, "format");
  ASSERT_TRUE(format);
  EXPECT_EQ(format->type, "enum");
  EXPECT_EQ(format->defaultValue, "isa");
  EXPECT_EQ(format->values.size(), 3u);
  EXPECT_TRUE(target->values.empty());
  EXPECT_EQ(lookup(options, "sram-per-block")->type, "int");
  EXPECT_EQ(lookup(options, "sram-per-block")->defaultValue, "0");
  EXPECT_EQ(lookup(options, "opt-level")->type, "uint");
  EXPECT_EQ(lookup(options, "opt-level")->defaultValue, "3");
  EXPECT_EQ(lookup(options, "naive")->type, "bool");
  EXPECT_EQ(lookup(options, "naive")->defaultValue, "false");
  EXPECT_EQ(lookup(options, "kernel")->defaultValue, "auto");
  // On by default: off, the wgmma kernels' tiles alias their mbarriers
  // (docs/decisions.md, D91 and D93).
  EXPECT_EQ(lookup(options, "extern-dynamic-smem")->type, "bool");
  EXPECT_EQ(lookup(options, "extern-dynamic-smem")->defaultValue, "true");
  // Off by default: the kernels read dense tensors (issue 23).
  ASSERT_TRUE(lookup(options, "caller-strides"));
  EXPECT_EQ(lookup(options, "caller-strides")->type, "bool");
  EXPECT_EQ(lookup(options, "caller-strides")->defaultValue, "false");
}

/// Every value described is one the pipeline's parser takes, and a value
/// not described is one it refuses.
TEST(PipelineOptionsTest, ValuesParse) {
  for (const PipelineOptionInfo &o : describe()) {
    for (const auto &[value, description] : o.values)
      EXPECT_TRUE(
          FAToPTXPipelineOptions::createFromString(o.name + "=" + value))
          << o.name << "=" << value;
    if (!o.values.empty())
      EXPECT_FALSE(FAToPTXPipelineOptions::createFromString(o.name + "=bogus"))
          << o.name;
  }
}

TEST(PipelineOptionsTest, OtherPipelines) {
  EXPECT_TRUE(failed(describePipelineOptions("gpu-lower-to-nvvm-pipeline")));
}
} // namespace
