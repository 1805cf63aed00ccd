//! The one-place rule: what each source kind calls a place, and what is refused.

use std::path::Path;

use crate::Manifest;

/// The messages of `text`'s diagnostics, with their lines; empty when it parses.
fn diagnostics(text: &str) -> Vec<(usize, String)> {
    Manifest::parse(text, Path::new("secrets.toml"))
        .err()
        .map(|error| {
            error
                .diagnostics
                .into_iter()
                .map(|d| (d.line, d.message))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn aws_secrets_have_one_place_each_and_a_whole_secret_is_not_read_beside_its_fields() {
    // Two secrets over one name, over one field of one JSON secret, over one parameter.
    for (source, place) in [
        (
            "type = \"aws_secrets_manager\"\nname = \"production/db\"",
            "aws_secrets_manager:production/db ",
        ),
        (
            "type = \"aws_secrets_manager\"\nname = \"production/app\"\nfield = \"value\"",
            "aws_secrets_manager:production/app#value ",
        ),
        (
            "type = \"aws_parameter_store\"\nname = \"/production/db\"",
            "aws_parameter_store:/production/db ",
        ),
    ] {
        let text = format!(
            "version = 1\n[sources.aws]\n{source}\n\
             [environments.production]\nsources = [\"aws\"]\n\
             [secrets.c0]\npattern = \"^a\"\n[secrets.c1]\npattern = \"^.b\"\n"
        );
        let found = diagnostics(&text);
        assert!(
            found
                .iter()
                .any(|(_, m)| m.contains(&format!("both read {place}"))),
            "{found:?}"
        );
    }
    // One secret reads `production/app` whole, another one of its fields.
    let text = "version = 1\n\
        [sources.whole]\ntype = \"aws_secrets_manager\"\nname = \"production/{key}\"\n\
        [sources.fields]\ntype = \"aws_secrets_manager\"\nname = \"production/app\"\nfield = \"{key}\"\n\
        [environments.production]\nsources = [\"whole\", \"fields\"]\n\
        [secrets.app]\npattern = \"^.\"\n\
        [secrets.password]\n";
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(_, m)| m.contains(
            "secret `app` reads the whole of AWS secret `production/app`, whose fields secret `password` reads"
        )),
        "{found:?}"
    );
    // Fields of one secret, one each: fine.
    let text = "version = 1\n\
        [sources.fields]\ntype = \"aws_secrets_manager\"\nname = \"production/app\"\nfield = \"{key}\"\n\
        [environments.production]\nsources = [\"fields\"]\n\
        [secrets.app]\n[secrets.password]\n";
    assert_eq!(diagnostics(text), Vec::new());
}

#[test]
fn two_secrets_over_one_vault_field_are_refused() {
    // The attack: one value, a character tested by each secret's pattern.
    let text = "version = 1\n\
        [sources.vault]\ntype = \"vault\"\npath = \"production/db\"\nfield = \"value\"\n\
        [environments.production]\nsources = [\"vault\"]\n\
        [secrets.c0]\npattern = \"^a\"\n\
        [secrets.c1]\npattern = \"^.b\"\n\
        [secrets.c2]\npattern = \"^..c\"\n";
    assert_eq!(
        diagnostics(text),
        [
            (
                10,
                "secrets `c0` and `c1` both read vault:secret/data/production/db#value (source `vault`, environment `production`)".to_owned()
            ),
            (
                12,
                "secrets `c0` and `c2` both read vault:secret/data/production/db#value (source `vault`, environment `production`)".to_owned()
            ),
        ]
    );
    // The same with the field shared and `{key}` nowhere.
    let text = "version = 1\n\
        [sources.vault]\ntype = \"vault\"\npath = \"{environment}/app\"\nfield = \"token\"\n\
        [secrets.a]\n[secrets.b]\n";
    assert_eq!(diagnostics(text).len(), 1);
}

#[test]
fn one_place_read_by_another_secret_in_each_environment_is_refused() {
    // A sixty-fourth adversarial pass: the rule held within each environment only, and
    // 27 environments each read `prod/db` for a secret of their own (`db`, `b`, `e`,
    // ...), each with its own `pattern`: one question an environment spelt the value
    // out in 8 runs.
    let text = "version = 1\n\
        [sources.a]\ntype = \"vault\"\npath = \"prod/{key}\"\n\
        [sources.b]\ntype = \"vault\"\npath = \"prod/d{key}\"\n\
        [sources.c]\ntype = \"vault\"\npath = \"prod/db\"\nfield = \"valu{key}\"\n\
        [environments.e1]\nsources = [\"a\"]\n\
        [environments.e2]\nsources = [\"b\"]\n\
        [environments.e3]\nsources = [\"c\"]\n\
        [secrets.db]\npattern = 'Z.*'\n[secrets.b]\npattern = '.q.*'\n[secrets.e]\npattern = '..[0-5].*'\n";
    let found = diagnostics(text);
    let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
    for (other, source, environment) in [("b", "b", "e2"), ("e", "c", "e3")] {
        let expected = format!(
            "secrets `db` and `{other}` both read vault:secret/data/prod/db#value (source `a` in environment `e1`, source `{source}` in environment `{environment}`)"
        );
        assert!(messages.contains(&expected.as_str()), "{found:?}");
    }
    // One secret over one place in every environment is one secret's place.
    let text = "version = 1\n\
        [sources.vault]\ntype = \"vault\"\npath = \"shared/{key}\"\n\
        [environments.e1]\nsources = [\"vault\"]\n[environments.e2]\nsources = [\"vault\"]\n\
        [secrets.db]\n";
    assert!(diagnostics(text).is_empty(), "{:?}", diagnostics(text));
}

#[test]
fn one_place_read_through_several_sources_is_refused() {
    // Each source alone gives every secret its own place; together three secrets
    // read `prod/db` (a fourth adversarial pass).
    let text = "version = 1\n\
        [sources.s1]\ntype = \"vault\"\npath = \"prod/{key}\"\n\
        [sources.s2]\ntype = \"vault\"\npath = \"prod/d{key}\"\n\
        [sources.s3]\ntype = \"vault\"\npath = \"pro{key}/db\"\n\
        [environments.production]\nsources = [\"s1\", \"s2\", \"s3\"]\n\
        [secrets.db]\npattern = \"^C\"\n[secrets.b]\npattern = \"^.A\"\n[secrets.d]\npattern = \"^..X\"\n";
    let found = diagnostics(text);
    let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
    assert!(
        messages.contains(&"secrets `db` and `b` both read vault:secret/data/prod/db#value (sources `s1` and `s2`, environment `production`)"),
        "{found:?}"
    );
    assert!(
        messages.contains(&"secrets `db` and `d` both read vault:secret/data/prod/db#value (sources `s1` and `s3`, environment `production`)"),
        "{found:?}"
    );
    // `prod//db` is `prod/db`, as the request's URL has it.
    let text = "version = 1\n[sources.a]\ntype = \"vault\"\npath = \"prod/{key}\"\n\
        [sources.b]\ntype = \"vault\"\npath = \"prod//db\"\n\
        [environments.production]\nsources = [\"a\", \"b\"]\n\
        [secrets.db]\n[secrets.other]\n";
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(_, m)| m
            .starts_with("secrets `db` and `other` both read vault:secret/data/prod/db#value")),
        "{found:?}"
    );
    // A namespace in front of a mount is the same place as a mount under it.
    let text = "version = 1\n[sources.a]\ntype = \"vault\"\nnamespace = \"ns1\"\npath = \"prod/{key}\"\n\
        [sources.b]\ntype = \"vault\"\nmount = \"ns1/secret\"\npath = \"prod/d{key}\"\n\
        [environments.production]\nsources = [\"a\", \"b\"]\n\
        [secrets.db]\n[secrets.b]\n";
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(_, m)| m
            .starts_with("secrets `db` and `b` both read vault:ns1/secret/data/prod/db#value")),
        "{found:?}"
    );
}

#[test]
fn paths_the_url_would_change_are_refused() {
    // The URL of a request drops `.` and `..` segments and strips tabs and line
    // breaks: `prod/x/../d{key}` was read as `prod/x/d{key}`, and `prod/d\t{key}` as
    // `prod/d{key}`, unseen by the one-place rule (a fifth adversarial pass).
    for (setting, value) in [
        ("path", "prod/x/../d{key}"),
        ("path", "prod/./{key}"),
        ("path", "prod/d\\t{key}"),
        ("field", "va\\nlue"),
        ("mount", "secret/.."),
        ("namespace", "ns\\r1"),
    ] {
        let text = format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\n{setting} = \"{value}\"\n[secrets.db]\n"
        );
        let found = diagnostics(&text);
        // A control character is refused wherever the manifest's text holds one
        // (`controls.rs`), before any setting's own rule; a `.` or `..` segment by the
        // vault kind.
        let expected = if value.contains('\\') {
            format!("`sources.vault.{setting}` holds a control")
        } else {
            format!("vault source `vault`: `{setting}` holds a `.` or `..` segment")
        };
        assert!(
            found.iter().any(|(_, m)| m.starts_with(&expected)),
            "{setting} = {value}: {found:?}"
        );
    }
}

#[test]
fn the_app_name_and_the_users_namespace_cannot_bring_two_secrets_together() {
    // `{app}` expanded to `..`, which the URL drops (a sixth adversarial pass).
    for (name, expected) in [
        ("..", "`[app] name` holds a `.` or `..` segment"),
        (".", "`[app] name` holds a `.` or `..` segment"),
        ("a\\tb", "`app.name` holds a control"),
    ] {
        let text = format!(
            "version = 1\n[app]\nname = \"{name}\"\n[sources.a]\ntype = \"vault\"\npath = \"prod/{{app}}/d{{key}}\"\n[secrets.db]\n"
        );
        let found = diagnostics(&text);
        assert!(
            found.iter().any(|(_, m)| m.starts_with(expected)),
            "{name}: {found:?}"
        );
    }
    // A source without a namespace runs in the user's VAULT_NAMESPACE, which may be
    // another source's.
    let text = "version = 1\n[sources.a]\ntype = \"vault\"\nnamespace = \"ns1\"\npath = \"prod/{key}\"\n\
        [sources.b]\ntype = \"vault\"\npath = \"prod/d{key}\"\n\
        [environments.production]\nsources = [\"a\", \"b\"]\n\
        [secrets.db]\n[secrets.b]\n";
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(_, m)| m
            .starts_with("secrets `db` and `b` both read vault:secret/data/prod/db#value")),
        "{found:?}"
    );
}

/// Asserts that a manifest in `dir` whose `files` source reads `files_dir`, and whose
/// `dotenv` source reads `listed`, is refused for reading secret `db`'s file whole
/// beside the other secrets (`db_rules` goes into `[secrets.db]`).
fn assert_read_whole_beside_others(dir: &Path, files_dir: &str, listed: &str, db_rules: &str) {
    let text = format!(
        "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"{files_dir}\"\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"{listed}\"]\n\
         [secrets.db]\n{db_rules}[secrets.api_key]\n"
    );
    let found = Manifest::parse(&text, &dir.join("secrets.toml"))
        .err()
        .map(|error| error.diagnostics)
        .unwrap_or_default();
    assert!(
        found
            .iter()
            .any(|d| d.message.starts_with("secret `db` reads the whole of")),
        "{files_dir} and {listed}: {found:?}"
    );
}

#[test]
fn the_same_file_under_another_spelling_is_the_same_file() {
    // An absolute path, `..` and a linked directory: compared as written, each looked
    // like another file (a sixth adversarial pass).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("s")).unwrap();
    std::fs::write(dir.path().join("s/db"), "API_KEY=hello\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("s"), dir.path().join("link")).unwrap();
    let absolute = dir.path().join("s/db").display().to_string();
    for (files_dir, listed) in [
        ("s", absolute.as_str()),
        ("s", "s/../s/db"),
        ("s", "link/db"),
        ("link", "s/db"),
    ] {
        assert_read_whole_beside_others(dir.path(), files_dir, listed, "");
    }
}

#[test]
fn a_file_not_there_yet_is_the_same_file_under_another_spelling() {
    // It may appear after the manifest is read (a sidecar renders it): its directory's
    // real path and its name still meet (a review of the one-file-per-kind step found
    // an absolute spelling and a linked directory accepted when the file was absent).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("s")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("s"), dir.path().join("link")).unwrap();
    let absolute = dir.path().join("s/db").display().to_string();
    let primary = dir.path().join("s/DB_URL").display().to_string();
    for (files_dir, listed, env) in [
        ("s", absolute.as_str(), ""),
        ("link", absolute.as_str(), ""),
        ("s/", absolute.as_str(), ""),
        ("s", primary.as_str(), "env = [\"DB_URL\"]\n"),
    ] {
        assert_read_whole_beside_others(dir.path(), files_dir, listed, env);
    }
}

#[test]
fn a_dangling_link_is_the_file_it_will_name() {
    // A thirty-ninth adversarial pass: a committed `s/db -> app.env`, its target not
    // there yet, was compared by its own spelling, and passed beside a dotenv source
    // of `s/app.env`; so did a linked directory that does not exist yet.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("s")).unwrap();
    std::os::unix::fs::symlink("app.env", dir.path().join("s/db")).unwrap();
    assert_read_whole_beside_others(dir.path(), "s", "s/app.env", "");
    let absent = dir.path().join("absent-dir");
    std::os::unix::fs::symlink(&absent, dir.path().join("dl")).unwrap();
    let listed = absent.join("db").display().to_string();
    assert_read_whole_beside_others(dir.path(), "dl", &listed, "");
}

#[test]
fn a_file_read_whole_by_one_secret_and_as_a_dotenv_for_others_is_refused() {
    for listed in ["s/db", "./s/db", "s//db"] {
        let text = format!(
            "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"s\"\n\
             [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"{listed}\"]\n\
             [secrets.db]\npattern = \"API_KEY=h.*\"\n[secrets.api_key]\n"
        );
        let found = diagnostics(&text);
        assert!(
            found.iter().any(|(_, m)| m.starts_with(&format!("secret `db` reads the whole of {listed}, which source `dotenv` reads other secrets from"))),
            "{listed}: {found:?}"
        );
    }
}

#[test]
fn a_whole_read_in_one_environment_and_its_parts_in_another_are_refused() {
    // As one place (a sixty-fourth adversarial pass): a file or an AWS secret read whole
    // in one environment, and its lines or fields for other secrets in another, would
    // each give their verdicts on one value, one environment at a time.
    let text = "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"s\"\n\
        [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"s/db\"]\n\
        [environments.e1]\nsources = [\"mounted\"]\n[environments.e2]\nsources = [\"dotenv\"]\n\
        [secrets.db]\npattern = \"API_KEY=h.*\"\n[secrets.api_key]\n";
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(_, m)| m == "secret `db` reads the whole of s/db, which source `dotenv` reads other secrets from (environments `e1` and `e2`)"),
        "{found:?}"
    );
    let text = "version = 1\n\
        [sources.whole]\ntype = \"aws_secrets_manager\"\nname = \"production/{key}\"\n\
        [sources.fields]\ntype = \"aws_secrets_manager\"\nname = \"production/app\"\nfield = \"{key}\"\n\
        [environments.e1]\nsources = [\"whole\"]\n[environments.e2]\nsources = [\"fields\"]\n\
        [secrets.app]\npattern = \"^.\"\n[secrets.password]\n";
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(_, m)| m == "secret `app` reads the whole of AWS secret `production/app`, whose fields secret `password` reads (environments `e1` and `e2`)"),
        "{found:?}"
    );
}

#[test]
fn a_namespace_claims_its_place_under_each_of_its_parents() {
    // A sixty-fifth adversarial pass: `namespace = "admin/team"` with `secret`, and
    // `team/secret` without one (run in `VAULT_NAMESPACE=admin`), read one value for two
    // secrets; and ` admin` (which Vault trims) claimed other places than it read.
    let text = "version = 1\n\
        [sources.s1]\ntype = \"vault\"\nnamespace = \"admin/team\"\nmount = \"secret\"\npath = \"{key}\"\n\
        [sources.s2]\ntype = \"vault\"\nmount = \"team/secret\"\npath = \"pass{key}\"\n\
        [environments.e1]\nsources = [\"s1\"]\n[environments.e2]\nsources = [\"s2\"]\n\
        [secrets.password]\npattern = \"^Z.*\"\n[secrets.word]\npattern = \"^.*2$\"\n";
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(_, m)| m.starts_with(
            "secrets `password` and `word` both read vault:team/secret/data/password#value"
        )),
        "{found:?}"
    );
    let root = "version = 1\n[sources.s1]\ntype = \"vault\"\nnamespace = \"\"\n[secrets.a]\n";
    assert!(diagnostics(root).is_empty(), "{:?}", diagnostics(root));
    for blank in [" admin", "admin ", " "] {
        let text = format!(
            "version = 1\n[sources.s1]\ntype = \"vault\"\nnamespace = \"{blank}\"\n[secrets.a]\n"
        );
        let found = diagnostics(&text);
        assert!(
            found
                .iter()
                .any(|(_, m)| m.contains("`namespace` has spaces at its ends")),
            "{blank:?}: {found:?}"
        );
    }
}

#[test]
fn one_file_reached_by_files_sources_of_two_environments_is_one_place() {
    // A sixty-fifth adversarial pass: `dir = "sec"` in production read `sec/password`
    // for `password`, and `dir = "."` in staging read it for `word` through a link
    // `word -> sec/password` committed beside the manifest.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sec")).unwrap();
    std::fs::write(dir.path().join("sec/password"), "x").unwrap();
    std::os::unix::fs::symlink("sec/password", dir.path().join("word")).unwrap();
    let text = "version = 1\n\
        [sources.prodfiles]\ntype = \"files\"\ndir = \"sec\"\n\
        [sources.stagefiles]\ntype = \"files\"\ndir = \".\"\n\
        [environments.production]\nsources = [\"prodfiles\"]\n\
        [environments.staging]\nsources = [\"stagefiles\"]\n\
        [secrets.password]\npattern = \"Zq7.*\"\n[secrets.word]\npattern = \".*Kp3\"\n";
    let found = Manifest::parse(text, &dir.path().join("secrets.toml"))
        .err()
        .map(|error| error.diagnostics)
        .unwrap_or_default();
    assert!(
        found.iter().any(|d| d
            .message
            .starts_with("secrets `password` and `word` both read files:")),
        "{found:?}"
    );
}

#[test]
fn one_file_reached_through_hard_links_is_one_place() {
    // A sixty-sixth adversarial pass: a real path is not the file; two environments'
    // `files` directories held hard links to one file (git makes none, an archive or a
    // mounted volume can).
    let dir = tempfile::tempdir().unwrap();
    for sub in ["sec", "other"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    std::fs::write(dir.path().join("sec/password"), "x").unwrap();
    std::fs::hard_link(
        dir.path().join("sec/password"),
        dir.path().join("other/word"),
    )
    .unwrap();
    let text = "version = 1\n\
        [sources.prodfiles]\ntype = \"files\"\ndir = \"sec\"\n\
        [sources.stagefiles]\ntype = \"files\"\ndir = \"other\"\n\
        [environments.production]\nsources = [\"prodfiles\"]\n\
        [environments.staging]\nsources = [\"stagefiles\"]\n\
        [secrets.password]\npattern = \"Zq7.*\"\n[secrets.word]\npattern = \".*Kp3\"\n";
    let found = Manifest::parse(text, &dir.path().join("secrets.toml"))
        .err()
        .map(|error| error.diagnostics)
        .unwrap_or_default();
    assert!(
        found.iter().any(|d| d
            .message
            .starts_with("secrets `password` and `word` both read files:")
            && d.message.contains("sec/password")),
        "{found:?}"
    );
    // A `.env` linked to a file a `files` secret reads whole.
    std::fs::hard_link(dir.path().join("sec/password"), dir.path().join("app.env")).unwrap();
    let text = "version = 1\n\
        [sources.prodfiles]\ntype = \"files\"\ndir = \"sec\"\n\
        [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"app.env\"]\n\
        [environments.production]\nsources = [\"prodfiles\"]\n\
        [environments.staging]\nsources = [\"dotenv\"]\n\
        [secrets.password]\n[secrets.word]\nenv = [\"WORD\"]\n";
    let found = Manifest::parse(text, &dir.path().join("secrets.toml"))
        .err()
        .map(|error| error.diagnostics)
        .unwrap_or_default();
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("reads the whole of")),
        "{found:?}"
    );
}

#[test]
fn a_place_of_its_own_for_each_secret_is_accepted() {
    for (path, field) in [
        ("{environment}/{key}", "value"),
        ("{environment}/app", "{key}"),
        ("{app}/{environment}/{key}", "v"),
    ] {
        let text = format!(
            "version = 1\n[app]\nname = \"shop\"\n\
             [sources.vault]\ntype = \"vault\"\npath = \"{path}\"\nfield = \"{field}\"\n\
             [secrets.a]\n[secrets.b]\n[secrets.c]\n"
        );
        assert_eq!(diagnostics(&text), [], "{path} {field}");
    }
}

#[test]
fn a_source_in_no_chain_is_held_to_a_place_a_secret_too() {
    // A sixtieth adversarial pass: `import --from-source probe --dry-run` reads every
    // secret through `probe` alone, in no chain, so nothing held it to the rule, and
    // one dry run's verdicts (a pattern a secret over one fixed path) spelt the value
    // out. It is checked as a chain of its own, in each environment's name.
    let text = "version = 1\n\
        [sources.env]\ntype = \"env\"\n\
        [sources.vault]\ntype = \"vault\"\npath = \"fixed\"\n\
        [environments.development]\nsources = [\"env\"]\n\
        [secrets.a]\n[secrets.b]\n";
    assert_eq!(
        diagnostics(text),
        [(
            10,
            "secrets `a` and `b` both read vault:secret/data/fixed#value (source `vault`, environment `development`)".to_owned()
        )]
    );
    // One with a place of its own for each secret is accepted, as in a chain.
    let text = text.replace("path = \"fixed\"", "path = \"legacy/{key}\"");
    assert_eq!(diagnostics(&text), []);
}

#[test]
fn a_file_read_by_two_secrets_is_refused() {
    // `other` is read from its primary env name, `db`: the file `db` holds.
    let text = "version = 1\n\
        [sources.mounted]\ntype = \"files\"\ndir = \"/run/secrets\"\n\
        [secrets.db]\n[secrets.other]\nenv = [\"db\"]\n";
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(_, m)| m
            .starts_with("secrets `db` and `other` both read files:/run/secrets/db")
            || m.contains("claimed by both")),
        "{found:?}"
    );
}

#[test]
fn a_vault_path_without_a_namespace_is_every_path_that_ends_with_it() {
    // A sixty-sixth adversarial pass: `namespace = "admin"` with `mount = "team/secret"`
    // reads `admin/team/secret`, as `secret` does run in `VAULT_NAMESPACE=admin/team`;
    // the two secrets' patterns questioned one value.
    let shared = |first: &str, second: &str| {
        format!(
            "version = 1\n\
            [sources.s1]\ntype = \"vault\"\n{first}path = \"{{key}}\"\n\
            [sources.s2]\ntype = \"vault\"\n{second}path = \"pass{{key}}\"\n\
            [environments.e1]\nsources = [\"s1\"]\n[environments.e2]\nsources = [\"s2\"]\n\
            [secrets.password]\npattern = \"^Z.*\"\n[secrets.word]\npattern = \"^.*2$\"\n"
        )
    };
    for (first, second, place) in [
        (
            "namespace = \"admin\"\nmount = \"team/secret\"\n",
            "",
            "vault:secret/data/password#value",
        ),
        (
            "",
            "namespace = \"admin\"\nmount = \"team/secret\"\n",
            "vault:team/secret/data/password#value in namespace `admin`",
        ),
        // Two environments run in two namespaces: `secret` in `admin/team`, and
        // `team/secret` in `admin`.
        (
            "mount = \"team/secret\"\n",
            "",
            "vault:secret/data/password#value",
        ),
        (
            "",
            "mount = \"team/secret\"\n",
            "vault:team/secret/data/password#value",
        ),
        (
            "namespace = \"admin/team/\"\n",
            "namespace = \"admin\"\nmount = \"team/secret\"\n",
            "vault:team/secret/data/password#value in namespace `admin`",
        ),
        // `root` is the root namespace, as `""` is (a sixty-seventh pass).
        (
            "namespace = \"root\"\nmount = \"teamA/secret\"\n",
            "namespace = \"teamA\"\n",
            "vault:secret/data/password#value in namespace `teamA`",
        ),
        (
            "namespace = \"/root/\"\n",
            "namespace = \"\"\n",
            "vault:secret/data/password#value in the root namespace",
        ),
    ] {
        let found = diagnostics(&shared(first, second));
        let expected = format!("secrets `password` and `word` both read {place}");
        assert!(
            found.iter().any(|(_, m)| m.starts_with(&expected)),
            "{first:?} {second:?}: {found:?}"
        );
    }
    // Two namespaces are two places, the root one of them; a source in a namespace and
    // a deeper path without one are too.
    for (first, second) in [
        ("namespace = \"teamA\"\n", "namespace = \"teamB\"\n"),
        ("namespace = \"\"\n", "namespace = \"team\"\n"),
        (
            "namespace = \"admin\"\nmount = \"team/secret\"\n",
            "namespace = \"admin/team\"\nmount = \"team/secret\"\n",
        ),
        ("namespace = \"admin\"\n", "mount = \"admin/secret\"\n"),
    ] {
        let text = shared(first, second).replace("pass{key}", "{key}");
        let found = diagnostics(&text);
        assert!(found.is_empty(), "{first:?} {second:?}: {found:?}");
    }
}

#[test]
fn a_lease_path_in_two_namespaces_is_two_places() {
    // A sixty-eighth adversarial pass: `pg_a` in `teama` and `pg_b` in `teamb`, over one
    // path, were refused as one place.
    let text = |second: &str| {
        format!(
            "version = 1\n[app]\nname = \"demo\"\n\
             [sources.pg_a]\ntype = \"vault_lease\"\nnamespace = \"teama\"\npath = \"database/creds/{{app}}\"\nsecrets = {{ a_user = \"username\" }}\n\
             [sources.pg_b]\ntype = \"vault_lease\"\nnamespace = \"{second}\"\npath = \"database/creds/{{app}}\"\nsecrets = {{ b_user = \"username\" }}\n\
             [environments.prod]\nsources = [\"pg_a\", \"pg_b\"]\n\
             [secrets.a_user]\n[secrets.b_user]\n"
        )
    };
    assert_eq!(diagnostics(&text("teamb")), []);
    let found = diagnostics(&text("teama"));
    assert!(
        found.iter().any(|(_, m)| m.starts_with(
            "secrets `a_user` and `b_user` both read vault_lease:database/creds/demo#username in namespace `teama`"
        )),
        "{found:?}"
    );
}
