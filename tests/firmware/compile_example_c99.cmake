# ABI stability: the example firmware compiles as plain C99 with -Wall -Wextra -Werror -pedantic
# against stacksim_fw.h alone as `cmake --install --component fw_sdk` puts it (nothing else of
# stacksim on the include path), and links into a shared library exporting
# stacksim_fw_entry. Run by CTest (example_fw_c99_against_the_installed_header_only):
#   cmake -DCC=<C compiler> -DBUILD_DIR=<build> -DSOURCES=<dir> -DWORK=<dir> -P this-file
file(REMOVE_RECURSE "${WORK}")
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --component fw_sdk --prefix ${WORK}/prefix
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install of component fw_sdk failed (${rc})")
endif()
set(include_dir "${WORK}/prefix/include/stacksim")
if(NOT EXISTS "${include_dir}/stacksim_fw.h")
  message(FATAL_ERROR "the installed SDK has no include/stacksim/stacksim_fw.h")
endif()
file(GLOB sources "${SOURCES}/*.c")
set(objects)
foreach(src IN LISTS sources)
  get_filename_component(stem "${src}" NAME_WE)
  execute_process(
    COMMAND "${CC}" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -fPIC -fvisibility=hidden
            -I "${include_dir}" -c "${src}" -o "${WORK}/${stem}.o"
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${src} does not compile as C99 against the installed header:\n${err}")
  endif()
  list(APPEND objects "${WORK}/${stem}.o")
endforeach()
execute_process(COMMAND "${CC}" -shared -o "${WORK}/libexample_fw.so" ${objects} -lm RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "link failed:\n${err}")
endif()
execute_process(COMMAND nm -D --defined-only "${WORK}/libexample_fw.so" OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT syms MATCHES "T stacksim_fw_entry")
  message(FATAL_ERROR "libexample_fw.so does not export stacksim_fw_entry:\n${syms}")
endif()
string(REGEX MATCHALL " T [A-Za-z_0-9]+" exported "${syms}")
list(LENGTH exported n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "the firmware should export only stacksim_fw_entry, exports:${exported}")
endif()
message(STATUS "example firmware: ${sources} compiled as C99 against ${include_dir}/stacksim_fw.h")
