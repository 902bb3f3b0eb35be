# Helpers that keep each component's CMakeLists.txt to a few lines (style.md §42).

# flamedb_cc_library(NAME <name> SRCS <files...> DEPS <targets...>)
# Defines flamedb_<name> with the alias flamedb::<name>; includes are rooted at src/.
function(flamedb_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(flamedb_${ARG_NAME} ${ARG_SRCS})
  add_library(flamedb::${ARG_NAME} ALIAS flamedb_${ARG_NAME})
  target_include_directories(flamedb_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(flamedb_${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

# flamedb_cc_test(NAME <name> SRCS <files...> DEPS <targets...> [WHOLE]): one gtest binary, its
# cases registered with CTest one by one; with WHOLE, the binary is one CTest test, for suites
# that share a server they start once (tests/servers/).
function(flamedb_cc_test)
  cmake_parse_arguments(ARG "WHOLE" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  if(ARG_WHOLE)
    add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  else()
    gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 30)
  endif()
endfunction()

# flamedb_cc_benchmark(NAME <name> SRCS <files...> DEPS <targets...>): a Google Benchmark binary
# in build/bench/ (with FLAMEDB_BUILD_BENCHMARKS, on in release builds); CTest runs each very
# briefly as a smoke check. Timing belongs here, never in pass/fail tests.
function(flamedb_cc_benchmark)
  if(FLAMEDB_BUILD_BENCHMARKS)
    cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
    add_executable(${ARG_NAME} ${ARG_SRCS})
    set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark)
    add_test(NAME ${ARG_NAME}_smoke COMMAND ${ARG_NAME} --benchmark_min_time=0.001)
  endif()
endfunction()

# flamedb_cc_fuzzer(NAME <name> SRCS <files...> DEPS <targets...> [SEEDS <dir>]): a libFuzzer
# target, built only in the clang ASan build (FLAMEDB_SANITIZE=address), where CTest runs it for
# a few seconds on its seed corpus as a smoke check (new inputs go to the build tree, never to
# SEEDS). `scripts/fuzz SECONDS` runs campaigns.
function(flamedb_cc_fuzzer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND FLAMEDB_SANITIZE STREQUAL "address")
    cmake_parse_arguments(ARG "" "NAME;SEEDS" "SRCS;DEPS" ${ARGN})
    add_executable(${ARG_NAME} ${ARG_SRCS})
    set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
    target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
    set(CORPUS ${PROJECT_BINARY_DIR}/corpus-smoke/${ARG_NAME})
    file(MAKE_DIRECTORY ${CORPUS})
    add_test(NAME ${ARG_NAME}_smoke
      COMMAND ${ARG_NAME} -max_total_time=3 -print_final_stats=1 ${CORPUS} ${ARG_SEEDS})
  endif()
endfunction()
