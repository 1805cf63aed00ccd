//! JWT login against a real OpenBao, with a key pair made in the test: the way a
//! Kubernetes pod (its service-account token in a file) or a CI job (an OIDC token in
//! `VAULT_JWT`) logs in with no Vault token anywhere.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::path::Path;
use std::time::Duration;

use secretary::source::VaultConfig;
use secretary::source::{Context, Lookup, Source, VaultSource};
use secretary::{Manifest, Variables};
use secretary_test_support::{Jwt, OpenBao};

/// The path a Kubernetes pod reads its service-account token from, under `root`.
const SERVICE_ACCOUNT_TOKEN: &str = "var/run/secrets/kubernetes.io/serviceaccount/token";

fn manifest(address: &str, auth: &str) -> Manifest {
    Manifest::parse(
        &format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\naddress = \"{address}\"\n{auth}\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\n"
        ),
        Path::new("secrets.toml"),
    )
    .unwrap()
}

fn vault_config(manifest: &Manifest) -> VaultConfig {
    manifest
        .source("vault")
        .unwrap()
        .config
        .get::<VaultConfig>()
        .unwrap()
        .clone()
}

/// A process's view: the manifest's address agreed to, an empty home (no
/// `~/.vault-token`), no `VAULT_TOKEN`; plus `extra`.
fn vars(bao: &OpenBao, home: &Path, extra: &[(&str, &str)]) -> Variables {
    let mut vars = vec![
        ("SECRETARY_VAULT_ADDRS", bao.address.as_str()),
        ("HOME", home.to_str().unwrap()),
    ];
    vars.extend_from_slice(extra);
    Variables::from_pairs(vars)
}

fn read(source: &VaultSource, manifest: &Manifest, vars: &Variables, base: &Path) -> String {
    let environment = manifest
        .select_environment(Some("production"), vars)
        .unwrap();
    let mut context = Context::new(manifest, environment, vars);
    context.base_dir = base;
    let spec = manifest.secret("api_key").unwrap();
    match &source.lookup(&[spec], &context).lookups[0] {
        Lookup::Found { value, .. } => value.expose().to_owned(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pod_logs_in_with_its_service_account_token_file_and_renews_the_token() {
    let bao = OpenBao::start_audited();
    bao.kv_put("production/api_key", &[("value", "from-jwt-login")]);
    let key = Jwt::new();
    bao.jwt_auth(&key, &["token_ttl=3s", "token_max_ttl=120s"]);
    let pod = tempfile::tempdir().unwrap();
    let token_file = pod.path().join(SERVICE_ACCOUNT_TOKEN);
    std::fs::create_dir_all(token_file.parent().unwrap()).unwrap();
    std::fs::write(
        &token_file,
        key.token("system:serviceaccount:app:api", "secretary", 600),
    )
    .unwrap();
    let manifest = manifest(
        &bao.address,
        &format!(
            "auth = \"jwt\"\njwt_role = \"app\"\njwt_file = \"{}\"",
            token_file.display()
        ),
    );
    let vars = vars(&bao, pod.path(), &[]);
    let source = VaultSource::new("vault".to_owned(), vault_config(&manifest));
    // Read at 0 s, 2.2 s and 4.4 s: the last is past the first token's 3 s, so it only
    // works if the token was renewed.
    for round in 0..3 {
        if round > 0 {
            std::thread::sleep(Duration::from_millis(2200));
        }
        assert_eq!(
            read(&source, &manifest, &vars, pod.path()),
            "from-jwt-login",
            "round {round}"
        );
    }
    assert_eq!(
        bao.requests("update", "auth/jwt/login"),
        1,
        "one login for the process"
    );
    assert!(bao.requests("update", "auth/token/renew-self") >= 2);
}

#[test]
fn a_jwt_rotated_on_disk_is_read_again_at_the_next_login() {
    let bao = OpenBao::start();
    bao.kv_put("production/api_key", &[("value", "after-rotation")]);
    let key = Jwt::new();
    // Batch tokens are not renewable: every expiry means a new login. No leeway (the
    // defaults accept a JWT for 150 s after it expired), so that only the JWT now on
    // disk can log in when the second login happens.
    bao.jwt_auth(
        &key,
        &[
            "token_type=batch",
            "token_ttl=2s",
            "expiration_leeway=-1",
            "clock_skew_leeway=-1",
        ],
    );
    let pod = tempfile::tempdir().unwrap();
    let token_file = pod.path().join("token");
    // The first JWT expires in 3 s: a login with it after that is refused.
    let first = key.token("api", "secretary", 3);
    std::fs::write(&token_file, &first).unwrap();
    let manifest = manifest(
        &bao.address,
        "auth = \"jwt\"\njwt_role = \"app\"\njwt_file = \"token\"",
    );
    let vars = vars(&bao, pod.path(), &[]);
    let source = VaultSource::new("vault".to_owned(), vault_config(&manifest));
    assert_eq!(
        read(&source, &manifest, &vars, pod.path()),
        "after-rotation"
    );
    // The kubelet writes a fresh token; the old one and the Vault token it got expire.
    std::fs::write(&token_file, key.token("api", "secretary", 600)).unwrap();
    std::thread::sleep(Duration::from_millis(3500));
    let old_login = bao
        .command(&[
            "write",
            "auth/jwt/login",
            "role=app",
            &format!("jwt={first}"),
        ])
        .output()
        .unwrap();
    assert!(
        !old_login.status.success(),
        "the first JWT must be refused by now, or this test proves nothing"
    );
    assert_eq!(
        read(&source, &manifest, &vars, pod.path()),
        "after-rotation",
        "the second login used the JWT now on disk"
    );
}

#[test]
fn a_manager_logs_in_once_however_often_it_refreshes() {
    let bao = OpenBao::start_audited();
    bao.kv_put("production/api_key", &[("value", "first")]);
    let key = Jwt::new();
    bao.jwt_auth(&key, &["token_ttl=300s"]);
    let pod = tempfile::tempdir().unwrap();
    let token_file = pod.path().join("token");
    std::fs::write(&token_file, key.token("api", "secretary", 600)).unwrap();
    let manifest = manifest(
        &bao.address,
        &format!(
            "auth = \"jwt\"\njwt_role = \"app\"\njwt_file = \"{}\"",
            token_file.display()
        ),
    );
    let secrets = secretary::SecretManager::from_manifest(manifest)
        .environment("production")
        .variables(vars(&bao, pod.path(), &[]))
        .build()
        .unwrap();
    let secrets = secrets.blocking();
    assert_eq!(secrets.get("api_key").unwrap().expose(), "first");
    bao.kv_put("production/api_key", &[("value", "second")]);
    // Each refresh is a new resolution, with sources made afresh: they share the
    // process's connection, and with it the login's token.
    assert_eq!(secrets.refresh().unwrap(), ["api_key"]);
    assert_eq!(secrets.get("api_key").unwrap().expose(), "second");
    assert!(secrets.refresh().unwrap().is_empty());
    assert_eq!(
        bao.requests("update", "auth/jwt/login"),
        1,
        "one login for the process, not one per refresh"
    );
}

#[test]
fn a_ci_job_logs_in_with_the_jwt_in_vault_jwt_and_a_refused_jwt_is_never_shown() {
    let bao = OpenBao::start();
    bao.kv_put("production/api_key", &[("value", "from-ci")]);
    let key = Jwt::new();
    bao.jwt_auth(&key, &[]);
    let home = tempfile::tempdir().unwrap();
    let manifest = manifest(&bao.address, "auth = \"jwt\"\njwt_role = \"app\"");
    let jwt = key.token("ci-job-17", "secretary", 600);
    let vars = vars(&bao, home.path(), &[("VAULT_JWT", &jwt)]);
    let source = VaultSource::new("vault".to_owned(), vault_config(&manifest));
    assert_eq!(read(&source, &manifest, &vars, home.path()), "from-ci");

    // Signed by another key: refused, and the message holds none of it.
    let stranger = Jwt::new().token("intruder", "secretary", 600);
    let vars = vars_with_jwt(&bao, home.path(), &stranger);
    let source = VaultSource::new("vault".to_owned(), vault_config(&manifest));
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let context = Context::new(&manifest, environment, &vars);
    let spec = manifest.secret("api_key").unwrap();
    let Lookup::Failed(error) = &source.lookup(&[spec], &context).lookups[0] else {
        panic!("a JWT signed by another key was accepted")
    };
    let shown = format!("{error} {error:?}");
    assert!(
        shown.contains("JWT login at auth/jwt/login failed"),
        "{shown}"
    );
    for part in stranger.split('.') {
        assert!(!shown.contains(part), "the JWT is shown: {shown}");
    }
}

fn vars_with_jwt(bao: &OpenBao, home: &Path, jwt: &str) -> Variables {
    vars(bao, home, &[("VAULT_JWT", jwt)])
}
