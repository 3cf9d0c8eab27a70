# Warnings applied to every stacksim target (not to third-party headers, which are SYSTEM includes).
add_library(stacksim_warnings INTERFACE)
target_compile_options(stacksim_warnings INTERFACE -Wall -Wextra -Wpedantic
  # GCC: shadowed locals; clang (the fuzz build) spells it differently.
  $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> $<$<CXX_COMPILER_ID:Clang>:-Wshadow-uncaptured-local>)
if(STACKSIM_WERROR)
  target_compile_options(stacksim_warnings INTERFACE -Werror)
endif()
