//! Writes whose answers were lost, against a scripted server: said as "may have been
//! written", in the output and in the audit log, never as "not written" (a twenty-sixth
//! adversarial pass found both `put`'s audit line and `import`'s table saying a failure).

use super::{Outcome, support};

use std::fs;
use std::io::Write as _;
use std::process::Stdio;

use secretary_test_support::scripted::{self, Answer, Scripted, answer, serve};

const MANIFEST: &str = r#"version = 1
[sources.dotenv]
type = "dotenv"
files = [".env"]
[sources.vault]
type = "vault"
[environments.development]
sources = ["dotenv"]
[environments.production]
sources = ["vault"]
[secrets.api_key]
required = true
"#;

/// What the server holds before: version 3.
fn before() -> Answer {
    Answer {
        body: r#"{"data":{"data":{"value":"old-api-key-0000"},"metadata":{"version":3}}}"#
            .to_owned(),
        ..answer(200)
    }
}

/// A write applied, or not, whose answer never comes.
fn lost() -> Answer {
    Answer {
        shape: scripted::Shape::Hangup,
        ..answer(200)
    }
}

/// Runs secretary in a project of [`MANIFEST`] against `node`, `stdin` on its input.
fn run(dir: &std::path::Path, node: &Scripted, args: &[&str], stdin: &str) -> Outcome {
    let mut child = support::secretary_in(dir)
        .env("VAULT_ADDR", &node.address)
        .env("VAULT_TOKEN", "s.scripted-token")
        .env("VAULT_MAX_RETRIES", "1")
        .env("HOME", dir)
        .args(["--audit-log", "audit.log"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let output = child.wait_with_output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The `outcome` of each line of the audit log in `dir`.
fn outcomes(dir: &std::path::Path) -> Vec<String> {
    fs::read_to_string(dir.join("audit.log"))
        .unwrap()
        .lines()
        .map(|line| {
            let line: serde_json::Value = serde_json::from_str(line).unwrap();
            format!(
                "{} {}",
                line["event"].as_str().unwrap(),
                line["outcome"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_put_whose_answers_were_lost_is_recorded_as_unconfirmed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("secrets.toml"), MANIFEST).unwrap();
    // The read, two attempts at the write, then nothing answers the read-back.
    let node = serve(vec![before(), lost(), lost()]);
    let out = run(
        dir.path(),
        &node,
        &["--env", "production", "put", "api_key"],
        "new-api-key-1111",
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("may have reached Vault"),
        "{}",
        out.all()
    );
    assert_eq!(outcomes(dir.path()), ["put intent", "put unconfirmed"]);
    assert!(!out.all().contains("new-api-key-1111"), "{}", out.all());
}

#[test]
fn an_import_whose_answers_were_lost_says_unconfirmed_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("secrets.toml"), MANIFEST).unwrap();
    fs::write(dir.path().join(".env"), "API_KEY=new-api-key-2222\n").unwrap();
    let import = [
        "--env",
        "production",
        "import",
        "--from",
        "development",
        "--overwrite",
    ];
    let node = serve(vec![before(), lost(), lost()]);
    let out = run(dir.path(), &node, &import, "");
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("update (UNCONFIRMED)"), "{}", out.all());
    assert!(
        out.stdout.contains("may have been written api_key: "),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains(
            "0 written, 1 that may have been written (Vault could not tell), 0 not written"
        ),
        "{}",
        out.all()
    );
    let log = outcomes(dir.path());
    assert_eq!(
        log.last().map(String::as_str),
        Some("import unconfirmed"),
        "{log:?}"
    );

    let node = serve(vec![before(), lost(), lost()]);
    let mut json = import.to_vec();
    json.extend(["--format", "json"]);
    let out = run(dir.path(), &node, &json, "");
    let report: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|error| panic!("{error}: {}", out.all()));
    assert_eq!(
        (
            &report["written"],
            &report["unconfirmed"],
            &report["failed"],
            &report["items"][0]["unconfirmed"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!(1),
            &serde_json::json!(0),
            &serde_json::json!(true)
        ),
        "{}",
        out.all()
    );
    assert!(!out.all().contains("new-api-key-2222"), "{}", out.all());
}
