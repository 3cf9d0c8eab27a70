# Installs the firmware SDK (cmake --install BUILD_DIR --component fw_sdk) into WORK_DIR/prefix
# and compiles each of SOURCES as a shared library, plain C99, every warning an error, with the
# installed include directory as the only stacksim path. Fails on any step.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --component fw_sdk --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install of component fw_sdk failed (${rc})")
endif()
if(NOT EXISTS ${WORK_DIR}/prefix/include/stacksim/stacksim_fw.h)
  message(FATAL_ERROR "the installed SDK has no include/stacksim/stacksim_fw.h")
endif()
foreach(src ${SOURCES})
  get_filename_component(stem ${src} NAME_WE)
  # The source is copied away from the tree, so no neighbouring header can be picked up.
  file(COPY ${src} DESTINATION ${WORK_DIR}/src)
  get_filename_component(fname ${src} NAME)
  execute_process(COMMAND ${CC} -std=c99 -Wall -Wextra -Werror -pedantic -fPIC -shared
                          -I${WORK_DIR}/prefix/include/stacksim ${WORK_DIR}/src/${fname} -o ${WORK_DIR}/${stem}.so
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${fname} does not build as C99 against the installed header:\n${out}${err}")
  endif()
  message(STATUS "${fname}: builds as C99 -Wall -Wextra -Werror -pedantic against the installed stacksim_fw.h")
endforeach()
