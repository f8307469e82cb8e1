//! The command line: scriptable output, config errors, and `serve` on a
//! fresh directory with no setup at all.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

fn hirevet(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hirevet"))
        .args(args)
        .current_dir(dir)
        .env_remove("HIREVET_DATABASE_URL")
        .env_remove("HIREVET_LISTEN")
        .output()
        .expect("run hirevet")
}

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[tokio::test]
async fn serve_on_a_fresh_directory_then_use_cli_made_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hirevet"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("HIREVET_DATABASE_URL")
        .env("HIREVET_WORKERS", "1")
        // No fetching from the publishers' servers in tests.
        .env("HIREVET_LISTS__AUTO_REFRESH", "false")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start hirevet serve");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("serve exited before listening")
            .unwrap();
        if let Some(addr) = line.strip_prefix("hirevet listening on ") {
            break addr.to_string();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    assert!(
        dir.path().join("hirevet.db").exists(),
        "default SQLite file not created"
    );

    let client = reqwest::Client::new();
    let health: Value = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let probe = Command::new(env!("CARGO_BIN_EXE_hirevet"))
        .arg("healthcheck")
        .current_dir(dir.path())
        .env("HIREVET_LISTEN", base.trim_start_matches("http://"))
        .output()
        .unwrap();
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );

    let tenant = stdout(&hirevet(dir.path(), &["tenants", "create", "Acme Corp"]));
    let tenant = tenant.trim();
    assert!(
        uuid::Uuid::parse_str(tenant).is_ok(),
        "not just an id: {tenant:?}"
    );
    let key = stdout(&hirevet(
        dir.path(),
        &[
            "keys",
            "create",
            "--tenant",
            tenant,
            "--scope",
            "candidates:read",
            "--scope",
            "candidates:write",
        ],
    ));
    let key = key.trim();
    assert!(
        key.starts_with("hv_") && !key.contains(char::is_whitespace),
        "{key:?}"
    );

    let response = client
        .post(format!("{base}/v1/candidates"))
        .bearer_auth(key)
        .json(&serde_json::json!({"external_id": "cli-1", "full_name": "Ri Chol"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    let listed: Value = serde_json::from_str(&stdout(&hirevet(
        dir.path(),
        &["keys", "list", "--tenant", tenant, "--json"],
    )))
    .unwrap();
    assert_eq!(listed[0]["scopes"], "candidates:read candidates:write");
    assert!(key.starts_with(listed[0]["prefix"].as_str().unwrap()));
    let id = listed[0]["id"].as_str().unwrap().to_string();
    stdout(&hirevet(
        dir.path(),
        &["keys", "revoke", "--tenant", tenant, &id],
    ));
    // The server may trust the key it just used for the cache TTL: the
    // revocation came from another process.
    tokio::time::sleep(hirevet::store::keys::KEY_CACHE_TTL + std::time::Duration::from_millis(200))
        .await;
    let response = client
        .get(format!("{base}/v1/candidates"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let tenants: Value = serde_json::from_str(&stdout(&hirevet(
        dir.path(),
        &["tenants", "list", "--json"],
    )))
    .unwrap();
    assert_eq!(tenants[0]["name"], "Acme Corp");
    child.kill().ok();
    child.wait().ok();
    let probe = Command::new(env!("CARGO_BIN_EXE_hirevet"))
        .arg("healthcheck")
        .current_dir(dir.path())
        .env("HIREVET_LISTEN", base.trim_start_matches("http://"))
        .output()
        .unwrap();
    assert!(
        !probe.status.success(),
        "healthcheck passed with the server stopped"
    );
}

#[test]
fn bad_configuration_is_refused_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hirevet"))
        .args(["serve"])
        .current_dir(dir.path())
        .env("HIREVET_LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`listen`"), "{stderr}");

    std::fs::write(dir.path().join("bad.toml"), "json_body_limit = \"big\"\n").unwrap();
    let output = hirevet(dir.path(), &["--config", "bad.toml", "migrate"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("json_body_limit"), "{stderr}");
    assert!(!dir.path().join("hirevet.db").exists());
}

#[test]
fn users_create_checks_role_and_prints_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = stdout(&hirevet(dir.path(), &["tenants", "create", "Acme"]));
    let output = hirevet(
        dir.path(),
        &[
            "users",
            "create",
            "--tenant",
            tenant.trim(),
            "--email",
            "sec@acme.example",
            "--role",
            "boss",
        ],
    );
    assert!(!output.status.success());
    let user = stdout(&hirevet(
        dir.path(),
        &[
            "users",
            "create",
            "--tenant",
            tenant.trim(),
            "--email",
            "sec@acme.example",
            "--role",
            "analyst",
        ],
    ));
    assert!(uuid::Uuid::parse_str(user.trim()).is_ok());
    let users: Value = serde_json::from_str(&stdout(&hirevet(
        dir.path(),
        &["users", "list", "--tenant", tenant.trim(), "--json"],
    )))
    .unwrap();
    assert_eq!(users[0]["role"], "analyst");
    assert_eq!(users[0]["email"], "sec@acme.example");
}
