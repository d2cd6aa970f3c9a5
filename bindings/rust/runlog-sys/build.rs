//! Finds the runlog C library; never builds or downloads it (STYLE.md §6
//! rule 18, after libsqlite3-sys and libgit2-sys).
//!
//! In order:
//! 1. `RUNLOG_LIB_DIR=<dir>`: link `<dir>/librunlog.so` (or `librunlog.a`
//!    with `RUNLOG_STATIC=1`, plus the C++ runtime and pthread it needs).
//!    A CMake build tree has it in `<build>/core`, an install in `<prefix>/lib`.
//! 2. pkg-config `runlog` (0.1 <= version < 1.0: ABI version 1), honouring
//!    `PKG_CONFIG_PATH` and `RUNLOG_STATIC=1` (`pkg-config --static`).
//!
//! At run time the dynamic loader must find librunlog.so.1: install it, or set
//! `LD_LIBRARY_PATH` (`test.sh` does), or link statically.
use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUNLOG_LIB_DIR");
    println!("cargo:rerun-if-env-changed=RUNLOG_STATIC");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");

    let want_static = env::var("RUNLOG_STATIC")
        .map(|v| v == "1" || v.eq_ignore_ascii_case("true"))
        .unwrap_or(false);

    if let Ok(dir) = env::var("RUNLOG_LIB_DIR") {
        let dir_path = Path::new(&dir);
        let file = if want_static { "librunlog.a" } else { "librunlog.so" };
        if !dir_path.join(file).exists()
            && !dir_path.join("runlog.lib").exists()
            && !dir_path.join("librunlog.dylib").exists()
        {
            println!(
                "cargo:warning=RUNLOG_LIB_DIR={dir} has no {file}: build the C library first \
                 (cmake --build <build>; the library is in <build>/core)"
            );
        }
        println!("cargo:rustc-link-search=native={dir}");
        if want_static {
            println!("cargo:rustc-link-lib=static=runlog");
            link_cxx_runtime();
        } else {
            println!("cargo:rustc-link-lib=dylib=runlog");
        }
        // Visible to dependents' build scripts as DEP_RUNLOG_LIB_DIR.
        println!("cargo:lib_dir={dir}");
        return;
    }

    match pkg_config::Config::new()
        .range_version("0.1".."1.0")
        .statik(want_static)
        .cargo_metadata(true)
        .probe("runlog")
    {
        Ok(lib) => {
            if let Some(dir) = lib.link_paths.first() {
                println!("cargo:lib_dir={}", dir.display());
            }
            if want_static {
                // pkg-config's Libs.private lists -pthread, which the pkg-config
                // crate does not turn into a link flag.
                println!("cargo:rustc-link-lib=dylib=pthread");
            }
        }
        Err(e) => {
            panic!(
                "\n\nrunlog-sys: cannot find the runlog C library.\n\
                 Either set RUNLOG_LIB_DIR to the directory holding librunlog.so \
                 (a CMake build tree: <build>/core; an install: <prefix>/lib),\n\
                 or make pkg-config find runlog.pc (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig \
                 after `cmake --install <build> --prefix <prefix>`).\n\
                 runlog-sys never builds or downloads the C library.\n\
                 pkg-config said: {e}\n"
            );
        }
    }
}

/// The static library is C++17 inside: add its runtime and pthread.
fn link_cxx_runtime() {
    let target = env::var("TARGET").unwrap_or_default();
    if target.contains("apple") || target.contains("freebsd") {
        println!("cargo:rustc-link-lib=dylib=c++");
    } else if !target.contains("msvc") {
        println!("cargo:rustc-link-lib=dylib=stdc++");
        println!("cargo:rustc-link-lib=dylib=m");
        println!("cargo:rustc-link-lib=dylib=pthread");
    }
}
