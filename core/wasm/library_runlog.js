// Emscripten JS library (--js-library): the functions core/wasm/bridge.cpp
// imports. Each one forwards to Module.runlogHost, the object the JavaScript
// package (wasm/src/core.js) installs before the first call; the host owns
// the handle table, the memory views and the error reporting. Kept tiny on
// purpose: all logic lives in the package, where it is tested in Node and in
// Chromium.
mergeInto(LibraryManager.library, {
  runlog_js_store_open: function (id, runId, dirName, mode, sizePtr, createdPtr, loc, cap, err) {
    return Module['runlogHost'].storeOpen(id, runId, dirName, mode, sizePtr, createdPtr, loc, cap, err);
  },
  runlog_js_store_append: function (id, data, len, err) {
    return Module['runlogHost'].storeAppend(id, data, len, err);
  },
  runlog_js_store_sync: function (id, err) {
    return Module['runlogHost'].storeSync(id, err);
  },
  runlog_js_store_read: function (id, offset, buf, cap, nPtr, err) {
    return Module['runlogHost'].storeRead(id, offset, buf, cap, nPtr, err);
  },
  runlog_js_store_truncate: function (id, size, err) {
    return Module['runlogHost'].storeTruncate(id, size, err);
  },
  runlog_js_store_write_file: function (id, name, data, len, err) {
    return Module['runlogHost'].storeWriteFile(id, name, data, len, err);
  },
  runlog_js_store_read_file: function (id, name, out, err) {
    return Module['runlogHost'].storeReadFile(id, name, out, err);
  },
  runlog_js_store_destroy: function (id) {
    Module['runlogHost'].storeDestroy(id);
  },
  runlog_js_http_start: function (id, method, url, headers, body, bodyLen, timeoutMs, call, err) {
    return Module['runlogHost'].httpStart(id, method, url, headers, body, bodyLen, timeoutMs, call, err);
  },
  runlog_js_http_cancel: function (id) {
    Module['runlogHost'].httpCancel(id);
  },
  runlog_js_http_destroy: function (id) {
    Module['runlogHost'].httpDestroy(id);
  },
  runlog_js_log: function (id, level, message) {
    Module['runlogHost'].log(id, level, message);
  },
});
