# Warnings applied to every stacksim target (not to third-party headers, which are SYSTEM includes).
add_library(stacksim_warnings INTERFACE)
target_compile_options(stacksim_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local)
if(STACKSIM_WERROR)
  target_compile_options(stacksim_warnings INTERFACE -Werror)
endif()
