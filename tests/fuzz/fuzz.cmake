# The agent's fuzz target (tests/fuzz/README.md). libFuzzer needs Clang:
# the target is compiled with clang++-19 whatever compiler builds the rest,
# against the same static LLVM libraries the agent links.
find_program(HOTC_FUZZ_CLANG clang++-19)
if(HOTC_FUZZ_CLANG)
  set(_fuzz_out ${CMAKE_BINARY_DIR}/bin/hotc_agent_fuzz)
  set(_fuzz_src
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/agent_fuzz.cpp
    ${PROJECT_SOURCE_DIR}/agent/bounded_transport.cpp
    ${PROJECT_SOURCE_DIR}/agent/safe_point.cpp
    ${PROJECT_SOURCE_DIR}/agent/wrapper_arguments.cpp)
  set(_fuzz_libs "")
  foreach(lib LLVMOrcTargetProcess LLVMOrcShared LLVMSupport LLVMDemangle)
    list(APPEND _fuzz_libs ${LLVM_LIBRARY_DIR}/lib${lib}.a)
  endforeach()
  add_custom_command(OUTPUT ${_fuzz_out}
    COMMAND ${HOTC_FUZZ_CLANG} -std=c++20 -g -O1 -fno-rtti
            -fsanitize=fuzzer,address -I${PROJECT_SOURCE_DIR}
            -I${LLVM_INCLUDE_DIRS} ${LLVM_DEFINITIONS_LIST} ${_fuzz_src} ${_fuzz_libs}
            -lpthread -ldl -o ${_fuzz_out}
    DEPENDS ${_fuzz_src} ${PROJECT_SOURCE_DIR}/agent/bounded_transport.h
            ${PROJECT_SOURCE_DIR}/agent/safe_point.h
            ${PROJECT_SOURCE_DIR}/agent/wrapper_arguments.h
            ${PROJECT_SOURCE_DIR}/protocol/agent_protocol.h
    COMMENT "Building the agent's fuzz target with ${HOTC_FUZZ_CLANG}"
    VERBATIM)
  add_custom_target(hotc_agent_fuzz ALL DEPENDS ${_fuzz_out})
  # The committed corpus replayed, then a short run: a regression test. The
  # long run (docs/benchmarks.md) is by hand.
  add_test(NAME fuzz.agent_corpus
    COMMAND ${_fuzz_out} -runs=0 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus)
  # New inputs go to the first directory: the build's, never the source
  # tree (a test run must leave the checkout as it was).
  set(_fuzz_new ${CMAKE_BINARY_DIR}/fuzz-corpus-new)
  file(MAKE_DIRECTORY ${_fuzz_new})
  add_test(NAME fuzz.agent_short_run
    COMMAND ${_fuzz_out} -max_total_time=60 -malloc_limit_mb=512
            -max_len=4096 ${_fuzz_new} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(fuzz.agent_corpus fuzz.agent_short_run PROPERTIES
    LABELS fuzz TIMEOUT 300)
else()
  message(WARNING "clang++-19 not found: the agent's fuzz target is not built")
endif()
