#===- FlashAttnDylib.cmake - Libraries that link libMLIR.so ---------------===#
#
# The project's libraries are static and link the static MLIR libraries, which
# is what fa-opt and C++ embedders want. A shared object that is loaded into a
# process that already has libMLIR.so (Debian's mlir-opt, Python through the
# C API) must instead link libMLIR.so, or the process ends up with two copies
# of MLIR's registries. add_mlir_library also builds every library as an
# object library, obj.<name>; such a shared object is made of those objects
# and links only the MLIR and LLVM shared libraries.
#
#===-----------------------------------------------------------------------===#

include_guard(GLOBAL)

# fa_add_mlir_dylib_objects(<target> [EXCLUDE <regex>])
#
# Adds the objects of every FlashAttn* library (those not matching EXCLUDE)
# to <target>, a SHARED or MODULE library, and links it to libMLIR.so and
# libLLVM.so. The libraries are collected at the end of the top-level
# CMakeLists.txt, so a library declared later (a new pass library, a
# conversion) is picked up without editing this or the caller.
function(fa_add_mlir_dylib_objects target)
  cmake_parse_arguments(ARG "" "EXCLUDE" "" ${ARGN})
  target_link_libraries(${target} PRIVATE MLIR LLVM)
  # Every symbol must resolve in the objects or the two shared libraries: an
  # undefined one would only show up when a host dlopen()s the library.
  # Sanitizer builds leave the sanitizer runtime to the host
  # (docs/Reliability.md).
  if(NOT FA_ENABLE_SANITIZERS)
    target_link_options(${target} PRIVATE LINKER:-z,defs)
  endif()
  # A deferred call evaluates its arguments when it runs: bake them in now.
  cmake_language(EVAL CODE "
    cmake_language(DEFER DIRECTORY [[${PROJECT_SOURCE_DIR}]]
      CALL _fa_add_mlir_dylib_objects [[${target}]] [[${ARG_EXCLUDE}]])")
endfunction()

function(_fa_add_mlir_dylib_objects target)
  get_property(libs GLOBAL PROPERTY MLIR_ALL_LIBS)
  list(FILTER libs INCLUDE REGEX "^FlashAttn")
  foreach(exclude IN LISTS ARGN)
    if(exclude)
      list(FILTER libs EXCLUDE REGEX "${exclude}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES libs)
  foreach(lib IN LISTS libs)
    if(NOT TARGET obj.${lib})
      message(FATAL_ERROR "${target}: ${lib} has no object library obj.${lib}")
    endif()
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:obj.${lib}>)
  endforeach()
  set_property(TARGET ${target} PROPERTY FA_BUNDLED_LIBRARIES ${libs})
endfunction()
