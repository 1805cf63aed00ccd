//! Forgetting: what a write, a refusal or `cache clear` makes a copy forget, and what a
//! read begun before may no longer save, or a copy put back may no longer serve.

use super::*;

#[test]
fn a_read_that_began_before_a_forgetting_is_not_saved() {
    // Another process's read, begun before a refusal or a write made the copy forget,
    // and answered after, put the forgotten values back (a race the nineteenth pass
    // named): it is not saved; a read begun later is.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let long_ago = SystemTime::now() - Duration::from_secs(120);
    let save = |began: SystemTime| save_one(&path, binding(), "vault", SERVER, began);
    save(long_ago);
    assert!(holds(&path, binding(), "vault"));
    forgotten::forget_server(&dir.path().join("state"), SERVER).unwrap();
    save(long_ago);
    assert!(
        !holds(&path, binding(), "vault"),
        "a read older than the forgetting was saved"
    );
    save(SystemTime::now() + Duration::from_secs(2));
    assert!(
        holds(&path, binding(), "vault"),
        "a read after the forgetting was not saved"
    );
}

#[test]
fn a_read_begun_before_its_server_was_forgotten_is_saved_into_no_copy() {
    // A twenty-first adversarial pass: a read in flight during a `put` saved the value
    // the put replaced into a copy that did not hold that server's values at the put;
    // a twenty-second, into the first copy, made in a state directory that did not
    // exist yet at the put.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join("shop.production.lkg");
    let save = |began: SystemTime| save_one(&path, binding(), "vault", SERVER, began);
    let before = SystemTime::now() - Duration::from_secs(60);
    forgotten::forget_server(&state, SERVER).unwrap();
    save(before);
    assert!(
        !holds(&path, binding(), "vault"),
        "a read older than the put was saved"
    );
    save(SystemTime::now() + Duration::from_secs(2));
    assert!(
        holds(&path, binding(), "vault"),
        "a read after the put was not saved"
    );
    // A record far in the future (a clock set back since) keeps no save away.
    std::fs::write(
        state.join(".forgotten"),
        format!(
            "{{\"{SERVER}\": {}}}",
            copy::seconds(SystemTime::now()) + 3600
        ),
    )
    .unwrap();
    forgotten::forget_server(&state, SERVER).unwrap();
    save(SystemTime::now() + Duration::from_secs(2));
    assert!(
        holds(&path, binding(), "vault"),
        "a record an hour ahead kept the save away"
    );
}

#[test]
fn a_copy_put_back_after_its_server_was_forgotten_is_not_served() {
    // A fifty-fourth adversarial pass: a copy saved aside, a `put` (which forgets its
    // server's values), the old copy put back: its rotated-out value was served.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join("shop.production.lkg");
    save_one(
        &path,
        binding(),
        "vault",
        SERVER,
        SystemTime::now() - Duration::from_secs(30),
    );
    let aside = std::fs::read(&path).unwrap();
    forgotten::forget_server(&state, SERVER).unwrap();
    std::fs::write(&path, &aside).unwrap();
    let error = copy::open(&path, binding(), "vault", Some(SERVER), &key())
        .err()
        .map(|error| error.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|error| error.contains("forgot this source's values")),
        "{error:?}"
    );
    // A copy made since holds nothing read before the forgetting: served.
    save_one(
        &path,
        binding(),
        "vault",
        SERVER,
        SystemTime::now() + Duration::from_secs(2),
    );
    assert!(holds(&path, binding(), "vault"));
}

#[test]
fn a_write_forgets_every_copy_of_its_server_and_removes_what_cannot_be_read() {
    // A nineteenth adversarial pass: `put` in production left the replaced value in
    // staging's copy of the same Vault path; a copy that could not be read at the write
    // (its directory refused) was read again once the directory was put right. A
    // twentieth: another source's copy of the same path (another name, another
    // application) kept it too.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let now = SystemTime::now();
    let save = |app: &'static str, environment: &'static str, source: &str, server: &str| {
        let binding = Binding { app, environment };
        let path = state.join(copy::file_name(binding));
        save_one(&path, binding, source, server, now);
        (path, binding, source.to_owned())
    };
    let forgotten = [
        save("shop", "production", "vault", SERVER),
        save("shop", "staging", "vault_ro", SERVER),
        save("worker", "production", "kv", SERVER),
    ];
    let other_server = save("shop", "qa", "vault", "https://elsewhere:8200");
    let corrupt = state.join("billing.production.lkg");
    std::fs::write(&corrupt, "not a copy").unwrap();
    forgotten::forget_server(&state, SERVER).unwrap();
    for (path, binding, source) in &forgotten {
        assert!(
            copy::open(path, *binding, source, Some(SERVER), &key()).is_err(),
            "{} still holds {source}",
            path.display()
        );
    }
    assert!(!corrupt.exists(), "the unreadable copy is still there");
    let (path, binding, source) = &other_server;
    assert!(
        copy::open(
            path,
            *binding,
            source,
            Some("https://elsewhere:8200"),
            &key()
        )
        .is_ok(),
        "another server's copy was forgotten"
    );
}

/// A source that answers, after `delay`, that the token is refused.
struct Refusing {
    delay: Duration,
}

impl crate::source::Source for Refusing {
    fn name(&self) -> &'static str {
        "vault"
    }

    fn kind(&self) -> crate::manifest::SourceKind {
        crate::manifest::SourceKind::VAULT
    }

    fn lookup(
        &self,
        secrets: &[&crate::SecretSpec],
        _context: &crate::source::Context<'_>,
    ) -> crate::source::Batch {
        std::thread::sleep(self.delay);
        crate::source::Batch::failed(
            secrets.len(),
            &crate::source::SourceError::Vault(crate::source::VaultError::Denied {
                path: "secret/data/production/x".to_owned(),
                access: crate::source::Access::Read,
            }),
        )
    }
}

#[test]
fn a_refusal_that_comes_after_the_wait_still_forgets_the_copy() {
    // With `outage_after` shorter than Vault's answer, a 403 read as no answer and the
    // copy was served and kept (a seventh adversarial pass): the late answer forgets it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.production.lkg");
    save_read_now(&path, &[("x", "1")], &[]);
    let vars = crate::Variables::default();
    let context = crate::source::Context {
        environment: "production",
        app: Some("shop"),
        vars: &vars,
        base_dir: dir.path(),
        manifest: &dir.path().join("secrets.toml"),
        shown_dir: dir.path(),
        provider_variables: &[],
        claims: std::sync::Arc::default(),
        declared: std::sync::Arc::new([]),
        sensitive_names: std::sync::Arc::default(),
        origin_bytes: std::sync::Arc::default(),
        retries: None,
    };
    let manifest =
        crate::Manifest::parse("version = 1\n[secrets.x]\n", &dir.path().join("s.toml")).unwrap();
    let asked = manifest.secrets().to_vec();
    let answer = super::super::bounded(
        Box::new(Refusing {
            delay: Duration::from_millis(300),
        }),
        &asked,
        &context,
        Duration::from_millis(20),
        Some((dir.path().to_path_buf(), SERVER.to_owned())),
    );
    assert!(answer.is_none(), "the wait was over before the answer");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while holds(&path, binding(), "vault") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !holds(&path, binding(), "vault"),
        "the late refusal did not forget the copy"
    );
}

#[test]
fn a_read_begun_before_cache_clear_is_not_saved_after_it() {
    // A twenty-second adversarial pass: `cache clear`, the fix for a copy that could not
    // forget a replaced value, took no lock and recorded nothing, so a read in flight
    // saved the replaced value again.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join("shop.production.lkg");
    let long_ago = SystemTime::now() - Duration::from_secs(120);
    save_one(&path, binding(), "vault", SERVER, long_ago);
    assert_eq!(super::super::clear(&state, Some("other"), None).unwrap(), 0);
    assert!(
        holds(&path, binding(), "vault"),
        "another app's clear kept it"
    );
    assert_eq!(super::super::clear(&state, None, None).unwrap(), 1);
    save_one(&path, binding(), "vault", SERVER, long_ago);
    assert!(
        !holds(&path, binding(), "vault"),
        "a read older than the clear was saved"
    );
}

#[test]
fn cache_clear_of_one_environment_leaves_the_other_copies_of_its_server_served() {
    // A fifty-sixth adversarial pass: `cache clear --environment staging` recorded its
    // server as forgotten, and production's copy of the same server was refused, as
    // after a write to Vault, though nothing had changed there.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let staging = Binding {
        app: "shop",
        environment: "staging",
    };
    let production_copy = state.join(copy::file_name(binding()));
    let staging_copy = state.join(copy::file_name(staging));
    let a_while_ago = SystemTime::now() - Duration::from_secs(30);
    save_one(&production_copy, binding(), "vault", SERVER, a_while_ago);
    save_one(&staging_copy, staging, "vault", SERVER, a_while_ago);
    assert_eq!(
        super::super::clear(&state, None, Some("staging")).unwrap(),
        1
    );
    assert!(
        holds(&production_copy, binding(), "vault"),
        "production's copy was refused"
    );
    // A read begun before the clear is not saved into staging's copy again; into
    // production's, it is.
    save_one(&staging_copy, staging, "vault", SERVER, a_while_ago);
    assert!(
        !holds(&staging_copy, staging, "vault"),
        "a read older than the clear was saved"
    );
    save_one(&production_copy, binding(), "vault", SERVER, a_while_ago);
    assert!(holds(&production_copy, binding(), "vault"));
}

#[test]
fn a_copy_cache_clear_removed_is_not_served_when_put_back() {
    // A fifty-seventh adversarial pass: `cache clear` (the fix a failed forgetting names)
    // removed a copy, a backup was put back, and its rotated-out value was served.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join(copy::file_name(binding()));
    save_one(
        &path,
        binding(),
        "vault",
        SERVER,
        SystemTime::now() - Duration::from_secs(30),
    );
    let aside = std::fs::read(&path).unwrap();
    assert_eq!(
        super::super::clear(&state, Some("shop"), Some("production")).unwrap(),
        1
    );
    std::fs::write(&path, &aside).unwrap();
    let error = copy::open(&path, binding(), "vault", Some(SERVER), &key())
        .err()
        .map(|error| error.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|error| error.contains("forgot this source's values")),
        "{error:?}"
    );
}

#[test]
fn a_forgetting_under_a_clock_set_behind_never_moves_the_record_back() {
    // A fifty-eighth adversarial pass: a `put` forgot the server's values, then a
    // refusal under a clock two minutes behind wrote an earlier record over it, and a
    // copy from before the `put`, put back, served the value it had replaced.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join(copy::file_name(binding()));
    save_one(
        &path,
        binding(),
        "vault",
        SERVER,
        SystemTime::now() - Duration::from_secs(30),
    );
    let aside = std::fs::read(&path).unwrap();
    forgotten::forget_server(&state, SERVER).unwrap();
    let behind = copy::seconds(SystemTime::now()) - 120;
    super::super::forgotten::record(&state, SERVER, behind).unwrap();
    std::fs::write(&path, &aside).unwrap();
    assert!(
        !holds(&path, binding(), "vault"),
        "the put-back copy was served"
    );
}

#[test]
fn vaults_new_value_is_saved_over_a_read_recorded_in_the_future() {
    // A fifty-eighth adversarial pass: a copy read under a clock 200 s ahead kept its
    // value over every later read once the clock was put right (the future read "began
    // later"), and an outage served the value Vault had replaced.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let save = |value: &str, began: SystemTime| {
        copy::save(
            &path,
            binding(),
            "vault",
            SERVER,
            &key(),
            contents(&[("a", value)], &[], copy::seconds(began)),
            (began, began),
        )
        .unwrap();
    };
    save("old", SystemTime::now() + Duration::from_secs(200));
    save("new", SystemTime::now());
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    assert_eq!(kept.found["a"].value.expose(), "new");
}

#[test]
fn a_save_that_waited_keeps_the_answer_of_a_read_that_began_after_its_own() {
    // A fifty-ninth adversarial pass: a process's save waited on the lock past a later
    // read's save; its `now`, taken before the wait, made that later read look as if it
    // lay in the future, and the older answer replaced the newer.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let save = |value: &str, began: SystemTime, now: SystemTime| {
        copy::save(
            &path,
            binding(),
            "vault",
            SERVER,
            &key(),
            contents(&[("a", value)], &[], copy::seconds(began)),
            (began, now),
        )
        .unwrap();
    };
    let start = SystemTime::now();
    save("new", start, start);
    save(
        "old",
        start - Duration::from_secs(5),
        start - Duration::from_secs(4),
    );
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    assert_eq!(kept.found["a"].value.expose(), "new");
}

/// Saves one value into `binding`'s copy in `state`, from a read begun at `began` that
/// saw `seen` of the directory's forgettings as it began (as every read does now).
fn save_counted(
    state: &std::path::Path,
    binding: Binding<'_>,
    began: SystemTime,
    seen: counted::Forgettings,
) {
    let mut fresh = contents(&[("a", "1")], &[], copy::seconds(began));
    fresh.forgettings = Some(seen);
    let path = state.join(copy::file_name(binding));
    copy::save(
        &path,
        binding,
        "vault",
        SERVER,
        &key(),
        fresh,
        (began, began),
    )
    .unwrap();
}

/// Saves a copy of `binding` in `state` from a read begun now, as `ask` does (in a
/// second after any forgetting made before: one in the same second outdates it).
fn save_now(state: &std::path::Path, binding: Binding<'_>) {
    let seen = counted::seen(state, SERVER, binding);
    save_counted(
        state,
        binding,
        SystemTime::now() + Duration::from_secs(2),
        seen,
    );
}

#[test]
fn a_copy_put_back_after_a_forgetting_under_a_clock_set_back_is_not_served() {
    // A fifty-ninth adversarial pass: the clock set back a quarter of an hour before a
    // `put`, the first forgetting recorded came before the copy's read, and the copy,
    // put back, served the value the `put` replaced. A copy seals the forgettings its
    // read saw: one counted since outdates it, whatever the clocks say.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join(copy::file_name(binding()));
    save_now(&state, binding());
    assert!(holds(&path, binding(), "vault"));
    let aside = std::fs::read(&path).unwrap();
    let behind = copy::seconds(SystemTime::now()) - 900;
    forgotten::record(&state, SERVER, behind).unwrap();
    std::fs::write(&path, &aside).unwrap();
    assert!(
        !holds(&path, binding(), "vault"),
        "the put-back copy was served"
    );
    // So with `cache clear`'s record of the one copy.
    save_now(&state, binding());
    let aside = std::fs::read(&path).unwrap();
    let cleared = forgotten::of_binding(SERVER, "shop", "production");
    forgotten::record(&state, &cleared, behind).unwrap();
    std::fs::write(&path, &aside).unwrap();
    assert!(
        !holds(&path, binding(), "vault"),
        "the put-back copy was served after cache clear"
    );
    // Another environment's copy, which the clear did not touch, is served.
    let staging = Binding {
        app: "shop",
        environment: "staging",
    };
    save_now(&state, staging);
    assert!(holds(
        &state.join(copy::file_name(staging)),
        staging,
        "vault"
    ));
}

#[test]
fn a_read_in_flight_across_a_forgetting_under_a_clock_set_back_is_not_saved() {
    // The same pass's race: a read began, a `put` under a clock set back recorded its
    // forgetting "before" the read, and the read's answer, the replaced value, was saved.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join(copy::file_name(binding()));
    let seen = counted::seen(&state, SERVER, binding());
    let began = SystemTime::now();
    forgotten::record(&state, SERVER, copy::seconds(began) - 900).unwrap();
    save_counted(&state, binding(), began, seen);
    assert!(!path.exists(), "the read in flight was saved");
}

#[test]
fn a_copy_put_back_after_the_record_of_forgettings_was_lost_is_not_served() {
    // A sixtieth adversarial pass: with the record removed, cut short or grown past its
    // limit, the next `put` counted from 1 again, and a copy that had counted more,
    // put back, was served. A lost record is a new epoch: no copy sealed before matches.
    for damage in ["removed", "cut short", "too large"] {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let path = state.join(copy::file_name(binding()));
        forgotten::forget_server(&state, SERVER).unwrap();
        forgotten::forget_server(&state, SERVER).unwrap();
        save_now(&state, binding());
        let aside = std::fs::read(&path).unwrap();
        let record = state.join(".forgettings");
        match damage {
            "removed" => std::fs::remove_file(&record).unwrap(),
            "cut short" => {
                let text = std::fs::read(&record).unwrap();
                std::fs::write(&record, &text[..20]).unwrap();
            }
            _ => std::fs::write(&record, vec![b' '; (1 << 20) + 1]).unwrap(),
        }
        // Put back as it was, the times too, so that only the counts can tell.
        std::fs::remove_file(state.join(".forgotten")).unwrap();
        forgotten::record(&state, SERVER, copy::seconds(SystemTime::now()) - 900).unwrap();
        std::fs::write(&path, &aside).unwrap();
        assert!(
            !holds(&path, binding(), "vault"),
            "{damage}: the put-back copy was served"
        );
        // A copy saved since is served.
        save_now(&state, binding());
        assert!(holds(&path, binding(), "vault"), "{damage}");
    }
}

#[test]
fn a_copy_from_another_directory_is_not_served_whatever_its_counts() {
    // The same pass: a copy synced in from another state directory whose counts were
    // as high was served after this one had recorded a rotation (under a clock behind
    // here, the times could not tell). Each directory's records have an epoch of their
    // own.
    let dir = tempfile::tempdir().unwrap();
    let (here, there) = (dir.path().join("here"), dir.path().join("there"));
    forgotten::forget_server(&there, SERVER).unwrap();
    save_now(&there, binding());
    let behind = copy::seconds(SystemTime::now()) - 900;
    forgotten::record(&here, SERVER, behind).unwrap();
    let path = here.join(copy::file_name(binding()));
    std::fs::copy(there.join(copy::file_name(binding())), &path).unwrap();
    match copy::open(&path, binding(), "vault", Some(SERVER), &key()) {
        // Said as what it is, not as a forgetting "after a write" (a sixty-first
        // adversarial pass).
        Err(error @ CopyError::Outdated { .. }) => {
            assert!(
                error.to_string().contains("another state directory"),
                "{error}"
            );
        }
        Err(error) => panic!("{error}"),
        Ok(_) => panic!("another directory's copy was served"),
    }
}

#[test]
fn a_forgetting_a_secretary_of_before_recorded_outdates_a_counted_copy() {
    // The same pass: a `put` by an older secretary (the Python package pinned older
    // than the command) writes only the times, in the form it reads: they are still
    // checked beside the counts, and that form is still what `.forgotten` holds.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join(copy::file_name(binding()));
    save_counted(
        &state,
        binding(),
        SystemTime::now() - Duration::from_secs(60),
        counted::seen(&state, SERVER, binding()),
    );
    assert!(holds(&path, binding(), "vault"));
    let older = format!("{{\"{SERVER}\": {}}}", copy::seconds(SystemTime::now()));
    std::fs::write(state.join(".forgotten"), &older).unwrap();
    assert!(!holds(&path, binding(), "vault"));
    // And a forgetting recorded now keeps that form for it to read.
    forgotten::record(&state, SERVER, copy::seconds(SystemTime::now())).unwrap();
    let kept: BTreeMap<String, u64> =
        serde_json::from_slice(&std::fs::read(state.join(".forgotten")).unwrap()).unwrap();
    assert!(kept.contains_key(SERVER));
}

#[test]
fn a_forgetting_that_cannot_be_recorded_names_the_record() {
    // The same pass: `.forgotten` made a directory was said as the state directory.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(state.join(".forgotten")).unwrap();
    let error = forgotten::forget_server(&state, SERVER)
        .unwrap_err()
        .to_string();
    assert!(error.contains(".forgotten"), "{error}");
}

#[test]
fn a_forgetting_recorded_ahead_of_the_clock_is_not_said_zero_seconds_ago() {
    // A fifty-eighth adversarial pass was told a copy forgot its values "0 seconds ago"
    // when the record lay minutes ahead of the clock.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join(copy::file_name(binding()));
    save_now(&state, binding());
    let aside = std::fs::read(&path).unwrap();
    forgotten::record(&state, SERVER, copy::seconds(SystemTime::now()) + 200).unwrap();
    std::fs::write(&path, &aside).unwrap();
    match copy::open(&path, binding(), "vault", Some(SERVER), &key()) {
        Err(error @ CopyError::Forgotten { ago: None, .. }) => {
            assert!(
                error.to_string().contains("ahead of this machine's clock"),
                "{error}"
            );
        }
        Err(error) => panic!("{error}"),
        Ok(_) => panic!("the put-back copy was served"),
    }
}

#[test]
fn a_forgetting_on_a_full_disk_still_forgets_the_copies() {
    // A sixty-first adversarial pass, on a full disk: a refusal's and a `put`'s
    // forgetting failed at writing its record, before any copy was touched, and the copy
    // was served at the next outage; `cache clear`, the fix it named, removed nothing.
    let full = |on: bool| super::super::disk::FULL.with(|full| full.set(on));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join(copy::file_name(binding()));
    save_now(&state, binding());
    full(true);
    let error = forgotten::forget_server(&state, SERVER)
        .unwrap_err()
        .to_string();
    full(false);
    assert!(error.contains("os error 28"), "{error}");
    // (Said as what happened: the copies forgot, the record could not be written; a
    // sixty-second adversarial pass was told the copy "could not forget".)
    assert!(
        error.starts_with(
            "the copies forgot the values, but the record of it could not be written to "
        ) && error.contains(".forgettings"),
        "{error}"
    );
    assert!(!path.exists(), "the copy was left, to be served");
    // `cache clear` removes the copy, and says what it could not record.
    save_now(&state, binding());
    full(true);
    let error = super::super::clear(&state, None, None)
        .unwrap_err()
        .to_string();
    full(false);
    assert!(error.contains("os error 28"), "{error}");
    assert!(!path.exists(), "cache clear removed nothing");
}
