# Build integration end to end (included by tests/CMakeLists.txt): an
# installed hotc consumed by a CMake project through find_package(HotReload)
# and hotreload_enable(), with the Ninja and the Makefile generators. The
# test installs this build tree (HOTC_BUILD_TREE) into its work directory.
hotc_live_program(hotc_build_integration build-integration-work
  e2e/build_integration_test.cpp)
target_compile_definitions(hotc_build_integration PRIVATE
  HOTC_BUILD_TREE="${CMAKE_BINARY_DIR}")
gtest_discover_tests(hotc_build_integration TEST_PREFIX "e2e."
  PROPERTIES TIMEOUT 300 LABELS e2e DISCOVERY_TIMEOUT 30)
