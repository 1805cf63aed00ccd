//! The `env` source and the conformance suite every local source passes.

use super::*;

#[test]
fn env_names_are_tried_in_order_and_empty_counts_as_unset() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("version = 1\n{SECRETS}"));
    let vars = Variables::from_pairs([
        ("DATABASE_URL", ""),
        ("SQLALCHEMY_DATABASE_URI", "postgresql://alias/db"),
    ]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("env:SQLALCHEMY_DATABASE_URI")
    );
    assert_eq!(
        value(&report, "debug").as_deref(),
        Some("false"),
        "defaults apply last"
    );
    assert_eq!(locator(&report, "debug").as_deref(), Some("default"));

    let report = run(
        &manifest,
        "development",
        &Variables::from_pairs([("DATABASE_URL", "")]),
    );
    assert_eq!(codes(&report, "database_url"), ["missing"]);
    let looked = &looked_in(&report, "database_url");
    assert_eq!(
        looked,
        &["env:DATABASE_URL (empty)", "env:SQLALCHEMY_DATABASE_URI"]
    );
}

#[test]
fn every_local_source_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let vars = Variables::from_pairs([
        ("SQLALCHEMY_DATABASE_URI", "postgresql://db/app"),
        ("API_KEY", "k-123"),
    ]);
    conformance(
        &*source::build(&SourceSpec::new("env", SourceConfig::new(EnvConfig))),
        dir.path(),
        &vars,
    );

    write_private(
        &dir.path().join(".env"),
        "SQLALCHEMY_DATABASE_URI=postgresql://db/app\nAPI_KEY=k-123\n",
    );
    let dotenv = SourceSpec::new(
        "dotenv",
        SourceConfig::new(DotenvConfig::new(vec![".env".into()])),
    );
    conformance(&*source::build(&dotenv), dir.path(), &Variables::default());

    let mounted = dir.path().join("mounted");
    fs::create_dir(&mounted).unwrap();
    write_private(&mounted.join("api_key"), "k-123\n");
    write_private(&mounted.join("DATABASE_URL"), "postgresql://db/app");
    let files = SourceSpec::new("files", SourceConfig::new(FilesConfig::new("mounted")));
    conformance(&*source::build(&files), dir.path(), &Variables::default());
}

#[cfg(unix)]
#[test]
fn a_non_utf8_variable_is_a_source_error_not_an_absence() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("version = 1\n{SECRETS}"));
    let vars = Variables::from_pairs([("API_KEY", std::ffi::OsStr::from_bytes(b"\xff\xfe"))]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(codes(&report, "api_key"), ["source_error"]);
}
