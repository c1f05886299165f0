# The differential suite: hotc_differential drives real hosts under hotc
# watch and their oracles (tests/differential/README.md).
add_executable(hotc_differential
  differential/differential_test.cpp differential/differential_run.cpp
  differential/oracle_run.cpp differential/host_project.cpp
  differential/probe_client.cpp differential/scenario_table.cpp
  differential/known_failures.cpp e2e/live_harness.cpp)
target_compile_definitions(hotc_differential PRIVATE
  HOTC_BINARY="$<TARGET_FILE:hotc>"
  HOTC_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/fixtures"
  HOTC_E2E_WORK="${CMAKE_BINARY_DIR}/differential-work"
  HOTC_DIFFERENTIAL_DIR="${CMAKE_CURRENT_SOURCE_DIR}/differential"
  HOTC_DIFFERENTIAL_SUPPORT="${CMAKE_CURRENT_SOURCE_DIR}/differential/support"
  HOTC_DIFFERENTIAL_WORK="${CMAKE_BINARY_DIR}/differential-work")
target_include_directories(hotc_differential PRIVATE ${LLVM_INCLUDE_DIRS})
target_link_libraries(hotc_differential PRIVATE GTest::gtest_main LLVM pthread)
add_dependencies(hotc_differential hotc hotagent)
gtest_discover_tests(hotc_differential TEST_PREFIX "differential."
  PROPERTIES TIMEOUT 2400 LABELS differential DISCOVERY_TIMEOUT 30)
