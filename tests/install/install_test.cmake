# Driven by the install_smoke test (see CMakeLists.txt beside this file):
#   cmake -DBUILD_DIR=… -DWORK_DIR=… -DCONSUMER_DIR=… [...] -P install_test.cmake
cmake_minimum_required(VERSION 3.19)

foreach(var BUILD_DIR WORK_DIR CONSUMER_DIR LIBDIR INCLUDEDIR BINDIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${var}=… is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(libdir "${prefix}/${LIBDIR}")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(step title)
  message(STATUS "---- ${title}")
endfunction()

function(fail msg)
  message(FATAL_ERROR "install_smoke: ${msg}")
endfunction()

# Runs a command, fails the test with its output if it fails.
function(run)
  cmake_parse_arguments(R "" "WORKING_DIRECTORY;OUTPUT_VARIABLE" "COMMAND" ${ARGN})
  if(NOT R_WORKING_DIRECTORY)
    set(R_WORKING_DIRECTORY "${WORK_DIR}")
  endif()
  string(JOIN " " shown ${R_COMMAND})
  message(STATUS "$ ${shown}")
  execute_process(COMMAND ${R_COMMAND}
                  WORKING_DIRECTORY "${R_WORKING_DIRECTORY}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    fail("command failed (${rc}): ${shown}\n${out}")
  endif()
  string(STRIP "${out}" out)
  if(out)
    message(STATUS "${out}")
  endif()
  if(R_OUTPUT_VARIABLE)
    set(${R_OUTPUT_VARIABLE} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# ---- 1. install -------------------------------------------------------------
step("install ${BUILD_DIR} into ${prefix}")
set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})

step("layout")
foreach(f "${INCLUDEDIR}/runlog.h"
          "${LIBDIR}/librunlog.a"
          "${LIBDIR}/librunlog.so"
          "${LIBDIR}/librunlog.so.1"
          "${LIBDIR}/cmake/runlog/runlogConfig.cmake"
          "${LIBDIR}/cmake/runlog/runlogConfigVersion.cmake"
          "${LIBDIR}/cmake/runlog/runlogTargets.cmake"
          "${LIBDIR}/pkgconfig/runlog.pc")
  if(NOT EXISTS "${prefix}/${f}")
    fail("${f} was not installed")
  endif()
endforeach()
# librunlog.so -> librunlog.so.1 -> librunlog.so.<version>
foreach(link librunlog.so librunlog.so.1)
  if(NOT IS_SYMLINK "${libdir}/${link}")
    fail("${LIBDIR}/${link} is not a symbolic link")
  endif()
endforeach()
file(READ_SYMLINK "${libdir}/librunlog.so" target)
if(NOT target STREQUAL "librunlog.so.1")
  fail("${LIBDIR}/librunlog.so points to ${target}, expected librunlog.so.1")
endif()
file(READ_SYMLINK "${libdir}/librunlog.so.1" real)
if(NOT real MATCHES "^librunlog\\.so\\.1\\.|^librunlog\\.so\\.[0-9]+\\.[0-9]+\\.[0-9]+$")
  fail("${LIBDIR}/librunlog.so.1 points to ${real}")
endif()
if(NOT EXISTS "${libdir}/${real}" OR IS_SYMLINK "${libdir}/${real}")
  fail("${LIBDIR}/${real} is missing or not a regular file")
endif()
message(STATUS "librunlog.so -> librunlog.so.1 -> ${real}")
if(EXPECT_CLI)
  if(NOT EXISTS "${prefix}/${BINDIR}/runlog")
    fail("the runlog CLI was built (target runlog_cli) but ${BINDIR}/runlog was not installed")
  endif()
  message(STATUS "${BINDIR}/runlog installed")
endif()

# ---- 2. exported symbols ----------------------------------------------------
step("exported symbols of librunlog.so")
if(NOT NM)
  fail("nm was not found (install binutils)")
endif()
run(COMMAND "${NM}" -D --defined-only "${libdir}/librunlog.so" OUTPUT_VARIABLE symbols)
string(REPLACE "\n" ";" lines "${symbols}")
set(count 0)
set(foreign "")
foreach(line IN LISTS lines)
  # "<address> <type> <name>"; version nodes have type A and an address of 0.
  if(line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) (.+)$")
    set(type "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    if(name MATCHES "^runlog_")
      math(EXPR count "${count} + 1")
    else()
      list(APPEND foreign "${type} ${name}")
    endif()
  endif()
endforeach()
if(foreign)
  list(JOIN foreign "\n  " foreign)
  fail("librunlog.so exports symbols outside runlog_*:\n  ${foreign}")
endif()
if(count LESS 20)
  fail("librunlog.so exports only ${count} runlog_* symbols: the C API is missing")
endif()
message(STATUS "${count} symbols, all runlog_*")

# ---- 3. find_package consumer ---------------------------------------------------
step("consumer with find_package(runlog)")
set(cbuild "${WORK_DIR}/consumer-cmake")
set(gen_args "")
if(GENERATOR)
  set(gen_args -G "${GENERATOR}")
endif()
set(build_type Release)
if(CONFIG)
  set(build_type "${CONFIG}")
endif()
run(COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${cbuild}" ${gen_args}
            "-DCMAKE_PREFIX_PATH=${prefix}"
            "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"
            "-DCMAKE_BUILD_TYPE=${build_type}"
            "-DCMAKE_C_COMPILER=${C_COMPILER}"
            "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
            "-DCMAKE_C_FLAGS=${EXTRA_FLAGS}"
            "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS}"
            "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}")
run(COMMAND "${CMAKE_COMMAND}" --build "${cbuild}")
file(MAKE_DIRECTORY "${WORK_DIR}/runs")
foreach(exe consumer_shared consumer_static)
  run(COMMAND "${cbuild}/${exe}" "${WORK_DIR}/runs")
endforeach()

# ---- 4. pkg-config consumer ---------------------------------------------------
step("consumer with pkg-config")
if(NOT PKG_CONFIG)
  fail("pkg-config was not found (apt-get install pkg-config)")
endif()
set(ENV{PKG_CONFIG_PATH} "${libdir}/pkgconfig")
unset(ENV{PKG_CONFIG_LIBDIR})
run(COMMAND "${PKG_CONFIG}" --modversion runlog OUTPUT_VARIABLE pc_version)
run(COMMAND "${PKG_CONFIG}" --cflags --libs runlog OUTPUT_VARIABLE pc_flags)
run(COMMAND "${PKG_CONFIG}" --variable=libdir runlog OUTPUT_VARIABLE pc_libdir)
if(NOT pc_flags MATCHES "-lrunlog")
  fail("pkg-config --libs runlog gives no -lrunlog: ${pc_flags}")
endif()
run(COMMAND "${PKG_CONFIG}" --print-requires runlog OUTPUT_VARIABLE pc_requires)
if(pc_requires)
  fail("runlog.pc should require nothing, it requires: ${pc_requires}")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(extra UNIX_COMMAND "${EXTRA_FLAGS}")
run(COMMAND "${C_COMPILER}" ${extra} "${CONSUMER_DIR}/main.c" ${pc_flags}
            "-Wl,-rpath,${pc_libdir}" -o "${WORK_DIR}/consumer_pkgconfig")
run(COMMAND "${WORK_DIR}/consumer_pkgconfig" "${WORK_DIR}/runs")

# Static link with what `pkg-config --static` lists (Libs.private), the
# archive given by path so the linker cannot pick the .so.
run(COMMAND "${PKG_CONFIG}" --static --cflags --libs runlog OUTPUT_VARIABLE pc_static)
separate_arguments(pc_static UNIX_COMMAND "${pc_static}")
list(TRANSFORM pc_static REPLACE "^-lrunlog$" "${libdir}/librunlog.a")
run(COMMAND "${C_COMPILER}" ${extra} "${CONSUMER_DIR}/main.c" ${pc_static}
            -o "${WORK_DIR}/consumer_pkgconfig_static")
run(COMMAND "${WORK_DIR}/consumer_pkgconfig_static" "${WORK_DIR}/runs")

message(STATUS "install_smoke: all checks passed (runlog ${pc_version})")
