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

# flamedb_cc_test(NAME <name> SRCS <files...> DEPS <targets...>): one gtest binary, its cases
# registered with CTest one by one.
function(flamedb_cc_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 30)
endfunction()

function(flamedb_cc_benchmark)
  if(FLAMEDB_BUILD_BENCHMARKS)
    cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
    add_executable(${ARG_NAME} ${ARG_SRCS})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  endif()
endfunction()
