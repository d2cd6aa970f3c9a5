//! The raw declarations against the real library: versions, struct layouts
//! (sizes and offsets printed by the C compiler for LP64 targets), and the
//! C ABI's own guarantees (tombstone handles, caller-owned errors).
use core::ffi::CStr;
use core::mem::{align_of, offset_of, size_of};
use runlog_sys::*;

#[test]
fn versions_match_the_header() {
    unsafe {
        assert_eq!(runlog_abi_version(), RUNLOG_ABI_VERSION);
        assert_eq!(runlog_version_number(), RUNLOG_VERSION_NUMBER);
        assert_eq!(
            CStr::from_ptr(runlog_version()).to_str().unwrap(),
            RUNLOG_VERSION_STRING
        );
    }
}

#[cfg(all(target_pointer_width = "64", not(windows)))]
#[test]
fn struct_layouts_match_the_c_compiler() {
    // Values from `gcc` on x86_64 Linux (sizeof / offsetof of runlog.h).
    assert_eq!(size_of::<runlog_error>(), 520);
    assert_eq!(align_of::<runlog_error>(), 4);
    assert_eq!(offset_of!(runlog_error, message), 8);
    assert_eq!(size_of::<runlog_buf>(), 16);
    assert_eq!(size_of::<runlog_clock>(), 40);
    assert_eq!(offset_of!(runlog_clock, destroy), 32);
    assert_eq!(size_of::<runlog_store>(), 80);
    assert_eq!(offset_of!(runlog_store, destroy), 64);
    assert_eq!(offset_of!(runlog_store, read_file), 72);
    assert_eq!(size_of::<runlog_sink>(), 32);
    assert_eq!(offset_of!(runlog_sink, destroy), 24);
    assert_eq!(size_of::<runlog_options>(), 248);
    assert_eq!(offset_of!(runlog_options, silent), 104);
    assert_eq!(offset_of!(runlog_options, log_fn), 112);
    assert_eq!(offset_of!(runlog_options, threading), 128);
    assert_eq!(offset_of!(runlog_options, queue_capacity_bytes), 136);
    assert_eq!(offset_of!(runlog_options, durability), 152);
    assert_eq!(offset_of!(runlog_options, finish_timeout_ms), 160);
    assert_eq!(offset_of!(runlog_options, store), 168);
    assert_eq!(offset_of!(runlog_options, sink), 184);
    assert_eq!(offset_of!(runlog_options, base_url), 192);
    assert_eq!(offset_of!(runlog_options, api_key), 200);
    assert_eq!(offset_of!(runlog_options, http), 208);
    assert_eq!(offset_of!(runlog_options, ca_bundle), 216);
    assert_eq!(offset_of!(runlog_options, transmit_interval_ms), 224);
    assert_eq!(offset_of!(runlog_options, upload_timeout_ms), 244);
    assert_eq!(size_of::<runlog_http>(), 32);
    assert_eq!(offset_of!(runlog_http, start), 16);
    assert_eq!(offset_of!(runlog_http, destroy), 24);
    assert_eq!(size_of::<runlog_http_request>(), 56);
    assert_eq!(offset_of!(runlog_http_request, body), 32);
    assert_eq!(offset_of!(runlog_http_request, body_len), 40);
    assert_eq!(offset_of!(runlog_http_request, timeout_ms), 48);
    assert_eq!(size_of::<runlog_sync_options>(), 136);
    assert_eq!(offset_of!(runlog_sync_options, http), 72);
    assert_eq!(offset_of!(runlog_sync_options, close_unfinished), 104);
    assert_eq!(offset_of!(runlog_sync_options, log_fn), 112);
    assert_eq!(offset_of!(runlog_sync_options, silent), 128);
    assert_eq!(size_of::<runlog_sync_status>(), 56);
    assert_eq!(offset_of!(runlog_sync_status, rows_total), 16);
    assert_eq!(offset_of!(runlog_sync_status, retries), 48);
    assert_eq!(size_of::<runlog_metric_options>(), 32);
    assert_eq!(offset_of!(runlog_metric_options, step_metric), 8);
    assert_eq!(offset_of!(runlog_metric_options, step_sync), 24);
    assert_eq!(size_of::<runlog_stats>(), 120);
    assert_eq!(offset_of!(runlog_stats, step), 8);
    assert_eq!(offset_of!(runlog_stats, store_errors), 72);
    assert_eq!(offset_of!(runlog_stats, upload_state), 80);
    assert_eq!(offset_of!(runlog_stats, rows_uploaded), 88);
    assert_eq!(offset_of!(runlog_stats, upload_bytes_pending), 112);
}

#[test]
fn options_init_matches_the_init_constant() {
    unsafe {
        let mut o = runlog_options::INIT;
        o.silent = 7;
        o.retry_max = 7;
        o.upload_timeout_ms = 7;
        o.api_key = c"k".as_ptr();
        assert_eq!(runlog_options_init(&mut o, RUNLOG_OPTIONS_VERSION), RUNLOG_OK);
        assert_eq!(o.version, RUNLOG_OPTIONS_VERSION);
        assert_eq!(o.silent, 0);
        assert!(o.project.is_null() && o.store.is_null() && o.log_fn.is_none());
        assert!(o.api_key.is_null() && o.http.is_null() && o.retry_max == 0 && o.upload_timeout_ms == 0);
        // Version 1 (a binding written before online mode) is still accepted.
        let mut o1 = runlog_options::INIT;
        o1.silent = 7;
        assert_eq!(runlog_options_init(&mut o1, 1), RUNLOG_OK);
        assert_eq!(o1.version, 1);
        assert_eq!(o1.silent, 0);
    }
}

#[test]
fn status_strings_name_the_constant() {
    unsafe {
        for (code, name) in [
            (RUNLOG_OK, "RUNLOG_OK"),
            (RUNLOG_E_INVALID_JSON, "RUNLOG_E_INVALID_JSON"),
            (RUNLOG_E_FINISHED, "RUNLOG_E_FINISHED"),
            (RUNLOG_E_INTERNAL, "RUNLOG_E_INTERNAL"),
        ] {
            let s = CStr::from_ptr(runlog_status_string(code)).to_str().unwrap();
            assert!(s.starts_with(name), "{s}");
        }
        assert!(!runlog_status_string(12345).is_null());
    }
}

#[test]
fn null_run_is_an_invalid_argument_with_a_message() {
    unsafe {
        let mut err = runlog_error::INIT;
        let rc = runlog_log_json(
            core::ptr::null_mut(),
            c"{}".as_ptr(),
            RUNLOG_NUL_TERMINATED,
            RUNLOG_STEP_AUTO,
            RUNLOG_COMMIT_DEFAULT,
            &mut err,
        );
        assert_eq!(rc, RUNLOG_E_INVALID_ARGUMENT);
        assert_eq!(err.status, rc);
        assert!(err.message[0] != 0);
        let mut buf = runlog_buf::INIT;
        runlog_buf_free(&mut buf); // NULL buffers are accepted
        runlog_buf_free(core::ptr::null_mut());
    }
}

#[test]
fn finished_handle_is_a_tombstone() {
    let dir = std::env::temp_dir().join(format!("runlog-sys-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir_c = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
    unsafe {
        let mut o = runlog_options::INIT;
        o.mode = c"offline".as_ptr();
        o.project = c"sys-test".as_ptr();
        o.dir = dir_c.as_ptr();
        o.silent = RUNLOG_YES;
        let mut run: *mut runlog_run = core::ptr::null_mut();
        let mut err = runlog_error::INIT;
        assert_eq!(
            runlog_init(&mut run, &o, &mut err),
            RUNLOG_OK,
            "{:?}",
            CStr::from_ptr(err.message.as_ptr())
        );
        assert!(!run.is_null());
        let row = b"{\"loss\": NaN}";
        assert_eq!(
            runlog_log_json(
                run,
                row.as_ptr().cast(),
                row.len(),
                RUNLOG_STEP_AUTO,
                RUNLOG_COMMIT_DEFAULT,
                &mut err
            ),
            RUNLOG_OK
        );
        let mut buf = runlog_buf::INIT;
        assert_eq!(
            runlog_summary_get_json(run, c"loss".as_ptr(), &mut buf, &mut err),
            RUNLOG_OK
        );
        assert_eq!(CStr::from_ptr(buf.data).to_bytes(), b"NaN");
        assert_eq!(buf.size, 3);
        runlog_buf_free(&mut buf);
        assert!(buf.data.is_null());
        assert_eq!(runlog_finish(run, 0, &mut err), RUNLOG_OK);

        // Every later call returns RUNLOG_E_FINISHED, the accessors NULL.
        let mut err = runlog_error::INIT;
        assert_eq!(
            runlog_log_json(
                run,
                c"{}".as_ptr(),
                RUNLOG_NUL_TERMINATED,
                RUNLOG_STEP_AUTO,
                0,
                &mut err
            ),
            RUNLOG_E_FINISHED
        );
        assert_eq!(err.status, RUNLOG_E_FINISHED);
        assert_eq!(
            runlog_stage_double(run, c"x".as_ptr(), 1.0, &mut err),
            RUNLOG_E_FINISHED
        );
        assert_eq!(runlog_flush(run, 100, &mut err), RUNLOG_E_FINISHED);
        let mut stats = runlog_stats::INIT;
        assert_eq!(runlog_get_stats(run, &mut stats, &mut err), RUNLOG_E_FINISHED);
        assert_eq!(runlog_finish(run, 0, &mut err), RUNLOG_E_FINISHED);
        assert!(runlog_run_id(run).is_null());
        assert!(runlog_run_dir(run).is_null());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
