//! The copy file on its own: names, merges, forgetting, and headers that must not panic.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::copy::{self, Absent, Binding, Contents, Entry};
use super::{CacheKey, CopyError, counted, forgotten};
use crate::SecretValue;

mod forgetting;

/// The server the copies in these tests were read from.
const SERVER: &str = "https://vault.example:8200";

const KEY: &str = "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM=";

fn key() -> CacheKey {
    CacheKey::from_text(KEY, "SECRETARY_CACHE_KEY").unwrap()
}

fn binding() -> Binding<'static> {
    Binding {
        app: "shop",
        environment: "production",
    }
}

fn entry(value: &str, read: u64) -> Entry {
    Entry {
        value: SecretValue::new(value.to_owned()),
        place: "secret/data/production/x#value".to_owned(),
        version: Some(1),
        pinned: None,
        written: Some(read),
        read,
    }
}

fn contents(found: &[(&str, &str)], absent: &[&str], read: u64) -> Contents {
    Contents {
        found: found
            .iter()
            .map(|(k, v)| ((*k).to_owned(), entry(v, read)))
            .collect(),
        absent: absent
            .iter()
            .map(|k| {
                let absent = Absent {
                    read,
                    place: Some(format!("secret/data/production/{k}#value")),
                    pinned: None,
                };
                ((*k).to_owned(), absent)
            })
            .collect::<BTreeMap<_, _>>(),
        forgettings: None,
    }
}

/// Saves `found` and `absent` into the copy at `path`, as `vault` read them from
/// [`SERVER`] now.
fn save_read_now(path: &std::path::Path, found: &[(&str, &str)], absent: &[&str]) {
    let now = SystemTime::now();
    copy::save(
        path,
        binding(),
        "vault",
        SERVER,
        &key(),
        contents(found, absent, copy::seconds(now)),
        (now, now),
    )
    .unwrap();
}

#[test]
fn a_file_name_encodes_what_is_not_a_name() {
    let name = copy::file_name(Binding {
        app: "my app/../x",
        environment: "prod.eu",
    });
    assert_eq!(name, "my%20app%2F%2E%2E%2Fx.prod%2Eeu.lkg");
    assert_eq!(copy::file_name(binding()), "shop.production.lkg");
}

#[test]
fn a_save_merges_into_what_is_kept_and_an_absence_replaces_a_value() {
    const OTHER: &str = "https://other.example:8200";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let now = SystemTime::now();
    let read = copy::seconds(now);
    copy::save(
        &path,
        binding(),
        "vault",
        SERVER,
        &key(),
        contents(&[("a", "1"), ("b", "2")], &[], read),
        (now, now),
    )
    .unwrap();
    // A later read of `b` alone that finds it gone, and of `c`.
    let later = now + Duration::from_secs(1);
    copy::save(
        &path,
        binding(),
        "vault",
        SERVER,
        &key(),
        contents(&[("c", "3")], &["b"], copy::seconds(later)),
        (later, later),
    )
    .unwrap();
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    let found: Vec<(&str, &str)> = kept
        .found
        .iter()
        .map(|(k, e)| (k.as_str(), e.value.expose()))
        .collect();
    assert_eq!(found, [("a", "1"), ("c", "3")]);
    assert_eq!(kept.absent.keys().collect::<Vec<_>>(), ["b"]);
    // Another source in the same file, of another server, is kept apart, and forgetting
    // one server leaves the other's.
    copy::save(
        &path,
        binding(),
        "vault2",
        OTHER,
        &key(),
        contents(&[("d", "4")], &[], read),
        (now, now),
    )
    .unwrap();
    let state = dir.path().join("state");
    forgotten::forget_server(&state, SERVER).unwrap();
    assert!(matches!(
        copy::open(&path, binding(), "vault", Some(SERVER), &key()),
        Err(CopyError::Forgotten { .. })
    ));
    assert_eq!(
        copy::open(&path, binding(), "vault2", Some(OTHER), &key())
            .unwrap()
            .found
            .len(),
        1
    );
    forgotten::forget_server(&state, OTHER).unwrap();
    assert!(!holds(&path, binding(), "vault"), "vault still kept");
    assert!(
        copy::open(&path, binding(), "vault2", Some(OTHER), &key()).is_err(),
        "vault2 still kept"
    );
}

/// Saves `a = 1` for `source` of `server` into the copy at `path`, from a read begun at
/// `began` and answered now.
fn save_one(
    path: &std::path::Path,
    binding: Binding<'_>,
    source: &str,
    server: &str,
    began: SystemTime,
) {
    let now = SystemTime::now();
    copy::save(
        path,
        binding,
        source,
        server,
        &key(),
        // Each entry as read when the read began, as a source's answer is.
        contents(&[("a", "1")], &[], copy::seconds(began)),
        (began, now),
    )
    .unwrap();
}

/// Saves `keys` (each written in Vault once, so unchanged from save to save) into the
/// copy at `path`, from a read begun and answered at `began`, under `max_age`.
fn save_unchanged(path: &std::path::Path, keys: &[(&str, &str)], began: SystemTime, max_age: u64) {
    let mut fresh = contents(keys, &[], copy::seconds(began));
    for entry in fresh.found.values_mut() {
        entry.written = Some(1);
    }
    copy::save(
        path,
        binding(),
        "vault",
        SERVER,
        &key(),
        fresh,
        copy::Timing::of(began, began, Duration::from_secs(max_age)),
    )
    .unwrap();
}

/// Whether the copy at `path` still holds `source`'s values.
fn holds(path: &std::path::Path, binding: Binding<'_>, source: &str) -> bool {
    copy::open(path, binding, source, Some(SERVER), &key()).is_ok()
}

#[test]
fn a_copy_opens_only_for_the_server_it_was_read_from_and_another_servers_read_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.production.lkg");
    let now = SystemTime::now();
    let read = copy::seconds(now);
    copy::save(
        &path,
        binding(),
        "vault",
        SERVER,
        &key(),
        contents(&[("a", "1")], &[], read),
        (now, now),
    )
    .unwrap();
    let elsewhere = "https://vault.attacker.example:8200";
    match copy::open(&path, binding(), "vault", Some(elsewhere), &key()) {
        Err(CopyError::OtherServer { kept, now }) => {
            assert_eq!(kept, SERVER);
            assert_eq!(now, elsewhere);
        }
        other => panic!("expected OtherServer, got {:?}", other.err()),
    }
    // The server is bound as associated data: rewriting it in the clear breaks the seal.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace(SERVER, elsewhere)).unwrap();
    assert!(matches!(
        copy::open(&path, binding(), "vault", Some(elsewhere), &key()),
        Err(CopyError::Tampered { .. })
    ));
    // A read from another server is not merged with what the first one gave.
    std::fs::write(&path, text).unwrap();
    copy::save(
        &path,
        binding(),
        "vault",
        elsewhere,
        &key(),
        contents(&[("b", "2")], &[], read),
        (now, now),
    )
    .unwrap();
    let kept = copy::open(&path, binding(), "vault", Some(elsewhere), &key()).unwrap();
    assert_eq!(kept.found.keys().collect::<Vec<_>>(), ["b"]);
    // The server is in the clear, for `cache status`.
    let text = std::fs::read_to_string(&path).unwrap();
    let old: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(old["sources"][0]["server"], elsewhere);
}

#[test]
fn the_same_values_are_not_written_again_within_a_minute() {
    use std::os::unix::fs::MetadataExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.production.lkg");
    let now = SystemTime::now();
    let read = copy::seconds(now);
    let save = |at: SystemTime| {
        copy::save(
            &path,
            binding(),
            "vault",
            SERVER,
            &key(),
            contents(&[("a", "1")], &[], read),
            (at, at),
        )
        .unwrap();
        std::fs::metadata(&path).unwrap().ino()
    };
    let first = save(now);
    assert_eq!(save(now + Duration::from_secs(30)), first);
    assert_ne!(save(now + Duration::from_secs(61)), first);
}

#[test]
fn a_header_that_says_anything_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.production.lkg");
    std::fs::write(
        &path,
        r#"{"format":1,"app":"shop","environment":"production","sources":[{"source":"vault","key_id":"x","saved":18446744073709551615,"count":18446744073709551615,"nonce":"!","ciphertext":"!"}]}"#,
    )
    .unwrap();
    let listed = super::listing::list(dir.path(), Some(&key())).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(matches!(
        listed[0].sources[0].opens,
        Some(Err(CopyError::KeyChanged { .. }))
    ));
    std::fs::write(&path, "not json").unwrap();
    assert!(matches!(
        copy::open(&path, binding(), "vault", Some(SERVER), &key()),
        Err(CopyError::Corrupt { .. })
    ));
    assert!(super::listing::list(dir.path(), None).unwrap().is_empty());
}

#[test]
fn a_state_directory_others_may_write_or_a_relative_one_is_never_used() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let error =
        super::disk::write_atomic(&shared.join("shop.production.lkg"), b"sealed").unwrap_err();
    assert!(
        error.to_string().contains("group or others may write"),
        "{error}"
    );
    assert!(!shared.join("shop.production.lkg").exists());

    let vars = crate::Variables::from_pairs([
        ("SECRETARY_STATE_DIR", "relative/state"),
        ("HOME", "/home/someone"),
    ]);
    assert_eq!(
        copy::state_dir(&vars).unwrap(),
        std::path::Path::new("/home/someone/.local/state/secretary")
    );
}

#[test]
fn a_copy_in_a_directory_others_may_write_is_never_read() {
    // An eighteenth adversarial pass: a copy forgotten after a refusal was put back by
    // another user in a directory open to all, and served at the next outage (only
    // writes checked the directory).
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = state.join("shop.production.lkg");
    save_one(&path, binding(), "vault", SERVER, SystemTime::now());
    assert!(copy::open(&path, binding(), "vault", Some(SERVER), &key()).is_ok());
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
    let Err(error) = copy::open(&path, binding(), "vault", Some(SERVER), &key()) else {
        panic!("a copy in a directory open to all was read");
    };
    assert!(
        matches!(&error, CopyError::Unreadable { reason, .. } if reason.contains("group or others may write")),
        "{error:?}"
    );
}

#[test]
fn each_keys_confirmation_is_recorded_whatever_was_saved_of_other_keys() {
    // A fifty-sixth adversarial pass: `get a` every second kept `get b`'s confirmation
    // from ever being recorded (the copy's last save, by `a`, was recent), and `b` was
    // refused as too old at the next outage.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let save = |keys: &[(&str, &str)], began: SystemTime| save_unchanged(&path, keys, began, 20);
    let start = SystemTime::now() - Duration::from_secs(100);
    save(&[("a", "1"), ("b", "2")], start);
    save(&[("a", "1")], start + Duration::from_secs(5));
    save(&[("b", "2")], start + Duration::from_secs(6));
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    assert_eq!(kept.found["a"].read, copy::seconds(start) + 5);
    assert_eq!(kept.found["b"].read, copy::seconds(start) + 6);
}

#[test]
fn a_copy_is_listed_as_old_as_its_oldest_confirmation() {
    // A sixty-third adversarial pass: `cache status` said "0 seconds" of a copy whose
    // file a read of `a` had just rewritten, while `b`, past `max_age`, was refused.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let start = SystemTime::now() - Duration::from_secs(100);
    save_unchanged(&path, &[("a", "1"), ("b", "2")], start, 20);
    save_unchanged(&path, &[("a", "1")], start + Duration::from_secs(90), 20);
    let listed = super::listing::list(path.parent().unwrap(), Some(&key())).unwrap();
    let source = &listed[0].sources[0];
    assert!(copy::seconds(source.saved) >= copy::seconds(start) + 90);
    assert_eq!(
        source.confirmed.map(copy::seconds),
        Some(copy::seconds(start))
    );
    assert_eq!(
        source.newest.map(copy::seconds),
        Some(copy::seconds(start) + 90)
    );
    let unkeyed = super::listing::list(path.parent().unwrap(), None).unwrap();
    assert_eq!(unkeyed[0].sources[0].confirmed, None);
}

#[test]
fn an_unchanged_copy_records_its_confirmation_within_a_tenth_of_max_age() {
    // A fifty-fourth adversarial pass: under `max_age = "20s"`, a copy confirmed 10 s
    // before was 26 s old, refused: an unchanged copy was written again once a minute.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let save =
        |began: SystemTime, max_age: u64| save_unchanged(&path, &[("a", "1")], began, max_age);
    let read = |path: &std::path::Path| {
        copy::open(path, binding(), "vault", Some(SERVER), &key())
            .unwrap()
            .found["a"]
            .read
    };
    let start = SystemTime::now() - Duration::from_secs(100);
    save(start, 20);
    // 5 s later, with a max_age of 20 s: recorded (a tenth is 2 s).
    save(start + Duration::from_secs(5), 20);
    assert_eq!(read(&path), copy::seconds(start) + 5);
    // 5 s later again, with a max_age of 24 h: not written again within the minute.
    save(start + Duration::from_secs(10), 86_400);
    assert_eq!(read(&path), copy::seconds(start) + 5);
}

#[test]
fn a_state_directory_another_user_could_swap_is_refused() {
    // A twentieth adversarial pass: the state directory itself was 0700, but its parent
    // was open to all and not sticky: another user moved it away and put an old one back.
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let path = open.join("state/shop.production.lkg");
    let error = super::disk::write_atomic(&path, b"sealed").unwrap_err();
    assert!(
        error.to_string().contains("another user could replace"),
        "{error}"
    );
    // Sticky, as /tmp is: others may not move what is not theirs.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
    super::disk::write_atomic(&path, b"sealed").unwrap();
}

/// A secret `x` as `manifest` declares it (`version = N`, or nothing).
fn secret(declared: &str) -> crate::SecretSpec {
    let text = format!("version = 1\n[secrets.x]\n{declared}");
    let manifest = crate::Manifest::parse(&text, std::path::Path::new("s.toml")).unwrap();
    (*manifest.secrets()[0]).clone()
}

fn policy() -> crate::manifest::LastKnownGood {
    crate::manifest::LastKnownGood {
        max_age: Duration::from_secs(3600),
        on_stale: crate::manifest::OnStale::Warn,
        outage_after: Duration::from_secs(5),
    }
}

fn at(path: &str) -> crate::Locator {
    crate::Locator::vault(path, "value", None)
}

/// The answer of the copy holding `contents` for `x` as `declared`, read at `path`.
fn answer(contents: &Contents, declared: &str, path: &str) -> Result<bool, CopyError> {
    let (lookup, _) = super::answer::from_copy(
        contents,
        &secret(declared),
        &at(path),
        &policy(),
        SystemTime::now(),
    )?;
    Ok(matches!(lookup, crate::source::Lookup::Found { .. }))
}

#[test]
fn a_copy_read_in_the_future_is_confirmed_again_and_never_said_trillions_of_days_old() {
    // A fifty-seventh adversarial pass: a copy written while the clock ran 2 h ahead was
    // never written again once the clock was put right (its read "confirmed" every
    // later one), and an outage refused it as 213,503,982,334,601 days old.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let ahead = SystemTime::now() + Duration::from_secs(7200);
    let save = |began: SystemTime| save_unchanged(&path, &[("x", "1")], began, 3600);
    save(ahead);
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    let error = answer(&kept, "", "secret/data/production/x").unwrap_err();
    assert!(
        error.to_string().contains("minutes in the future") && !error.to_string().contains("days"),
        "{error}"
    );
    let now = SystemTime::now();
    save(now);
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    assert_eq!(kept.found["x"].read, copy::seconds(now));
    assert!(answer(&kept, "", "secret/data/production/x").unwrap());
}

#[test]
fn a_value_is_served_only_at_the_version_the_manifest_asks_for() {
    // Pass 12 of issue 25: read as the latest (version 2), then `version = 1` pinned, and
    // the copy served version 2's value.
    let read = copy::seconds(SystemTime::now());
    let mut latest = contents(&[("x", "v2")], &[], read);
    latest.found.get_mut("x").unwrap().version = Some(2);
    let here = "secret/data/production/x";
    assert_eq!(answer(&latest, "", here), Ok(true));
    assert!(matches!(
        answer(&latest, "version = 1\n", here),
        Err(CopyError::OtherVersion {
            kept: Some(2),
            pinned: None,
            now: Some(1),
            ..
        })
    ));
    assert_eq!(answer(&latest, "version = 2\n", here), Ok(true));
    // Read pinned at version 1: not the latest once the pin is gone.
    let mut pinned = contents(&[("x", "v1")], &[], read);
    pinned.found.get_mut("x").unwrap().pinned = Some(1);
    assert_eq!(answer(&pinned, "version = 1\n", here), Ok(true));
    let error = answer(&pinned, "", here).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the last-known-good copy holds `x` as read at version 1 (version 1), and the manifest now reads its latest version"
    );
}

#[test]
fn an_absence_is_served_only_where_and_at_the_version_it_was_looked_for() {
    // Pass 12 of issue 25: absent at `abs1/{key}`, then `path = "abs2/{key}"`, and the
    // copy said "unset" for the new path.
    let read = copy::seconds(SystemTime::now());
    let kept = contents(&[], &["x"], read);
    assert_eq!(answer(&kept, "", "secret/data/production/x"), Ok(false));
    match answer(&kept, "", "secret/data/other/x") {
        Err(CopyError::Moved { kept, now, .. }) => {
            assert_eq!(kept, "secret/data/production/x#value");
            assert_eq!(now, "secret/data/other/x#value");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        answer(&kept, "version = 3\n", "secret/data/production/x"),
        Err(CopyError::OtherVersion {
            kept: None,
            pinned: None,
            now: Some(3),
            ..
        })
    ));
}

#[test]
fn a_copy_written_before_places_of_absences_were_kept_still_opens() {
    // The sealed text as secretary wrote it before: `absent` maps a key to its time, and
    // a value has no `pinned`. It opens; its value is served as read at its latest
    // version; its absence is not served, since where it was looked for is unknown.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.production.lkg");
    let read = copy::seconds(SystemTime::now());
    let plain = format!(
        r#"{{"found":{{"x":{{"value":"v","place":"secret/data/production/x#value","version":4,"written":{read},"read":{read}}}}},"absent":{{"y":{read}}}}}"#
    );
    copy::save_text(&path, binding(), "vault", SERVER, &key(), &plain, 1).unwrap();
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    assert_eq!(kept.found["x"].pinned, None);
    assert_eq!(kept.absent["y"].place, None);
    assert_eq!(answer(&kept, "", "secret/data/production/x"), Ok(true));
    assert_eq!(
        answer(&kept, "version = 4\n", "secret/data/production/x"),
        Ok(true)
    );
    let mut y = secret("");
    y.key = "y".to_owned();
    let error = super::answer::from_copy(
        &kept,
        &y,
        &at("secret/data/production/y"),
        &policy(),
        SystemTime::now(),
    )
    .map(|_| ())
    .unwrap_err();
    assert!(
        matches!(error, CopyError::AbsenceUnplaced { .. }),
        "{error}"
    );
}

#[test]
fn a_copy_refused_for_what_it_holds_is_not_called_missing() {
    // A copy kept for another server, place or version was refused with "no copy was
    // written for it while Vault was up" (a twelfth adversarial pass).
    let missing = CopyError::NotCovered {
        key: "api_key".to_owned(),
    }
    .hint();
    assert!(missing.contains("no copy was written"), "{missing}");
    let other_server = CopyError::OtherServer {
        kept: "https://old:8200".to_owned(),
        now: "https://new:8200".to_owned(),
    }
    .hint();
    assert!(other_server.contains("another server"), "{other_server}");
    let moved = CopyError::Moved {
        key: "api_key".to_owned(),
        kept: "secret/a#value".to_owned(),
        now: "secret/b#value".to_owned(),
    }
    .hint();
    assert!(
        moved.contains("not of what the manifest reads now"),
        "{moved}"
    );
    for hint in [other_server, moved] {
        assert!(!hint.contains("no copy was written"), "{hint}");
    }
}

#[test]
fn a_slow_read_that_ends_last_does_not_overwrite_what_a_later_read_saved() {
    // A twenty-second adversarial pass: a read begun first and answered last saved the
    // value another writer had since replaced over the newer one a later read saved.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/shop.production.lkg");
    let now = SystemTime::now();
    let earlier = now - Duration::from_secs(5);
    let save = |value: &str, began: SystemTime| {
        copy::save(
            &path,
            binding(),
            "vault",
            SERVER,
            &key(),
            contents(&[("a", value), ("b", "2")], &[], copy::seconds(began)),
            (began, SystemTime::now()),
        )
        .unwrap();
    };
    save("new", now);
    save("old", earlier);
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    assert_eq!(kept.found["a"].value.expose(), "new");
    // A read begun later still replaces it.
    save("newest", now + Duration::from_secs(2));
    let kept = copy::open(&path, binding(), "vault", Some(SERVER), &key()).unwrap();
    assert_eq!(kept.found["a"].value.expose(), "newest");
}

#[test]
fn an_expired_copy_is_never_said_to_be_as_old_as_its_limit() {
    // A fifty-eighth adversarial pass was told a copy was "3 seconds old, older than its
    // max_age of 3 seconds".
    let expired = |age: Duration| {
        CopyError::Expired {
            age,
            max_age: Duration::from_secs(3),
        }
        .to_string()
    };
    let said = expired(Duration::from_millis(3400));
    assert!(
        said.contains("is more than 3 seconds old, older than its max_age of 3 seconds"),
        "{said}"
    );
    let said = expired(Duration::from_secs(10));
    assert!(said.contains("is 10 seconds old"), "{said}");
}

#[test]
fn a_source_whose_copy_stands_in_is_not_retried_unless_the_user_chose_retries() {
    // A sixty-first adversarial pass: an empty `VAULT_MAX_RETRIES=` was taken for a
    // choice, and the copy served only after the default's retries and back-off.
    let retries = |pairs: &[(&str, &str)]| {
        super::retries_with_a_copy(&crate::Variables::from_pairs(pairs.iter().copied()))
    };
    assert_eq!(retries(&[]), Some(0));
    assert_eq!(retries(&[("VAULT_MAX_RETRIES", "")]), Some(0));
    assert_eq!(retries(&[("BAO_MAX_RETRIES", "")]), Some(0));
    assert_eq!(retries(&[("VAULT_MAX_RETRIES", "3")]), None);
    assert_eq!(retries(&[("BAO_MAX_RETRIES", "0")]), None);
}

#[test]
fn a_copys_size_tells_no_values_length() {
    // A seventy-second adversarial pass padded a copy with absent keys the manifest
    // chose, until its size met the 16 MiB read limit at a password's length: each value
    // is padded to whole steps now, so that passwords of 11 and 13 bytes, or a quote
    // escaped, make copies of one size.
    let size = |password: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.production.lkg");
        save_read_now(
            &path,
            &[("db_password", password), ("api_key", "k")],
            &["padding_a", "padding_b"],
        );
        std::fs::metadata(&path).unwrap().len()
    };
    let sizes: Vec<u64> = ["hunter2pass", "hunter2pass13", "hunter2\"pass", ""]
        .into_iter()
        .map(size)
        .collect();
    assert!(sizes.iter().all(|&s| s == sizes[0]), "{sizes:?}");
    assert_ne!(
        size(&"x".repeat(2000)),
        sizes[0],
        "a step further is larger"
    );
}
