//! What must fail closed even with a last-known-good copy: a refusal (403, 404), a TLS
//! failure, a copy that does not authenticate, one from another environment, another
//! key, an expired copy.

use std::time::Duration;

use secretary::ProblemKind;
use secretary::outage::CopyError;
use secretary_test_support::OpenBao;

use super::{KEY, OTHER_KEY, Setup, copy_of, flip_a_byte, manifest_text, outcome};

/// The copy error behind `key`'s problem.
fn copy_error(report: &secretary::Report, key: &str) -> CopyError {
    match &report.get(key).unwrap().problems.first().unwrap().kind {
        ProblemKind::Outage { copy, .. } => copy.clone(),
        other => panic!("not an outage: {other}"),
    }
}

#[test]
fn a_revoked_token_fails_closed_and_the_copy_is_forgotten() {
    let mut setup = Setup::new();
    let token = setup
        .server
        .bao(&["token", "create", "-policy=root", "-field=token"]);
    let vars = setup.vars_for(&setup.server.address, &token, KEY);
    assert!(setup.resolve("production", &vars).is_ok());
    assert!(setup.resolve("staging", &vars).is_ok());
    setup.server.bao(&["token", "revoke", &token]);
    let report = setup.resolve("production", &vars);
    assert!(
        outcome(&report, "api_key").contains("403"),
        "{}",
        outcome(&report, "api_key")
    );
    assert!(report.get("api_key").unwrap().value.is_none());
    // The copy is gone: an outage now must not bring the revoked values back, nor
    // another environment's copy of the same server (a twenty-second adversarial pass
    // served staging's after production's refusal).
    setup.server.stop();
    for environment in ["production", "staging"] {
        let report = setup.resolve(environment, &vars);
        assert!(
            matches!(copy_error(&report, "api_key"), CopyError::Forgotten { .. }),
            "{environment}: {}",
            outcome(&report, "api_key")
        );
    }
}

#[test]
fn a_deleted_secret_stays_deleted_through_an_outage() {
    let mut setup = Setup::new();
    let vars = setup.vars();
    assert!(setup.resolve("production", &vars).is_ok());
    setup.server.bao(&[
        "kv",
        "metadata",
        "delete",
        "-mount=secret",
        "production/api_key",
    ]);
    let report = setup.resolve("production", &vars);
    assert_eq!(outcome(&report, "api_key"), "required but not set");
    setup.server.stop();
    let report = setup.resolve("production", &vars);
    assert_eq!(outcome(&report, "api_key"), "required but not set");
    assert_eq!(outcome(&report, "db_password"), "stale");
}

#[test]
fn a_tls_failure_is_never_an_outage() {
    let setup = Setup::new();
    assert!(setup.resolve("production", &setup.vars()).is_ok());
    // A server with a certificate this client does not trust, at the same address shape.
    let tls = OpenBao::start_tls();
    let vars = setup.vars_for(&tls.address, &tls.token, KEY);
    let report = setup.resolve("production", &vars);
    let text = outcome(&report, "api_key");
    assert!(text.contains("TLS"), "{text}");
    assert!(report.get("api_key").unwrap().value.is_none());
}

#[test]
fn a_flipped_byte_fails_closed_and_says_so() {
    let mut setup = Setup::new();
    let vars = setup.vars();
    assert!(setup.resolve("production", &vars).is_ok());
    setup.server.stop();
    flip_a_byte(&copy_of(&setup));
    let report = setup.resolve("production", &vars);
    assert!(matches!(
        copy_error(&report, "api_key"),
        CopyError::Tampered { .. }
    ));
    assert!(
        outcome(&report, "api_key").contains("does not authenticate"),
        "{}",
        outcome(&report, "api_key")
    );
}

#[test]
fn another_environments_copy_renamed_into_place_fails_closed() {
    let mut setup = Setup::new();
    let vars = setup.vars();
    assert!(setup.resolve("staging", &vars).is_ok());
    setup.server.stop();
    std::fs::copy(setup.copy("staging"), copy_of(&setup)).unwrap();
    let report = setup.resolve("production", &vars);
    assert!(
        matches!(copy_error(&report, "api_key"), CopyError::Foreign { .. }),
        "{}",
        outcome(&report, "api_key")
    );
    // Its header edited to say production: the associated data still binds staging.
    let text = std::fs::read_to_string(copy_of(&setup)).unwrap();
    let edited = text.replace("\"staging\"", "\"production\"");
    std::fs::write(copy_of(&setup), edited).unwrap();
    let report = setup.resolve("production", &vars);
    assert!(
        matches!(copy_error(&report, "api_key"), CopyError::Tampered { .. }),
        "{}",
        outcome(&report, "api_key")
    );
}

#[test]
fn another_key_fails_closed_and_says_the_key_changed() {
    let mut setup = Setup::new();
    assert!(setup.resolve("production", &setup.vars()).is_ok());
    setup.server.stop();
    let vars = setup.vars_for(&setup.server.address, &setup.server.token, OTHER_KEY);
    let report = setup.resolve("production", &vars);
    assert!(matches!(
        copy_error(&report, "api_key"),
        CopyError::KeyChanged { .. }
    ));
    // And no key at all: nothing is read.
    let vars = setup.vars_for(&setup.server.address, &setup.server.token, "");
    let report = setup.resolve("production", &vars);
    assert!(matches!(copy_error(&report, "api_key"), CopyError::NoKey));
}

#[test]
fn an_expired_copy_fails_closed() {
    let mut setup = Setup::with(&manifest_text("1s", ""));
    let vars = setup.vars();
    assert!(setup.resolve("production", &vars).is_ok());
    setup.server.stop();
    std::thread::sleep(Duration::from_millis(2200));
    let report = setup.resolve("production", &vars);
    assert!(
        matches!(copy_error(&report, "api_key"), CopyError::Expired { .. }),
        "{}",
        outcome(&report, "api_key")
    );
}

#[test]
fn without_a_key_no_copy_is_written() {
    let setup = Setup::new();
    let vars = setup.vars_for(&setup.server.address, &setup.server.token, "");
    let report = setup.resolve("production", &vars);
    assert!(report.is_ok());
    assert!(!copy_of(&setup).exists());
    assert!(
        crate::warnings(&report)
            .iter()
            .any(|w| w.contains("no cache key")),
        "{:?}",
        crate::warnings(&report)
    );
}

#[test]
fn a_sealed_vault_is_an_outage_even_for_an_approle_login() {
    let setup = Setup::new();
    let (role_id, secret_id) = setup.server.approle(&[]);
    let text = super::manifest_text("24h", "").replace(
        "field = \"value\"\n",
        "field = \"value\"\nauth = \"approle\"\n",
    );
    let manifest =
        secretary::Manifest::parse(&text, &setup.dir.path().join("secrets.toml")).unwrap();
    let vars = |retries: &str| {
        secretary::Variables::from_pairs([
            ("VAULT_ADDR", setup.server.address.as_str()),
            ("VAULT_ROLE_ID", role_id.as_str()),
            ("VAULT_SECRET_ID", secret_id.as_str()),
            ("SECRETARY_CACHE_KEY", KEY),
            ("SECRETARY_STATE_DIR", setup.state().to_str().unwrap()),
            ("VAULT_MAX_RETRIES", retries),
        ])
    };
    let resolve = |vars: &secretary::Variables| {
        let environment = manifest
            .select_environment(Some("production"), vars)
            .unwrap();
        secretary::resolve(&manifest, environment, vars, secretary::Scope::All).unwrap()
    };
    assert!(resolve(&vars("1")).is_ok());
    setup.server.bao(&["operator", "seal"]);
    // Other settings, so another connection: it logs in again (no token kept from before),
    // and the login is what meets the sealed server.
    let report = resolve(&vars("0"));
    assert_eq!(
        report.get("api_key").unwrap().state(),
        secretary::State::Stale,
        "{}",
        outcome(&report, "api_key")
    );
}

#[test]
fn a_refused_login_forgets_the_copy_as_a_refused_token_does() {
    // A twenty-third adversarial pass: after the AppRole's secret id was destroyed, the
    // login was refused, and the copy was kept and served at the next outage.
    let mut setup = Setup::new();
    let (role_id, secret_id) = setup.server.approle(&[]);
    let text = super::manifest_text("24h", "").replace(
        "field = \"value\"\n",
        "field = \"value\"\nauth = \"approle\"\n",
    );
    let manifest =
        secretary::Manifest::parse(&text, &setup.dir.path().join("secrets.toml")).unwrap();
    // Other settings each time, so another connection, which logs in again.
    let (address, state) = (setup.server.address.clone(), setup.state());
    let resolve_with = |secret_id: &str, retries: &str| {
        let vars = secretary::Variables::from_pairs([
            ("VAULT_ADDR", address.as_str()),
            ("VAULT_ROLE_ID", role_id.as_str()),
            ("VAULT_SECRET_ID", secret_id),
            ("SECRETARY_CACHE_KEY", KEY),
            ("SECRETARY_STATE_DIR", state.to_str().unwrap()),
            ("VAULT_MAX_RETRIES", retries),
        ]);
        let environment = manifest
            .select_environment(Some("production"), &vars)
            .unwrap();
        secretary::resolve(&manifest, environment, &vars, secretary::Scope::All).unwrap()
    };
    let resolve = |retries: &str| resolve_with(&secret_id, retries);
    assert!(resolve("1").is_ok());
    setup.server.bao(&[
        "write",
        "auth/approle/role/app/secret-id/destroy",
        &format!("secret_id={secret_id}"),
    ]);
    assert!(!resolve("0").is_ok(), "the login was not refused");
    setup.server.stop();
    // The refused secret id is not sent again (a twenty-eighth adversarial pass: that
    // locks the role out), and nothing is served for it.
    let report = resolve("2");
    assert!(
        outcome(&report, "api_key").contains("not sent again")
            && report.get("api_key").unwrap().value.is_none(),
        "{}",
        outcome(&report, "api_key")
    );
    // Another secret id meets the outage: the copy was forgotten at the refusal.
    let report = resolve_with("another-secret-id", "2");
    assert!(
        matches!(copy_error(&report, "api_key"), CopyError::Forgotten { .. }),
        "{}",
        outcome(&report, "api_key")
    );
}

#[test]
fn a_copy_read_from_another_path_is_not_served_for_the_new_one() {
    // The manifest's `path` changed (in a pull request, or another manifest with the
    // same application name): the copy's production values were served as the new
    // path's (a seventh adversarial pass). Now only where the manifest reads them.
    let mut setup = Setup::new();
    assert!(setup.resolve("production", &setup.vars()).is_ok());
    setup.server.stop();
    let moved = Setup::with_manifest_only(
        &manifest_text("24h", "").replace("{environment}/{key}", "other/{key}"),
        &setup,
    );
    let vars = setup.vars();
    let environment = moved.select_environment(Some("production"), &vars).unwrap();
    let report = secretary::resolve(&moved, environment, &vars, secretary::Scope::All).unwrap();
    assert!(report.get("api_key").unwrap().value.is_none());
    match copy_error(&report, "api_key") {
        CopyError::Moved { kept, now, .. } => {
            assert_eq!(kept, "secret/data/production/api_key#value");
            assert_eq!(now, "secret/data/other/api_key#value");
        }
        other => panic!("{other}"),
    }
    // The same manifest as before: served.
    let report = setup.resolve("production", &setup.vars());
    assert!(report.get("api_key").unwrap().value.is_some());
}

/// `setup`'s manifest text changed by `edit`, resolved for production with `setup`'s
/// variables.
fn resolve_edited(setup: &Setup, edit: impl Fn(&str) -> String) -> secretary::Report {
    let manifest = Setup::with_manifest_only(&edit(&manifest_text("24h", "")), setup);
    let vars = setup.vars();
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    secretary::resolve(&manifest, environment, &vars, secretary::Scope::All).unwrap()
}

/// `[secrets.db_password]` pinned at version 1.
fn pinned(text: &str) -> String {
    text.replace(
        "[secrets.db_password]\nrequired = true\n",
        "[secrets.db_password]\nrequired = true\nversion = 1\n",
    )
}

#[test]
fn a_copy_of_another_version_than_the_manifest_pins_is_not_served() {
    // Pass 12 of issue 25: the copy held version 2 (read while the manifest asked for the
    // latest); `version = 1` put back; Vault down: version 2's value was served.
    let mut setup = Setup::new();
    setup.server.kv_put(
        "production/db_password",
        &[("value", "second-version-value")],
    );
    // Read pinned, then as the latest: the copy holds version 2, read as the latest.
    let report = resolve_edited(&setup, pinned);
    assert_eq!(
        report
            .get("db_password")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .expose(),
        super::CANARY_DB
    );
    assert!(setup.resolve("production", &setup.vars()).is_ok());
    setup.server.stop();

    let report = resolve_edited(&setup, pinned);
    let resolution = report.get("db_password").unwrap();
    assert!(
        resolution.value.is_none(),
        "{}",
        outcome(&report, "db_password")
    );
    assert_eq!(
        copy_error(&report, "db_password"),
        CopyError::OtherVersion {
            key: "db_password".to_owned(),
            kept: Some(2),
            pinned: None,
            now: Some(1),
        }
    );
    // The secret not pinned is still served, and so is the latest where it is asked for.
    assert_eq!(outcome(&report, "api_key"), "stale");
    let report = setup.resolve("production", &setup.vars());
    assert_eq!(
        report
            .get("db_password")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .expose(),
        "second-version-value"
    );
}

#[test]
fn an_absence_in_the_copy_is_not_served_once_the_manifest_looks_elsewhere() {
    // Pass 12 of issue 25: `opt_key` absent at `production/opt_key`; `path` changed to
    // `other/{key}`; Vault down: `opt_key unset`, exit 0, no warning.
    let optional = |text: &str| format!("{text}[secrets.opt_key]\n");
    let mut setup = Setup::new();
    setup
        .server
        .kv_put("other/opt_key", &[("value", "found-elsewhere")]);
    let report = resolve_edited(&setup, optional);
    assert!(report.is_ok(), "{}", outcome(&report, "opt_key"));
    assert_eq!(outcome(&report, "opt_key"), "unset");
    setup.server.stop();

    let report = resolve_edited(&setup, |text| {
        optional(text).replace("{environment}/{key}", "other/{key}")
    });
    assert!(!report.is_ok());
    match copy_error(&report, "opt_key") {
        CopyError::Moved { kept, now, .. } => {
            assert_eq!(kept, "secret/data/production/opt_key#value");
            assert_eq!(now, "secret/data/other/opt_key#value");
        }
        other => panic!("{other}"),
    }
    // Where it was looked for, the absence stands.
    let report = resolve_edited(&setup, optional);
    assert!(report.is_ok(), "{}", outcome(&report, "opt_key"));
    assert_eq!(outcome(&report, "opt_key"), "unset");
}

#[test]
fn a_copy_put_back_after_cache_clear_under_a_clock_set_back_is_not_served() {
    // A fifty-ninth adversarial pass: a forgetting recorded under a clock set back came
    // "before" the copy's reads, and the copy, put back, served what had been forgotten.
    // A copy counts the forgettings its reads saw, so a later one outdates it whatever
    // the clocks say. (The clock is not set back here: the record's times are.)
    let mut setup = Setup::new();
    let vars = setup.vars();
    assert!(setup.resolve("production", &vars).is_ok());
    let aside = std::fs::read(setup.copy("production")).unwrap();
    let state = setup.state();
    assert_eq!(
        secretary::outage::clear(&state, Some("shop"), Some("production")).unwrap(),
        1
    );
    let mut records: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join(".forgotten")).unwrap()).unwrap();
    let behind = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 900;
    for at in records.as_object_mut().unwrap().values_mut() {
        *at = behind.into();
    }
    std::fs::write(state.join(".forgotten"), records.to_string()).unwrap();
    std::fs::write(setup.copy("production"), &aside).unwrap();
    setup.server.stop();
    let report = setup.resolve("production", &vars);
    assert!(
        matches!(copy_error(&report, "api_key"), CopyError::Outdated { .. }),
        "{:?}",
        report.resolutions
    );
}
