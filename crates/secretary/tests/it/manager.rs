//! `SecretManager`, as a Rust service uses it: creation, reads, the cache and
//! `clear_cache`, typed `load`, `list`, single-flight, and its audit log.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use secretary_test_support::{OpenBao, free_port};
use std::fs;
use std::path::Path;

use secretary::ManagerError;
use secretary::audit::Target;
use secretary::{SecretManager, Variables};

const MANIFEST: &str = r#"version = 1
[sources.env]
type = "env"
[sources.dotenv]
type = "dotenv"
files = [".env"]
[environments.development]
sources = ["env", "dotenv"]

[secrets.database_url]
description = "PostgreSQL connection URL"
required = true
type = "url"
[secrets.api_key]
description = "Payment API key"
required = true
[secrets.port]
type = "port"
sensitive = false
default = "8000"
[secrets.debug]
type = "bool"
sensitive = false
default = "false"
[secrets.sentry_dsn]
description = "Error reporting"
"#;

fn app(dotenv: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("secrets.toml"), MANIFEST).unwrap();
    write_dotenv(dir.path(), dotenv);
    dir
}

fn write_dotenv(dir: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(".env");
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
}

fn manager(dir: &Path, vars: &[(&str, &str)]) -> SecretManager {
    SecretManager::from_path(dir.join("secrets.toml"))
        .unwrap()
        .variables(Variables::from_pairs(vars.iter().copied()))
        .build()
        .unwrap()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn a_manager_reads_from_the_environment_and_redacts() {
    let dir = app("API_KEY=from-dotenv-1111\n");
    let secrets = manager(dir.path(), &[("DATABASE_URL", "postgresql://db/app")]);
    assert_eq!(secrets.environment(), "development");
    block_on(async {
        secrets.validate().await.unwrap();
        let url = secrets.get("database_url").await.unwrap();
        assert_eq!(url.expose(), "postgresql://db/app");
        assert_eq!(format!("{url:?}"), "[redacted]");
        assert_eq!(
            secrets.get("api_key").await.unwrap().expose(),
            "from-dotenv-1111"
        );
        assert_eq!(
            secrets
                .get_opt("sentry_dsn")
                .await
                .unwrap()
                .map(|v| v.expose().to_owned()),
            None
        );
        let error = secrets.get("sentry_dsn").await.unwrap_err().to_string();
        assert!(error.contains("sentry_dsn"), "{error}");
    });
}

#[test]
fn a_missing_required_secret_names_key_and_description() {
    let dir = app("");
    let secrets = manager(dir.path(), &[("DATABASE_URL", "not a url")]);
    let error = block_on(secrets.validate()).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, ManagerError::Problems(_)));
    assert!(text.contains("2 problems"), "{text}");
    assert!(
        text.contains("api_key (Payment API key): required but not set"),
        "{text}"
    );
    assert!(
        text.contains("database_url (PostgreSQL connection URL)"),
        "{text}"
    );
    assert!(!text.contains("not a url"), "a value in the error: {text}");
    let get = block_on(secrets.get("api_key")).unwrap_err().to_string();
    assert!(
        get.contains("api_key (Payment API key): required but not set"),
        "{get}"
    );
}

#[test]
fn an_undeclared_key_is_an_error_not_none() {
    let dir = app("API_KEY=x\n");
    let secrets = manager(dir.path(), &[]);
    let error = block_on(secrets.get_opt("api_kye")).unwrap_err();
    assert!(
        matches!(&error, ManagerError::Secretary(secretary::Error::UnknownKey { key, .. }) if key == "api_kye"),
        "{error:?}"
    );
}

#[test]
fn values_stay_cached_until_clear_cache() {
    let dir = app("API_KEY=first-1111\n");
    let secrets = manager(dir.path(), &[]);
    block_on(async {
        assert_eq!(secrets.get("api_key").await.unwrap().expose(), "first-1111");
        write_dotenv(dir.path(), "API_KEY=second-2222\n");
        assert_eq!(
            secrets.get("api_key").await.unwrap().expose(),
            "first-1111",
            "cached"
        );
        let clone = secrets.clone();
        clone.clear_cache(); // clones share one cache
        assert_eq!(
            secrets.get("api_key").await.unwrap().expose(),
            "second-2222"
        );
    });
    // The blocking facade sees the same cache.
    write_dotenv(dir.path(), "API_KEY=third-3333\n");
    assert_eq!(
        secrets.blocking().get("api_key").unwrap().expose(),
        "second-2222"
    );
    secrets.clear_cache();
    assert_eq!(
        secrets.blocking().get("api_key").unwrap().expose(),
        "third-3333"
    );
}

#[test]
fn every_thread_sees_a_change_made_on_another() {
    // Each thread serves hits from its own copy of the cache: a clear or a refresh on one
    // thread must reach the copies of the others.
    let dir = app("API_KEY=first-1111\n");
    let secrets = manager(dir.path(), &[("DATABASE_URL", "postgresql://db/app")]);
    secrets.blocking().validate().unwrap(); // as a service does at start-up
    let step = std::sync::Barrier::new(5);
    std::thread::scope(|scope| {
        // Each worker notes what it read (errors as text), so that no panic can leave the
        // others waiting at a step.
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let text = |value: Result<secretary::SecretValue, _>| {
                        value.map_or_else(
                            |error: secretary::ManagerError| error.to_string(),
                            |value| value.expose().to_owned(),
                        )
                    };
                    let get = || text(secrets.blocking().get("api_key"));
                    let get_async = || text(block_on(secrets.get("api_key")));
                    let mut seen = vec![get()];
                    step.wait(); // the file changes
                    step.wait();
                    seen.extend([get(), get_async()]);
                    step.wait(); // refresh on the main thread
                    step.wait();
                    seen.extend([get_async(), get()]);
                    step.wait(); // the file changes, and clear_cache on the main thread
                    step.wait();
                    seen.extend([get(), get_async()]);
                    seen
                })
            })
            .collect();
        step.wait();
        write_dotenv(dir.path(), "API_KEY=second-2222\n");
        step.wait();
        step.wait();
        let refreshed = secrets.blocking().refresh();
        step.wait();
        step.wait();
        write_dotenv(dir.path(), "API_KEY=third-3333\n");
        secrets.clear_cache();
        step.wait();
        assert_eq!(refreshed.unwrap(), ["api_key"]);
        for worker in workers {
            assert_eq!(
                worker.join().unwrap(),
                [
                    "first-1111",
                    "first-1111", // cached, in both
                    "first-1111",
                    "second-2222", // after refresh on another thread
                    "second-2222",
                    "third-3333", // after clear_cache on another thread
                    "third-3333",
                ]
            );
        }
    });
}

#[test]
fn list_has_every_declared_secret_and_no_value() {
    let dir = app("API_KEY=canary-list-9999\n");
    let secrets = manager(dir.path(), &[]);
    block_on(secrets.get("api_key")).unwrap();
    let list = secrets.list();
    let keys: Vec<&str> = list.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        keys,
        ["database_url", "api_key", "port", "debug", "sentry_dsn"]
    );
    assert_eq!(list[0].env, ["DATABASE_URL"]);
    assert_eq!(list[0].kind, secretary::manifest::SecretType::Url);
    assert_eq!(list[0].kind.as_str(), "url");
    assert!(list[0].required && list[0].sensitive);
    assert!(!format!("{list:?}").contains("canary"));
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code, reason = "only the error matters")]
struct Wrong {
    api_key: u32,
}

#[test]
fn load_fills_the_applications_own_typed_struct() {
    #[derive(serde::Deserialize)]
    struct Settings {
        database_url: url::Url,
        api_key: String,
        port: u16,
        debug: bool,
        sentry_dsn: Option<String>,
    }
    let dir = app("API_KEY=k-1111\nDEBUG=yes\n");
    let secrets = manager(
        dir.path(),
        &[
            ("DATABASE_URL", "postgresql://db:5432/app"),
            ("PORT", "8443"),
        ],
    );
    let settings: Settings = secrets.blocking().load().unwrap();
    assert_eq!(settings.database_url.port(), Some(5432));
    assert_eq!(settings.api_key, "k-1111");
    assert_eq!(settings.port, 8443);
    assert!(settings.debug);
    assert_eq!(settings.sentry_dsn, None);

    // A field the manifest cannot fill names the field, not a value.
    let error = secrets.blocking().load::<Wrong>().unwrap_err().to_string();
    assert!(error.contains("does not fit"), "{error}");
    assert!(!error.contains("k-1111"), "{error}");
}

#[test]
fn concurrent_misses_for_one_key_cause_one_source_read() {
    let dir = app("API_KEY=shared-5555\n");
    let log = dir.path().join("audit.log");
    let secrets = SecretManager::from_path(dir.path().join("secrets.toml"))
        .unwrap()
        .variables(Variables::from_pairs([(
            "SECRETARY_AUDIT_KEY",
            "b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ",
        )]))
        .audit(Target::File(log.clone()))
        .build()
        .unwrap();
    let values = block_on(async {
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let secrets = secrets.clone();
                tokio::spawn(
                    async move { secrets.get("api_key").await.unwrap().expose().to_owned() },
                )
            })
            .collect();
        let mut values = Vec::new();
        for task in tasks {
            values.push(task.await.unwrap());
        }
        values
    });
    assert!(values.iter().all(|v| v == "shared-5555"));
    let text = fs::read_to_string(&log).unwrap();
    assert!(!text.contains("shared-5555"), "a value in the audit log");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reads = lines.iter().filter(|l| l["event"] == "resolve").count();
    let gets = lines.iter().filter(|l| l["event"] == "get").count();
    assert_eq!(reads, 1, "one source read for 64 concurrent misses");
    assert_eq!(gets, 64, "every access is audited");
    assert!(lines.iter().all(|l| {
        l["fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("hmac-sha256:"))
    }));

    // A get's outcome uses the words validate's lines use (the README's list).
    block_on(async {
        assert!(secrets.get_opt("sentry_dsn").await.unwrap().is_none());
        assert!(secrets.get("database_url").await.is_err());
    });
    let text = fs::read_to_string(&log).unwrap();
    let outcome_of_get = |key: &str| {
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|l| l["event"] == "get" && l["key"] == key)
            .map(|l| l["outcome"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(outcome_of_get("sentry_dsn"), ["unset"]);
    assert_eq!(outcome_of_get("database_url"), ["missing"]);
}

#[test]
fn a_sources_ttl_expires_its_values_and_subscribers_hear_of_changes() {
    let dir = app("API_KEY=first-1111\n");
    let manifest = MANIFEST.replace("files = [\".env\"]", "files = [\".env\"]\nttl = \"300ms\"");
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    let secrets = manager(dir.path(), &[("DATABASE_URL", "postgresql://db/app")]);
    let mut changes = secrets.subscribe();
    block_on(async {
        assert_eq!(secrets.get("api_key").await.unwrap().expose(), "first-1111");
        write_dotenv(dir.path(), "API_KEY=second-2222\n");
        assert_eq!(
            secrets.get("api_key").await.unwrap().expose(),
            "first-1111",
            "within the ttl"
        );
        assert!(!changes.has_changed().unwrap());
        std::thread::sleep(std::time::Duration::from_millis(400));
        assert_eq!(
            secrets.get("api_key").await.unwrap().expose(),
            "second-2222",
            "after the ttl"
        );
        assert!(changes.has_changed().unwrap());
        let change = changes.borrow_and_update().clone();
        assert_eq!(change.generation, 1);
        assert_eq!(change.keys, ["api_key"]);

        // refresh() re-reads everything now; env values (no ttl) are the same.
        write_dotenv(dir.path(), "API_KEY=third-3333\n");
        assert_eq!(secrets.refresh().await.unwrap(), ["api_key"]);
        assert_eq!(secrets.get("api_key").await.unwrap().expose(), "third-3333");
        assert_eq!(changes.borrow_and_update().generation, 2);
        assert!(
            secrets.refresh().await.unwrap().is_empty(),
            "nothing changed"
        );
        assert!(!changes.has_changed().unwrap());
    });
}

#[test]
fn a_template_lives_no_longer_than_its_inputs() {
    // A twenty-eighth adversarial pass: a template took no `ttl` (its source is no
    // source), so `get` served it built from a value rotated, deleted or refused since.
    let dir = app("API_KEY=first-1111\n");
    let manifest = MANIFEST.replace("files = [\".env\"]", "files = [\".env\"]\nttl = \"300ms\"")
        + "[secrets.payment_url]\ntemplate = \"https://pay.example/{api_key}\"\n";
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    let secrets = manager(dir.path(), &[("DATABASE_URL", "postgresql://db/app")]);
    let wait = || std::thread::sleep(std::time::Duration::from_millis(400));
    block_on(async {
        let url = |secrets: &SecretManager| {
            let secrets = secrets.clone();
            async move {
                secrets
                    .get("payment_url")
                    .await
                    .map(|v| v.expose().to_owned())
            }
        };
        assert_eq!(
            url(&secrets).await.unwrap(),
            "https://pay.example/first-1111"
        );
        // Its input's ttl runs out: so does it.
        write_dotenv(dir.path(), "API_KEY=second-2222\n");
        wait();
        assert_eq!(
            url(&secrets).await.unwrap(),
            "https://pay.example/second-2222"
        );
        // Its input read again with a new value: it is built again at once.
        write_dotenv(dir.path(), "API_KEY=third-3333\n");
        wait();
        assert_eq!(secrets.get("api_key").await.unwrap().expose(), "third-3333");
        assert_eq!(
            url(&secrets).await.unwrap(),
            "https://pay.example/third-3333"
        );
        // Its input gone: it is gone too.
        write_dotenv(dir.path(), "\n");
        wait();
        assert!(secrets.get("api_key").await.is_err());
        assert!(
            url(&secrets).await.is_err(),
            "a template over a secret gone"
        );
    });
}

#[test]
fn a_secret_gone_from_its_source_is_no_longer_served_after_a_re_read() {
    // A thirtieth adversarial pass: a secret deleted from Vault (or its `.env` line
    // removed) was still served by `get` after `refresh` reported it missing.
    let dir = app("API_KEY=first-1111\n");
    let secrets = manager(dir.path(), &[("DATABASE_URL", "postgresql://db/app")]);
    block_on(async {
        assert_eq!(secrets.get("api_key").await.unwrap().expose(), "first-1111");
        write_dotenv(dir.path(), "\n");
        assert!(
            secrets.refresh().await.is_err(),
            "the re-read finds it missing"
        );
        assert!(
            secrets.get("api_key").await.is_err(),
            "a value gone is served"
        );
        assert!(secrets.get_cached("api_key").is_none());
    });
}

#[test]
fn an_env_source_cannot_have_a_ttl() {
    let dir = app("");
    let manifest = MANIFEST.replace("type = \"env\"", "type = \"env\"\nttl = \"5m\"");
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    let error = SecretManager::from_path(dir.path().join("secrets.toml")).unwrap_err();
    assert!(
        error.to_string().contains("cannot have a `ttl`")
            || format!("{error:?}").contains("cannot have a `ttl`"),
        "{error}"
    );
}

#[test]
fn after_a_rotation_in_openbao_clear_cache_serves_the_new_version() {
    let bao = OpenBao::start();
    bao.kv_put("production/api_key", &[("value", "before-rotation")]);
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[sources.vault]\ntype = \"vault\"\npath = \"{environment}/{key}\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\nrequired = true\n",
    )
    .unwrap();
    let log = dir.path().join("audit.log");
    let env = bao.env();
    let secrets = SecretManager::from_path(dir.path().join("secrets.toml"))
        .unwrap()
        .environment("production")
        .variables(Variables::from_pairs(
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ))
        .audit(Target::File(log.clone()))
        .build()
        .unwrap();
    let mut changes = secrets.subscribe();
    block_on(async {
        assert_eq!(
            secrets.get("api_key").await.unwrap().expose(),
            "before-rotation"
        );
        bao.kv_put("production/api_key", &[("value", "after-rotation")]);
        assert_eq!(
            secrets.get("api_key").await.unwrap().expose(),
            "before-rotation",
            "cached"
        );
        secrets.clear_cache();
        assert_eq!(
            secrets.get("api_key").await.unwrap().expose(),
            "after-rotation"
        );
    });
    assert_eq!(changes.borrow_and_update().keys, ["api_key"]);
    let text = fs::read_to_string(&log).unwrap();
    assert!(!text.contains("rotation"), "a value in the audit log");
    let reads: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["event"] == "resolve")
        .collect();
    assert_eq!(reads.len(), 2);
    assert_eq!(reads[0]["source"], "vault");
    assert_eq!(reads[0]["environment"], "production");
}

/// The `service` example's binary. `cargo test` builds examples beside the tests, but
/// not when a single test target is asked for: then it is built here.
fn service_example() -> std::path::PathBuf {
    static BUILT: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().unwrap().parent().unwrap();
    let path = target.join("examples").join("service");
    if !path.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "secretary",
                "--example",
                "service",
            ])
            .status()
            .unwrap();
        assert!(status.success(), "cannot build the service example");
    }
    assert!(path.exists(), "{} was not built", path.display());
    path
}

#[test]
fn the_example_service_refuses_to_start_with_the_full_report() {
    let dir = app("");
    let output = std::process::Command::new(service_example())
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", "not-a-url-canary")
        .env("PORT", free_port().to_string())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("refusing to start: 2 problems"), "{stderr}");
    assert!(
        stderr.contains("api_key (Payment API key): required but not set"),
        "{stderr}"
    );
    assert!(
        stderr.contains("database_url (PostgreSQL connection URL)"),
        "{stderr}"
    );
    assert!(!stderr.contains("canary"), "{stderr}");
}

#[test]
fn the_example_service_serves_healthz_without_values() {
    use std::io::{Read, Write};
    let dir = app("API_KEY=canary-api-7777\n");
    let port = free_port();
    let mut child = std::process::Command::new(service_example())
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", "postgresql://canary-db/app")
        .env("PORT", port.to_string())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let line = secretary_test_support::process::Lines::new(child.stderr.take().unwrap()).line();
    assert!(
        line.starts_with(&format!("listening on 127.0.0.1:{port}")),
        "{line}"
    );
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        !response.contains("canary"),
        "a value in /healthz: {response}"
    );
    let body: serde_json::Value =
        serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["environment"], "development");
    assert_eq!(body["secrets_validated"], 5);
    assert_eq!(body["sources"]["api_key"]["locator"], "dotenv:.env:1");
    assert_eq!(body["sources"]["database_url"]["source"], "env");
    assert_eq!(body["sources"]["port"]["source"], "env"); // PORT is a declared secret too
    assert_eq!(body["sources"]["debug"]["source"], "default");
    assert!(body["sources"]["sentry_dsn"].is_null());
}

#[test]
fn a_manager_sees_its_environments_own_rules() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[environments.development]\nsources = [\"env\"]\n[environments.production]\nsources = [\"env\"]\n[environments.development.secrets.debug_mode]\ndefault = \"true\"\n[environments.development.secrets.redis_password]\nrequired = false\n[secrets.debug_mode]\ntype = \"bool\"\nsensitive = false\ndefault = \"false\"\n[secrets.redis_password]\nrequired = true\ndescription = \"the cache's password\"\n",
    )
    .unwrap();
    let manager = |environment: &str| {
        SecretManager::from_path(dir.path().join("secrets.toml"))
            .unwrap()
            .environment(environment)
            .variables(Variables::from_pairs([("HOME", "/nonexistent")]))
            .build()
            .unwrap()
    };
    // Development: the default is its own, and the password may be missing.
    let development = manager("development");
    let secrets = development.blocking();
    secrets.validate().unwrap();
    assert_eq!(secrets.get("debug_mode").unwrap().expose(), "true");
    assert!(secrets.get_opt("redis_password").unwrap().is_none());
    let unset = secrets.get("redis_password").unwrap_err().to_string();
    assert!(unset.contains("redis_password"), "{unset}");
    // Production: the declaration's default, and the password is required.
    let production = manager("production");
    let secrets = production.blocking();
    let error = secrets.validate().unwrap_err().to_string();
    assert!(error.contains("redis_password"), "{error}");
    assert!(error.contains("the cache's password"), "{error}");
    assert_eq!(secrets.get("debug_mode").unwrap().expose(), "false");
}

#[test]
fn where_rotation_is_enforced_a_value_is_served_only_until_it_is_due() {
    // A thirty-second adversarial pass: a value read before it was due was served, and
    // a template built from it, for as long as the process lived (no `ttl`), though
    // `secretary get` refused it as overdue.
    let bao = OpenBao::start();
    bao.kv_put("production/password", &[("value", "rotate-me-0123456789")]);
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[sources.vault]\ntype = \"vault\"\npath = \"{environment}/{key}\"\n\
         [environments.production]\nsources = [\"vault\"]\nenforce_rotation = true\n\
         [secrets.password]\nrequired = true\nrotate_every = \"3s\"\n\
         [secrets.url]\ntemplate = \"postgres://app:{password|url}@db/app\"\n",
    )
    .unwrap();
    let env = bao.env();
    let secrets = SecretManager::from_path(dir.path().join("secrets.toml"))
        .unwrap()
        .environment("production")
        .variables(Variables::from_pairs(
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ))
        .build()
        .unwrap();
    let blocking = secrets.blocking();
    assert!(blocking.get("password").is_ok());
    assert!(blocking.get("url").is_ok());
    let overdue = |key: &str| matches!(blocking.get(key), Err(ManagerError::Problems(_)));
    secretary_test_support::wait_until(
        "the password is refused once due",
        std::time::Duration::from_secs(10),
        || overdue("password"),
    );
    assert!(overdue("url"), "the template with it");
    assert!(!matches!(secrets.get_cached("password"), Some(Some(_))));
    // Rotated: served again.
    bao.kv_put("production/password", &[("value", "rotated-0123456789")]);
    assert_eq!(
        blocking.get("password").unwrap().expose(),
        "rotated-0123456789"
    );
}
