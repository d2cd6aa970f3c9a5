# nlohmann_json::nlohmann_json for the Emscripten build (included by the
# top-level CMakeLists.txt under if(EMSCRIPTEN)). The header-only library is
# Debian's (nlohmann-json3-dev), but its CMake package points at /usr/include,
# which must never reach a wasm compile (glibc headers would shadow
# Emscripten's libc). So: a folder in the build tree holding only a link to
# the nlohmann/ directory, used as the include path.
set(RUNLOG_NLOHMANN_INCLUDE "/usr/include" CACHE PATH
    "Directory that contains nlohmann/json.hpp (only its nlohmann/ folder is used)")
if(NOT EXISTS "${RUNLOG_NLOHMANN_INCLUDE}/nlohmann/json.hpp")
  message(FATAL_ERROR "wasm: ${RUNLOG_NLOHMANN_INCLUDE}/nlohmann/json.hpp not found: "
                      "apt-get install nlohmann-json3-dev, or set RUNLOG_NLOHMANN_INCLUDE")
endif()
set(_shim "${CMAKE_BINARY_DIR}/wasm-include")
file(MAKE_DIRECTORY "${_shim}")
if(NOT EXISTS "${_shim}/nlohmann")
  file(CREATE_LINK "${RUNLOG_NLOHMANN_INCLUDE}/nlohmann" "${_shim}/nlohmann" SYMBOLIC COPY_ON_ERROR)
endif()
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_shim}")
unset(_shim)
