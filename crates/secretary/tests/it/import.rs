//! `import` against a real OpenBao when someone else writes between the plan and the
//! writes: check-and-set fails on the version the plan read, and the import reads the
//! path again. Another writer's change to other fields is kept and the import goes on;
//! a change to a field the import writes is a conflict, and nothing is overwritten.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::fs;
use std::path::Path;

use secretary::audit::Fingerprints;
use secretary::{ImportAction, ImportSource, Manifest, Variables, import};
use secretary_test_support::OpenBao;

/// Two secrets in one Vault path (`production/app`, a field each), copied from a
/// development `.env`.
fn setup(dir: &Path) -> Manifest {
    fs::write(
        dir.join(".env"),
        "API_URL=https://api.example.com\nWORKERS=4\n",
    )
    .unwrap();
    fs::write(
        dir.join("secrets.toml"),
        "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n[sources.vault]\ntype = \"vault\"\npath = \"{environment}/app\"\nfield = \"{key}\"\n[environments.development]\nsources = [\"dotenv\"]\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_url]\nsensitive = false\n[secrets.workers]\nsensitive = false\n",
    )
    .unwrap();
    Manifest::discover(None, &Variables::default(), dir).unwrap()
}

fn stored(bao: &OpenBao) -> serde_json::Value {
    let text = bao.bao(&[
        "kv",
        "get",
        "-format=json",
        "-mount=secret",
        "production/app",
    ]);
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["data"]["data"].clone()
}

/// Plans an import of development's values into production, runs `between` (another
/// writer), then writes the plan; each secret's outcome.
fn import_with_a_writer_between(bao: &OpenBao, between: impl FnOnce()) -> Vec<secretary::Applied> {
    let dir = tempfile::tempdir().unwrap();
    let manifest = setup(dir.path());
    let vars = Variables::from_pairs(bao.env().iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let production = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let development = manifest
        .select_environment(Some("development"), &vars)
        .unwrap();
    let fingerprints = Fingerprints::random().unwrap();
    let plan = import(
        &manifest,
        production,
        &vars,
        ImportSource::Environment(development),
        // Settings (`sensitive = false`) are copied only when named (issue 25, item 19).
        Some(&["api_url", "workers"]),
        false,
        &fingerprints,
    )
    .unwrap();
    assert!(
        plan.items()
            .iter()
            .all(|item| item.action == ImportAction::Create),
        "{:?}",
        plan.items()
    );
    between();
    plan.apply(&mut |_| {}).unwrap()
}

#[test]
fn a_write_to_other_fields_between_plan_and_write_is_kept_and_the_import_goes_on() {
    let bao = OpenBao::start();
    bao.kv_put("production/app", &[("owner", "ops")]);
    // Someone else changes another field of the same path: version 2.
    let applied = import_with_a_writer_between(&bao, || {
        bao.kv_put("production/app", &[("owner", "platform")]);
    });
    assert_eq!(applied.len(), 2);
    for applied in &applied {
        let written = applied.result.as_ref().unwrap();
        assert!(
            written.locator.to_string().ends_with("@v3"),
            "{}",
            written.locator
        );
    }
    let data = stored(&bao);
    assert_eq!(
        data["owner"], "platform",
        "the other writer's change is kept"
    );
    assert_eq!(data["api_url"], "https://api.example.com");
    assert_eq!(data["workers"], "4");
}

#[test]
fn a_write_to_an_imported_field_between_plan_and_write_is_a_conflict_not_overwritten() {
    let bao = OpenBao::start();
    bao.kv_put("production/app", &[("owner", "ops")]);
    // Someone else creates one of the secrets the plan would create.
    let applied = import_with_a_writer_between(&bao, || {
        bao.kv_put("production/app", &[("owner", "ops"), ("workers", "16")]);
    });
    assert_eq!(applied.len(), 2);
    for applied in &applied {
        let error = applied.result.as_ref().unwrap_err();
        assert!(error.to_string().contains("check-and-set"), "{error}");
    }
    let data = stored(&bao);
    assert_eq!(data["workers"], "16", "the other writer's value stays");
    assert!(
        data.get("api_url").is_none(),
        "nothing half-written: {data}"
    );
}
