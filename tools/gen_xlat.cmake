# gen_xlat.cmake: one name table (exporter/decode/xlat/NAME.in) -> a C file
# in the build directory whose values come from the system headers, the
# way strace's xlat files work. Build output, never committed.
#
# An .in file holds, one per line:
#   #include <hdr.h>   passed through: the headers that define the names
#   NAME               an entry { NAME, "NAME" }, in the order printed
#   NAME EXPR          an entry named NAME whose value is EXPR, for a name
#                      the headers spell differently (EXPR uses their names)
#   @OTHER             every entry of OTHER.in, here
#   # comment          (a '#' followed by a space), and blank lines
# A name the headers lack fails the build: nothing is typed in by hand.
# Usage: cmake -DIN=dir/NAME.in -DOUT=gen/xlat/NAME.c -P gen_xlat.cmake
get_filename_component(name ${IN} NAME_WE)
get_filename_component(dir ${IN} DIRECTORY)

function(xlat_read file out_inc out_ent)
  file(STRINGS ${file} lines)
  set(inc "")
  set(ent "")
  foreach(l IN LISTS lines)
    string(STRIP "${l}" l)
    if(l STREQUAL "" OR l MATCHES "^# ")
      continue()
    elseif(l MATCHES "^#include")
      string(APPEND inc "${l}\n")
    elseif(l MATCHES "^@([a-z0-9_]+)$")
      xlat_read(${dir}/${CMAKE_MATCH_1}.in i e)
      string(APPEND inc "${i}")
      string(APPEND ent "${e}")
    elseif(l MATCHES "^([A-Za-z_][A-Za-z0-9_]*)[ \t]+(.+)$")
      string(APPEND ent "\t{ (uint64_t)(${CMAKE_MATCH_2}), \"${CMAKE_MATCH_1}\" },\n")
    elseif(l MATCHES "^([A-Za-z_][A-Za-z0-9_]*)$")
      string(APPEND ent "\t{ (uint64_t)(${CMAKE_MATCH_1}), \"${CMAKE_MATCH_1}\" },\n")
    else()
      message(FATAL_ERROR "${file}: cannot read line: ${l}")
    endif()
  endforeach()
  set(${out_inc} "${inc}" PARENT_SCOPE)
  set(${out_ent} "${ent}" PARENT_SCOPE)
endfunction()

xlat_read(${IN} inc ent)
file(WRITE ${OUT}.tmp "/* generated from ${IN} by tools/gen_xlat.cmake: never edit */
${inc}#include \"xlat.h\"

const struct rn_xlat rn_xlat_${name}[] = {
${ent}};
const size_t rn_xlat_${name}_n = sizeof rn_xlat_${name} / sizeof rn_xlat_${name}[0];
")
file(RENAME ${OUT}.tmp ${OUT})
