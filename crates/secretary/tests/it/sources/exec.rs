//! The `exec` source: a provider program (`test-support/fixtures/provider.py`) that reads a
//! JSON store; trust by `allow`, what a provider is given, what of its output is shown,
//! and the conformance kit.

use std::time::{Duration, Instant};

use secretary::source::ExecError;
use secretary::source::exec::TrustError;
use secretary::source::exec::conformance::Kit;
use secretary::source::exec::trust;

use super::*;

/// The provider in a directory of its own, its store named by a variable: an argument
/// naming a file is pinned by `allow`, a store that tests change is not.
const PROVIDER: &str = "command = [\"./providers/provider.py\"]\npass_env = [\"PROVIDER_STORE\"]\n";

/// A project: the provider copied in (so that a test may change it), a store, and a
/// state directory of its own.
struct Project {
    /// `app/` holds the manifest and `providers/provider.py`; the store is beside it,
    /// outside the manifest's directory, named by `PROVIDER_STORE`.
    root: tempfile::TempDir,
    dir: std::path::PathBuf,
}

impl Project {
    fn new(store: &serde_json::Value) -> Self {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("app");
        fs::create_dir_all(dir.join("providers")).unwrap();
        let script = dir.join("providers/provider.py");
        fs::copy(secretary_test_support::provider(), &script).unwrap();
        chmod(&script, 0o755);
        let project = Self { root, dir };
        project.store(store);
        project.manifest(&format!("{PROVIDER}timeout = \"2s\"\n"));
        project
    }

    fn store(&self, store: &serde_json::Value) {
        fs::write(self.root.path().join("store.json"), store.to_string()).unwrap();
    }

    fn manifest(&self, settings: &str) -> Manifest {
        manifest(
            self.dir.as_path(),
            &format!(
                "version = 1\n[app]\nname = \"shop\"\n[sources.vault1p]\ntype = \"exec\"\n{settings}\n[environments.production]\nsources = [\"vault1p\"]\n{SECRETS}"
            ),
        )
    }

    fn vars(&self, extra: &[(&str, &str)]) -> Variables {
        let mut pairs: Vec<(String, String)> = vec![
            ("PATH".into(), std::env::var("PATH").unwrap()),
            (
                "SECRETARY_STATE_DIR".into(),
                self.dir.as_path().join("state").display().to_string(),
            ),
            (
                "VAULT_TOKEN".into(),
                "hvs.canary-token-not-for-providers".into(),
            ),
            (
                "PROVIDER_STORE".into(),
                self.root.path().join("store.json").display().to_string(),
            ),
        ];
        pairs.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Variables::from_pairs(pairs)
    }
}

fn allow(manifest: &Manifest, vars: &Variables) {
    trust::allow(manifest, vars).unwrap();
}

fn exec_error(report: &Report, key: &str) -> ExecError {
    let resolution = report.get(key).unwrap();
    for problem in &resolution.problems {
        if let secretary::ProblemKind::SourceFailed { error, .. } = &problem.kind {
            if let SourceError::Exec(error) = error {
                return error.clone();
            }
            panic!("not an exec error: {error}");
        }
    }
    panic!("{key}: no source failure in {:?}", resolution.problems);
}

fn store() -> serde_json::Value {
    serde_json::json!({
        "values": {"database_url": "postgresql://db/app", "api_key": "k-canary-123"},
    })
}

#[test]
fn a_command_runs_only_once_allowed_and_answers_found_absent_and_failed() {
    let project = Project::new(&store());
    let manifest = project.manifest(PROVIDER);
    let vars = project.vars(&[]);
    let report = run(&manifest, "production", &vars);
    let refused = exec_error(&report, "api_key");
    assert!(
        matches!(&refused, ExecError::Trust(TrustError::NotAllowed { command, .. }) if command == "./providers/provider.py"),
        "{refused:?}"
    );
    assert!(
        refused.hint().contains("`secretary --manifest ") && refused.hint().contains(" allow`")
    );
    assert_eq!(value(&report, "api_key"), None, "fails closed");

    allow(&manifest, &vars);
    let report = run(&manifest, "production", &vars);
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-canary-123"));
    assert_eq!(
        locator(&report, "api_key").as_deref(),
        Some("exec:vault1p:store#api_key@v2"),
        "the provider's detail and version"
    );
    assert_eq!(
        looked_in(&report, "debug"),
        vec!["exec:vault1p:store#debug".to_owned()]
    );

    // A provider's error fails its secret only, in its words, which cannot paint a
    // terminal.
    project.store(&serde_json::json!({
        "values": {"database_url": "postgresql://db/app"},
        "errors": {"api_key": "denied\u{1b}[2J"},
    }));
    let report = run(&manifest, "production", &vars);
    let failed = exec_error(&report, "api_key");
    assert_eq!(
        failed.to_string(),
        "`./providers/provider.py` could not read `api_key`: denied?[2J"
    );
    // Nor reverse what follows, nor start a line (a twenty-ninth adversarial pass:
    // U+202E, U+2028 and zero-width characters were shown raw).
    project.store(&serde_json::json!({
        "values": {"database_url": "postgresql://db/app"},
        "errors": {"api_key": "denied \u{202e}gnp.exe \u{2028}ok: 3 secrets valid\u{200b}"},
    }));
    let failed = exec_error(&run(&manifest, "production", &vars), "api_key");
    assert_eq!(
        failed.to_string(),
        "`./providers/provider.py` could not read `api_key`: denied ?gnp.exe ?ok: 3 secrets valid?"
    );
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://db/app")
    );
}

#[test]
fn a_changed_command_or_program_fails_closed_saying_what_changed() {
    let project = Project::new(&store());
    let vars = project.vars(&[]);
    let manifest = project.manifest(PROVIDER);
    allow(&manifest, &vars);
    assert_eq!(
        value(&run(&manifest, "production", &vars), "api_key").as_deref(),
        Some("k-canary-123")
    );

    // A pull request changes the command.
    let changed = project.manifest(
        "command = [\"./providers/provider.py\", \"other.json\"]\npass_env = [\"PROVIDER_STORE\"]\n",
    );
    let error = exec_error(&run(&changed, "production", &vars), "api_key");
    assert_eq!(
        error.to_string(),
        "exec source `vault1p` now runs `./providers/provider.py other.json`; `./providers/provider.py` was allowed"
    );

    // Or the program it names by a path.
    let script = project.dir.as_path().join("providers/provider.py");
    let mut text = fs::read_to_string(&script).unwrap();
    text.push_str("\n# changed\n");
    fs::write(&script, text).unwrap();
    let error = exec_error(&run(&manifest, "production", &vars), "api_key");
    assert!(
        matches!(error, ExecError::Trust(TrustError::ProgramChanged { .. })),
        "{error:?}"
    );
    // Allowed again, it runs.
    allow(&manifest, &vars);
    assert!(value(&run(&manifest, "production", &vars), "api_key").is_some());
}

#[test]
fn the_record_is_private_and_one_others_may_write_allows_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new(&store());
    let vars = project.vars(&[]);
    let manifest = project.manifest(PROVIDER);
    allow(&manifest, &vars);
    let dir = project.dir.as_path().join("state/allowed");
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let record = fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    assert_eq!(
        fs::metadata(&record).unwrap().permissions().mode() & 0o777,
        0o600
    );
    chmod(&record, 0o620);
    let error = exec_error(&run(&manifest, "production", &vars), "api_key");
    assert!(
        error.to_string().contains("group or others may write it"),
        "{error}"
    );
}

#[test]
fn a_provider_gets_the_request_and_a_scrubbed_environment_with_what_pass_env_names() {
    let project = Project::new(&store());
    let dump = project.root.path().join("dump.json");
    let mut with_dump = store();
    with_dump["dump"] = dump.display().to_string().into();
    project.store(&with_dump);
    let manifest = project.manifest(
        "command = [\"./providers/provider.py\"]\npass_env = [\"OP_SERVICE_ACCOUNT_TOKEN\", \"PROVIDER_STORE\"]\n",
    );
    // A directory of the project first on PATH, as direnv's `PATH_add bin` puts it, and
    // a relative one: what the provider looks up by itself must not be the branch's (a
    // twenty-sixth adversarial pass).
    let bin = project.dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let path = format!("{}:bin:{}", bin.display(), std::env::var("PATH").unwrap());
    let vars = project.vars(&[
        ("OP_SERVICE_ACCOUNT_TOKEN", "ops_x"),
        ("SECRETARY_AUDIT_KEY", "canary-audit-key-for-no-provider"),
        ("AWS_SECRET_ACCESS_KEY", "canary-aws"),
        ("PATH", &path),
    ]);
    allow(&manifest, &vars);
    let report = run(&manifest, "production", &vars);
    assert!(value(&report, "api_key").is_some());
    let dumped: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&dump).unwrap()).unwrap();
    let env: Vec<&str> = dumped["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(env.contains(&"OP_SERVICE_ACCOUNT_TOKEN"), "{env:?}");
    assert!(env.contains(&"PATH"), "{env:?}");
    let given = dumped["path"].as_str().unwrap();
    assert_eq!(
        given,
        std::env::var("PATH").unwrap(),
        "the project's bin/ and the relative bin are left out, the rest kept in order"
    );
    for withheld in [
        "VAULT_TOKEN",
        "SECRETARY_AUDIT_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "SECRETARY_STATE_DIR",
    ] {
        assert!(
            !env.contains(&withheld),
            "{withheld} reached the provider: {env:?}"
        );
    }
    let request = &dumped["request"];
    assert_eq!(request["protocol"], "secretary-provider/1");
    assert_eq!(request["source"], "vault1p");
    assert_eq!(request["app"], "shop");
    assert_eq!(request["environment"], "production");
    assert_eq!(
        request["secrets"][0],
        serde_json::json!({"key": "database_url", "env": ["DATABASE_URL", "SQLALCHEMY_DATABASE_URI"]}),
        "every secret in one request, with its env names"
    );
    assert_eq!(request["secrets"].as_array().unwrap().len(), 3);
}

#[test]
fn a_slow_failing_or_garbled_provider_fails_the_source_and_its_stderr_is_never_shown() {
    let project = Project::new(&store());
    let vars = project.vars(&[]);
    let manifest = project.manifest(&format!("{PROVIDER}timeout = \"1s\"\n"));
    allow(&manifest, &vars);
    let canary = "canary-on-stderr-k-canary-123";
    for (knobs, expected) in [
        (
            serde_json::json!({"sleep": 30}),
            "`./providers/provider.py` did not finish within 1 s",
        ),
        (
            serde_json::json!({"exit": 3, "stderr": canary}),
            "`./providers/provider.py` exited with status 3",
        ),
        (
            serde_json::json!({"stdout": "k-canary-123 is the value", "stderr": canary}),
            "its answer is not a protocol answer (line 1, column 1: not valid JSON)",
        ),
        (
            serde_json::json!({"stdout": "{\"protocol\":\"secretary-provider/1\",\"secrets\":{}}"}),
            "it did not answer for `database_url`",
        ),
    ] {
        let mut store = store();
        for (k, v) in knobs.as_object().unwrap() {
            store[k] = v.clone();
        }
        project.store(&store);
        let started = Instant::now();
        let report = run(&manifest, "production", &vars);
        assert!(started.elapsed() < Duration::from_secs(15), "bounded");
        let error = exec_error(&report, "database_url");
        let shown = format!("{error} {} {error:?} {report:?}", error.hint());
        assert!(shown.contains(expected), "{knobs}: {shown}");
        assert!(!shown.contains("canary"), "{knobs}: {shown}");
        assert_eq!(value(&report, "api_key"), None, "{knobs}: fails closed");
    }
}

#[test]
fn the_conformance_kit_passes_a_good_provider_and_names_what_a_bad_one_does() {
    let project = Project::new(&store());
    let vars = project.vars(&[]);
    let command = vec![
        project
            .dir
            .as_path()
            .join("providers/provider.py")
            .display()
            .to_string(),
        project.root.path().join("store.json").display().to_string(),
    ];
    let keys = vec!["api_key".to_owned()];
    let kit = Kit {
        command: &command,
        keys: &keys,
        pass_env: &[],
        timeout: Duration::from_secs(5),
    };
    let checks = kit.run(&vars, project.dir.as_path());
    assert_eq!(checks.len(), 3);
    assert!(checks.iter().all(|c| c.failure.is_none()), "{checks:?}");

    // A store that fails every key it lacks, and leaks a value on stderr.
    project.store(&serde_json::json!({
        "values": {"api_key": "k-canary-123"},
        "errors": {format!("secretary_conformance_{}", std::process::id()): "no such item"},
        "stderr": "debug: k-canary-123",
    }));
    let checks = kit.run(&vars, project.dir.as_path());
    let failures: Vec<String> = checks.iter().filter_map(|c| c.failure.clone()).collect();
    assert_eq!(
        failures,
        vec![
            "it answered an error".to_owned(),
            "the value of `api_key` appears on its stderr".to_owned()
        ],
        "{checks:?}"
    );
    assert!(!format!("{checks:?}").contains("k-canary-123"));
}

#[test]
fn a_providers_text_that_spells_a_value_of_its_answer_is_withheld_and_fails_the_kit() {
    // The reviewer's provider: a locator, a `looked` and an error that repeat a value of
    // the same answer (as it is, in base64), shown by `status`, `check` and the audit log.
    let project = Project::new(&store());
    let vars = project.vars(&[]);
    let manifest = project.manifest(PROVIDER);
    allow(&manifest, &vars);
    let secret = "hunter2X-canary";
    project.store(&serde_json::json!({
        "values": {"api_key": secret},
        "details": {"api_key": format!("item/{secret}"), "debug": format!("looked for {secret}")},
        "errors": {"database_url": "denied for aHVudGVyMlgtY2FuYXJ5"},
    }));
    let report = run(&manifest, "production", &vars);
    assert_eq!(value(&report, "api_key").as_deref(), Some(secret));
    assert_eq!(
        locator(&report, "api_key").as_deref(),
        Some("exec:vault1p:[withheld]@v2")
    );
    assert_eq!(
        looked_in(&report, "debug"),
        vec!["exec:vault1p:[withheld]".to_owned()]
    );
    let error = exec_error(&report, "database_url");
    assert_eq!(
        error.to_string(),
        "`./providers/provider.py` could not read `database_url`: [withheld]"
    );
    let shown: String = report
        .resolutions
        .iter()
        .flat_map(|r| {
            let mut texts: Vec<String> = r.looked.iter().map(ToString::to_string).collect();
            texts.extend(r.origin.as_ref().map(ToString::to_string));
            texts.extend(
                r.problems
                    .iter()
                    .map(|p| format!("{} {:?}", p.kind, p.kind)),
            );
            texts
        })
        .collect();
    assert!(!shown.contains("hunter2X"), "{shown}");
    assert!(!shown.contains("aHVudGVyMlgtY2FuYXJ5"), "{shown}");

    // The kit names the field, never the text.
    let command = vec![
        project
            .dir
            .join("providers/provider.py")
            .display()
            .to_string(),
        project.root.path().join("store.json").display().to_string(),
    ];
    project.store(&serde_json::json!({
        "values": {"api_key": secret},
        "details": {"api_key": format!("item/{secret}")},
    }));
    let keys = vec!["api_key".to_owned()];
    let kit = Kit {
        command: &command,
        keys: &keys,
        pass_env: &[],
        timeout: Duration::from_secs(5),
    };
    let checks = kit.run(&vars, project.dir.as_path());
    let failures: Vec<String> = checks.iter().filter_map(|c| c.failure.clone()).collect();
    assert_eq!(
        failures,
        vec![
            "its `locator` for `api_key` holds a value of its answer (shown as [withheld])"
                .to_owned()
        ],
        "{checks:?}"
    );
    assert!(!format!("{checks:?}").contains("hunter2X"));
}

#[test]
fn a_script_behind_an_interpreter_more_pass_env_or_a_program_earlier_on_path_each_need_allowing_again()
 {
    let project = Project::new(&store());
    let vars = project.vars(&[]);
    // An interpreter on PATH given a script of the repository.
    let manifest = project.manifest(
        "command = [\"python3\", \"providers/provider.py\"]\npass_env = [\"OP_SERVICE_ACCOUNT_TOKEN\", \"PROVIDER_STORE\"]\n",
    );
    allow(&manifest, &vars);
    assert!(value(&run(&manifest, "production", &vars), "api_key").is_some());

    // A pull request edits the script, not the command.
    let script = project.dir.join("providers/provider.py");
    let original = fs::read_to_string(&script).unwrap();
    fs::write(&script, format!("{original}\n# a pull request's line\n")).unwrap();
    let error = exec_error(&run(&manifest, "production", &vars), "api_key");
    assert_eq!(
        error.to_string(),
        "exec source `vault1p`: providers/provider.py changed since it was allowed"
    );
    fs::write(&script, &original).unwrap();
    assert!(value(&run(&manifest, "production", &vars), "api_key").is_some());

    // Or hands the program one more of the user's credentials.
    let more = project.manifest(
        "command = [\"python3\", \"providers/provider.py\"]\npass_env = [\"OP_SERVICE_ACCOUNT_TOKEN\", \"PROVIDER_STORE\", \"VAULT_TOKEN\"]\n",
    );
    let error = exec_error(&run(&more, "production", &vars), "api_key");
    assert_eq!(
        error.to_string(),
        "exec source `vault1p` now passes the program [OP_SERVICE_ACCOUNT_TOKEN, PROVIDER_STORE, VAULT_TOKEN]; [OP_SERVICE_ACCOUNT_TOKEN, PROVIDER_STORE] was allowed"
    );

    // Or adds a `python3` of its own in a directory that comes first on PATH (a
    // repository's bin/, which direnv or a virtual environment put there).
    let bin = project.dir.join("bin");
    fs::create_dir(&bin).unwrap();
    fs::write(
        bin.join("python3"),
        "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n",
    )
    .unwrap();
    chmod(&bin.join("python3"), 0o755);
    let shadowed = project.vars(&[(
        "PATH",
        &format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
    )]);
    let error = exec_error(&run(&manifest, "production", &shadowed), "api_key");
    assert!(
        matches!(&error, ExecError::Trust(TrustError::ProgramChanged { program, .. }) if program.contains("bin/python3 (it was ")),
        "{error:?}"
    );
}

#[test]
fn a_written_time_in_the_future_is_not_believed() {
    // An eighth adversarial pass: `"written": "9999-12-31T23:59:59Z"` with `rotate_every`
    // made `status` panic formatting the due date, and any time ahead made a value
    // ageless. A time more than five minutes ahead is dropped; one in the past is kept.
    let hour_ago =
        humantime::format_rfc3339_seconds(std::time::SystemTime::now() - Duration::from_secs(3600))
            .to_string();
    let answer = serde_json::json!({
        "protocol": "secretary-provider/1",
        "secrets": {
            "database_url": {"value": "postgresql://db/app", "written": hour_ago},
            "api_key": {"value": "k-canary-123", "written": "9999-12-31T23:59:59Z"},
            "debug": {"absent": true},
        },
    });
    let project = Project::new(&serde_json::json!({"stdout": answer.to_string()}));
    let manifest = project.manifest(PROVIDER);
    let vars = project.vars(&[]);
    allow(&manifest, &vars);
    let report = run(&manifest, "production", &vars);
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-canary-123"));
    assert_eq!(report.get("api_key").unwrap().written, None);
    let written = report.get("database_url").unwrap().written.unwrap();
    let age = std::time::SystemTime::now()
        .duration_since(written)
        .unwrap();
    assert!((3590..3610).contains(&age.as_secs()), "{age:?}");
}

/// A project whose provider answers `pw` as `value` 1.5 s after it reads its store (it
/// writes the file it gives first), and a manager over it with `more` declared too.
fn slow_provider(
    value: &str,
    more: &str,
) -> (Project, std::path::PathBuf, secretary::SecretManager) {
    let project = Project::new(&serde_json::json!({}));
    let read = project.root.path().join("read.json");
    project.store(&serde_json::json!({
        "values": {"pw": value},
        "sleep": 1.5,
        "dump": read.display().to_string(),
    }));
    let vars = project.vars(&[]);
    let manifest = manifest(
        project.dir.as_path(),
        &format!(
            "version = 1\n[sources.vault1p]\ntype = \"exec\"\n{PROVIDER}timeout = \"10s\"\n[environments.production]\nsources = [\"vault1p\"]\n[secrets.pw]\n{more}"
        ),
    );
    allow(&manifest, &vars);
    let secrets = secretary::SecretManager::from_manifest(manifest)
        .environment("production")
        .variables(vars)
        .build()
        .unwrap();
    (project, read, secrets)
}

/// Waits, bounded, until the provider has read its store: it writes `read` then, before
/// its sleep, whatever the load.
fn provider_has_read(read: &std::path::Path) {
    let waited = Instant::now();
    while !read.exists() {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "the provider never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_read_that_began_before_a_rotation_never_replaces_what_a_later_one_cached() {
    // A twenty-ninth adversarial pass: a slow read of a template began before a
    // rotation and ended after a read of its input; it stored the rotated-out value
    // over the new one, and told subscribers so.
    let (project, read, secrets) =
        slow_provider("old-canary-1", "[secrets.url]\ntemplate = \"x{pw}\"\n");
    let slow = {
        let secrets = secrets.clone();
        std::thread::spawn(move || {
            secrets
                .blocking()
                .get("url")
                .map(|value| value.expose().to_owned())
        })
    };
    // Once the provider has read the old store, rotate, and read the input alone.
    provider_has_read(&read);
    project.store(&serde_json::json!({"values": {"pw": "new-canary-2"}}));
    let blocking = secrets.blocking();
    assert_eq!(blocking.get("pw").unwrap().expose(), "new-canary-2");
    let slow = slow.join().unwrap().unwrap();
    assert_eq!(slow, "xold-canary-1", "the slow read gives what it read");
    assert_eq!(
        blocking.get("pw").unwrap().expose(),
        "new-canary-2",
        "the later read's value stays"
    );
    assert_eq!(blocking.get("url").unwrap().expose(), "xnew-canary-2");
}

#[test]
fn a_read_that_began_before_clear_cache_does_not_put_its_value_back() {
    // A thirtieth adversarial pass: a removal left no mark, so a slow read that began
    // before `clear_cache` (or a refusal, or `close`) cached its value after it.
    let (_project, read, secrets) = slow_provider("old-canary-3", "");
    let slow = {
        let secrets = secrets.clone();
        std::thread::spawn(move || secrets.blocking().get("pw").is_ok())
    };
    provider_has_read(&read);
    secrets.clear_cache();
    assert!(slow.join().unwrap());
    assert!(
        secrets.get_cached("pw").is_none(),
        "a read begun before clear_cache cached its value"
    );
}
