# Builds the scratch targets of tests/layering/ and checks each fails (or, for the control,
# succeeds) for the right reason: an include that points the wrong way is a compile error.
# Usage: cmake -DBUILD_DIR=<build tree> -P check.cmake
function(build target)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${target}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  set(rc ${rc} PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(expect_refused target header)
  build(${target})
  if(rc EQUAL 0)
    message(FATAL_ERROR "${target} built: the include of ${header} should have been refused\n${out}")
  endif()
  if(NOT out MATCHES "${header}: No such file or directory")
    message(FATAL_ERROR "${target} failed, but not because ${header} was out of reach:\n${out}")
  endif()
  message(STATUS "${target}: refused, ${header} is out of reach")
endfunction()

build(layering_http_includes_core)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the control target layering_http_includes_core did not build:\n${out}")
endif()
expect_refused(layering_core_includes_http "http/router.hpp")
expect_refused(layering_users_includes_auth "auth/session_store.hpp")
