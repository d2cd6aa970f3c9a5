//! Online mode through the version-2 options (base URL, API key, intervals)
//! against the local W&B-protocol server tests/server/wbserver.py, with
//! runlog's built-in HTTP client. Without python3 the tests print why and
//! pass without checking anything.
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::TempDir;
use runlog::{Commit, Level, Mode, Options, Run, Step, UploadState};
use serde_json::{json, Value};

const KEY: &str = "0123456789abcdef0123456789abcdef01234567"; // wbserver's default

struct Server {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts wbserver.py on 127.0.0.1 with a free port; None without python3.
    fn start() -> Option<Server> {
        if Command::new("python3").arg("--version").output().is_err() {
            eprintln!("python3 not found: skipping the online tests (they run tests/server/wbserver.py)");
            return None;
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/server/wbserver.py");
        assert!(script.is_file(), "no {}", script.display());
        let dir = TempDir::new("wbserver");
        let ready = dir.path().join("port");
        let child = Command::new("python3")
            .arg(&script)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--max-lifetime",
                "600",
                "--exit-with-parent",
            ])
            .arg("--ready-file")
            .arg(&ready)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start wbserver.py");
        // Owned at once, so that a failure below still kills it (Drop).
        let mut server = Server {
            child,
            port: 0,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(text) = std::fs::read_to_string(&ready) {
                if text.ends_with('\n') {
                    server.port = text.trim().parse().expect("port in the ready file");
                    return Some(server);
                }
            }
            assert!(Instant::now() < deadline, "wbserver.py did not start within 60 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// GET /_admin/state (strict JSON), over a plain HTTP/1.0 request.
    fn state(&self) -> Value {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET /_admin/state?requests=0&strict=1 HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.") && head.contains(" 200 "), "{head}");
        serde_json::from_str(body).unwrap()
    }

    fn run(&self, id: &str) -> Option<Value> {
        self.state()["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == id)
            .cloned()
    }
}

fn online(server: &Server, dir: &TempDir, key: &str) -> Options {
    Options {
        project: Some("rust-online".into()),
        mode: Some(Mode::Online),
        dir: Some(dir.path().to_path_buf()),
        base_url: Some(server.url()),
        api_key: Some(key.into()),
        transmit_interval: Some(Duration::from_millis(50)),
        retry_wait_min: Some(Duration::from_millis(20)),
        retry_wait_max: Some(Duration::from_millis(200)),
        http_timeout: Some(Duration::from_secs(20)),
        upload_timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    }
}

#[test]
fn online_run_arrives_complete() {
    let Some(server) = Server::start() else { return };
    let tmp = TempDir::new("online");
    let mut o = online(&server, &tmp, KEY);
    o.silent = Some(true);
    o.config = Some(json!({"lr": 0.25}));
    let run = Run::init(o).unwrap();
    assert_eq!(run.mode(), "online");
    for i in 0..40 {
        run.log(
            &json!({"i": i, "loss": 1.0 / f64::from(i + 1)}),
            Step::Auto,
            Commit::Default,
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = run.stats().unwrap();
        if st.rows_uploaded == 40 {
            assert_eq!(st.upload_state, UploadState::Streaming, "{st:?}");
            assert!(st.upload_requests > 0, "{st:?}");
            break;
        }
        assert!(Instant::now() < deadline, "rows not acknowledged: {st:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    let id = run.id().to_string();
    run.finish(3).unwrap();
    let r = server.run(&id).expect("the run reached the server");
    let hist = r["history"].as_array().unwrap();
    assert_eq!(hist.len(), 40);
    for (k, row) in hist.iter().enumerate() {
        assert_eq!(row["_step"], json!(k));
        assert_eq!(row["i"], json!(k));
    }
    assert_eq!(r["exitcode"], json!(3));
    assert_eq!(r["complete"], json!(true));
    assert_eq!(r["config_values"]["lr"], json!(0.25));
    assert_eq!(r["project"], json!("rust-online"));
}

#[test]
fn wrong_key_is_named_without_the_key() {
    let Some(server) = Server::start() else { return };
    let tmp = TempDir::new("online-badkey");
    let bad = "fedcba9876543210fedcba9876543210fedcba98";
    let messages = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = messages.clone();
    let mut o = online(&server, &tmp, bad);
    o.log_hook = Some(Arc::new(move |_: Level, m: &str| {
        sink.lock().unwrap().push(m.to_string())
    }));
    assert!(!format!("{o:?}").contains(bad), "Debug shows the API key");
    let run = Run::init(o).unwrap();
    run.log(&json!({"x": 1}), Step::Auto, Commit::Default).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while run.stats().unwrap().upload_state != UploadState::Failed {
        assert!(Instant::now() < deadline, "the upload did not fail: {:?}", run.stats());
        std::thread::sleep(Duration::from_millis(10));
    }
    let id = run.id().to_string();
    run.finish(0).unwrap();
    let all = messages.lock().unwrap().join("\n");
    assert!(all.contains("API key") && all.contains("401"), "{all}");
    assert!(!all.contains(bad) && !all.contains(KEY), "{all}");
    assert!(server.run(&id).is_none(), "the run reached the server with a wrong key");
}

#[test]
fn online_options_on_an_offline_run() {
    let tmp = TempDir::new("online-opts");
    let mut o = common::offline(&tmp);
    o.base_url = Some("http://127.0.0.1:9".into());
    o.api_key = Some(KEY.into());
    o.retry_max = 3;
    let run = Run::init(o).unwrap();
    run.log(&json!({"x": 1}), Step::Auto, Commit::Default).unwrap();
    let st = run.stats().unwrap();
    assert_eq!(st.upload_state, UploadState::None);
    assert_eq!((st.rows_uploaded, st.upload_requests), (0, 0));
    run.finish(0).unwrap();
}
