//! Unit tests of the manifest's bounds: how much it may declare, and how much a check
//! says about it.

use super::*;

#[test]
fn a_manifest_declares_at_most_128_environments_and_two_million_secrets_in_all() {
    use std::fmt::Write as _;
    // A twenty-eighth adversarial pass: each environment holds each secret, so 3,000 of
    // each made every command take 30 s (a debug build), and 16 MiB of them days.
    let mut text = String::from("version = 1\n");
    for n in 0..129 {
        let _ = write!(text, "[environments.e{n:03}]\nsources = []\n");
    }
    let found = diagnostics(&text);
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "129 environments: a manifest declares at most 128"),
        "{found:?}"
    );
    // 2,000,000 / 128 = 15,625 secrets in 128 environments.
    let mut text = String::from("version = 1\n");
    for n in 0..128 {
        let _ = write!(text, "[environments.e{n:03}]\nsources = []\n");
    }
    for n in 0..15_626 {
        let _ = writeln!(text, "[secrets.s{n:05}]");
    }
    let found = diagnostics(&text);
    assert!(
        found.iter().any(|(_, m)| m
            .starts_with("15626 secrets in 128 environment(s): a manifest holds at most 2000000")),
        "{:?}",
        &found[..found.len().min(3)]
    );
    // Within both, a manifest is checked; and many templates naming what is not
    // declared are reported each (20,000 took 11 s: each report went through every
    // template to find where it was written).
    let mut text = String::from("version = 1\n");
    for n in 0..9_000 {
        let _ = write!(text, "[secrets.t{n:05}]\ntemplate = \"{{missing{n}}}\"\n");
    }
    let found = diagnostics(&text);
    assert_eq!(found.len(), 101, "the first 100, and how many more");
    assert_eq!(found[0].0, 3, "at the template's line");
    // (and the environment's templates, past 64 MiB in all by their text, once)
    assert_eq!(
        found[100].1,
        "and 8901 more problems, not shown: fix these first"
    );
}

#[test]
fn a_manifest_declares_at_most_256_sources_and_a_chain_names_at_most_256() {
    use std::fmt::Write as _;
    // A thirty-first adversarial pass: 1,000 sources named in a chain, none declared,
    // took 16 s to check and wrote 19 MB of errors.
    let mut text = String::from("version = 1\n");
    for n in 0..257 {
        let _ = write!(text, "[sources.s{n:03}]\ntype = \"env\"\n");
    }
    let found = diagnostics(&text);
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "257 sources: a manifest declares at most 256"),
        "{:?}",
        &found[..found.len().min(3)]
    );
    let names: Vec<String> = (0..300).map(|n| format!("\"u{n}\"")).collect();
    let text = format!(
        "version = 1\n[environments.e]\nsources = [{}]\n",
        names.join(", ")
    );
    let found = diagnostics(&text);
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "an environment's chain of 300 sources: at most 256"),
        "{:?}",
        &found[..found.len().min(3)]
    );
    assert!(found.len() <= 300, "{}", found.len());
}

#[test]
fn a_check_reports_at_most_100_problems_and_names_at_most_64_bytes_long() {
    use std::fmt::Write as _;
    // A thirty-second adversarial pass: 256 sources and a chain of 256 undefined names,
    // each 200 bytes long, took 101 s to check and wrote 14 MB of errors, each with a
    // "did you mean" among every source and a list of them all; and 4,000 rules for
    // undeclared secrets took 53 s.
    let long = |c: char, n: usize| format!("{c}{n:04}{}", c.to_string().repeat(200));
    let mut text = String::from("version = 1\n");
    for n in 0..256 {
        let _ = write!(text, "[sources.{}]\ntype = \"env\"\n", long('s', n));
    }
    let chain: Vec<String> = (0..256).map(|n| format!("\"{}\"", long('u', n))).collect();
    let _ = write!(text, "[environments.e]\nsources = [{}]\n", chain.join(","));
    let error = parse(&text).expect_err("refused");
    let shown = error.to_string();
    assert_eq!(
        error.diagnostics.len(),
        101,
        "{}",
        &shown[..shown.len().min(2000)]
    );
    assert!(shown.len() < 64 * 1024, "{} bytes of errors", shown.len());
    assert!(
        shown.contains("source name `s0000sssssssss") && shown.contains("…` is not valid"),
        "{}",
        &shown[..2000]
    );
    assert!(
        shown.contains("use at most 64 lower case letters"),
        "{}",
        &shown[..2000]
    );
    assert!(
        error.diagnostics[100]
            .message
            .ends_with("more problems, not shown: fix these first"),
        "{:?}",
        error.diagnostics[100]
    );
    // A name of 64 bytes is a name.
    let text = format!(
        "version = 1\n[sources.{}]\ntype = \"env\"\n[environments.{}]\nsources = [\"{0}\"]\n",
        "s".repeat(64),
        "e".repeat(64)
    );
    assert!(parse(&text).is_ok(), "{:?}", parse(&text).err());
    // Rules for undeclared secrets: the first 100 told, with a "did you mean".
    let mut text = String::from("version = 1\n[environments.development]\nsources = [\"env\"]\n");
    for n in 0..4_000 {
        let _ = write!(
            text,
            "[environments.development.secrets.x{n:04}_key]\nrequired = true\n"
        );
    }
    for n in 0..4_000 {
        let _ = writeln!(text, "[secrets.k{n:04}_key]");
    }
    let found = diagnostics(&text);
    assert_eq!(found.len(), 101);
    assert_eq!(
        found[0].1,
        "environment `development` has rules for `x0000_key`, which is not declared"
    );
    assert_eq!(
        found[100].1,
        "and 3900 more problems, not shown: fix these first"
    );
    let error = parse(&text).expect_err("refused");
    assert_eq!(
        error.diagnostics[0].help.as_deref(),
        Some("did you mean `k0000_key`?")
    );
}

#[test]
fn a_check_bounds_each_problem_and_the_control_characters_it_tells() {
    use std::fmt::Write as _;
    // A thirty-third adversarial pass: 2,000 tabs below a 100 KB key wrote 200 MB of
    // errors (each naming the whole path, none counted against the 100), and 150 bad
    // variable names of a 262 KB key wrote 26 MB (each quoting it).
    let key = format!("k{}", "a".repeat(100_000));
    let mut text = format!("version = 1\n[secrets.{key}]\n");
    for n in 0..2_000 {
        let _ = writeln!(text, "x{n} = \"\\t\"");
    }
    let error = parse(&text).expect_err("refused");
    assert_eq!(error.diagnostics.len(), 101);
    assert!(
        error.to_string().len() < 64 * 1024,
        "{}",
        error.to_string().len()
    );
    assert!(
        error.diagnostics[0].message.starts_with("`secrets.kaaaa")
            && error.diagnostics[0]
                .message
                .contains("….x0` holds a control character"),
        "{}",
        &error.diagnostics[0].message[..200.min(error.diagnostics[0].message.len())]
    );
    assert_eq!(
        error.diagnostics[100].message,
        "and 1900 more problems, not shown: fix these first"
    );
    // (A key that long is now refused alone: an environment's rules quote theirs.)
    let key = format!("k{}", "a".repeat(100));
    let environment = format!("e{}", "a".repeat(262_144));
    let mut text = format!("version = 1\n[environments.{environment}]\nsources = [\"env\"]\n");
    for n in 0..150 {
        let _ = write!(
            text,
            "[environments.{environment}.secrets.{key}{n}]\nrequired = true\n"
        );
    }
    let error = parse(&text).expect_err("refused");
    assert_eq!(error.diagnostics.len(), 101);
    assert!(
        error
            .diagnostics
            .iter()
            .all(|d| d.message.chars().count() <= 1025),
        "a message is at most 1,024 characters and `…`"
    );
}

#[test]
fn a_setting_holds_at_most_4096_bytes_of_text() {
    // A thirty-fourth adversarial pass: an 800 KB `dir`, copied into what each of 2,000
    // secrets read, made `check` take 9.4 GB.
    let dir = format!("d{}", "/.".repeat(400_000));
    let text = format!(
        "version = 1\n[sources.f]\ntype = \"files\"\ndir = \"{dir}\"\n[environments.development]\nsources = [\"f\"]\n[secrets.a]\n"
    );
    let found = diagnostics(&text);
    assert_eq!(
        found,
        [(
            4,
            "`sources.f.dir` is 800001 bytes long: a setting of the manifest holds at most 4096"
                .to_owned()
        )]
    );
    let text = format!(
        "version = 1\n[secrets.a]\ndescription = \"{}\"\n",
        "d".repeat(4096)
    );
    assert!(parse(&text).is_ok(), "{:?}", parse(&text).err());
    // A files source's `dir` is in every secret's place: bounded as a vault source's.
    let found = diagnostics(&format!(
        "version = 1\n[sources.f]\ntype = \"files\"\ndir = \"{}\"\n[secrets.a]\n",
        "d".repeat(1025)
    ));
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "files source `f`: `dir` is 1025 bytes long: at most 1024"),
        "{found:?}"
    );
}

#[test]
fn a_secret_key_is_at_most_128_bytes() {
    // A thirty-fifth adversarial pass: a 100 KB key, named 800 times in a Vault `path`,
    // took 19 s and 494 MB to check.
    let text = format!(
        "version = 1\n[sources.vault]\ntype = \"vault\"\npath = \"{}\"\n[secrets.{}]\n",
        "{key}".repeat(800),
        "a".repeat(100_000)
    );
    let found = diagnostics(&text);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].1.contains("hold 4011 bytes together"),
        "{}",
        found[0].1
    );
    assert!(
        found[1].1.ends_with("`path` uses `{key}` more than once"),
        "{}",
        found[1].1
    );
    assert!(
        found[2]
            .1
            .ends_with("is 100000 bytes long: a key is at most 128"),
        "{}",
        found[2].1
    );
    assert!(parse(&format!("version = 1\n[secrets.{}]\n", "a".repeat(128))).is_ok());
}

#[test]
fn the_one_place_check_reports_within_the_cap_and_a_place_is_bounded() {
    use std::fmt::Write as _;

    // A thirty-seventh adversarial pass: 20,000 secrets over one Vault path made 19,999
    // problems (the cap was bypassed), and four 4 KiB settings made every place 12 KB.
    let mut text = "version = 1\n[sources.vault]\ntype = \"vault\"\npath = \"shared\"\n".to_owned();
    for n in 0..2_000 {
        let _ = writeln!(text, "[secrets.k{n:06}]");
    }
    let found = diagnostics(&text);
    assert_eq!(found.len(), 101, "{:?}", &found[..3]);
    assert!(
        found[..100]
            .iter()
            .all(|(_, m)| m.contains("both read vault:secret/data/shared#value"))
    );
    assert_eq!(
        found[100].1,
        "and 1899 more problems, not shown: fix these first"
    );

    let long = "p".repeat(400);
    let found = diagnostics(&format!(
        "version = 1\n[sources.vault]\ntype = \"vault\"\nmount = \"{long}\"\nnamespace = \"{long}\"\npath = \"{long}/{{key}}\"\n"
    ));
    assert!(
        found.iter().any(|(_, m)| m
            == "vault source `vault`: its `mount`, `namespace`, `path` and `field` hold 1211 bytes together: at most 1024"),
        "{found:?}"
    );
    let found = diagnostics(&format!(
        "version = 1\n[app]\nname = \"{}\"\n",
        "a".repeat(129)
    ));
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "`[app] name` is 129 bytes long: at most 128"),
        "{found:?}"
    );
}

#[test]
fn what_every_secrets_place_holds_is_bounded_for_every_kind() {
    // A thirty-eighth adversarial pass: an exec command of 500 arguments of 4 KB, a
    // vault_lease source listing 32,000 secrets and 256 sources in 8 chains made the
    // one-place check take from 19 s to a minute.
    let command = format!("[\"./provider\", {}]", vec!["\"xxxx\""; 1200].join(", "));
    let found = diagnostics(&format!(
        "version = 1\n[sources.p]\ntype = \"exec\"\ncommand = {command}\n"
    ));
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "exec source `p`: `command` holds 4810 bytes in all: at most 4096"),
        "{found:?}"
    );
    let listed: Vec<String> = (0..65).map(|n| format!("k{n} = \"f{n}\"")).collect();
    let declared: String = (0..65)
        .map(|n| format!("[secrets.k{n}]\n"))
        .collect::<Vec<_>>()
        .concat();
    let found = diagnostics(&format!(
        "version = 1\n[sources.db]\ntype = \"vault_lease\"\npath = \"database/creds/app\"\nsecrets = {{ {} }}\n{declared}",
        listed.join(", ")
    ));
    assert!(
        found.iter().any(|(_, m)| m
            == "vault_lease source `db` lists 65 secrets: a lease answers a few fields, at most 64"),
        "{found:?}"
    );
    let sources: String = (0..256)
        .map(|n| format!("[sources.s{n}]\ntype = \"env\"\n"))
        .collect::<Vec<_>>()
        .concat();
    let chain = (0..256)
        .map(|n| format!("\"s{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let secrets: String = (0..16_000)
        .map(|n| format!("[secrets.k{n}]\n"))
        .collect::<Vec<_>>()
        .concat();
    let found = diagnostics(&format!(
        "version = 1\n{sources}[environments.development]\nsources = [{chain}]\n{secrets}"
    ));
    assert!(
        found.iter().any(|(_, m)| m.starts_with(
            "the environments' chains, and the sources `import --from-source` may name, ask for 4096000 places (sources × secrets, in each environment): at most 4000000"
        )),
        "{found:?}"
    );
}

#[test]
fn a_secrets_env_list_and_an_aws_field_are_bounded() {
    // A thirty-ninth adversarial pass: 20,000 env names over 256 sources, and 4,000-byte
    // AWS fields in 256 sources, made the one-place check take 15 s and 30 s.
    let names = (0..65)
        .map(|n| format!("\"NAME_{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let found = diagnostics(&format!("version = 1\n[secrets.k]\nenv = [{names}]\n"));
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "secret `k` lists 65 names in `env`: at most 64"),
        "{found:?}"
    );
    let found = diagnostics(&format!(
        "version = 1\n[sources.sm]\ntype = \"aws_secrets_manager\"\nname = \"app\"\nfield = \"{}\"\n",
        "f".repeat(1025)
    ));
    assert!(
        found.iter().any(|(_, m)| m
            == "aws_secrets_manager source `sm`: `field` is 1025 bytes long: at most 1024"),
        "{found:?}"
    );
    let found = diagnostics(&format!(
        "version = 1\n[sources.ps]\ntype = \"aws_parameter_store\"\nname = \"/{}/{{key}}\"\n",
        "p".repeat(1010)
    ));
    assert!(
        found
            .iter()
            .any(|(_, m)| m.ends_with("AWS names one of at most 1011")),
        "{found:?}"
    );
}

#[test]
fn a_dotenv_source_lists_at_most_64_files_each_once() {
    // A forty-fifth adversarial pass: 4,000 listings of one missing file and 1,000
    // secrets took 2.3 GB and over a minute (each absent secret names each file).
    let files = (0..65)
        .map(|n| format!("\"f{n}.env\""))
        .collect::<Vec<_>>()
        .join(", ");
    let found = diagnostics(&format!(
        "version = 1\n[sources.d]\ntype = \"dotenv\"\nfiles = [{files}]\n"
    ));
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "dotenv source `d` lists 65 files; at most 64"),
        "{found:?}"
    );
    let found = diagnostics(
        "version = 1\n[sources.d]\ntype = \"dotenv\"\nfiles = [\".env\", \"b.env\", \".env\"]\n",
    );
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "dotenv source `d` lists a file twice"),
        "{found:?}"
    );
}

#[test]
fn an_environments_dotenv_listings_are_bounded_and_each_file_is_listed_once_however_spelt() {
    // A forty-sixth adversarial pass: the 64-file bound was each source's, and "each
    // once" compared spellings: 256 sources each listing `.env`, `./.env`, `././.env`...
    // took minutes a `check` (hours over a 16 MiB file).
    let found = diagnostics(
        "version = 1\n[sources.d]\ntype = \"dotenv\"\nfiles = [\".env\", \"./.env\"]\n\
         [environments.development]\nsources = [\"d\"]\n[secrets.k]\n",
    );
    assert!(
        found
            .iter()
            .any(|(_, m)| m == "dotenv source `d` lists one file twice, as .env and as ./.env"),
        "{found:?}"
    );
    let files: Vec<String> = (0..13).map(|f| format!("\"e{f}.env\"")).collect();
    let sources: String = (0..5)
        .map(|n| {
            format!(
                "[sources.d{n}]\ntype = \"dotenv\"\nfiles = [{}]\n",
                files.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .concat();
    let chain: Vec<String> = (0..5).map(|n| format!("\"d{n}\"")).collect();
    let found = diagnostics(&format!(
        "version = 1\n{sources}[environments.development]\nsources = [{}]\n[secrets.k]\n",
        chain.join(", ")
    ));
    assert!(
        found.iter().any(|(_, m)| m
            == "environment `development` reads 65 .env files through its dotenv sources; at most 64 in all"),
        "{found:?}"
    );
    // 52 in all are read.
    let manifest = parse(&format!(
        "version = 1\n{sources}[environments.development]\nsources = [{}]\n[secrets.k]\n",
        chain[..4].join(", ")
    ));
    assert!(manifest.is_ok(), "{manifest:?}");
}
