//! When Vault is down (issue 23), as a user meets it: `check`, `status`, `run` and the
//! audit log with values from the last-known-good copy, `on_stale = "fail"`, and
//! `secretary cache status|clear`, against a real OpenBao that is stopped mid-test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::support;

use secretary_test_support::OpenBao;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use tempfile::TempDir;

const KEY: &str = "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM=";
const CANARY: &str = "canary-cli-5e0b7a13c2";

fn manifest(on_stale: &str) -> String {
    format!(
        r#"version = 1
[app]
name = "shop"
[sources.vault]
type = "vault"
mount = "secret"
path = "{{environment}}/{{key}}"
field = "value"
[environments.production]
sources = ["vault"]
last_known_good = {{ max_age = "24h" }}
on_stale = "{on_stale}"
outage_after = "2s"
[secrets.api_key]
required = true
[secrets.port]
type = "port"
sensitive = false
default = "8000"
"#
    )
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

struct App {
    dir: TempDir,
    server: OpenBao,
}

impl App {
    fn new(on_stale: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("secrets.toml"), manifest(on_stale)).unwrap();
        let server = OpenBao::start();
        server.kv_put("production/api_key", &[("value", CANARY)]);
        Self { dir, server }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Outcome {
        self.run_with(&[], args)
    }

    /// [`App::run`], with `extra` set after the server's variables.
    fn run_with(&self, extra: &[(&str, &str)], args: &[&str]) -> Outcome {
        Outcome::of(&self.command(extra, args).output().unwrap())
    }

    /// `secretary put KEY` with `value` on its standard input.
    fn put(&self, key: &str, value: &str) -> Outcome {
        Self::piped(self.command(&[], &["put", key]), value)
    }

    /// `command` run with `value` on its standard input.
    fn piped(mut command: std::process::Command, value: &str) -> Outcome {
        use std::io::Write as _;
        let mut child = command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{value}").unwrap();
        drop(stdin);
        Outcome::of(&child.wait_with_output().unwrap())
    }

    /// The command of [`App::run_with`], not started.
    fn command(&self, extra: &[(&str, &str)], args: &[&str]) -> std::process::Command {
        let mut command = support::secretary_in(self.path());
        command
            .envs(self.server.env())
            .envs(extra.iter().copied())
            .env("SECRETARY_CACHE_KEY", KEY)
            .env("SECRETARY_STATE_DIR", self.path().join("state"))
            .env("VAULT_MAX_RETRIES", "1")
            .args(
                ["--env", "production"]
                    .iter()
                    .filter(|_| !args.starts_with(&["cache"])),
            )
            .args(args);
        command
    }
}

impl Outcome {
    fn of(output: &std::process::Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Fails when `text` holds the canary raw, in base64 or in hex.
fn assert_no_canary(what: &str, text: &str) {
    use base64::Engine as _;
    let hex = CANARY.bytes().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    for spelling in [
        CANARY.to_owned(),
        base64::engine::general_purpose::STANDARD.encode(CANARY),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(CANARY),
        hex,
    ] {
        assert!(!text.contains(&spelling), "{what} holds the canary: {text}");
    }
}

#[test]
fn check_status_and_run_start_from_the_copy_and_say_so_everywhere() {
    let mut app = App::new("warn");
    let out = app.run(&["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let out = app.run(&["cache", "status"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("shop"), "{}", out.stdout);
    assert!(out.stdout.contains("production"), "{}", out.stdout);
    assert!(out.stdout.contains("yes"), "{}", out.stdout);
    let copy = fs::read(app.path().join("state/shop.production.lkg")).unwrap();
    assert_no_canary("the copy", &String::from_utf8_lossy(&copy));

    app.server.stop();
    let mut seen = String::new();
    let out = app.run(&["--audit-log", "audit.log", "check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("warning: STALE: source `vault` could not be reached"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("1 STALE"), "{}", out.stdout);
    seen.push_str(&out.stdout);
    seen.push_str(&out.stderr);

    let out = app.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["stale"][0]["key"], "api_key");
    assert_eq!(json["stale"][0]["source"], "vault");
    assert!(
        json["stale"][0]["cause"]
            .as_str()
            .unwrap()
            .contains("Vault")
    );
    seen.push_str(&out.stdout);

    let out = app.run(&["status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let row = &json["secrets"][0];
    assert_eq!(row["key"], "api_key");
    assert_eq!(row["state"], "stale");
    assert!(row["stale"]["age_seconds"].as_u64().unwrap() < 60);
    seen.push_str(&out.stdout);
    let out = app.run(&["status"]);
    assert!(out.stdout.contains("stale"), "{}", out.stdout);
    seen.push_str(&out.stdout);

    // `run` says it on stderr before the program starts, and the program gets the value.
    let out = app.run(&[
        "--audit-log",
        "audit.log",
        "run",
        "--",
        "sh",
        "-c",
        // The cache key is secretary's own credential: never handed to the program.
        "echo program-started >&2; test -z \"$SECRETARY_CACHE_KEY\" && test \"$API_KEY\" = canary-cli-5e0b7a13c2 && echo same",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "same");
    let warned = out.stderr.find("STALE").expect("a stale warning");
    let started = out.stderr.find("program-started").unwrap();
    assert!(warned < started, "{}", out.stderr);
    seen.push_str(&out.stderr);

    let audit = fs::read_to_string(app.path().join("audit.log")).unwrap();
    assert!(audit.contains(r#""outcome":"stale""#), "{audit}");
    assert_no_canary("the audit log", &audit);
    assert_no_canary("the outputs", &seen);
}

#[test]
fn a_copy_is_not_served_for_another_vault_server() {
    let mut app = App::new("warn");
    assert_eq!(app.run(&["check"]).code, 0);
    let out = app.run(&["cache", "status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let address = app
        .server
        .env()
        .into_iter()
        .find(|(name, _)| name == "VAULT_ADDR")
        .map(|(_, value)| value.trim_end_matches('/').to_owned())
        .unwrap();
    assert_eq!(json["copies"][0]["server"], address.as_str());
    app.server.stop();
    // The same outage, with VAULT_ADDR pointed at a server that does not answer (the
    // server stopped is on another port): production's values must not answer for it.
    let elsewhere = format!("http://127.0.0.1:{}", secretary_test_support::free_port());
    let out = app.run_with(&[("VAULT_ADDR", &elsewhere)], &["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains(&format!(
            "the last-known-good copy holds values read from {address}, and the source now reads {elsewhere}"
        )),
        "{said}"
    );
    // A copy is there, of another server: not "no copy was written" (a twelfth pass).
    assert!(said.contains("read from another server"), "{said}");
    assert!(!said.contains("no copy was written"), "{said}");
    assert_no_canary("the outputs", &said);
    // A namespace is another server too.
    let out = app.run_with(&[("VAULT_NAMESPACE", "team-b")], &["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("(namespace team-b)"), "{}", out.stdout);
    // The server it was read from still gets it.
    let out = app.run(&["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn cache_status_names_a_file_that_is_not_a_copy_and_escapes_what_a_copy_says() {
    // A twelfth adversarial pass: a file that did not read as a copy was passed over in
    // silence, and a copy's header (brought from another machine) was printed raw.
    let app = App::new("warn");
    assert_eq!(app.run(&["check"]).code, 0);
    let state = app.path().join("state");
    fs::write(state.join("junk.production.lkg"), "not a copy").unwrap();
    let copy = state.join("shop.production.lkg");
    let text = fs::read_to_string(&copy).unwrap();
    let forged = text.replacen(
        "\"environment\": \"production\"",
        "\"environment\": \"production\\u001b[2J\\nforged row\"",
        1,
    );
    assert_ne!(forged, text, "the copy's header names its environment");
    fs::write(state.join("forged.production.lkg"), forged).unwrap();
    let out = app.run(&["cache", "status"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("junk.production.lkg"),
        "the unreadable file is named: {}",
        out.stderr
    );
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
    assert!(
        out.stdout.contains("production\\u{1b}[2J\\nforged row"),
        "{}",
        out.stdout
    );
    let out = app.run(&["cache", "status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        json["unreadable"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("junk.production.lkg"),
        "{json}"
    );
}

#[test]
fn on_stale_fail_makes_check_exit_1() {
    let mut app = App::new("fail");
    assert_eq!(app.run(&["check"]).code, 0);
    app.server.stop();
    let out = app.run(&["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("the value is stale"), "{}", out.stdout);
    let out = app.run(&["run", "--", "true"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn cache_clear_removes_the_copy_and_an_outage_then_fails_closed() {
    let mut app = App::new("warn");
    assert_eq!(app.run(&["check"]).code, 0);
    // The key from a file opens the copy; another key does not, and status says why.
    fs::write(app.path().join("cache.key"), format!("{KEY}\n")).unwrap();
    let status = |key_variable: &str, key: &str| {
        let output = support::secretary_in(app.path())
            .env("SECRETARY_STATE_DIR", app.path().join("state"))
            .env(key_variable, key)
            .args(["cache", "status", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let by_file = status(
        "SECRETARY_CACHE_KEY_FILE",
        app.path().join("cache.key").to_str().unwrap(),
    );
    assert_eq!(by_file["copies"][0]["opens"], true, "{by_file}");
    assert_eq!(by_file["copies"][0]["secrets"], 1, "{by_file}");
    assert_eq!(by_file["copies"][0]["app"], "shop", "{by_file}");
    let other = status(
        "SECRETARY_CACHE_KEY",
        "hq3Q9v1x0JYz8m2PKjzXl4nq1vT6cE1dUo0aN3w5rBk=",
    );
    assert_eq!(other["copies"][0]["opens"], false, "{other}");
    assert!(
        other["copies"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("sealed with another key"),
        "{other}"
    );
    assert_no_canary("cache status", &format!("{by_file}{other}"));
    let out = app.run(&["cache", "clear", "--app", "other"]);
    assert!(out.stdout.contains("removed 0"), "{}", out.stdout);
    // A corrupt copy is removed too when nothing is filtered.
    fs::write(app.path().join("state/shop.staging.lkg"), "not a copy").unwrap();
    let out = app.run(&["cache", "clear"]);
    assert!(
        out.stdout.contains("removed 2 last-known-good copies"),
        "{}",
        out.stdout
    );
    assert!(!app.path().join("state/shop.staging.lkg").exists());
    app.server.stop();
    let out = app.run(&["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("there is no last-known-good copy"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_value_this_user_replaces_is_never_served_from_the_copy() {
    // An eighteenth adversarial pass: `rotate` wrote version 2, the copy still held
    // version 1's value, and the next outage served it as the latest.
    let mut app = App::new("warn");
    assert_eq!(app.run(&["check"]).code, 0);
    let rotated = app.put("api_key", "new-api-key-7b1c9e");
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    app.server.stop();
    let out = app.run(&["run", "--", "sh", "-c", "echo \"key=$API_KEY\""]);
    assert_no_canary("stdout", &out.stdout);
    assert_no_canary("stderr", &out.stderr);
    assert_ne!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Said as forgotten for the write, not as never written (a twenty-second pass).
    assert!(
        out.stderr.contains("forgot this source's values")
            && out
                .stderr
                .contains("after a write to its Vault server, a refusal, or `cache clear`"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_write_that_an_outage_stops_keeps_the_copy() {
    // A twentieth adversarial pass: `put` forgot the copy before Vault was reached, so
    // a put stopped by the outage left the service no copy to start from.
    let mut app = App::new("warn");
    assert_eq!(app.run(&["check"]).code, 0);
    app.server.stop();
    let put = app.put("api_key", "new-api-key-7b1c9e");
    assert_ne!(put.code, 0, "a put reached a stopped Vault");
    let out = app.run(&["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("STALE"), "{}", out.stdout);
}

#[test]
fn two_processes_writing_the_copy_at_once_leave_one_that_opens() {
    let app = App::new("warn");
    for round in 0..4 {
        app.server.kv_put(
            "production/api_key",
            &[("value", &format!("{CANARY}-{round}"))],
        );
        let children: Vec<_> = (0..2)
            .map(|_| {
                support::secretary_in(app.path())
                    .envs(app.server.env())
                    .env("SECRETARY_CACHE_KEY", KEY)
                    .env("SECRETARY_STATE_DIR", app.path().join("state"))
                    .args(["--env", "production", "check"])
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut child in children {
            let status = secretary_test_support::process::wait(&mut child);
            assert!(status.success());
        }
    }
    let out = app.run(&["cache", "status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["copies"].as_array().unwrap().len(),
        1,
        "{}",
        out.stdout
    );
    assert_eq!(json["copies"][0]["opens"], true, "{}", out.stdout);
    let leftovers = fs::read_dir(app.path().join("state"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn run_watch_keeps_the_program_through_an_outage_and_restarts_it_when_vault_is_back_changed() {
    use secretary_test_support::process::{self, Lines};
    let mut app = App::new("warn");
    let program = format!(
        "if [ \"$API_KEY\" = {CANARY} ]; then echo started-old; else echo started-new; fi; trap 'exit 0' TERM; while :; do sleep 0.1; done"
    );
    let mut child = support::secretary_in(app.path())
        .envs(app.server.env())
        .env("SECRETARY_CACHE_KEY", KEY)
        .env("SECRETARY_STATE_DIR", app.path().join("state"))
        .env("VAULT_MAX_RETRIES", "1")
        .args([
            "--env",
            "production",
            "run",
            "--watch",
            "1s",
            "--on-change",
            "restart",
        ])
        .args(["--", "sh", "-c", &program])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::new(child.stdout.take().unwrap());
    assert_eq!(lines.next_line().as_deref(), Some("started-old\n"));

    app.server.stop();
    // Two polls or more while Vault is down: the program keeps running.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "run ended during the outage"
    );

    // Vault is back, at the same address, with a new value: the program restarts.
    app.server.restart();
    app.server.kv_put(
        "production/api_key",
        &[("value", "rotated-during-the-outage")],
    );
    assert_eq!(lines.next_line().as_deref(), Some("started-new\n"));

    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = process::output(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("re-resolving could not reach a source; the program keeps running"),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("re-resolving could not reach a source")
            .count(),
        1,
        "said once: {stderr}"
    );
    assert!(
        stderr.contains("changed: api_key; restarting pid"),
        "{stderr}"
    );
    assert_no_canary("run --watch's stderr", &stderr);
}

#[test]
fn a_file_size_limit_is_an_error_the_put_reports_not_a_silent_death() {
    // A twenty-second adversarial pass: under `ulimit -f 0`, `put` wrote to Vault, then
    // died of SIGXFSZ while the copy forgot the replaced value, saying nothing.
    let app = App::new("warn");
    assert_eq!(app.run(&["check"]).code, 0);
    let put = app.command(&[], &["put", "api_key"]);
    let mut limited = std::process::Command::new("sh");
    limited
        .args(["-c", "ulimit -f 0 && exec \"$0\" \"$@\""])
        .arg(put.get_program())
        .args(put.get_args())
        .current_dir(app.path());
    for (name, value) in put.get_envs() {
        match value {
            Some(value) => limited.env(name, value),
            None => limited.env_remove(name),
        };
    }
    let out = App::piped(limited, "new-api-key-7b1c9e");
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    // The copies forgot (removed), and the record beside them could not be written:
    // said as such, not as a copy that could not forget (a sixty-second adversarial
    // pass).
    assert!(
        out.stderr.contains(
            "wrote vault:secret/data/production/api_key#value@v2; the copies forgot the values, but the record of it could not be written"
        ) && out.stderr.contains("File too large"),
        "{}",
        out.stderr
    );
    // `cache clear` would fail as the forgetting did: the hint says to make room first
    // (a twenty-fourth adversarial pass).
    assert!(
        out.stderr.contains(
            "the write happened; free space in (or repair) the state directory, then run `secretary cache clear`"
        ),
        "{}",
        out.stderr
    );
    assert_no_canary("stderr", &out.stderr);
}

#[test]
fn a_write_where_no_state_directory_can_be_made_succeeds() {
    // A twenty-third adversarial pass: with HOME where nothing can be made (CI, a
    // read-only home), `put` wrote, then failed making the directory to record the
    // forgetting in, and exited 1; no copy could ever exist there.
    let app = App::new("warn");
    let mut put = app.command(&[], &["put", "api_key"]);
    put.env_remove("SECRETARY_STATE_DIR")
        .env_remove("XDG_STATE_HOME")
        .env("HOME", "/proc/1/no-such-home");
    let out = App::piped(put, "new-api-key-7b1c9e");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("(version 2)"), "{}", out.stdout);
}

#[test]
fn cache_status_says_a_copy_saved_ahead_of_the_clock_is_so() {
    // A fifty-eighth adversarial pass: a copy saved while the clock ran ahead was shown
    // "0 seconds" old.
    let app = App::new("warn");
    assert_eq!(app.run(&["check"]).code, 0);
    let copy = app.path().join("state/shop.production.lkg");
    let mut outer: serde_json::Value = serde_json::from_slice(&fs::read(&copy).unwrap()).unwrap();
    let saved = outer["sources"][0]["saved"].as_u64().unwrap();
    outer["sources"][0]["saved"] = (saved + 3600).into();
    fs::write(&copy, outer.to_string()).unwrap();
    let out = app.run(&["cache", "status"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(" minutes ahead of the clock"),
        "{}",
        out.stdout
    );
    let out = app.run(&["cache", "status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let ahead = json["copies"][0]["ahead_seconds"].as_u64().unwrap();
    assert!((3590..=3600).contains(&ahead), "{ahead}");
    assert_eq!(json["copies"][0]["age_seconds"], 0);
}
