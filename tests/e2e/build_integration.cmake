# Build integration end to end (included by tests/CMakeLists.txt): an
# installed hotc consumed by a CMake project through find_package(HotReload)
# and hotreload_enable(), with the Ninja and the Makefile generators. The
# test installs this build tree (HOTC_BUILD_TREE) into its work directory.
add_executable(hotc_build_integration
  e2e/build_integration_test.cpp e2e/live_harness.cpp)
target_compile_definitions(hotc_build_integration PRIVATE
  HOTC_BINARY="$<TARGET_FILE:hotc>"
  HOTC_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/fixtures"
  HOTC_E2E_WORK="${CMAKE_BINARY_DIR}/build-integration-work"
  HOTC_BUILD_TREE="${CMAKE_BINARY_DIR}")
target_include_directories(hotc_build_integration PRIVATE ${LLVM_INCLUDE_DIRS})
target_link_libraries(hotc_build_integration PRIVATE GTest::gtest_main LLVM pthread)
add_dependencies(hotc_build_integration hotc hotagent)
gtest_discover_tests(hotc_build_integration TEST_PREFIX "e2e."
  PROPERTIES TIMEOUT 300 LABELS e2e DISCOVERY_TIMEOUT 30)
