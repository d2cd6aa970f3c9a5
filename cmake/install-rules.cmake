# Install rules: the public header, the shared library (with its SONAME
# links), the static library, a CMake package (find_package(runlog) gives
# runlog::runlog and runlog::runlog_static) and a pkg-config file.
#
# Included by the top-level CMakeLists.txt unless CMAKE_SKIP_INSTALL_RULES.
# The CLI (cli/) installs its own executable; if it joins the EXPORT set
# runlogTargets it is exported as well, which needs nothing from here.
#
# Components, as cmake-init names them:
#   runlog_Runtime      librunlog.so.<ABI> and the versioned file
#   runlog_Development  header, librunlog.so link, librunlog.a, CMake + .pc files
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RUNLOG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/runlog"
    CACHE STRING "Where the CMake package files of runlog are installed (relative to the prefix)")
set(RUNLOG_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where runlog.pc is installed (relative to the prefix)")
mark_as_advanced(RUNLOG_INSTALL_CMAKEDIR RUNLOG_INSTALL_PKGCONFIGDIR)

install(FILES "${PROJECT_SOURCE_DIR}/capi/runlog.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT runlog_Development)

# runlog_static is built from the objects of runlog_objects
# ($<TARGET_OBJECTS:...>), not by linking it, so runlog_objects is not part of
# either library's link interface and stays out of the export set. Its own
# public link to Threads::Threads is exported (found again by the config file).
set_target_properties(runlog PROPERTIES EXPORT_NAME runlog)
set_target_properties(runlog_static PROPERTIES EXPORT_NAME runlog_static)
install(TARGETS runlog runlog_static
        EXPORT runlogTargets
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runlog_Runtime
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runlog_Runtime
                NAMELINK_COMPONENT runlog_Development
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runlog_Development)
# (Both targets already carry $<INSTALL_INTERFACE:include> from core/.)

# ---- CMake package ---------------------------------------------------------
# Values the config template needs.
if(RUNLOG_THREADS)
  set(RUNLOG_PACKAGE_NEEDS_THREADS ON)
else()
  set(RUNLOG_PACKAGE_NEEDS_THREADS OFF)
endif()

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/runlogConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/runlog-package/runlogConfig.cmake"
  INSTALL_DESTINATION "${RUNLOG_INSTALL_CMAKEDIR}")
# 0.x releases: SameMajorVersion accepts any 0.y. The binary interface is
# versioned separately (RUNLOG_ABI_VERSION, the SONAME).
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/runlog-package/runlogConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)

install(FILES
          "${PROJECT_BINARY_DIR}/runlog-package/runlogConfig.cmake"
          "${PROJECT_BINARY_DIR}/runlog-package/runlogConfigVersion.cmake"
        DESTINATION "${RUNLOG_INSTALL_CMAKEDIR}"
        COMPONENT runlog_Development)
install(EXPORT runlogTargets
        NAMESPACE runlog::
        DESTINATION "${RUNLOG_INSTALL_CMAKEDIR}"
        COMPONENT runlog_Development)

# The build tree is a package too: -Drunlog_DIR=<build dir> works without
# installing (same targets, pointing at the build tree).
export(EXPORT runlogTargets
       NAMESPACE runlog::
       FILE "${PROJECT_BINARY_DIR}/runlogTargets.cmake")
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/runlogConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/runlogConfig.cmake"
  INSTALL_DESTINATION "${PROJECT_BINARY_DIR}"
  INSTALL_PREFIX "${PROJECT_BINARY_DIR}")
configure_file("${PROJECT_BINARY_DIR}/runlog-package/runlogConfigVersion.cmake"
               "${PROJECT_BINARY_DIR}/runlogConfigVersion.cmake" COPYONLY)

# ---- pkg-config ------------------------------------------------------------
# Relocatable: prefix is derived from the .pc file's own location, so
# `cmake --install build --prefix /anywhere` gives a working file.
if(IS_ABSOLUTE "${RUNLOG_INSTALL_PKGCONFIGDIR}")
  set(RUNLOG_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  set(RUNLOG_PC_PREFIX "\${pcfiledir}")
  set(_runlog_rel "${RUNLOG_INSTALL_PKGCONFIGDIR}")
  while(NOT _runlog_rel STREQUAL "" AND NOT _runlog_rel STREQUAL ".")
    get_filename_component(_runlog_rel "${_runlog_rel}" DIRECTORY)
    string(APPEND RUNLOG_PC_PREFIX "/..")
  endwhile()
  unset(_runlog_rel)
endif()
foreach(_runlog_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_runlog_dir}}")
    set(RUNLOG_PC_${_runlog_dir} "${CMAKE_INSTALL_${_runlog_dir}}")
  else()
    set(RUNLOG_PC_${_runlog_dir} "\${prefix}/${CMAKE_INSTALL_${_runlog_dir}}")
  endif()
endforeach()
unset(_runlog_dir)
# What a static link (pkg-config --static) needs besides librunlog.a: the
# C++ runtime (the core is C++17) and, with threads, -pthread. nlohmann_json
# is header-only and private, so nothing is Required.
set(RUNLOG_PC_LIBS_PRIVATE "-lstdc++ -lm")
if(RUNLOG_NATIVE_HTTP)  # the built-in HTTP client: Debian's mbedTLS and http-parser
  string(PREPEND RUNLOG_PC_LIBS_PRIVATE "-lmbedtls -lmbedx509 -lmbedcrypto -lhttp_parser ")
endif()
if(RUNLOG_THREADS)
  string(PREPEND RUNLOG_PC_LIBS_PRIVATE "-pthread ")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/runlog.pc.in"
               "${PROJECT_BINARY_DIR}/runlog-package/runlog.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/runlog-package/runlog.pc"
        DESTINATION "${RUNLOG_INSTALL_PKGCONFIGDIR}"
        COMPONENT runlog_Development)
