//===- SanitizerPrelude.h - Force-included in sanitizer builds --*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// FA_ENABLE_SANITIZERS compiles every file with `-include` of this header.
// Debian's LLVM/MLIR libraries are not instrumented, but LLVM's allocator
// headers (BumpPtrAllocator, Recycler, ArrayRecycler) poison and unpoison
// memory when they see an ASan build. Their inline code compiled into our
// instrumented objects then poisons slabs that the uninstrumented library
// code hands out without unpoisoning, and ASan reports use-after-poison in
// MLIR's own dialect registration. Turning the manual poisoning into no-ops
// makes both copies agree; ASan still checks every access our code makes.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_CMAKE_SANITIZERPRELUDE_H
#define FLASHATTN_CMAKE_SANITIZERPRELUDE_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#undef ASAN_POISON_MEMORY_REGION
#undef ASAN_UNPOISON_MEMORY_REGION
#define __asan_poison_memory_region(addr, size) ((void)(addr), (void)(size))
#define __asan_unpoison_memory_region(addr, size) ((void)(addr), (void)(size))
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif
#endif

#endif // FLASHATTN_CMAKE_SANITIZERPRELUDE_H
