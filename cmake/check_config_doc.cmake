# Fails when docs/configuration.md differs from `flamedb -help-markdown`.
# Inputs: FLAMEDB (binary), DOC (the committed file). Regenerate with `make docs`.
execute_process(COMMAND ${FLAMEDB} -help-markdown OUTPUT_VARIABLE GENERATED RESULT_VARIABLE RC)
if(NOT RC EQUAL 0)
  message(FATAL_ERROR "flamedb -help-markdown failed with exit code ${RC}")
endif()
file(READ ${DOC} COMMITTED)
if(NOT GENERATED STREQUAL COMMITTED)
  message(FATAL_ERROR "${DOC} is out of date with the flag definitions: run `make docs` and commit it")
endif()
message(STATUS "${DOC} matches the flag definitions")
