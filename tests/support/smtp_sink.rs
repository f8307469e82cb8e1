//! Test helper: a real SMTP server in a child process, for tests that check
//! what hirevet mails and how it copes when the server goes away.
//!
//! The server is `smtp_sink.py` beside this file, built on aiosmtpd; it
//! needs a Python with aiosmtpd, which [`ensure_python_with_aiosmtpd`] finds
//! or installs into `target/test-venv` (via `scripts/setup_test_python.sh`).
//! Include this file with `#[path = "../support/smtp_sink.rs"] mod smtp_sink;`
//! (the path relative to the including file).
//!
//! ```ignore
//! let python = smtp_sink::ensure_python_with_aiosmtpd();
//! let mut sink = SmtpSink::start(&python);
//! // ... point the app at 127.0.0.1:sink.port(), security "none" ...
//! let mails = sink.wait_for(1, Duration::from_secs(10)).await;
//! sink.stop();    // connections to the port are now refused
//! sink.restart(); // same port, same mailbox
//! ```
//!
//! Recipients at `@reject.invalid` get a 550 and at `@tempfail.invalid` a
//! 451 at RCPT TO, for testing failure handling.
//!
//! Start, stop and restart block the calling thread briefly (they wait on
//! the child process only); [`SmtpSink::wait_for`] is async so that an app
//! running on the same tokio runtime keeps sending meanwhile.

// Each test binary that includes this uses only part of it.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long the Python server may take to print its READY line: a cold
/// interpreter on a loaded CI machine can take seconds.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// One message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// Envelope sender (MAIL FROM).
    pub from: String,
    /// Envelope recipients (RCPT TO) that the server accepted.
    pub to: Vec<String>,
    /// The decoded `Subject` header.
    pub subject: String,
    /// The decoded text/plain body, with `\n` line endings.
    pub body_text: String,
    /// The message as received, headers and encoded body (CRLF endings).
    pub raw: String,
    /// The user that authenticated for this message, if the server asked.
    pub auth_login: Option<String>,
}

/// What the server demands of clients.
#[derive(Debug, Clone, Default)]
pub struct SinkOptions {
    /// Require AUTH (PLAIN or LOGIN, over plain TCP) with these credentials.
    pub auth: Option<(String, String)>,
    /// AUTH mechanisms not to offer, e.g. `["PLAIN"]` to force LOGIN.
    pub auth_exclude: Vec<String>,
}

/// A running (or stopped) SMTP server on 127.0.0.1 with its own mailbox
/// directory. Dropping it kills the server and deletes the directory.
pub struct SmtpSink {
    python: PathBuf,
    options: SinkOptions,
    port: u16,
    // `mail/` holds the messages, `sink.log` the server's stderr.
    dir: tempfile::TempDir,
    child: Option<Running>,
}

struct Running {
    child: Child,
    // The server exits when this pipe closes, so that a test process killed
    // without running `Drop` does not leave it holding the port.
    _stdin: ChildStdin,
}

impl SmtpSink {
    /// Starts a server without AUTH on a free port.
    pub fn start(python: &Path) -> SmtpSink {
        Self::start_with(python, SinkOptions::default())
    }

    /// Starts a server that requires AUTH with `username` and `password`.
    pub fn start_with_auth(python: &Path, username: &str, password: &str) -> SmtpSink {
        Self::start_with(
            python,
            SinkOptions {
                auth: Some((username.to_owned(), password.to_owned())),
                ..SinkOptions::default()
            },
        )
    }

    pub fn start_with(python: &Path, options: SinkOptions) -> SmtpSink {
        let dir = tempfile::Builder::new()
            .prefix("hirevet-smtp-sink-")
            .tempdir()
            .expect("create the sink's temporary directory");
        let mut sink = SmtpSink {
            python: python.to_owned(),
            options,
            port: 0,
            dir,
            child: None,
        };
        // Another process may take the free port between our probe and the
        // server's bind: try a few ports before giving up.
        let mut last_error = String::new();
        for _ in 0..5 {
            sink.port = free_port();
            match sink.spawn() {
                Ok(running) => {
                    sink.child = Some(running);
                    return sink;
                }
                Err(e) => last_error = e,
            }
        }
        panic!("SMTP sink did not start: {last_error}");
    }

    /// The port on 127.0.0.1 that the server listens on (or did, if stopped).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the received messages (`*.eml` and `*.json`).
    pub fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every message received so far, oldest first, also across restarts.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let dir = self.mail_dir();
        let mut stems: Vec<PathBuf> = match fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                // The server renames `.json` into place last: its presence
                // means both files are complete.
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("read {}: {e}", dir.display()),
        };
        stems.sort();
        stems.iter().map(|json| read_mail(json)).collect()
    }

    /// Waits until at least `n` messages have arrived and returns them all;
    /// panics if they have not after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.messages();
            if mails.len() >= n {
                return mails;
            }
            if Instant::now() >= deadline {
                panic!(
                    "expected {n} messages within {timeout:?}, got {}; server log:\n{}",
                    mails.len(),
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// [`SmtpSink::wait_for`] for tests without a runtime.
    pub fn wait_for_blocking(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.messages();
            if mails.len() >= n || Instant::now() >= deadline {
                assert!(
                    mails.len() >= n,
                    "expected {n} messages within {timeout:?}, got {}; server log:\n{}",
                    mails.len(),
                    self.log()
                );
                return mails;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Stops the server (SIGTERM, then SIGKILL if it lingers); once this
    /// returns, connections to the port are refused.
    pub fn stop(&mut self) {
        let Some(mut running) = self.child.take() else {
            return;
        };
        let pid = running.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match running.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = running.child.kill();
                    let _ = running.child.wait();
                    break;
                }
            }
        }
    }

    /// Starts the server again on the same port and mail directory.
    pub fn restart(&mut self) {
        self.stop();
        // A port that was just closed can be briefly unavailable; keep
        // trying for a while rather than fail on the first attempt.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.spawn() {
                Ok(running) => {
                    self.child = Some(running);
                    return;
                }
                Err(e) if Instant::now() >= deadline => {
                    panic!("SMTP sink did not restart on port {}: {e}", self.port)
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Whether the server process is up.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The server's stderr so far, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sink.log")).unwrap_or_default()
    }

    fn spawn(&self) -> Result<Running, String> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("sink.log"))
            .map_err(|e| format!("open sink.log: {e}"))?;
        let mut command = Command::new(&self.python);
        command
            .arg("-u")
            .arg(script_path())
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--outdir")
            .arg(self.mail_dir())
            .arg("--exit-on-stdin-eof")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some((user, password)) = &self.options.auth {
            command.args(["--username", user, "--password", password]);
        }
        for mechanism in &self.options.auth_exclude {
            command.args(["--auth-exclude", mechanism]);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", self.python.display()))?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");

        // A thread reads stdout so that the wait below can time out; it then
        // drains the pipe until the server exits.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let expected = format!("READY {}", self.port);
        let deadline = Instant::now() + READY_TIMEOUT;
        let outcome = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.trim() == expected => break Ok(()),
                Ok(line) if line.starts_with("FAILED") => break Err(line),
                Ok(_) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    break Err(format!("no READY line within {READY_TIMEOUT:?}"))
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break Err("server exited before it was ready".to_owned())
                }
            }
        };
        match outcome {
            Ok(()) => Ok(Running {
                child,
                _stdin: stdin,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("{e}; server log:\n{}", self.log()))
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut running) = self.child.take() {
            let _ = running.child.kill();
            let _ = running.child.wait();
        }
    }
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub fn port_is_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).is_ok()
}

/// A Python that can `import aiosmtpd`: `$HIREVET_TEST_PYTHON` (which must
/// work if set), else `target/test-venv/bin/python` under the crate root,
/// else `python3`.
pub fn find_python_with_aiosmtpd() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("HIREVET_TEST_PYTHON").filter(|v| !v.is_empty()) {
        let python = PathBuf::from(python);
        // A wrong explicit setting should fail loudly, not quietly fall
        // back to some other interpreter.
        assert!(
            has_aiosmtpd(&python),
            "HIREVET_TEST_PYTHON={} cannot import aiosmtpd",
            python.display()
        );
        return Some(python);
    }
    let venv = venv_dir().join("bin/python");
    if has_aiosmtpd(&venv) {
        return Some(venv);
    }
    let system = PathBuf::from("python3");
    has_aiosmtpd(&system).then_some(system)
}

/// [`find_python_with_aiosmtpd`], running `scripts/setup_test_python.sh`
/// (once per test process) to make the venv when none is found. Panics
/// with the script's output if that fails.
pub fn ensure_python_with_aiosmtpd() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            if let Some(python) = find_python_with_aiosmtpd() {
                return python;
            }
            let script = support_dir().join("../../scripts/setup_test_python.sh");
            let output = Command::new("bash")
                .arg(&script)
                .env("HIREVET_TEST_VENV", venv_dir())
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
            assert!(
                output.status.success(),
                "{} failed: {}\n{}",
                script.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            let python = venv_dir().join("bin/python");
            assert!(
                has_aiosmtpd(&python),
                "{} ran but {} cannot import aiosmtpd",
                script.display(),
                python.display()
            );
            python
        })
        .clone()
}

fn has_aiosmtpd(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import aiosmtpd"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn venv_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv")
}

/// This file's directory. `file!()` is relative to the crate root unless
/// the including `#[path]` was absolute.
fn support_dir() -> PathBuf {
    let file = Path::new(file!());
    let here = if file.is_absolute() {
        file.to_owned()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
    };
    here.parent().expect("a file has a directory").to_owned()
}

fn script_path() -> PathBuf {
    support_dir().join("smtp_sink.py")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("bound address").port()
}

fn read_mail(json_path: &Path) -> ReceivedMail {
    let text = fs::read_to_string(json_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", json_path.display()));
    let meta: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("parse {}: {e}", json_path.display()));
    let raw_path = json_path.with_extension("eml");
    let raw = fs::read(&raw_path).unwrap_or_else(|e| panic!("read {}: {e}", raw_path.display()));
    let string = |key: &str| meta[key].as_str().unwrap_or_default().to_owned();
    ReceivedMail {
        from: string("mail_from"),
        to: meta["rcpt_tos"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        subject: string("subject"),
        body_text: string("body_text"),
        raw: String::from_utf8_lossy(&raw).into_owned(),
        auth_login: meta["auth_login"].as_str().map(str::to_owned),
    }
}
