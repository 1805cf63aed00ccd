//! Sources and resolution against real files in temporary directories.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::fs;
use std::path::Path;

use secretary::manifest::{SecretSpec, SourceConfig, SourceSpec};
use secretary::source::{self, Context, Lookup, SourceError};
use secretary::{Manifest, ProblemKind, Report, Variables};
use secretary::{Scope, resolve};

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn write_private(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    #[cfg(unix)]
    chmod(path, 0o600);
}

/// Writes and discovers a manifest, as the CLI does from the application's directory.
fn manifest(dir: &Path, text: &str) -> Manifest {
    fs::write(dir.join("secrets.toml"), text).unwrap();
    Manifest::discover(None, &Variables::default(), dir).unwrap()
}

fn run(manifest: &Manifest, environment: &str, vars: &Variables) -> Report {
    let environment = manifest
        .select_environment(Some(environment), vars)
        .unwrap();
    resolve(manifest, environment, vars, Scope::All).unwrap()
}

fn value(report: &Report, key: &str) -> Option<String> {
    report
        .get(key)
        .unwrap()
        .value
        .as_ref()
        .map(|v| v.expose().to_owned())
}

fn locator(report: &Report, key: &str) -> Option<String> {
    report
        .get(key)
        .unwrap()
        .origin
        .as_ref()
        .map(ToString::to_string)
}

fn codes(report: &Report, key: &str) -> Vec<&'static str> {
    report
        .get(key)
        .unwrap()
        .problems
        .iter()
        .map(|p| p.kind.state().as_str())
        .collect()
}

const SECRETS: &str = r#"
[secrets.database_url]
description = "PostgreSQL connection URL"
required = true
env = ["DATABASE_URL", "SQLALCHEMY_DATABASE_URI"]
type = "url"

[secrets.api_key]
description = "API key"

[secrets.debug]
env = ["DEBUG"]
sensitive = false
type = "bool"
default = "false"
"#;

// ---- conformance: what every source must do ----------------------------------------

/// Every source answers one lookup per secret, in order; finds what it holds with a
/// locator that starts with its type; and reports what it lacks as absent, saying where
/// it looked.
fn conformance(source: &dyn source::Source, dir: &Path, vars: &Variables) {
    let manifest = Manifest::parse(
        &format!("version = 1\n{SECRETS}"),
        &dir.join("secrets.toml"),
    )
    .unwrap();
    let specs: Vec<&SecretSpec> = manifest
        .secrets()
        .iter()
        .rev()
        .map(|spec| &**spec)
        .collect();
    let environment = manifest.select_environment(None, vars).unwrap();
    let context = Context::new(&manifest, environment, vars);
    let batch = source.lookup(&specs, &context);
    assert_eq!(
        batch.lookups.len(),
        specs.len(),
        "{}: one answer per secret",
        source.kind()
    );
    // Reversed order: debug (absent), api_key (found), database_url (found by its second name).
    match &batch.lookups[0] {
        Lookup::Absent { looked } => assert!(
            !looked.is_empty(),
            "{}: says where it looked",
            source.kind()
        ),
        other => panic!("{}: debug should be absent, got {other:?}", source.kind()),
    }
    for (index, expected) in [(1, "k-123"), (2, "postgresql://db/app")] {
        match &batch.lookups[index] {
            Lookup::Found { value, locator, .. } => {
                assert_eq!(value.expose(), expected, "{}", source.kind());
                assert_eq!(locator.kind(), source.kind(), "{locator}");
                assert!(
                    locator
                        .to_string()
                        .starts_with(&format!("{}:", source.kind())),
                    "{locator}"
                );
            }
            other => panic!("{}: expected a value, got {other:?}", source.kind()),
        }
    }
    assert!(source.lookup(&[], &context).lookups.is_empty());
}

#[test]
fn every_local_source_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let vars = Variables::from_pairs([
        ("SQLALCHEMY_DATABASE_URI", "postgresql://db/app"),
        ("API_KEY", "k-123"),
    ]);
    conformance(
        &*source::build(&SourceSpec::new("env", SourceConfig::Env)),
        dir.path(),
        &vars,
    );

    write_private(
        &dir.path().join(".env"),
        "SQLALCHEMY_DATABASE_URI=postgresql://db/app\nAPI_KEY=k-123\n",
    );
    let dotenv = SourceSpec::new(
        "dotenv",
        SourceConfig::Dotenv {
            files: vec![".env".into()],
        },
    );
    conformance(&*source::build(&dotenv), dir.path(), &Variables::default());

    let mounted = dir.path().join("mounted");
    fs::create_dir(&mounted).unwrap();
    write_private(&mounted.join("api_key"), "k-123\n");
    write_private(&mounted.join("DATABASE_URL"), "postgresql://db/app");
    let files = SourceSpec::new(
        "files",
        SourceConfig::Files {
            dir: "mounted".into(),
        },
    );
    conformance(&*source::build(&files), dir.path(), &Variables::default());
}

// ---- env -----------------------------------------------------------------------------

#[test]
fn env_names_are_tried_in_order_and_empty_counts_as_unset() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("version = 1\n{SECRETS}"));
    let vars = Variables::from_pairs([
        ("DATABASE_URL", ""),
        ("SQLALCHEMY_DATABASE_URI", "postgresql://alias/db"),
    ]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("env:SQLALCHEMY_DATABASE_URI")
    );
    assert_eq!(
        value(&report, "debug").as_deref(),
        Some("false"),
        "defaults apply last"
    );
    assert_eq!(locator(&report, "debug").as_deref(), Some("default"));

    let report = run(
        &manifest,
        "development",
        &Variables::from_pairs([("DATABASE_URL", "")]),
    );
    assert_eq!(codes(&report, "database_url"), ["missing"]);
    let looked = &report.get("database_url").unwrap().looked;
    assert_eq!(
        looked,
        &["env:DATABASE_URL (empty)", "env:SQLALCHEMY_DATABASE_URI"]
    );
}

#[cfg(unix)]
#[test]
fn a_non_utf8_variable_is_a_source_error_not_an_absence() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("version = 1\n{SECRETS}"));
    let vars = Variables::from_pairs([("API_KEY", std::ffi::OsStr::from_bytes(b"\xff\xfe"))]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(codes(&report, "api_key"), ["source_error"]);
}

// ---- dotenv ----------------------------------------------------------------------------

const DOTENV_CHAIN: &str = r#"version = 1
[sources.env]
type = "env"
[sources.dotenv]
type = "dotenv"
files = [".env", ".env.local"]
[environments.development]
sources = ["env", "dotenv"]
"#;

#[test]
fn later_dotenv_files_override_earlier_and_locators_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    write_private(
        &dir.path().join(".env"),
        "# base\nDATABASE_URL=postgresql://base/db\nAPI_KEY=base\n",
    );
    write_private(
        &dir.path().join(".env.local"),
        "\n\nAPI_KEY=local-${API_KEY}\n",
    );
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("dotenv:.env:2")
    );
    assert_eq!(
        locator(&report, "api_key").as_deref(),
        Some("dotenv:.env.local:3")
    );
    assert_eq!(
        value(&report, "api_key").as_deref(),
        Some("local-base"),
        "expansion sees earlier files"
    );

    // The environment comes first in the chain.
    let report = run(
        &manifest,
        "development",
        &Variables::from_pairs([("API_KEY", "from-env")]),
    );
    assert_eq!(locator(&report, "api_key").as_deref(), Some("env:API_KEY"));
}

#[test]
fn missing_dotenv_files_are_skipped_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(codes(&report, "database_url"), ["missing"]);
    let looked = &report.get("database_url").unwrap().looked;
    assert!(
        looked.contains(&"dotenv:.env (no such file)".to_owned()),
        "{looked:?}"
    );
    assert!(report.problems_hint_mentions("database_url", "add `DATABASE_URL=...` to .env"));
}

trait HintCheck {
    fn problems_hint_mentions(&self, key: &str, needle: &str) -> bool;
}

impl HintCheck for Report {
    fn problems_hint_mentions(&self, key: &str, needle: &str) -> bool {
        self.get(key)
            .unwrap()
            .problems
            .iter()
            .any(|p| p.fix.to_string().contains(needle))
    }
}

#[test]
fn a_malformed_dotenv_fails_every_secret_it_could_serve_naming_each_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    write_private(
        &dir.path().join(".env"),
        "API_KEY=ok\nnot a line\nDATABASE_URL=postgresql://db/app\n9X=1\n",
    );
    let vars = Variables::from_pairs([("DATABASE_URL", "postgresql://env/db")]);
    let report = run(&manifest, "development", &vars);
    // database_url came from the environment before the broken file was needed.
    assert!(report.get("database_url").unwrap().problems.is_empty());
    assert_eq!(codes(&report, "api_key"), ["source_error"]);
    assert_eq!(
        codes(&report, "debug"),
        ["source_error"],
        "no default past a failed source"
    );
    let ProblemKind::SourceFailed {
        error: SourceError::Malformed { path, errors },
        ..
    } = &report.get("api_key").unwrap().problems[0].kind
    else {
        panic!("expected a malformed-file error");
    };
    assert_eq!(path, ".env");
    assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 4]);
}

#[cfg(unix)]
#[test]
fn dotenv_permissions_warn_when_readable_and_refuse_when_world_writable() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    let env_file = dir.path().join(".env");
    fs::write(&env_file, "DATABASE_URL=postgresql://db/app\n").unwrap();
    chmod(&env_file, 0o640);
    let report = run(&manifest, "development", &Variables::default());
    assert!(report.is_ok());
    assert_eq!(
        report.warnings,
        [".env is readable by group or others (mode 0640); run `chmod 600 .env`"]
    );

    chmod(&env_file, 0o666);
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(codes(&report, "database_url"), ["source_error"]);
    assert!(
        report.get("database_url").unwrap().problems[0]
            .kind
            .to_string()
            .contains("writable by anyone")
    );
}

// ---- files -------------------------------------------------------------------------------

const FILES_CHAIN: &str = r#"version = 1
[sources.mounted]
type = "files"
dir = "secrets"
[environments.production]
sources = ["mounted"]
"#;

fn files_setup() -> (tempfile::TempDir, Manifest) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("secrets")).unwrap();
    let manifest = manifest(dir.path(), &format!("{FILES_CHAIN}{SECRETS}"));
    (dir, manifest)
}

#[test]
fn secret_files_by_key_or_primary_env_name_with_one_newline_trimmed() {
    let (dir, manifest) = files_setup();
    write_private(
        &dir.path().join("secrets/DATABASE_URL"),
        "postgresql://db/app\n",
    );
    write_private(
        &dir.path().join("secrets/api_key"),
        "line one\nline two\n\n",
    );
    let report = run(&manifest, "production", &Variables::default());
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("files:secrets/DATABASE_URL")
    );
    assert_eq!(
        value(&report, "api_key").as_deref(),
        Some("line one\nline two\n"),
        "only one newline trimmed"
    );
}

#[test]
fn a_missing_directory_means_absent_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{FILES_CHAIN}{SECRETS}"));
    let report = run(&manifest, "production", &Variables::default());
    assert_eq!(codes(&report, "database_url"), ["missing"]);
    assert_eq!(
        report.get("database_url").unwrap().looked,
        ["files:secrets (no such directory)"]
    );
}

#[cfg(unix)]
#[test]
fn kubernetes_data_links_inside_the_directory_are_followed() {
    use std::os::unix::fs::symlink;
    let (dir, manifest) = files_setup();
    let secrets = dir.path().join("secrets");
    fs::create_dir(secrets.join("..2026_11_25_06_00_00.123")).unwrap();
    write_private(
        &secrets.join("..2026_11_25_06_00_00.123/database_url"),
        "postgresql://k8s/db",
    );
    symlink("..2026_11_25_06_00_00.123", secrets.join("..data")).unwrap();
    symlink("..data/database_url", secrets.join("database_url")).unwrap();
    let report = run(&manifest, "production", &Variables::default());
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://k8s/db")
    );
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_the_directory_are_refused_directly_or_through_a_chain() {
    use std::os::unix::fs::symlink;
    let (dir, manifest) = files_setup();
    let outside = dir.path().join("outside");
    fs::create_dir(&outside).unwrap();
    write_private(&outside.join("shadow"), "stolen");
    let secrets = dir.path().join("secrets");
    symlink(outside.join("shadow"), secrets.join("database_url")).unwrap();
    // A link to a link inside the directory, whose target leaves it.
    symlink("../outside", secrets.join("..data")).unwrap();
    symlink("..data/shadow", secrets.join("api_key")).unwrap();
    let report = run(&manifest, "production", &Variables::default());
    for key in ["database_url", "api_key"] {
        assert_eq!(codes(&report, key), ["source_error"], "{key}");
        let message = report.get(key).unwrap().problems[0].kind.to_string();
        assert!(message.contains("leads outside secrets"), "{message}");
        assert!(!message.contains("stolen"));
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_link_is_absent() {
    let (dir, manifest) = files_setup();
    std::os::unix::fs::symlink("nowhere", dir.path().join("secrets/api_key")).unwrap();
    let report = run(
        &manifest,
        "production",
        &Variables::from_pairs([("X", "y")]),
    );
    assert!(report.get("api_key").unwrap().value.is_none());
    assert!(report.get("api_key").unwrap().problems.is_empty());
}

#[cfg(unix)]
#[test]
fn secret_file_permissions_bad_encoding_and_size() {
    let (dir, manifest) = files_setup();
    let secrets = dir.path().join("secrets");
    fs::write(secrets.join("database_url"), "postgresql://db/app").unwrap();
    chmod(&secrets.join("database_url"), 0o644);
    fs::write(secrets.join("api_key"), b"\xff\xfe").unwrap();
    chmod(&secrets.join("api_key"), 0o600);
    let report = run(&manifest, "production", &Variables::default());
    assert!(report.get("database_url").unwrap().problems.is_empty());
    assert_eq!(
        report.warnings,
        ["secrets/database_url is readable by group or others (mode 0644)"]
    );
    assert!(
        report.get("api_key").unwrap().problems[0]
            .kind
            .to_string()
            .contains("not valid UTF-8")
    );

    chmod(&secrets.join("database_url"), 0o602);
    fs::write(secrets.join("api_key"), vec![b'a'; 1024 * 1024 + 1]).unwrap();
    let report = run(&manifest, "production", &Variables::default());
    assert!(
        report.get("database_url").unwrap().problems[0]
            .kind
            .to_string()
            .contains("writable by anyone")
    );
    assert!(
        report.get("api_key").unwrap().problems[0]
            .kind
            .to_string()
            .contains("larger than")
    );
}

// ---- resolution: fail closed, fall through only when asked -----------------------------

fn vault_then_env(on_source_error: &str) -> String {
    format!(
        r#"version = 1
[sources.vault]
type = "vault"
[sources.env]
type = "env"
[environments.production]
sources = ["vault", "env"]
on_source_error = "{on_source_error}"
{SECRETS}"#
    )
}

#[test]
fn a_failed_source_is_never_taken_for_an_absent_one() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &vault_then_env("fail"));
    let vars = Variables::from_pairs([("DATABASE_URL", "postgresql://env/db"), ("API_KEY", "k")]);
    let report = run(&manifest, "production", &vars);
    for key in ["database_url", "api_key", "debug"] {
        assert_eq!(
            codes(&report, key),
            ["source_error"],
            "{key} must fail closed"
        );
        assert!(
            report.get(key).unwrap().value.is_none(),
            "{key} must not fall through"
        );
    }
}

#[test]
fn falling_through_is_opt_in_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &vault_then_env("next"));
    let vars = Variables::from_pairs([("DATABASE_URL", "postgresql://env/db")]);
    let report = run(&manifest, "production", &vars);
    assert!(report.is_ok());
    let resolution = report.get("database_url").unwrap();
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("env:DATABASE_URL")
    );
    assert_eq!(resolution.fallbacks.len(), 1);
    assert_eq!(resolution.fallbacks[0].source, "vault");
    assert_eq!(
        report.get("debug").unwrap().fallbacks.len(),
        1,
        "the default, too, came after a fallback"
    );

    // The audit log has a `fallback` line for each secret whose chain skipped the failed
    // source, before the line of the access itself.
    let log_path = dir.path().join("audit.log");
    let target = secretary::audit::Target::File(log_path.clone());
    let log = secretary::audit::AuditLog::open(&target, "production", &vars).unwrap();
    log.record_report(secretary::audit::Event::Validate, &report)
        .unwrap();
    let text = fs::read_to_string(&log_path).unwrap();
    assert!(
        !text.contains("postgresql://env/db"),
        "a value in the audit log"
    );
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let of = |key: &str| -> Vec<(String, String)> {
        lines
            .iter()
            .filter(|line| line["key"] == key)
            .map(|line| {
                let field = |name: &str| line[name].as_str().unwrap_or_default().to_owned();
                (field("event"), field("outcome"))
            })
            .collect()
    };
    let fallback = ("fallback".to_owned(), "source_error".to_owned());
    let ok = ("validate".to_owned(), "ok".to_owned());
    assert_eq!(of("database_url"), [fallback, ok]);
    let fallback_line = lines
        .iter()
        .find(|line| line["event"] == "fallback")
        .unwrap();
    assert_eq!(fallback_line["source"], "vault", "{fallback_line}");
}

/// A source that answers for only the first secret it is asked about.
struct Forgetful;

impl source::Source for Forgetful {
    fn name(&self) -> &'static str {
        "forgetful"
    }

    fn kind(&self) -> secretary::manifest::SourceKind {
        secretary::manifest::SourceKind::Env
    }

    fn lookup(&self, secrets: &[&SecretSpec], _: &Context<'_>) -> source::Batch {
        let lookups = secrets
            .iter()
            .take(1)
            .map(|_| Lookup::Absent {
                looked: vec!["test:x".into()],
            })
            .collect();
        source::Batch::new(lookups, Vec::new())
    }
}

#[test]
fn a_source_that_answers_short_fails_the_unanswered_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("version = 1\n{SECRETS}"));
    let environment = manifest
        .select_environment(None, &Variables::default())
        .unwrap();
    let report = secretary::resolve_with(
        &manifest,
        environment,
        &Variables::default(),
        Scope::All,
        |_| Box::new(Forgetful),
    )
    .unwrap();
    assert_eq!(
        codes(&report, "database_url"),
        ["missing"],
        "answered: absent"
    );
    for key in ["api_key", "debug"] {
        assert_eq!(
            codes(&report, key),
            ["source_error"],
            "{key} was not answered"
        );
        let message = report.get(key).unwrap().problems[0].kind.to_string();
        assert!(message.contains("answered 1 of 3 lookups"), "{message}");
    }
}

#[test]
fn placeholders_are_problems_only_where_forbidden_and_never_for_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "version = 1\n[environments.development]\nsources = [\"env\"]\n[environments.production]\nsources = [\"env\"]\nforbid_placeholders = true\n{SECRETS}\n[secrets.region]\nsensitive = false\ndefault = \"example\"\n"
    );
    let manifest = manifest(dir.path(), &text);
    let vars = Variables::from_pairs([
        ("DATABASE_URL", "postgresql://user:change-me@db/app"),
        ("API_KEY", "your-api-key-here"),
    ]);
    assert!(run(&manifest, "development", &vars).is_ok());
    let report = run(&manifest, "production", &vars);
    assert_eq!(codes(&report, "database_url"), ["placeholder"]);
    assert_eq!(codes(&report, "api_key"), ["placeholder"]);
    assert!(
        codes(&report, "region").is_empty(),
        "a manifest default is not a placeholder"
    );
    assert_eq!(report.problem_count(), 2);
}

#[test]
fn every_problem_is_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{SECRETS}\n[secrets.port]\ntype = \"port\"\nrequired = true\n[secrets.level]\ntype = \"enum\"\nvalues = [\"INFO\"]\n"
    );
    let manifest = manifest(dir.path(), &format!("version = 1\n{text}"));
    let vars = Variables::from_pairs([("DEBUG", "maybe"), ("PORT", "http"), ("LEVEL", "LOUD")]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(codes(&report, "database_url"), ["missing"]);
    assert_eq!(codes(&report, "debug"), ["invalid"]);
    assert_eq!(codes(&report, "port"), ["invalid"]);
    assert_eq!(codes(&report, "level"), ["invalid"]);
    assert_eq!(report.problem_count(), 4);
    for resolution in &report.resolutions {
        for problem in &resolution.problems {
            let text = format!("{} {}", problem.kind, problem.fix);
            for value in ["maybe", "http", "LOUD"] {
                assert!(!text.contains(value), "{text}");
            }
        }
    }
}

#[test]
fn asking_for_an_undeclared_key_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("version = 1\n{SECRETS}"));
    let environment = manifest
        .select_environment(None, &Variables::default())
        .unwrap();
    let error = resolve(
        &manifest,
        environment,
        &Variables::default(),
        Scope::Keys(&["api_kee"]),
    )
    .unwrap_err();
    let secretary::Error::UnknownKey { suggestion, .. } = error else {
        panic!("{error}")
    };
    assert_eq!(suggestion.as_deref(), Some("api_key"));
}

// ---- hardening: races, special files, limits ---------------------------------------------

/// Runs `work` on a thread of its own and fails the test when it takes longer than
/// `limit`: a read that blocks (a FIFO) must not hang the suite, but fail it.
fn within<T: Send + 'static>(
    limit: std::time::Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, answer) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    answer
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}: it blocked"))
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn first_problem(report: &Report, key: &str) -> String {
    report.get(key).unwrap().problems[0].kind.to_string()
}

#[cfg(unix)]
#[test]
fn a_symlink_swapped_in_while_reading_never_leads_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let (dir, manifest) = files_setup();
    let outside = dir.path().join("outside");
    write_private(&outside, "stolen-canary");
    let secrets = dir.path().join("secrets");
    let stop = Arc::new(AtomicBool::new(false));
    // Swap `api_key` between a regular file and a link that leads out, atomically (by
    // rename), as fast as possible, while secretary reads it.
    let flipper = {
        let (secrets, outside, stop) = (secrets.clone(), outside.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                write_private(&secrets.join(".file"), "inside-value");
                fs::rename(secrets.join(".file"), secrets.join("api_key")).unwrap();
                let _ = fs::remove_file(secrets.join(".link"));
                std::os::unix::fs::symlink(&outside, secrets.join(".link")).unwrap();
                fs::rename(secrets.join(".link"), secrets.join("api_key")).unwrap();
            }
        })
    };
    let (mut inside, mut refused) = (0, 0);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        let report = run(&manifest, "production", &Variables::default());
        let resolution = report.get("api_key").unwrap();
        match (&resolution.value, resolution.problems.first()) {
            (Some(value), _) => {
                assert_eq!(
                    value.expose(),
                    "inside-value",
                    "read through a swapped link"
                );
                inside += 1;
            }
            (None, Some(problem)) => {
                let message = problem.kind.to_string();
                assert!(message.contains("leads outside secrets"), "{message}");
                refused += 1;
            }
            (None, None) => {}
        }
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
    assert!(
        inside > 0 && refused > 0,
        "the race ran: {inside} reads, {refused} refusals"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_secrets_directory_swapped_for_a_link_to_proc_is_never_read() {
    // The directory was checked by path and then opened by path again: swapped in between
    // for a link to /proc/self, its `environ` (the process's environment) was read.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"mount\"\n[environments.production]\nsources = [\"mounted\"]\n[secrets.environ]\n",
    );
    let mount = dir.path().join("mount");
    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let (base, stop) = (dir.path().to_owned(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let real = base.join(".real");
            fs::create_dir(&real).unwrap();
            write_private(&real.join("environ"), "inside-value");
            while !stop.load(Ordering::Relaxed) {
                let _ = fs::remove_file(base.join(".link"));
                std::os::unix::fs::symlink("/proc/self", base.join(".link")).unwrap();
                fs::rename(base.join(".link"), base.join("mount")).unwrap();
                std::os::unix::fs::symlink(&real, base.join(".link")).unwrap();
                fs::rename(base.join(".link"), base.join("mount")).unwrap();
            }
        })
    };
    let (mut inside, mut refused) = (0, 0);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        if !mount.exists() {
            continue;
        }
        let report = run(&manifest, "production", &Variables::default());
        let resolution = report.get("environ").unwrap();
        match (&resolution.value, resolution.problems.first()) {
            (Some(value), _) => {
                // Not shown when it fails: it would be this process's environment.
                assert!(
                    value.expose() == "inside-value",
                    "read the kernel's tree ({} bytes)",
                    value.expose().len()
                );
                inside += 1;
            }
            (None, Some(problem)) => {
                let message = problem.kind.to_string();
                assert!(message.contains("a system directory"), "{message}");
                refused += 1;
            }
            (None, None) => panic!("looked in /proc/self and found nothing: it was read"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
    assert!(
        inside > 0 && refused > 0,
        "the race ran: {inside} reads, {refused} refusals"
    );
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    use std::time::Duration;
    // A FIFO as the `.env` file.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    mkfifo(&dir.path().join(".env"));
    let report = within(Duration::from_secs(10), move || {
        run(&manifest, "development", &Variables::default())
    });
    let message = first_problem(&report, "database_url");
    assert!(
        message.contains("not a regular file (it is a FIFO)"),
        "{message}"
    );

    // A FIFO where a secret file is.
    let (dir, manifest) = files_setup();
    mkfifo(&dir.path().join("secrets/api_key"));
    let report = within(Duration::from_secs(10), move || {
        run(&manifest, "production", &Variables::default())
    });
    let message = first_problem(&report, "api_key");
    assert!(
        message.contains("not a regular file (it is a FIFO)"),
        "{message}"
    );
    let fix = report.get("api_key").unwrap().problems[0].fix.to_string();
    assert!(
        fix.contains("with a regular file"),
        "the fix names the cause: {fix}"
    );

    // A FIFO, and a device, as the manifest.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("secrets.toml");
    mkfifo(&fifo);
    let error = within(Duration::from_secs(10), move || {
        Manifest::load(&fifo).unwrap_err()
    });
    assert!(
        error
            .to_string()
            .contains("not a regular file (it is a FIFO)"),
        "{error}"
    );
    let error = Manifest::load(Path::new("/dev/zero")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not a regular file (it is a device)"),
        "{error}"
    );
}

#[test]
fn oversized_files_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    // Sparse: 17 MiB on paper, nothing on disk.
    let env = fs::File::create(dir.path().join(".env")).unwrap();
    env.set_len(17 * 1024 * 1024).unwrap();
    chmod(&dir.path().join(".env"), 0o600);
    let report = run(&manifest, "development", &Variables::default());
    let message = first_problem(&report, "database_url");
    assert!(
        message.contains("larger than the 16 MiB limit"),
        "{message}"
    );

    let big = dir.path().join("big.toml");
    fs::File::create(&big)
        .unwrap()
        .set_len(17 * 1024 * 1024)
        .unwrap();
    let error = Manifest::load(&big).unwrap_err();
    assert!(
        error.to_string().contains("larger than the 16 MiB limit"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn a_group_writable_dotenv_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    fs::write(
        dir.path().join(".env"),
        "DATABASE_URL=postgresql://db/app\n",
    )
    .unwrap();
    chmod(&dir.path().join(".env"), 0o620);
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://db/app")
    );
    assert_eq!(
        report.warnings,
        [
            ".env is writable by group members (mode 0620), who could change its values; run `chmod 600 .env`"
        ]
    );
}

#[test]
fn an_expansion_bomb_stops_at_the_limit_naming_the_line() {
    // 629 bytes that grew to a gigabyte: each line is the one before, ten times.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    let mut bomb = String::from("L0=xxxxxxxxxx\n");
    for line in 1..10 {
        let previous = format!("${{L{}}}", line - 1);
        let _ = writeln!(bomb, "L{line}={}", previous.repeat(10));
    }
    bomb.push_str("DATABASE_URL=postgresql://db/app\n");
    write_private(&dir.path().join(".env"), &bomb);
    let report = run(&manifest, "development", &Variables::default());
    let message = first_problem(&report, "database_url");
    assert!(
        message.contains("line 7: expanding `${...}` makes the value larger than 1 MiB"),
        "{message}"
    );
}

#[test]
fn a_lone_carriage_return_ends_a_dotenv_line() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    write_private(
        &dir.path().join(".env"),
        "API_KEY=k-1\rDATABASE_URL=postgresql://db/app\r",
    );
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-1"));
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("dotenv:.env:2")
    );
    // A malformed line between two CRs is seen, not swallowed.
    write_private(
        &dir.path().join(".env"),
        "API_KEY=k-1\rjunk\rDATABASE_URL=x\r",
    );
    let report = run(&manifest, "development", &Variables::default());
    let message = first_problem(&report, "api_key");
    assert!(
        message.contains("line 2: expected `KEY=VALUE`"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn the_audit_log_is_never_a_link_nor_a_fifo_and_a_loose_one_is_warned_about() {
    use secretary::audit::{AuditLog, Target};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere.log");
    fs::write(&elsewhere, "").unwrap();
    let link = dir.path().join("audit.log");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let error = AuditLog::open(&Target::File(link), "dev", &Variables::default()).unwrap_err();
    assert!(error.to_string().contains("a symbolic link"), "{error}");

    let fifo = dir.path().join("fifo.log");
    mkfifo(&fifo);
    let error = within(Duration::from_secs(10), move || {
        AuditLog::open(&Target::File(fifo), "dev", &Variables::default())
            .unwrap_err()
            .to_string()
    });
    // Without a reader, opening a FIFO to write fails at once (ENXIO); with one, it is
    // refused as not a regular file. Either way it neither blocks nor is used.
    assert!(error.starts_with("cannot open the audit log"), "{error}");

    let loose = dir.path().join("loose.log");
    fs::write(&loose, "").unwrap();
    chmod(&loose, 0o644);
    let log = AuditLog::open(&Target::File(loose), "dev", &Variables::default()).unwrap();
    assert_eq!(log.warnings().len(), 1, "{:?}", log.warnings());
    assert!(
        log.warnings()[0].contains("mode 0644"),
        "{:?}",
        log.warnings()
    );
}
