# gen_sysnames.cmake: <asm/unistd_64.h> (numbers and names) and
# common/sysent.in (argument counts, address returns, strace's classes) ->
# a table of x86-64 system calls indexed by number, and an enum rn_nr of
# their numbers (RN_NR_read...) so table rows name their call by number at
# compile time (build output, never committed). The including file
# includes common/table.h first (the RN_CLASS_ bits); nargs is -1 for a
# call sysent.in does not list.
# Usage: cmake -DIN=unistd_64.h -DENT=common/sysent.in -DOUT=gen/sysnames.h -P gen_sysnames.cmake
file(STRINGS ${ENT} ents REGEX "^[a-z0-9_]+ [0-9]+")
foreach(l ${ents})
  string(REGEX MATCH "^([a-z0-9_]+) ([0-9]+)( ADDR)?( [a-z_,]+)?$" m "${l}")
  if(NOT m)
    message(FATAL_ERROR "${ENT}: cannot read '${l}'")
  endif()
  set(n ${CMAKE_MATCH_1})
  set(nargs_${n} ${CMAKE_MATCH_2})
  if(CMAKE_MATCH_3)
    set(addr_${n} 1)
  endif()
  if(CMAKE_MATCH_4)
    string(STRIP "${CMAKE_MATCH_4}" c)
    string(TOUPPER "${c}" c)
    string(REPLACE "," "|RN_CLASS_" c "${c}")
    set(cls_${n} "RN_CLASS_${c}")
  endif()
endforeach()
file(STRINGS ${IN} lines REGEX "^#define __NR_[a-z0-9_]+ [0-9]+")
set(body "")
set(nrs "")
foreach(l ${lines})
  string(REGEX MATCH "^#define __NR_([a-z0-9_]+) ([0-9]+)" m "${l}")
  set(n ${CMAKE_MATCH_1})
  set(na -1)
  if(DEFINED nargs_${n})
    set(na ${nargs_${n}})
  endif()
  set(ad 0)
  if(DEFINED addr_${n})
    set(ad 1)
  endif()
  set(cl 0)
  if(DEFINED cls_${n})
    set(cl "${cls_${n}}")
  endif()
  string(APPEND body "\t[${CMAKE_MATCH_2}] = { \"${n}\", ${na}, ${ad}, ${cl} },\n")
  string(APPEND nrs "\tRN_NR_${n} = ${CMAKE_MATCH_2},\n")
endforeach()
file(WRITE ${OUT}.tmp "/* generated from ${IN} and ${ENT}: x86-64 system calls by number */
#ifndef RN_SYSNAMES_H
#define RN_SYSNAMES_H
#include <stdint.h>
enum rn_nr {
${nrs}};
struct rn_sysent {
\tconst char *name;
\tint8_t nargs;\t/* -1: unknown */
\tuint8_t addr;\t/* returns an address */
\tuint32_t cls;\t/* enum rn_class bits (strace's classes) */
};
static const struct rn_sysent rn_sysents[] = {
${body}};
#endif
")
file(RENAME ${OUT}.tmp ${OUT})
