//! A token of the user's is asked `auth/token/lookup-self` before its first lease read:
//! a token of limited uses reads no lease (Vault would revoke the credentials with its
//! last use), and a question Vault does not answer reads none either. The fail-closed
//! half had no test of its own (the sixty-second adversarial pass): a scripted Vault
//! answers the look-up as each case needs, and counts the lease reads.

use super::scripted::{shop, with_headers};
use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A Vault whose `lookup-self` is answered `lookup` (a status and a body) and whose
/// `database/creds/shop` issues a lease; gives its address, and how many look-ups and
/// lease reads it was asked.
fn looked_up(lookup: (u16, &'static str)) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (lookups, reads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (counted_lookups, counted_reads) = (Arc::clone(&lookups), Arc::clone(&reads));
    let address = with_headers(move |request, _| {
        if request.contains("auth/token/lookup-self") {
            counted_lookups.fetch_add(1, Ordering::SeqCst);
            return (lookup.0, lookup.1.to_owned());
        }
        if request.contains("database/creds/shop") {
            let n = counted_reads.fetch_add(1, Ordering::SeqCst) + 1;
            return (
                200,
                format!(
                    r#"{{"lease_id":"database/creds/shop/lease-{n}","lease_duration":60,"renewable":true,"data":{{"username":"user-{n}","password":"pw-{n}"}}}}"#
                ),
            );
        }
        (204, String::new())
    });
    (address, lookups, reads)
}

/// Resolves the leased manifest against a Vault whose look-up answers `lookup`, with
/// `retries` retries; gives the report and the look-ups and lease reads it was asked.
fn resolved(lookup: (u16, &'static str), retries: &str) -> (Report, usize, usize) {
    let (address, lookups, reads) = looked_up(lookup);
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = shop(dir.path(), &address);
    let vars = pointed_at(&address, retries);
    let report = resolve_now(&manifest, &vars);
    (
        report,
        lookups.load(Ordering::SeqCst),
        reads.load(Ordering::SeqCst),
    )
}

/// The variables that point a resolution at the scripted Vault at `address`, with a
/// token of the user's and `retries` retries.
fn pointed_at(address: &str, retries: &str) -> Variables {
    Variables::from_pairs([
        ("VAULT_ADDR", address),
        ("VAULT_TOKEN", "token"),
        ("VAULT_MAX_RETRIES", retries),
    ])
}

/// The manifest `text`, written in `dir` and read back.
fn written(dir: &std::path::Path, text: &str) -> Manifest {
    std::fs::write(dir.join("secrets.toml"), text).unwrap();
    Manifest::discover(None, &Variables::default(), dir).unwrap()
}

#[test]
fn a_look_up_vault_fails_to_answer_reads_no_lease_and_says_why() {
    let _serial = serial();
    // And what is no answer to the question: a rate limit, a 404, a proxy's 400
    // (a sixty-third adversarial pass read a lease past a 429).
    for (status, body) in [
        (503, r#"{"errors":["Vault is sealed"]}"#),
        (500, r#"{"errors":["internal error"]}"#),
        (502, "<html>bad gateway</html>"),
        (
            429,
            r#"{"errors":["request path \"auth/token/lookup-self\": rate limit quota exceeded"]}"#,
        ),
        (404, "<html>not found</html>"),
        (400, "bad request"),
        (204, ""),
    ] {
        let (report, lookups, reads) = resolved((status, body), "1");
        assert_eq!(reads, 0, "{status}: a lease was read");
        // Asked as any request is: retried once where a read would be.
        assert!(
            (1..=2).contains(&lookups),
            "{status}: asked {lookups} times"
        );
        let error = source_error(&report, "postgres_user");
        // Vault's own failure, as a read would have met it (a sealed Vault is said so).
        assert!(matches!(error, LeaseError::Vault(_)), "{status}: {error}");
        assert!(report.get("postgres_password").unwrap().value.is_none());
    }
    leases::revoke_all();
}

#[test]
fn a_look_up_that_finds_a_use_limit_reads_no_lease_and_one_without_reads_it() {
    let _serial = serial();
    // -1: the look-up was the token's last use (a sixty-first adversarial pass).
    for limited in [r#"{"data":{"num_uses":3}}"#, r#"{"data":{"num_uses":-1}}"#] {
        let (report, lookups, reads) = resolved((200, limited), "0");
        assert_eq!((lookups, reads), (1, 0), "{limited}");
        assert!(
            matches!(
                source_error(&report, "postgres_user"),
                LeaseError::LimitedUses { .. }
            ),
            "{limited}"
        );
    }
    // A 200 that does not say (a proxy's page, a cut body) reads none either.
    for unsaid in ["<html>welcome</html>", r#"{"data":{"num_uses":"3"}}"#, "{}"] {
        let (report, lookups, reads) = resolved((200, unsaid), "0");
        assert_eq!((lookups, reads), (1, 0), "{unsaid}");
        let error = source_error(&report, "postgres_user");
        assert!(
            error.to_string().contains("data.num_uses"),
            "{unsaid}: {error}"
        );
    }
    // No limit, or a token that may not look itself up (taken at its word): read once.
    for unlimited in [
        (200, r#"{"data":{"num_uses":0}}"#),
        (403, r#"{"errors":["permission denied"]}"#),
    ] {
        let (report, lookups, reads) = resolved(unlimited, "0");
        assert_eq!((lookups, reads), (1, 1), "{unlimited:?}");
        assert_eq!(value(&report, "postgres_user"), "user-1", "{unlimited:?}");
    }
    leases::revoke_all();
}

#[test]
fn a_kv_read_after_the_look_up_spent_the_tokens_last_use_says_so() {
    let _serial = serial();
    // A sixty-seventh adversarial pass: a VAULT_TOKEN of one use, spent by the look-up
    // the lease source asks, then refused to the KV source, was blamed on its expiry or
    // its policy.
    let address = with_headers(move |request, _| {
        if request.contains("auth/token/lookup-self") {
            return (200, r#"{"data":{"num_uses":-1}}"#.to_owned());
        }
        if request.contains("secret/data/api_key") {
            return (403, r#"{"errors":["permission denied"]}"#.to_owned());
        }
        (204, String::new())
    });
    let dir = tempfile::tempdir().unwrap();
    let text = Postgres::leased_manifest_on(
        5432,
        "shop",
        "[sources.kv]\ntype = \"vault\"\npath = \"{key}\"\n",
    )
    .replace(
        "sources = [\"database\"]",
        "sources = [\"database\", \"kv\"]",
    ) + "\n[secrets.api_key]\n";
    let manifest = written(dir.path(), &text);
    let vars = pointed_at(&address, "0");
    let report = resolve_now(&manifest, &vars);
    let problem = &report.get("api_key").unwrap().problems[0];
    let said = format!("{} {}", problem.kind, problem.fix);
    assert!(
        said.contains("VAULT_TOKEN, whose uses are spent: its last was secretary's look-up of it")
            && said.contains("use a token without a use limit")
            && !said.contains("expired"),
        "{said}"
    );
    leases::revoke_all();
}

#[test]
fn import_copies_no_credentials_a_lease_issued_it() {
    let _serial = serial();
    // A sixty-ninth adversarial pass: `import --from staging`, where a lease source gives
    // the credentials, wrote them to production's KV and then revoked their lease at its
    // end: what it stored was dead before it returned.
    let address = with_headers(move |request, _| {
        if request.contains("auth/token/lookup-self") {
            return (200, r#"{"data":{"num_uses":0}}"#.to_owned());
        }
        if request.contains("database/creds/shop") {
            return (
                200,
                r#"{"lease_id":"database/creds/shop/lease-1","lease_duration":60,"renewable":true,"data":{"username":"user-Zq7","password":"pw-Kp2"}}"#
                    .to_owned(),
            );
        }
        if request.contains("secret/data/") || request.contains("secret/metadata/") {
            return (404, r#"{"errors":[]}"#.to_owned());
        }
        (204, String::new())
    });
    let dir = tempfile::tempdir().unwrap();
    let text = Postgres::leased_manifest_on(5432, "shop", "[sources.kv]\ntype = \"vault\"\n")
        .replace(
            "[environments.production]\nsources = [\"database\"]",
            "[environments.staging]\nsources = [\"database\"]\n[environments.production]\nsources = [\"kv\"]",
        );
    let manifest = written(dir.path(), &text);
    let vars = pointed_at(&address, "0");
    let production = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let staging = manifest.select_environment(Some("staging"), &vars).unwrap();
    let plan = secretary::import(
        &manifest,
        production,
        &vars,
        secretary::ImportSource::Environment(staging),
        Some(&["postgres_user", "postgres_password"]),
        true,
        &secretary::audit::Fingerprints::random().unwrap(),
    )
    .unwrap();
    for item in plan.items() {
        assert_eq!(item.action, secretary::ImportAction::Issued, "{item:?}");
        assert!(item.from_fingerprint.is_none(), "{item:?}");
    }
    leases::revoke_all();
}
