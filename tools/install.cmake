# install.cmake: what `cmake --install` puts where, and the Debian package
# (`cpack -G DEB` in the build directory). Included by CMakeLists.txt.
# The installed layout is the one renacer-exporter looks for:
# bin/renacer-exporter and lib/renacer/librenacer.so beside it.
include(GNUInstallDirs)

install(TARGETS renacer LIBRARY DESTINATION lib/renacer)
install(TARGETS renacer-exporter renacer-ctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(PROGRAMS tools/renacer-run tools/renacer-report DESTINATION ${CMAKE_INSTALL_BINDIR})

# man pages: scdoc sources with each program's --help put in (gen_man.cmake)
find_program(RN_SCDOC scdoc)
find_program(RN_GZIP gzip)
if(RN_SCDOC AND RN_GZIP)
  set(RN_MAN_PAGES)
  foreach(page renacer-run.1:renacer-exporter renacer-exporter.8:renacer-exporter
          renacer-ctl.1:renacer-ctl)
    string(REPLACE ":" ";" parts ${page})
    list(GET parts 0 name)
    list(GET parts 1 prog)
    set(out ${CMAKE_BINARY_DIR}/man/${name}.gz)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR}/docs/man/${name}.scd
        -DPROG=$<TARGET_FILE:${prog}> -DSCDOC=${RN_SCDOC} -DGZIP=${RN_GZIP} -DOUT=${out}
        -P ${CMAKE_SOURCE_DIR}/tools/gen_man.cmake
      DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/${name}.scd ${CMAKE_SOURCE_DIR}/tools/gen_man.cmake ${prog}
      COMMENT "man page ${name}")
    list(APPEND RN_MAN_PAGES ${out})
    string(REGEX MATCH "[0-9]$" section ${name})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(rn_man ALL DEPENDS ${RN_MAN_PAGES})
else()
  message(WARNING "scdoc or gzip not found: no man pages (tools/setup installs scdoc)")
endif()

# bash completion: one file, found under each program's name
foreach(prog renacer-run renacer-exporter renacer-ctl)
  install(FILES tools/completion/renacer.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
    RENAME ${prog})
endforeach()

install(FILES README.md LICENSE docs/ARCHITECTURE.md docs/COVERAGE.md docs/OTLP.md
  docs/SETTINGS.md docs/SYSCALLS.md docs/RELIABILITY.md docs/SECURITY.md docs/BENCHMARKS.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The Debian package: its dependencies are the runtime libraries the
# binaries link (dpkg-shlibdeps finds them).
set(CPACK_PACKAGE_NAME renacer)
set(CPACK_PACKAGE_VENDOR renacer)
set(CPACK_PACKAGE_CONTACT "renacer developers <renacer@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "system-call tracer cheap enough to leave on, with OpenTelemetry export")
set(CPACK_PACKAGE_DESCRIPTION "renacer traces a program's system calls through a preloaded library that writes
fixed-size records into shared-memory rings, at tens of nanoseconds per call, and an exporter that
prints strace-like text, summaries and JSON, or sends OpenTelemetry spans.")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# renacer-report is a python3 script; shlibdeps adds the libraries
set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "man-db, bash-completion")
include(CPack)
