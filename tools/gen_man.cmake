# gen_man.cmake: a man page from its scdoc source (docs/man/*.scd) with the
# program's own --help text put in place of @OPTIONS@, so the options in the
# page are the options the program takes, then scdoc, then gzip.
# Usage: cmake -DSRC=x.1.scd -DPROG=/path/prog -DSCDOC=scdoc -DGZIP=gzip -DOUT=x.1.gz -P gen_man.cmake
execute_process(COMMAND ${PROG} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROG} --help failed: ${rc}")
endif()
file(READ ${SRC} page)
# scdoc: an indented block in ``` is shown as written
string(REGEX REPLACE "\n$" "" help "${help}")
string(REPLACE "\n" "\n\t" help "${help}")
string(REPLACE "@OPTIONS@" "```\n\t${help}\n```" page "${page}")
file(WRITE ${OUT}.scd "${page}")
execute_process(COMMAND ${SCDOC} INPUT_FILE ${OUT}.scd OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "scdoc failed on ${SRC}")
endif()
execute_process(COMMAND ${GZIP} -9nf ${OUT}.tmp RESULT_VARIABLE rc)
file(RENAME ${OUT}.tmp.gz ${OUT})
file(REMOVE ${OUT}.scd)
