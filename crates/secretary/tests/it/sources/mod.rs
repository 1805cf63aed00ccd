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
use secretary::source::{DotenvConfig, EnvConfig, FilesConfig};
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

/// Where `key` was looked for, each as the report words it.
fn looked_in(report: &Report, key: &str) -> Vec<String> {
    report
        .get(key)
        .unwrap()
        .looked
        .iter()
        .map(ToString::to_string)
        .collect()
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

// ---- env -----------------------------------------------------------------------------

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

/// A source that answers for only the first secret it is asked about.
struct Forgetful;

impl source::Source for Forgetful {
    fn name(&self) -> &'static str {
        "forgetful"
    }

    fn kind(&self) -> secretary::manifest::SourceKind {
        secretary::manifest::SourceKind::ENV
    }

    fn lookup(&self, secrets: &[&SecretSpec], _: &Context<'_>) -> source::Batch {
        let lookups = secrets
            .iter()
            .take(1)
            .map(|_| Lookup::Absent {
                looked: vec![secretary::Looked::new(secretary::Locator::env("x"))],
            })
            .collect();
        source::Batch::new(lookups, Vec::new())
    }
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

mod aws;
mod claims;
mod dotenv;
mod env;
mod exec;
mod exec_trust;
mod files;
mod noninterference;
mod resolution;
mod sops;
mod sops_trust;
