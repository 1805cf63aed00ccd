//! From `.env` to Vault and rotation as routine, as a user meets it against a real
//! OpenBao: `import`, per-environment rules, rotation policy and age, `rotate`,
//! `rollback`, and the errors met on the way.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::support;

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use secretary_test_support::OpenBao;
use tempfile::TempDir;

/// Development from `.env`, production from Vault (no placeholders allowed), with rules of
/// its own for two secrets.
const MANIFEST: &str = r#"version = 1
[sources.dotenv]
type = "dotenv"
files = [".env"]
[sources.vault]
type = "vault"

[environments.development]
sources = ["dotenv"]
[environments.development.secrets.debug_mode]
default = "true"

[environments.production]
sources = ["vault"]
forbid_placeholders = true
[environments.production.secrets.redis_password]
required = true

[secrets.api_key]
required = true
min_length = 10
generate = "provided"
[secrets.secret_key]
required = true
min_length = 32
rotate_every = "90d"
generate = { bytes = 32, format = "urlsafe" }
[secrets.redis_password]
[secrets.debug_mode]
sensitive = false
type = "bool"
default = "false"
"#;

const DOTENV: &str = "API_KEY=dev-api-key-0123456789\nSECRET_KEY=dev-secret-key-0123456789abcdef0123456789\nREDIS_PASSWORD=dev-redis-pw\n";

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn all(&self) -> String {
        format!("exit {}\n{}{}", self.code, self.stdout, self.stderr)
    }
}

struct App {
    dir: TempDir,
}

impl App {
    fn new(manifest: &str, dotenv: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
        fs::write(dir.path().join(".env"), dotenv).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, bao: &OpenBao, args: &[&str]) -> Outcome {
        self.run_with(bao, args, None, &[])
    }

    fn run_with(
        &self,
        bao: &OpenBao,
        args: &[&str],
        stdin: Option<&str>,
        vars: &[(&str, &str)],
    ) -> Outcome {
        let mut command = support::secretary_in(self.path());
        command
            .envs(bao.env())
            .env("HOME", self.path())
            .envs(vars.iter().copied())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            // A command that fails before it reads stdin closes it: that is not an error.
            let _ = input.write_all(text.as_bytes());
        }
        drop(input);
        let output = child.wait_with_output().unwrap();
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The value of `field` at `path` (mount `secret`), and its version.
fn stored(bao: &OpenBao, path: &str) -> Option<(String, u64)> {
    let output = bao
        .command(&["kv", "get", "-format=json", "-mount=secret", path])
        .output()
        .unwrap();
    if !output.status.success() {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    Some((
        json["data"]["data"]["value"].as_str()?.to_owned(),
        json["data"]["metadata"]["version"].as_u64()?,
    ))
}

fn assert_no_value(outcome: &Outcome, values: &[&str]) {
    for value in values {
        assert!(
            !outcome.stdout.contains(value) && !outcome.stderr.contains(value),
            "a value was shown: {}",
            outcome.all()
        );
    }
}

#[test]
fn import_plans_copies_once_and_a_rerun_changes_nothing() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let values = [
        "dev-api-key-0123456789",
        "dev-secret-key-0123456789abcdef0123456789",
        "dev-redis-pw",
    ];

    let plan = app.run(
        &bao,
        &[
            "--env",
            "production",
            "import",
            "--from",
            "development",
            "--dry-run",
        ],
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains("(dry run: nothing is written)"),
        "{}",
        plan.all()
    );
    for key in ["api_key", "secret_key", "redis_password"] {
        assert!(
            plan.stdout
                .lines()
                .any(|line| line.starts_with(key) && line.contains("create")),
            "{key}: {}",
            plan.all()
        );
    }
    assert!(
        plan.stdout
            .lines()
            .any(|l| l.starts_with("debug_mode") && l.contains("setting")),
        "a setting is not copied (issue 25, item 19): {}",
        plan.all()
    );
    assert!(
        plan.stdout.contains("left out 1 setting (sensitive = false), whose values belong to each environment: debug_mode; name one with --only to copy it"),
        "{}",
        plan.all()
    );
    assert_no_value(&plan, &values);
    assert_eq!(stored(&bao, "production/api_key"), None, "a dry run wrote");

    let done = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(done.code, 0, "{}", done.all());
    assert_no_value(&done, &values);
    assert_eq!(
        stored(&bao, "production/api_key"),
        Some(("dev-api-key-0123456789".to_owned(), 1))
    );
    assert_eq!(app.run(&bao, &["--env", "production", "check"]).code, 0);

    let again = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again
            .stdout
            .lines()
            .filter(|l| l.contains(" same "))
            .count()
            == 3,
        "{}",
        again.all()
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap().1,
        1,
        "no new version"
    );
}

/// `import` of two keys from the `.env` source alone, with `extra`.
fn import_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--env",
        "production",
        "import",
        "--from-source",
        "dotenv",
        "--only",
        "api_key,secret_key",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn import_of_some_keys_from_one_source_shows_fingerprints_and_audits_each_write() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let values = [
        "dev-api-key-0123456789",
        "dev-secret-key-0123456789abcdef0123456789",
        "dev-redis-pw",
    ];
    let audit_key = [(
        "SECRETARY_AUDIT_KEY",
        "b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ",
    )];
    let plan = app.run_with(
        &bao,
        &import_args(&["--dry-run", "--format", "json"]),
        None,
        &audit_key,
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_no_value(&plan, &values);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["fingerprints"], "SECRETARY_AUDIT_KEY");
    let items = json["items"].as_array().unwrap();
    let keys: Vec<&str> = items.iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["api_key", "secret_key"], "only the keys asked for");
    for item in items {
        assert_eq!(item["action"], "create", "{item}");
        assert!(
            item["from_fingerprint"]
                .as_str()
                .unwrap()
                .starts_with("hmac-sha256:"),
            "{item}"
        );
        assert!(
            item["from"].as_str().unwrap().starts_with("dotenv:"),
            "{item}"
        );
    }
    assert_eq!(stored(&bao, "production/api_key"), None, "a dry run wrote");

    let log = app.path().join("audit.log");
    let done = app.run_with(
        &bao,
        &import_args(&["--audit-log", log.to_str().unwrap()]),
        None,
        &audit_key,
    );
    assert_eq!(done.code, 0, "{}", done.all());
    assert_eq!(
        stored(&bao, "production/api_key"),
        Some(("dev-api-key-0123456789".to_owned(), 1))
    );
    assert!(stored(&bao, "production/secret_key").is_some());
    assert_eq!(
        stored(&bao, "production/redis_password"),
        None,
        "a key not in --only was written"
    );
    let text = fs::read_to_string(&log).unwrap();
    for value in values {
        assert!(!text.contains(value), "a value in the audit log");
    }
    let imports: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|line| line["event"] == "import")
        .collect();
    // An intent line for each write first (in manifest order), then each write as it
    // lands, in whatever order the answers come (issue 25, item 4).
    let keys = |intent: bool| -> Vec<&str> {
        let mut keys: Vec<&str> = imports
            .iter()
            .filter(|l| (l["outcome"] == "intent") == intent)
            .map(|l| l["key"].as_str().unwrap())
            .collect();
        if !intent {
            keys.sort_unstable();
        }
        keys
    };
    assert_eq!(keys(true), ["api_key", "secret_key"], "{text}");
    assert_eq!(keys(false), ["api_key", "secret_key"], "{text}");
    for line in imports.iter().filter(|l| l["outcome"] != "intent") {
        assert_eq!(line["outcome"], "ok", "{line}");
    }
}

#[test]
fn an_import_keeps_a_value_that_differs_unless_told_to_overwrite_it() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let first = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(first.code, 0, "{}", first.all());
    // A value that differs is kept unless --overwrite, which updates it.
    fs::write(
        app.path().join(".env"),
        DOTENV.replace("dev-api-key-0123456789", "dev-api-key-9876543210"),
    )
    .unwrap();
    let kept = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert!(
        kept.stdout.contains("--overwrite replaces them"),
        "{}",
        kept.all()
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap(),
        ("dev-api-key-0123456789".to_owned(), 1)
    );
    let json = app.run(
        &bao,
        &[
            "--env",
            "production",
            "import",
            "--from",
            "development",
            "--overwrite",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.code, 0, "{}", json.all());
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["schema_version"], 1);
    let item = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "api_key")
        .unwrap();
    assert_eq!(item["action"], "update");
    assert_ne!(item["from_fingerprint"], item["to_fingerprint"]);
    assert!(
        item["from_fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("hmac-sha256:")
    );
    assert_eq!(
        item["written"],
        "vault:secret/data/production/api_key#value@v2"
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap(),
        ("dev-api-key-9876543210".to_owned(), 2)
    );
}

#[test]
fn import_writes_nothing_when_any_value_breaks_the_target_rules() {
    let bao = OpenBao::start();
    let app = App::new(
        MANIFEST,
        &DOTENV.replace("dev-api-key-0123456789", "change-me-please"),
    );
    let out = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("refused api_key: the value looks like a placeholder"),
        "{}",
        out.all()
    );
    assert!(out.stderr.contains("nothing was written"), "{}", out.all());
    assert_eq!(
        stored(&bao, "production/secret_key"),
        None,
        "written despite a refusal"
    );
    assert_no_value(&out, &["change-me-please"]);
}

#[test]
fn an_import_that_fails_part_way_says_what_was_written_and_a_rerun_finishes() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    // A token that may do everything but write redis_password.
    let policy = app.path().join("partial.hcl");
    fs::write(
        &policy,
        "path \"secret/data/production/*\" { capabilities = [\"create\", \"read\", \"update\"] }\n\
         path \"secret/data/production/redis_password\" { capabilities = [\"read\"] }\n",
    )
    .unwrap();
    bao.bao(&["policy", "write", "partial", policy.to_str().unwrap()]);
    let token = bao.bao(&["token", "create", "-policy=partial", "-field=token"]);
    let out = app.run_with(
        &bao,
        &["--env", "production", "import", "--from", "development"],
        None,
        &[("VAULT_TOKEN", &token)],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("api_key") && l.contains("create (done)")),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("not written redis_password"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("2 written, 1 not written"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("run the same command again to finish"),
        "{}",
        out.all()
    );
    assert_eq!(stored(&bao, "production/redis_password"), None);
    // A refused write asks for the permissions a write needs, not for `read` (issue 25,
    // item 18).
    let put = app.run_with(
        &bao,
        &["--env", "production", "put", "redis_password"],
        Some("a-new-redis-password-0123\n"),
        &[("VAULT_TOKEN", &token)],
    );
    assert_eq!(put.code, 1, "{}", put.all());
    assert!(
        put.stderr
            .contains("a policy that allows `create` and `update` on this path"),
        "{}",
        put.all()
    );
    assert_eq!(stored(&bao, "production/redis_password"), None);

    let rerun = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(rerun.code, 0, "{}", rerun.all());
    assert!(
        rerun
            .stdout
            .lines()
            .any(|l| l.starts_with("api_key") && l.contains("same")),
        "{}",
        rerun.all()
    );
    assert!(
        rerun
            .stdout
            .lines()
            .any(|l| l.starts_with("redis_password") && l.contains("create (done)")),
        "{}",
        rerun.all()
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap().1,
        1,
        "not written twice"
    );
}

#[test]
fn rotate_makes_a_new_value_and_rollback_writes_the_previous_one_again() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let audit = app.path().join("audit.log");
    let first = "first-secret-key-0123456789abcdef0123";
    bao.kv_put("production/secret_key", &[("value", first)]);
    let out = app.run(
        &bao,
        &[
            "--env",
            "production",
            "--audit-log",
            audit.to_str().unwrap(),
            "rotate",
            "secret_key",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("rotated secret_key: wrote vault:secret/data/production/secret_key#value@v2"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("run --watch"),
        "says what to do next: {}",
        out.all()
    );
    let (second, version) = stored(&bao, "production/secret_key").unwrap();
    assert_eq!(version, 2);
    assert_ne!(second, first);
    assert_eq!(second.len(), 43, "32 random bytes, URL-safe base64");
    assert_no_value(&out, &[&second]);
    let line = fs::read_to_string(&audit).unwrap();
    assert!(
        line.contains(r#""event":"rotate""#) && line.contains(r#""outcome":"ok""#),
        "{line}"
    );
    assert!(!line.contains(&second));

    let back = app.run(&bao, &["--env", "production", "rollback", "secret_key"]);
    assert_eq!(back.code, 0, "{}", back.all());
    assert!(
        back.stdout.contains(
            "back to the value of version 1: wrote vault:secret/data/production/secret_key#value@v3"
        ),
        "{}",
        back.all()
    );
    assert_eq!(
        stored(&bao, "production/secret_key").unwrap(),
        (first.to_owned(), 3)
    );
    let to = app.run(
        &bao,
        &["--env", "production", "rollback", "secret_key", "--to", "2"],
    );
    assert_eq!(to.code, 0, "{}", to.all());
    assert_eq!(
        stored(&bao, "production/secret_key").unwrap(),
        (second.clone(), 4)
    );
    assert_no_value(&back, &[first, &second]);

    bao.bao(&[
        "kv",
        "destroy",
        "-mount=secret",
        "-versions=1",
        "production/secret_key",
    ]);
    let gone = app.run(
        &bao,
        &["--env", "production", "rollback", "secret_key", "--to", "1"],
    );
    assert_eq!(gone.code, 1, "{}", gone.all());
    assert!(
        gone.stderr
            .contains("holds no value to roll back to (destroyed)"),
        "{}",
        gone.all()
    );
}

#[test]
fn a_provided_secret_is_rotated_from_stdin_and_checked_first() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let short = app.run_with(
        &bao,
        &["--env", "production", "rotate", "api_key"],
        Some("too-short"),
        &[],
    );
    assert_eq!(short.code, 1, "{}", short.all());
    assert!(
        short.stderr.contains("nothing was written"),
        "{}",
        short.all()
    );
    assert_eq!(stored(&bao, "production/api_key"), None);
    let pasted = app.run_with(
        &bao,
        &["--env", "production", "rotate", "api_key"],
        Some("vendor-issued-key-42\n"),
        &[],
    );
    assert_eq!(pasted.code, 0, "{}", pasted.all());
    assert_eq!(
        stored(&bao, "production/api_key").unwrap().0,
        "vendor-issued-key-42"
    );
    let two = app.run(
        &bao,
        &["--env", "production", "rotate", "api_key", "redis_password"],
    );
    assert_eq!(
        two.code,
        2,
        "two values cannot both come from stdin: {}",
        two.all()
    );
}

const AGING: &str = r#"version = 1
[sources.vault]
type = "vault"
[environments.lenient]
sources = ["vault"]
[environments.strict]
sources = ["vault"]
enforce_rotation = true
[secrets.secret_key]
required = true
rotate_every = "1s"
generate = { bytes = 32 }
"#;

#[test]
fn check_and_status_tell_the_age_and_flag_what_is_overdue_and_rotate_due_fixes_it() {
    let bao = OpenBao::start();
    let app = App::new(AGING, "");
    bao.kv_put("lenient/secret_key", &[("value", "old-key-0123456789")]);
    bao.kv_put("strict/secret_key", &[("value", "old-key-0123456789")]);
    std::thread::sleep(std::time::Duration::from_millis(2100));

    let lenient = app.run(&bao, &["--env", "lenient", "check"]);
    assert_eq!(
        lenient.code,
        0,
        "a warning, not a problem: {}",
        lenient.all()
    );
    assert!(
        lenient
            .stderr
            .contains("secret `secret_key` is overdue for rotation"),
        "{}",
        lenient.all()
    );
    let json = app.run(&bao, &["--env", "lenient", "check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let age = &json["ages"][0];
    assert_eq!(age["key"], "secret_key");
    assert_eq!(age["overdue"], true);
    assert_eq!(age["rotate_every_seconds"], 1);
    assert!(age["age_seconds"].as_u64().unwrap() >= 2, "{age}");
    assert!(
        age["rotation_due"].as_str().unwrap().ends_with('Z'),
        "{age}"
    );
    let status = app.run(&bao, &["--env", "lenient", "status"]);
    assert!(
        status.stdout.contains("AGE") && status.stdout.contains("(rotation due)"),
        "{}",
        status.all()
    );

    let strict = app.run(&bao, &["--env", "strict", "check"]);
    assert_eq!(strict.code, 1, "enforced: {}", strict.all());
    assert!(strict.stdout.contains("[overdue]"), "{}", strict.all());

    let rotated = app.run(&bao, &["--env", "strict", "rotate", "--due"]);
    assert_eq!(rotated.code, 0, "{}", rotated.all());
    assert!(
        rotated.stdout.contains("rotated secret_key"),
        "{}",
        rotated.all()
    );
    assert_eq!(app.run(&bao, &["--env", "strict", "check"]).code, 0);
    let nothing = app.run(&bao, &["--env", "strict", "rotate", "--due"]);
    assert!(
        nothing.stdout.contains("nothing is due"),
        "{}",
        nothing.all()
    );
}

#[test]
fn environment_rules_agree_in_check_example_list_and_status() {
    let bao = OpenBao::start();
    let app = App::new(
        MANIFEST,
        "API_KEY=dev-api-key-0123456789\nSECRET_KEY=dev-secret-key-0123456789abcdef0123456789\n",
    );
    // Development: redis_password is optional, debug_mode defaults to true.
    let dev = app.run(
        &bao,
        &["--env", "development", "status", "--format", "json"],
    );
    assert_eq!(dev.code, 0, "{}", dev.all());
    let dev: serde_json::Value = serde_json::from_str(&dev.stdout).unwrap();
    let row = |json: &serde_json::Value, key: &str| {
        json["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&dev, "debug_mode")["value"], "true");
    assert_eq!(row(&dev, "redis_password")["required"], false);
    // Production: redis_password is required, debug_mode defaults to false.
    for key in ["api_key", "secret_key"] {
        bao.kv_put(
            &format!("production/{key}"),
            &[("value", "prod-value-0123456789abcdef0123456789")],
        );
    }
    let prod = app.run(&bao, &["--env", "production", "check"]);
    assert_eq!(prod.code, 1, "{}", prod.all());
    assert!(prod.stdout.contains("redis_password"), "{}", prod.all());
    let example = app.run(&bao, &["--env", "production", "example"]);
    assert!(
        example
            .stdout
            .contains("# required\nREDIS_PASSWORD=change-me"),
        "{}",
        example.all()
    );
    let dev_example = app.run(&bao, &["--env", "development", "example"]);
    assert!(
        !dev_example.stdout.contains("REDIS_PASSWORD=change-me"),
        "{}",
        dev_example.all()
    );
    assert!(
        dev_example.stdout.contains("DEBUG_MODE=true"),
        "{}",
        dev_example.all()
    );
    let list = app.run(&bao, &["list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let production = list["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "production")
        .unwrap();
    assert_eq!(production["rules"]["redis_password"]["required"], true);
    let secret_key = list["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "secret_key")
        .unwrap();
    assert_eq!(secret_key["rotation"]["every_seconds"], 90 * 86_400);
    assert_eq!(secret_key["rotation"]["new_value"], "generated");
}

#[test]
fn the_errors_on_the_way_to_vault_say_the_right_thing() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    // A variable name where a key is expected.
    let out = app.run_with(
        &bao,
        &["--env", "production", "put", "SECRET_KEY"],
        Some("x"),
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("did you mean `secret_key`?"),
        "{}",
        out.all()
    );
    // An environment without a vault source.
    let out = app.run_with(&bao, &["put", "secret_key"], Some("x"), &[]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("environments with one: `production`"),
        "{}",
        out.all()
    );
    // https:// against a dev server, which speaks plain http.
    let https = bao.address.replace("http://", "https://");
    let out = app.run_with(
        &bao,
        &["--env", "production", "check"],
        None,
        &[("VAULT_ADDR", &https)],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains(&format!("use {}", bao.address)),
        "{}",
        out.all()
    );
    // A secret stored under another field than the source's.
    bao.kv_put(
        "production/api_key",
        &[("password", "stored-under-the-wrong-field")],
    );
    let out = app.run(&bao, &["--env", "production", "check"]);
    assert!(
        out.stdout
            .contains("no field `value`; the path has `password`"),
        "{}",
        out.all()
    );
    assert_no_value(&out, &["stored-under-the-wrong-field"]);
}

/// `secretary ARGS` in `app` with `value` on stdin, its file writes capped at `blocks`
/// of 512 bytes (dash's `ulimit -f`) with SIGXFSZ ignored, so that a write past the cap
/// fails as on a full disk.
fn capped(app: &App, bao: &OpenBao, blocks: u64, args: &[&str], value: &str) -> Outcome {
    let mut child = std::process::Command::new("sh")
        .current_dir(app.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", app.path())
        .envs(bao.env())
        .args(["-c", "trap '' XFSZ; ulimit -f \"$0\"; exec \"$@\""])
        .arg(blocks.to_string())
        .arg(support::secretary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{value}\n").as_bytes());
    let output = secretary_test_support::process::output(child);
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn a_write_whose_audit_line_fails_after_it_landed_says_what_it_wrote() {
    // put wrote, then audited: on a full disk the new version existed and the command
    // said nothing was read or run, so a re-run rotated twice (issue 25, item 4). Now an
    // `intent` line goes first (no room for it: nothing is sent), and a failed outcome
    // line names the write.
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let put = [
        "--audit-log",
        "audit.log",
        "--env",
        "production",
        "put",
        "api_key",
    ];
    // A first put, uncapped, gives the two lines' lengths.
    let first = capped(&app, &bao, 1 << 20, &put, "first-api-key-1111111");
    assert_eq!(first.code, 0, "{}", first.all());
    let log = fs::read_to_string(app.path().join("audit.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].contains("\"event\":\"put\"") && lines[0].contains("\"outcome\":\"intent\""));
    assert!(lines[1].contains("\"outcome\":\"ok\""), "{log}");
    let (intent, outcome) = (lines[0].len() + 1, lines[1].len() + 1);
    assert!(outcome > intent + 20, "{log}");

    // Room for the intent line and not for the outcome: pad the log (its first line is
    // an audit line, so it is still a log) to just below a block boundary.
    let pad = |room: usize| {
        let mut text = format!("{}\n", lines[0]);
        let end = (text.len() + intent + 1024).div_ceil(512) * 512;
        while text.len() + room < end {
            let filler = (end - room - text.len()).clamp(2, 200);
            text.push_str(&"x".repeat(filler - 1));
            text.push('\n');
        }
        fs::write(app.path().join("audit.log"), &text).unwrap();
        (end / 512) as u64
    };
    let blocks = pad(intent + (outcome - intent) / 2);
    let out = capped(&app, &bao, blocks, &put, "second-api-key-2222222");
    assert_eq!(out.code, 2, "{}", out.all());
    let (value, version) = stored(&bao, "production/api_key").unwrap();
    assert_eq!(value, "second-api-key-2222222", "the write landed");
    assert!(
        out.stderr
            .contains("error: the audit log could not record a write that happened"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains(&format!(
            "  wrote: vault:secret/data/production/api_key#value@v{version}"
        )),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("do not run the command again"),
        "{}",
        out.all()
    );
    assert!(
        !out.stderr.contains("nothing is read or run"),
        "{}",
        out.all()
    );
    // The outcome line may stand cut short at the cap: the last whole line is the intent.
    let log = fs::read_to_string(app.path().join("audit.log")).unwrap();
    let last = log
        .split_inclusive('\n')
        .rfind(|line| line.ends_with('\n'))
        .unwrap();
    assert!(last.contains("\"outcome\":\"intent\""), "{last}");
    assert_no_value(&out, &["second-api-key-2222222"]);

    // No room even for the intent: nothing is sent.
    let blocks = pad(intent / 2);
    let out = capped(&app, &bao, blocks, &put, "third-api-key-33333333");
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("nothing is read or run"),
        "{}",
        out.all()
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap(),
        ("second-api-key-2222222".to_owned(), version),
        "written though its intent could not be recorded"
    );
}

#[test]
fn import_records_every_value_it_reads_and_each_write_with_its_intent() {
    // import, --dry-run included, read the source environment and every target path
    // without a line in the audit log (issue 25, item 5).
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    bao.bao(&[
        "kv",
        "put",
        "-mount=secret",
        "production/redis_password",
        "value=prod-redis-pw-1",
    ]);
    let lines = |name: &str| -> Vec<serde_json::Value> {
        fs::read_to_string(app.path().join(name))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    let args = |log: &'static str, dry: bool| {
        let mut args = vec![
            "--audit-log",
            log,
            "--env",
            "production",
            "import",
            "--from",
            "development",
        ];
        if dry {
            args.push("--dry-run");
        }
        args
    };
    let out = app.run(&bao, &args("dry.log", true));
    assert_eq!(out.code, 0, "{}", out.all());
    let dry = lines("dry.log");
    let reads = |log: &[serde_json::Value], key: &str| -> Vec<String> {
        log.iter()
            .filter(|line| line["event"] == "import_read" && line["key"] == key)
            .map(|line| line["locator"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(reads(&dry, "api_key"), ["dotenv:.env:1"], "{dry:?}");
    assert_eq!(
        reads(&dry, "redis_password"),
        [
            "dotenv:.env:3",
            "vault:secret/data/production/redis_password#value@v1"
        ],
        "the target's value is read too: {dry:?}"
    );
    assert!(
        dry.iter().all(|line| line["event"] == "import_read"),
        "a dry run writes nothing: {dry:?}"
    );
    assert!(
        !fs::read_to_string(app.path().join("dry.log"))
            .unwrap()
            .contains("dev-api-key")
    );

    let out = app.run(&bao, &args("real.log", false));
    assert_eq!(out.code, 0, "{}", out.all());
    let real = lines("real.log");
    for key in ["api_key", "secret_key"] {
        let events: Vec<(&str, &str)> = real
            .iter()
            .filter(|line| line["key"] == key && line["event"] == "import")
            .map(|line| {
                (
                    line["outcome"].as_str().unwrap(),
                    line["locator"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(events.len(), 2, "{key}: {real:?}");
        assert_eq!(events[0], ("intent", ""), "{key}: the intent comes first");
        assert_eq!(events[1].0, "ok");
        assert!(
            events[1]
                .1
                .starts_with(&format!("vault:secret/data/production/{key}#value@v"))
        );
    }
}

#[test]
fn import_leaves_settings_behind_unless_named() {
    // import copied development's DEBUG=true into production's Vault (issue 25, item 19):
    // a setting's value is the environment's own.
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, &format!("{DOTENV}DEBUG_MODE=true\n"));
    let log = "audit.log";
    let out = app.run(
        &bao,
        &[
            "--audit-log",
            log,
            "--env",
            "production",
            "import",
            "--from",
            "development",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("left out 1 setting"), "{}", out.all());
    assert_eq!(
        stored(&bao, "production/debug_mode"),
        None,
        "a setting was copied"
    );
    assert!(stored(&bao, "production/api_key").is_some());
    let text = fs::read_to_string(app.path().join(log)).unwrap();
    assert!(
        !text.contains("\"debug_mode\""),
        "a setting left out was read: {text}"
    );

    let out = app.run(
        &bao,
        &[
            "--env",
            "production",
            "import",
            "--from",
            "development",
            "--only",
            "debug_mode",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(!out.stdout.contains("left out"), "{}", out.all());
    assert_eq!(
        stored(&bao, "production/debug_mode"),
        Some(("true".to_owned(), 1)),
        "named with --only, it is copied"
    );
}
