//===- CUDAToolkitTest.cpp - Finding the CUDA toolkit and ptxas -----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// findCUDAToolkit and findPtxas against a fake toolkit in a temporary
// directory (bin/ptxas, an executable file), with $PATH and the toolkit
// variables set per test: the order of the search, and the messages when
// nothing is found.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Target/CUDAToolkit.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <optional>
#include <string>

using namespace mlir::fa;

namespace {
/// Sets $PATH and the toolkit variables for one test and restores them;
/// makes a scratch directory with an empty `empty/` and a fake toolkit
/// `cuda/bin/ptxas`.
class CUDAToolkitTest : public ::testing::Test {
protected:
  void SetUp() override {
    for (const char *var : {"PATH", "CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"}) {
      const char *value = std::getenv(var);
      saved.push_back(
          {var, value ? std::optional<std::string>(value) : std::nullopt});
      ::unsetenv(var);
    }
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("fa-cuda-toolkit", root));
    empty = path("empty");
    toolkit = path("cuda");
    ptxas = path("cuda/bin/ptxas");
    ASSERT_FALSE(llvm::sys::fs::create_directories(empty));
    ASSERT_FALSE(llvm::sys::fs::create_directories(path("cuda/bin")));
    std::error_code ec;
    llvm::raw_fd_ostream(ptxas, ec) << "#!/bin/sh\n";
    ASSERT_FALSE(ec);
    ASSERT_FALSE(
        llvm::sys::fs::setPermissions(ptxas, llvm::sys::fs::perms(0755)));
    ::setenv("PATH", empty.c_str(), 1);
  }

  void TearDown() override {
    for (auto &[var, value] : saved) {
      if (value)
        ::setenv(var.c_str(), value->c_str(), 1);
      else
        ::unsetenv(var.c_str());
    }
    llvm::sys::fs::remove_directories(root);
  }

  std::string path(llvm::StringRef relative) const {
    llvm::SmallString<128> p(root);
    llvm::sys::path::append(p, relative);
    return std::string(p);
  }

  /// findPtxas's result, or its error message after "error: ".
  static std::string find(llvm::StringRef option, llvm::StringRef toolkit) {
    llvm::Expected<std::string> found = findPtxas(option, toolkit);
    if (found)
      return *found;
    return "error: " + llvm::toString(found.takeError());
  }

  llvm::SmallString<128> root;
  std::string empty, toolkit, ptxas;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
};

TEST_F(CUDAToolkitTest, ToolkitOrder) {
  EXPECT_EQ(findCUDAToolkit("/opt/cuda").path, "/opt/cuda");
  EXPECT_EQ(findCUDAToolkit("/opt/cuda").origin, "the toolkit option");
  ::setenv("CUDA_PATH", "/c", 1);
  ::setenv("CUDA_HOME", "/b", 1);
  EXPECT_EQ(findCUDAToolkit().path, "/b");
  EXPECT_EQ(findCUDAToolkit().origin, "$CUDA_HOME");
  ::setenv("CUDA_ROOT", "/a", 1);
  EXPECT_EQ(findCUDAToolkit().path, "/a");
  // Set but empty is unset.
  ::setenv("CUDA_ROOT", "", 1);
  EXPECT_EQ(findCUDAToolkit().path, "/b");
  EXPECT_EQ(findCUDAToolkit("/opt/cuda").path, "/opt/cuda");
}

TEST_F(CUDAToolkitTest, ToolkitDefault) {
  CUDAToolkit found = findCUDAToolkit();
  if (llvm::sys::fs::is_directory(kDefaultCUDAToolkit)) {
    EXPECT_EQ(found.path, kDefaultCUDAToolkit);
    EXPECT_EQ(found.origin, "the default");
  } else {
    EXPECT_EQ(found.path, "");
  }
}

TEST_F(CUDAToolkitTest, PtxasOption) {
  EXPECT_EQ(find(ptxas, ""), ptxas);
  // The option wins over a toolkit and $PATH.
  ::setenv("PATH", path("cuda/bin").c_str(), 1);
  EXPECT_EQ(find(ptxas, "/elsewhere"), ptxas);
  EXPECT_EQ(find(path("nope/ptxas"), ""), "error: ptxas '" +
                                              path("nope/ptxas") +
                                              "' is not an executable file");
  // A directory is not ptxas.
  EXPECT_EQ(find(toolkit, ""),
            "error: ptxas '" + toolkit + "' is not an executable file");
}

TEST_F(CUDAToolkitTest, PtxasFromExplicitToolkit) {
  EXPECT_EQ(find("", toolkit), ptxas);
  // A toolkit named explicitly is used whole: not $PATH's ptxas.
  ::setenv("PATH", path("cuda/bin").c_str(), 1);
  EXPECT_EQ(find("", empty), "error: no ptxas in the CUDA toolkit '" + empty +
                                 "' (" + path("empty/bin/ptxas") +
                                 " is not an executable file)");
}

TEST_F(CUDAToolkitTest, PtxasOnPathBeforeEnvironment) {
  ::setenv("CUDA_HOME", empty.c_str(), 1);
  ::setenv("PATH", (empty + ":" + path("cuda/bin")).c_str(), 1);
  EXPECT_EQ(find("", ""), ptxas);
}

TEST_F(CUDAToolkitTest, PtxasFromEnvironmentToolkit) {
  ::setenv("CUDA_PATH", toolkit.c_str(), 1);
  EXPECT_EQ(find("", ""), ptxas);
}

TEST_F(CUDAToolkitTest, PtxasNotFound) {
  ::setenv("CUDA_HOME", empty.c_str(), 1);
  EXPECT_EQ(find("", ""),
            "error: ptxas not found: not on $PATH, and not in the CUDA "
            "toolkit of $CUDA_HOME (" +
                path("empty/bin/ptxas") + " is not an executable file)");
  ::unsetenv("CUDA_HOME");
  if (!llvm::sys::fs::is_directory(kDefaultCUDAToolkit))
    EXPECT_EQ(find("", ""),
              "error: ptxas not found: not on $PATH, and no CUDA toolkit "
              "($CUDA_ROOT, $CUDA_HOME and $CUDA_PATH unset, no "
              "/usr/local/cuda)");
}
} // namespace
