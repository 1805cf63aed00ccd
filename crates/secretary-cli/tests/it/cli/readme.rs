//! The command line's tests: the README's main command, as the README spells it (the
//! spelling itself is checked in `docs.rs`), and what it says of production.

use super::*;

#[test]
fn the_shipped_example_checks_clean_in_development() {
    let mut cmd = Command::new(support::secretary());
    cmd.env_clear().args([
        "--manifest",
        &format!("{EXAMPLE_DIR}/secrets.toml"),
        "check",
    ]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("ok: 14 secrets valid in environment `development`"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_shipped_example_fails_closed_in_production_without_vault() {
    let mut cmd = Command::new(support::secretary());
    cmd.env_clear()
        .env("ENVIRONMENT", "production")
        .env("DATABASE_URL", "postgresql://db/app")
        .args([
            "--manifest",
            &format!("{EXAMPLE_DIR}/secrets.toml"),
            "check",
        ]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("[source_error] source `vault` failed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("14 problems in environment `production`"),
        "{}",
        out.stdout
    );
}
