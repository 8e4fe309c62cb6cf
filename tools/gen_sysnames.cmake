# gen_sysnames.cmake: <asm/unistd_64.h> (numbers and names) and
# common/sysent.in (argument counts, address returns) -> a table of x86-64
# system calls indexed by number (build output, never committed). The
# including file defines struct rn_sysent { const char *name; int8_t nargs;
# uint8_t addr; } first; nargs is -1 for a call sysent.in does not list.
# Usage: cmake -DIN=unistd_64.h -DENT=common/sysent.in -DOUT=gen/sysnames.h -P gen_sysnames.cmake
file(STRINGS ${ENT} ents REGEX "^[a-z0-9_]+ [0-9]+")
foreach(l ${ents})
  string(REGEX MATCH "^([a-z0-9_]+) ([0-9]+)( ADDR)?" m "${l}")
  set(nargs_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
  if(CMAKE_MATCH_3)
    set(addr_${CMAKE_MATCH_1} 1)
  endif()
endforeach()
file(STRINGS ${IN} lines REGEX "^#define __NR_[a-z0-9_]+ [0-9]+")
set(body "")
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
  string(APPEND body "\t[${CMAKE_MATCH_2}] = { \"${n}\", ${na}, ${ad} },\n")
endforeach()
file(WRITE ${OUT}.tmp "/* generated from ${IN} and ${ENT}: x86-64 system calls by number */\n#include <stdint.h>\nstruct rn_sysent {\n\tconst char *name;\n\tint8_t nargs;\t/* -1: unknown */\n\tuint8_t addr;\t/* returns an address */\n};\nstatic const struct rn_sysent rn_sysents[] = {\n${body}};\n")
file(RENAME ${OUT}.tmp ${OUT})
