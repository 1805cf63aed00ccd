//! When Vault is down (issue 23): the last-known-good copy written while a real OpenBao
//! is up, served stale once it is stopped or blackholed, and every case that must fail
//! closed instead (`refusals.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

mod manager;
mod refusals;

use std::fmt::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use secretary::outage::Cause;
use secretary::{Manifest, Report, State, Variables};
use secretary::{Scope, resolve};
use secretary_test_support::OpenBao;

/// 32 bytes, base64: the user's cache key in these tests.
pub const KEY: &str = "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM=";
/// Another key.
pub const OTHER_KEY: &str = "hq3Q9v1x0JYz8m2PKjzXl4nq1vT6cE1dUo0aN3w5rBk=";
/// Values no output, file or log may hold in any spelling.
pub const CANARY_API: &str = "canary-api-7f3c9d2e1b";
pub const CANARY_DB: &str = "canary-db-a91e44c07d";

/// An application `shop` whose `production` and `staging` read Vault and keep a copy.
pub fn manifest_text(max_age: &str, extra: &str) -> String {
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
last_known_good = {{ max_age = "{max_age}" }}
outage_after = "2s"
{extra}
[environments.staging]
sources = ["vault"]
last_known_good = {{ max_age = "{max_age}" }}
outage_after = "2s"
[secrets.api_key]
required = true
[secrets.db_password]
required = true
"#
    )
}

/// A test's application: its manifest, its state directory, and a server with both
/// secrets in both environments.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub manifest: Manifest,
    pub server: OpenBao,
}

impl Setup {
    pub fn new() -> Self {
        Self::with(&manifest_text("24h", ""))
    }

    pub fn with(text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest::parse(text, &dir.path().join("secrets.toml")).unwrap();
        let server = OpenBao::start();
        for environment in ["production", "staging"] {
            server.kv_put(&format!("{environment}/api_key"), &[("value", CANARY_API)]);
            server.kv_put(
                &format!("{environment}/db_password"),
                &[("value", CANARY_DB)],
            );
        }
        Self {
            dir,
            manifest,
            server,
        }
    }

    /// Another manifest `text`, read from `setup`'s directory (so its state and server).
    pub fn with_manifest_only(text: &str, setup: &Setup) -> Manifest {
        Manifest::parse(text, &setup.dir.path().join("secrets.toml")).unwrap()
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The copy of `environment`.
    pub fn copy(&self, environment: &str) -> PathBuf {
        self.state().join(format!("shop.{environment}.lkg"))
    }

    /// The variables of a run against `address` with `token` and `key`.
    pub fn vars_for(&self, address: &str, token: &str, key: &str) -> Variables {
        Variables::from_pairs([
            ("VAULT_ADDR", address),
            ("VAULT_TOKEN", token),
            ("SECRETARY_CACHE_KEY", key),
            ("SECRETARY_STATE_DIR", self.state().to_str().unwrap()),
            ("VAULT_MAX_RETRIES", "1"),
        ])
    }

    pub fn vars(&self) -> Variables {
        self.vars_for(&self.server.address, &self.server.token, KEY)
    }

    pub fn resolve(&self, environment: &str, vars: &Variables) -> Report {
        let environment = self
            .manifest
            .select_environment(Some(environment), vars)
            .unwrap();
        resolve(&self.manifest, environment, vars, Scope::All).unwrap()
    }
}

/// The first problem of `key`, as text, or its state when it has none.
pub fn outcome(report: &Report, key: &str) -> String {
    let resolution = report.get(key).unwrap();
    resolution.problems.first().map_or_else(
        || resolution.state().to_string(),
        |problem| problem.kind.to_string(),
    )
}

/// Fails when `bytes` hold a canary raw, in base64 (three alignments' worth: the value
/// alone) or in hex.
pub fn assert_no_canary(what: &str, bytes: &[u8]) {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(bytes);
    for canary in [CANARY_API, CANARY_DB] {
        let hex = canary.bytes().fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        });
        let spellings = [
            canary.to_owned(),
            base64::engine::general_purpose::STANDARD.encode(canary),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(canary),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(canary),
            hex.clone(),
            hex.to_uppercase(),
        ];
        for spelling in spellings {
            assert!(
                !text.contains(&spelling),
                "{what} holds a canary value (as `{spelling}`)"
            );
        }
    }
}

#[test]
fn a_copy_written_while_vault_is_up_is_served_stale_once_it_is_down() {
    let mut setup = Setup::new();
    let vars = setup.vars();
    let report = setup.resolve("production", &vars);
    assert!(report.is_ok(), "{:?}", report.resolutions);
    assert_eq!(report.get("api_key").unwrap().state(), State::Ok);
    assert!(report.get("api_key").unwrap().stale.is_none());
    let copy = std::fs::read(setup.copy("production")).unwrap();
    assert_no_canary("the copy", &copy);
    let mode = std::fs::metadata(setup.copy("production"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(setup.state())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);

    setup.server.stop();
    let report = setup.resolve("production", &vars);
    assert!(report.is_ok(), "{:?}", report.resolutions);
    for (key, canary) in [("api_key", CANARY_API), ("db_password", CANARY_DB)] {
        let resolution = report.get(key).unwrap();
        assert_eq!(resolution.state(), State::Stale);
        assert_eq!(resolution.value.as_ref().unwrap().expose(), canary);
        let stale = resolution.stale.as_ref().unwrap();
        assert_eq!(stale.source, "vault");
        assert!(stale.age < Duration::from_secs(60));
        assert!(matches!(stale.cause, Cause::Failed(_)), "{}", stale.cause);
    }
    let warning = crate::warnings(&report)
        .into_iter()
        .find(|w| w.starts_with("STALE"))
        .expect("a stale warning");
    assert!(warning.contains("2 secrets are served"), "{warning}");
    assert_no_canary(
        "the warnings",
        crate::warnings(&report).join("\n").as_bytes(),
    );
    assert_no_canary("the report", format!("{report:?}").as_bytes());
}

#[test]
fn a_template_built_from_a_stale_value_is_stale_too() {
    // A twenty-sixth adversarial pass: the reference application's `database_url`, a
    // template over `postgres_password`, was called fresh beside its stale input.
    let mut setup = Setup::with(&manifest_text(
        "24h",
        "[environments.production.secrets.db_url]\ntemplate = \"postgresql://app:{db_password|url}@db/app\"\n[secrets.db_url]\nrequired = true\n",
    ));
    let vars = setup.vars();
    let report = setup.resolve("production", &vars);
    assert!(report.is_ok(), "{:?}", report.resolutions);
    assert!(report.get("db_url").unwrap().stale.is_none());
    setup.server.stop();
    let report = setup.resolve("production", &vars);
    let built = report.get("db_url").unwrap();
    assert_eq!(built.state(), State::Stale);
    assert_eq!(built.stale.as_ref().unwrap().source, "vault");
}

#[test]
fn a_blackholed_vault_gives_way_to_the_copy_within_outage_after() {
    let mut setup = Setup::new();
    let vars = setup.vars();
    assert!(setup.resolve("production", &vars).is_ok());
    // At the server's own address (a copy is served only for the server it was read
    // from), a listener that never accepts: the kernel completes the handshake, nobody
    // answers.
    let port = setup.server.address.rsplit(':').next().unwrap().to_owned();
    setup.server.stop();
    let hole = TcpListener::bind(format!("127.0.0.1:{port}")).unwrap();
    let started = Instant::now();
    let report = setup.resolve("production", &vars);
    let took = started.elapsed();
    assert!(report.is_ok(), "{:?}", report.resolutions);
    let stale = report.get("api_key").unwrap().stale.clone().unwrap();
    assert!(
        matches!(stale.cause, Cause::NoAnswer { after } if after == Duration::from_secs(2)),
        "{}",
        stale.cause
    );
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(took < Duration::from_millis(3500), "{took:?}");
    drop(hole);
}

#[test]
fn on_stale_fail_makes_stale_values_a_problem() {
    let mut setup = Setup::with(&manifest_text("24h", "on_stale = \"fail\""));
    let vars = setup.vars();
    assert!(setup.resolve("production", &vars).is_ok());
    setup.server.stop();
    let report = setup.resolve("production", &vars);
    assert!(!report.is_ok());
    let resolution = report.get("api_key").unwrap();
    assert_eq!(resolution.state(), State::Stale);
    assert!(
        outcome(&report, "api_key").starts_with(
            "the value is stale: served from the last-known-good copy of source `vault`"
        ),
        "{}",
        outcome(&report, "api_key")
    );
}

#[test]
fn two_writers_at_once_leave_a_copy_that_opens() {
    let setup = Setup::new();
    let vars = setup.vars();
    // Each resolution of a changed value rewrites the copy; two threads race.
    std::thread::scope(|scope| {
        for thread in 0..2 {
            let setup = &setup;
            let vars = &vars;
            scope.spawn(move || {
                for round in 0..8 {
                    setup.server.kv_put(
                        "production/api_key",
                        &[("value", &format!("{CANARY_API}-{thread}-{round}"))],
                    );
                    assert!(setup.resolve("production", vars).is_ok());
                }
            });
        }
    });
    let leftovers: Vec<_> = std::fs::read_dir(setup.state())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let listed = secretary::outage::list(
        &setup.state(),
        Some(&secretary::outage::CacheKey::from_text(KEY, "SECRETARY_CACHE_KEY").unwrap()),
    )
    .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(matches!(listed[0].sources[0].opens, Some(Ok(()))));
}

/// Where the copy of `setup`'s production is, for the refusal tests.
pub fn copy_of(setup: &Setup) -> PathBuf {
    setup.copy("production")
}

/// Replaces the copy's ciphertext with one byte changed.
pub fn flip_a_byte(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sealed = json["sources"][0]["ciphertext"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut bytes = sealed.into_bytes();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    json["sources"][0]["ciphertext"] = serde_json::Value::String(String::from_utf8(bytes).unwrap());
    std::fs::write(path, serde_json::to_vec(&json).unwrap()).unwrap();
}

#[test]
fn a_refused_connection_gives_way_to_the_copy_at_once_not_after_retries() {
    let mut setup = Setup::new();
    let (address, token, state) = (
        setup.server.address.clone(),
        setup.server.token.clone(),
        setup.state().display().to_string(),
    );
    let vars = |retries: Option<&str>| {
        let mut pairs = vec![
            ("VAULT_ADDR", address.clone()),
            ("VAULT_TOKEN", token.clone()),
            ("SECRETARY_CACHE_KEY", KEY.to_owned()),
            ("SECRETARY_STATE_DIR", state.clone()),
        ];
        if let Some(retries) = retries {
            pairs.push(("VAULT_MAX_RETRIES", retries.to_owned()));
        }
        Variables::from_pairs(pairs)
    };
    assert!(setup.resolve("production", &vars(None)).is_ok());
    setup.server.stop();
    // The default: no retry when a copy can be taken (the next read asks again).
    let started = Instant::now();
    let report = setup.resolve("production", &vars(None));
    let at_once = started.elapsed();
    assert_eq!(report.get("api_key").unwrap().state(), State::Stale);
    assert!(at_once < Duration::from_millis(300), "{at_once:?}");
    // Retries the user asked for are made: three passes, with back-off between them.
    let started = Instant::now();
    let report = setup.resolve("production", &vars(Some("2")));
    assert_eq!(report.get("api_key").unwrap().state(), State::Stale);
    assert!(
        started.elapsed() > Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_copy_stands_in_for_its_source_before_on_source_error_next_falls_through() {
    let text = manifest_text("24h", "on_source_error = \"next\"")
        .replace(
            "[environments.production]\nsources = [\"vault\"]",
            "[environments.production]\nsources = [\"vault\", \"env\"]",
        )
        .replace(
            "[secrets.api_key]",
            "[sources.env]\ntype = \"env\"\n[secrets.api_key]",
        );
    let mut setup = Setup::with(&text);
    let vars = setup.vars();
    assert!(setup.resolve("production", &vars).is_ok());
    setup.server.stop();
    let mut pairs: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    pairs.push(("API_KEY".to_owned(), "from-the-environment".to_owned()));
    let vars = Variables::from_pairs(pairs);
    let report = setup.resolve("production", &vars);
    let resolution = report.get("api_key").unwrap();
    assert_eq!(resolution.state(), State::Stale);
    assert_eq!(resolution.value.as_ref().unwrap().expose(), CANARY_API);
    // Without a copy to serve (another key), it falls through to the environment, loudly.
    let mut pairs: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    pairs.retain(|(k, _)| k != "SECRETARY_CACHE_KEY");
    pairs.push(("SECRETARY_CACHE_KEY".to_owned(), OTHER_KEY.to_owned()));
    let report = setup.resolve("production", &Variables::from_pairs(pairs));
    let resolution = report.get("api_key").unwrap();
    assert_eq!(
        resolution.value.as_ref().unwrap().expose(),
        "from-the-environment"
    );
    assert_eq!(resolution.fallbacks.len(), 1);
    assert!(
        crate::warnings(&report).iter().any(
            |w| w.contains("sealed with another key") && w.contains("the next source is asked")
        ),
        "{:?}",
        crate::warnings(&report)
    );
}

/// Production reading one server, staging another (with a copy), both by the
/// manifest's address.
fn two_servers(production: &str, staging: &str) -> String {
    format!(
        r#"version = 1
[app]
name = "shop"
[sources.vault]
type = "vault"
address = "{production}"
mount = "secret"
path = "{{environment}}/{{key}}"
field = "value"
[sources.old]
type = "vault"
address = "{staging}"
mount = "secret"
path = "{{environment}}/{{key}}"
field = "value"
[sources.dotenv]
type = "dotenv"
files = [".env"]
[environments.production]
sources = ["vault"]
[environments.staging]
sources = ["old", "dotenv"]
on_source_error = "next"
last_known_good = {{ max_age = "24h" }}
outage_after = "2s"
[secrets.api_key]
required = true
"#,
    )
}

#[test]
fn an_import_never_copies_a_value_from_the_last_known_good_copy() {
    // A twenty-second adversarial pass: `import --from staging` during staging's outage
    // wrote staging's copy, holding a value since rotated out, into production, and
    // said nothing, even with `on_stale = "fail"`.
    let mut staging_server = OpenBao::start();
    let production_server = OpenBao::start();
    let dir = tempfile::tempdir().unwrap();
    let text = two_servers(&production_server.address, &staging_server.address);
    // A developer's value behind staging's Vault (a twenty-third adversarial pass saw it
    // copied into production while that Vault was down).
    let dotenv = dir.path().join(".env");
    std::fs::write(&dotenv, "API_KEY=local-developer-value\n").unwrap();
    std::fs::set_permissions(&dotenv, std::fs::Permissions::from_mode(0o600)).unwrap();
    let setup = Setup {
        manifest: Manifest::parse(&text, &dir.path().join("secrets.toml")).unwrap(),
        dir,
        server: production_server,
    };
    // One token for both servers, as one operator's would be.
    staging_server.bao(&[
        "token",
        "create",
        "-id",
        &setup.server.token,
        "-policy=root",
    ]);
    staging_server.kv_put("staging/api_key", &[("value", "rotated-out-staging-4c1d")]);
    let agreed = format!("{},{}", setup.server.address, staging_server.address);
    let state = setup.state();
    let vars = Variables::from_pairs([
        ("SECRETARY_VAULT_ADDRS", agreed.as_str()),
        ("VAULT_TOKEN", setup.server.token.as_str()),
        ("SECRETARY_CACHE_KEY", KEY),
        ("SECRETARY_STATE_DIR", state.to_str().unwrap()),
        ("VAULT_MAX_RETRIES", "1"),
    ]);
    assert!(
        setup.resolve("staging", &vars).is_ok(),
        "staging read while up"
    );
    staging_server.stop();
    assert_eq!(
        setup
            .resolve("staging", &vars)
            .get("api_key")
            .unwrap()
            .state(),
        State::Stale,
        "the copy stands in for staging's own reads"
    );

    let production = setup
        .manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let staging = setup
        .manifest
        .select_environment(Some("staging"), &vars)
        .unwrap();
    let fingerprints = secretary::audit::Fingerprints::random().unwrap();
    let plan = secretary::import(
        &setup.manifest,
        production,
        &vars,
        secretary::ImportSource::Environment(staging),
        None,
        true,
        &fingerprints,
    )
    .unwrap();
    let item = &plan.items()[0];
    assert!(
        matches!(&item.action, secretary::ImportAction::Failed(error) if error.contains("source `old`")),
        "{:?}",
        item.action
    );
    assert!(plan.is_blocked());
    assert!(
        plan.apply(&mut |_| {}).unwrap().is_empty(),
        "an import with a failure writes nothing"
    );
    let written = setup
        .server
        .command(&["kv", "get", "-mount=secret", "production/api_key"])
        .output()
        .unwrap();
    assert!(!written.status.success(), "production was written");
}
