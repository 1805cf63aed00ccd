//! A running `SecretManager` through an outage: it keeps what it holds, marked stale,
//! goes fresh again (telling subscribers) when the source is back with new values, and
//! drops what a source refuses.

use secretary::{ManagerError, SecretManager, State, Variables};
use secretary_test_support::OpenBao;

use super::{CANARY_API, Setup, manifest_text};

/// A template over `db_password`, in production: held and dropped with its input.
const TEMPLATED: &str = "[environments.production.secrets.db_url]\ntemplate = \"postgresql://app:{db_password|url}@db/app\"\n[secrets.db_url]\nrequired = true\n";

fn manager(setup: &Setup, vars: Variables) -> SecretManager {
    std::fs::write(
        setup.dir.path().join("secrets.toml"),
        manifest_text("24h", TEMPLATED),
    )
    .unwrap();
    SecretManager::from_path(setup.dir.path().join("secrets.toml"))
        .unwrap()
        .environment("production")
        .variables(vars)
        .build()
        .unwrap()
}

fn vars_without_key(server: &OpenBao, setup: &Setup) -> Variables {
    setup.vars_for(&server.address, &server.token, "")
}

#[test]
fn a_manager_holds_its_values_through_an_outage_and_tells_when_they_change_after() {
    let mut setup = Setup::new();
    // No cache key: what is held is held in memory only.
    let secrets = manager(&setup, vars_without_key(&setup.server, &setup));
    let blocking = secrets.blocking();
    assert_eq!(blocking.get("api_key").unwrap().expose(), CANARY_API);
    blocking.refresh().unwrap();
    assert!(secrets.stale("api_key").is_none());
    let mut notices = secrets.subscribe();
    notices.borrow_and_update();

    setup.server.stop();
    let changed = blocking.refresh().unwrap();
    assert!(changed.is_empty(), "{changed:?}");
    assert_eq!(blocking.get("api_key").unwrap().expose(), CANARY_API);
    let stale = secrets.stale("api_key").expect("stale");
    assert_eq!(stale.source, "vault");
    // A template over a held value is held, stale, too (a twenty-seventh adversarial
    // pass saw it called fresh).
    assert!(blocking.get("db_url").is_ok());
    assert!(
        secrets.stale("db_url").is_some(),
        "the template is stale too"
    );
    let report = blocking.validate().unwrap();
    assert_eq!(report.get("api_key").unwrap().state(), State::Stale);
    assert!(!notices.has_changed().unwrap());

    // The source is back, at the same address, with a new value.
    setup.server.restart();
    let back = &setup.server;
    back.kv_put("production/api_key", &[("value", "rotated-while-down")]);
    back.kv_put("production/db_password", &[("value", super::CANARY_DB)]);
    let changed = blocking.refresh().unwrap();
    assert_eq!(changed, vec!["api_key".to_owned()]);
    assert!(notices.has_changed().unwrap());
    assert_eq!(notices.borrow_and_update().keys, vec!["api_key".to_owned()]);
    assert!(secrets.stale("api_key").is_none());
    assert_eq!(
        blocking.get("api_key").unwrap().expose(),
        "rotated-while-down"
    );

    // A refusal (the token revoked) drops the values: get raises.
    let token = back.bao(&["token", "create", "-policy=root", "-field=token"]);
    secrets.set_variables(setup.vars_for(&back.address, &token, ""));
    blocking.refresh().unwrap();
    back.bao(&["token", "revoke", &token]);
    assert!(matches!(blocking.refresh(), Err(ManagerError::Problems(_))));
    assert!(secrets.get_cached("api_key").is_none());
    assert!(matches!(
        blocking.get("api_key"),
        Err(ManagerError::Problems(_))
    ));
    // And a template over a refused value is dropped with it (it was served still).
    assert!(
        !matches!(secrets.get_cached("db_url"), Some(Some(_))),
        "no value of the template is served"
    );
}

#[test]
fn through_an_outage_a_template_is_built_from_the_values_held() {
    // A twenty-eighth adversarial pass: a template was served from its own older copy
    // (built from a value rotated out since), stamped with its input's age; and one
    // not read before the outage failed though its input was held.
    let mut setup = Setup::new();
    let secrets = manager(&setup, vars_without_key(&setup.server, &setup));
    let blocking = secrets.blocking();
    assert_eq!(blocking.get("api_key").unwrap().expose(), CANARY_API);
    assert_eq!(
        blocking.get("db_password").unwrap().expose(),
        super::CANARY_DB
    );
    setup.server.stop();
    blocking.refresh().unwrap();
    let url = blocking.get("db_url").unwrap();
    assert_eq!(
        url.expose(),
        format!("postgresql://app:{}@db/app", super::CANARY_DB)
    );
    let (input, template) = (
        secrets.stale("db_password").expect("the input is held"),
        secrets.stale("db_url").expect("the template is held"),
    );
    assert_eq!(template.source, input.source);
    // As old as its input (each age is told as of when it is asked).
    assert!(
        template.age.abs_diff(input.age) < std::time::Duration::from_millis(100),
        "{:?} and {:?}",
        template.age,
        input.age
    );
}

#[test]
fn a_manager_started_during_an_outage_starts_from_the_copy() {
    let mut setup = Setup::new();
    assert!(setup.resolve("production", &setup.vars()).is_ok());
    setup.server.stop();
    let secrets = manager(&setup, setup.vars());
    let blocking = secrets.blocking();
    assert_eq!(blocking.get("api_key").unwrap().expose(), CANARY_API);
    assert!(secrets.stale("api_key").is_some());
    let report = blocking.validate().unwrap();
    assert!(
        crate::warnings(&report)
            .iter()
            .any(|w| w.starts_with("STALE"))
    );
}

#[test]
fn with_on_stale_fail_a_manager_drops_what_it_cannot_read_fresh() {
    let mut setup = Setup::with(&manifest_text("24h", "on_stale = \"fail\""));
    std::fs::write(
        setup.dir.path().join("secrets.toml"),
        manifest_text("24h", "on_stale = \"fail\""),
    )
    .unwrap();
    for vars in [vars_without_key(&setup.server, &setup), setup.vars()] {
        let secrets = SecretManager::from_path(setup.dir.path().join("secrets.toml"))
            .unwrap()
            .environment("production")
            .variables(vars)
            .build()
            .unwrap();
        let blocking = secrets.blocking();
        assert_eq!(blocking.get("api_key").unwrap().expose(), CANARY_API);
        setup.server.stop();
        assert!(matches!(blocking.refresh(), Err(ManagerError::Problems(_))));
        assert!(secrets.get_cached("api_key").is_none());
        assert!(matches!(
            blocking.get("api_key"),
            Err(ManagerError::Problems(_))
        ));
        setup.server.restart();
        setup
            .server
            .kv_put("production/api_key", &[("value", CANARY_API)]);
        setup
            .server
            .kv_put("production/db_password", &[("value", super::CANARY_DB)]);
    }
}

#[test]
fn a_value_held_through_an_outage_is_served_no_longer_than_max_age() {
    // A thirty-second adversarial pass: held with no `ttl`, a value was served past
    // `last_known_good.max_age` for as long as the process lived, and `stale` gave its
    // age when it was held, not its age now.
    let mut setup = Setup::new();
    std::fs::write(
        setup.dir.path().join("secrets.toml"),
        manifest_text("4s", TEMPLATED),
    )
    .unwrap();
    let secrets = SecretManager::from_path(setup.dir.path().join("secrets.toml"))
        .unwrap()
        .environment("production")
        .variables(vars_without_key(&setup.server, &setup))
        .build()
        .unwrap();
    let blocking = secrets.blocking();
    assert_eq!(blocking.get("api_key").unwrap().expose(), CANARY_API);
    assert!(blocking.get("db_url").is_ok());
    setup.server.stop();
    blocking.refresh().unwrap();
    let first = secrets.stale("api_key").expect("held");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let later = secrets.stale("api_key").expect("still held");
    assert!(
        later.age >= first.age + std::time::Duration::from_secs(1),
        "{:?} then {:?}",
        first.age,
        later.age
    );
    let refused = |key: &str| matches!(blocking.get(key), Err(ManagerError::Problems(_)));
    secretary_test_support::wait_until(
        "a held value is refused past max_age",
        std::time::Duration::from_secs(15),
        || refused("api_key"),
    );
    assert!(refused("db_url"), "and the template built from it");
}
