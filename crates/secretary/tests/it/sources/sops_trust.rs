//! The `sops` source against a repository that wants more than its values: a `sops` of
//! its own first on `PATH`, and a file whose Vault key sends the user's token to an
//! address the file names.

use std::ffi::OsString;
use std::fmt::Write as _;

use secretary::source::{ProgramError, SopsError};
use secretary_test_support::{Recorder, Sops};

use super::*;

const PLAIN_ENV: &str = "DATABASE_URL=postgresql://db/app\nAPI_KEY=k-123\n";

fn sops_manifest(dir: &Path) -> Manifest {
    manifest(
        dir,
        &format!(
            "version = 1\n[sources.sops]\ntype = \"sops\"\nfile = \"secrets.enc.env\"\n\n[environments.production]\nsources = [\"sops\"]\n{SECRETS}"
        ),
    )
}

fn error(report: &Report, key: &str) -> SopsError {
    let resolution = report.get(key).unwrap();
    for problem in &resolution.problems {
        if let ProblemKind::SourceFailed {
            error: SourceError::Sops(error),
            ..
        } = &problem.kind
        {
            return error.clone();
        }
    }
    panic!("{key}: no sops failure in {:?}", resolution.problems);
}

/// A fake `sops` in `bin` that leaves `marker` behind with its environment.
fn fake_sops(bin: &Path, marker: &Path) {
    fs::create_dir_all(bin).unwrap();
    let script = bin.join("sops");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{}'\nprintf 'API_KEY=from-the-fake\\n'\n",
            marker.display()
        ),
    )
    .unwrap();
    chmod(&script, 0o755);
}

fn path_with(bin: &Path) -> OsString {
    let mut path = bin.as_os_str().to_owned();
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap());
    path
}

#[test]
fn a_sops_the_repository_or_other_users_could_have_put_first_on_path_is_never_run() {
    let sops = Sops::new();
    let root = tempfile::tempdir().unwrap();
    let repo = root.path().join("repo");
    let app = repo.join("app");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::create_dir_all(&app).unwrap();
    sops.write(&app.join("secrets.enc.env"), PLAIN_ENV, "dotenv");
    let manifest = sops_manifest(&app);
    let shared = root.path().join("shared/bin");
    let cases = [
        (app.join("bin"), "beneath the manifest's directory"),
        (repo.join("tools/bin"), "inside the git repository"),
        (shared.clone(), "group or others may write its directory"),
    ];
    for (bin, expected) in cases {
        let marker = root.path().join("ran");
        fake_sops(&bin, &marker);
        if bin == shared {
            // Writable by every user (a group of this user's own would be allowed).
            chmod(&bin, 0o777);
        }
        let vars = Variables::from_pairs([
            ("PATH", path_with(&bin)),
            ("SOPS_AGE_KEY_FILE", sops.key_file().into_os_string()),
            ("AWS_SECRET_ACCESS_KEY", "canary-aws-secret".into()),
        ]);
        let report = run(&manifest, "production", &vars);
        let refused = error(&report, "api_key");
        assert!(
            matches!(&refused, SopsError::Program(ProgramError::Untrusted { reason, .. }) if reason.contains(expected)),
            "{}: {refused:?}",
            bin.display()
        );
        assert!(
            refused.to_string().starts_with("refusing to run "),
            "{refused}"
        );
        assert!(refused.hint().contains("outside the repository"));
        assert!(!marker.exists(), "{}: the fake sops ran", bin.display());
        assert_eq!(value(&report, "api_key"), None);
        fs::remove_dir_all(&bin).unwrap();
    }
    // The real one, installed outside the repository, reads the file.
    let vars = Variables::from_pairs([
        ("PATH", std::env::var_os("PATH").unwrap()),
        ("SOPS_AGE_KEY_FILE", sops.key_file().into_os_string()),
    ]);
    assert_eq!(
        value(&run(&manifest, "production", &vars), "api_key").as_deref(),
        Some("k-123")
    );
}

/// A file encrypted for a key this user lacks, to which a pull request added a Vault
/// transit key at `address`: sops's metadata is not authenticated.
fn with_vault_key(sops: &Sops, dir: &Path, address: &str) {
    let file = dir.join("secrets.enc.env");
    sops.write(&file, PLAIN_ENV, "dotenv");
    let mut text = fs::read_to_string(&file).unwrap();
    for (field, value) in [
        ("vault_address", address),
        ("engine_path", "transit"),
        ("key_name", "k"),
        ("created_at", "2026-01-01T00:00:00Z"),
        ("enc", "vault:v1:AAAA"),
    ] {
        writeln!(text, "sops_hc_vault__list_0__map_{field}={value}").unwrap();
    }
    write_private(&file, &text);
}

#[test]
fn sops_never_gets_this_users_vault_token_unless_they_opt_in() {
    let sops = Sops::new();
    let server = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    with_vault_key(&sops, dir.path(), &server.url());
    let manifest = sops_manifest(dir.path());
    let home = tempfile::tempdir().unwrap();
    write_private(&home.path().join(".vault-token"), "hvs.canary-home-token\n");
    let vars = |extra: &[(&str, &str)]| {
        let mut pairs: Vec<(OsString, OsString)> = vec![
            ("PATH".into(), std::env::var_os("PATH").unwrap()),
            ("HOME".into(), home.path().into()),
            ("VAULT_TOKEN".into(), "hvs.canary-env-token".into()),
        ];
        pairs.extend(extra.iter().map(|(k, v)| ((*k).into(), (*v).into())));
        Variables::from_pairs(pairs)
    };

    let report = run(&manifest, "production", &vars(&[]));
    let no_key = error(&report, "api_key");
    assert!(
        matches!(
            no_key,
            SopsError::NoKey {
                vault_withheld: true,
                ..
            }
        ),
        "{no_key:?}"
    );
    assert!(
        no_key.hint().contains("SECRETARY_SOPS_VAULT=1"),
        "{}",
        no_key.hint()
    );
    let asked = server.requests();
    assert!(
        asked
            .iter()
            .any(|r| r.starts_with("PUT /v1/transit/decrypt/k ")),
        "sops asked the file's address (with no token of the user's): {asked:?}"
    );
    assert!(
        !format!("{asked:?}").contains("canary"),
        "a token of the user's reached the file's address: {asked:?}"
    );

    // The user's own opt-in lets sops read ~/.vault-token, as sops does by itself; the
    // address is still the file's: the risk the guide names. VAULT_TOKEN stays secretary's.
    let report = run(
        &manifest,
        "production",
        &vars(&[("SECRETARY_SOPS_VAULT", "1")]),
    );
    let no_key = error(&report, "api_key");
    assert!(
        matches!(
            no_key,
            SopsError::NoKey {
                vault_withheld: false,
                ..
            }
        ),
        "{no_key:?}"
    );
    let asked = format!("{:?}", server.requests());
    assert!(asked.contains("hvs.canary-home-token"), "{asked}");
    assert!(!asked.contains("hvs.canary-env-token"), "{asked}");
}
