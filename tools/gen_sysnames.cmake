# gen_sysnames.cmake: turn <asm/unistd_64.h> into a table of syscall names
# indexed by number (build output, never committed).
file(STRINGS ${IN} lines REGEX "^#define __NR_[a-z0-9_]+ [0-9]+")
set(body "")
foreach(l ${lines})
  string(REGEX REPLACE "^#define __NR_([a-z0-9_]+) ([0-9]+).*" "\t[\\2] = \"\\1\",\n" e "${l}")
  string(APPEND body "${e}")
endforeach()
file(WRITE ${OUT}.tmp "/* generated from ${IN}: x86-64 syscall names by number */\nstatic const char *const rn_sysnames[] = {\n${body}};\n")
file(RENAME ${OUT}.tmp ${OUT})
