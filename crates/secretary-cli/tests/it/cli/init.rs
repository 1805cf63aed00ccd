//! The command line's tests: init.

use super::*;

/// `secretary init ARGS` in `dir`, with a clean environment.
fn init(dir: &Path, args: &[&str]) -> Outcome {
    run(Command::from_std(support::secretary_in(dir))
        .arg("init")
        .args(args))
}

/// `secretary ARGS` in `dir`, with a clean environment.
fn secretary(dir: &Path, args: &[&str]) -> Outcome {
    run(Command::from_std(support::secretary_in(dir)).args(args))
}

#[test]
fn init_from_the_reference_template_passes_check_on_it() {
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    project.file(
        ".env.example",
        &fs::read_to_string(Path::new(EXAMPLE_DIR).join(".env.example")).unwrap(),
    );
    let out = init(project.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "wrote secrets.toml: 14 secrets from .env.example (11 sensitive, 4 required); no value but the defaults of the others\n\
         next: read it through (types, sensitive, required, defaults, aliases), then `secretary check`\n"
    );
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    // The application is named after its directory, a temporary one here.
    insta::with_settings!({ filters => vec![(r#"name = "tmp[A-Za-z0-9_]+""#, r#"name = "[directory]""#)] }, {
        insta::assert_snapshot!("init_reference_template", manifest);
    });
    let check = secretary(project.path(), &["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert_eq!(
        check.stdout,
        "ok: 14 secrets valid in environment `development` (secrets.toml): 6 set, 8 optional not set\n"
    );
    // Production asks Vault first, and refuses the template's placeholders.
    let production = secretary(project.path(), &["list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&production.stdout).unwrap();
    let production = json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "production")
        .unwrap();
    assert_eq!(production["sources"], serde_json::json!(["vault", "env"]));
    assert_eq!(production["forbid_placeholders"], true);

    // Refused a second time: the manifest is kept as it was.
    let again = init(project.path(), &[]);
    assert_eq!(again.code, 2);
    assert_eq!(
        again.stderr,
        "error: secrets.toml exists already; init never writes over it\n  help: move it away first, or write the new one elsewhere (--output FILE) and compare\n"
    );
    assert_eq!(
        fs::read_to_string(project.path().join("secrets.toml")).unwrap(),
        manifest
    );
}

#[test]
fn init_from_the_reference_dotenv_types_its_values_and_writes_none() {
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let dotenv = fs::read_to_string(Path::new(EXAMPLE_DIR).join(".env")).unwrap();
    project.file(".env", &dotenv);
    let out = init(project.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    for value in [
        "dev-only-password",
        "dev-only-signing-key",
        "dev-only-redis",
        "faceless_dev",
    ] {
        assert!(!manifest.contains(value), "{value} in\n{manifest}");
    }
    assert!(
        manifest.contains(
            "[secrets.database_url]\n# from .env:7\nrequired = true\ntype = \"url\"\nschemes = [\"postgresql\", \"postgres\"]\n"
        ),
        "{manifest}"
    );
    // A `.env` holds one machine's settings, not defaults: DEBUG=true there is no default.
    assert!(
        manifest.contains("[secrets.debug]\n# from .env:4\nrequired = true\nsensitive = false\ntype = \"bool\"\n\n"),
        "{manifest}"
    );
    let check = secretary(project.path(), &["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

#[test]
fn init_reads_tricky_files_and_the_result_checks() {
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    project.file(
        "config/app.env.example",
        "# Greeting shown on the home page\n\
         GREETING_NAME=\"say \\\"hi\\\"\nthen 'bye' \\\\ done\"\n\
         export APP_PORT=8080\n\
         EMPTY=\n\
         LOG_LEVEL=info\n\
         LOG_LEVEL=warning\n\
         DbUrl='postgresql://db/app'\n\
         db_url=redis://cache:6379/0\n\
         _2FA_ISSUER=Example\n\
         APP.NAME=x\n\
         VAULT_ADDR=http://127.0.0.1:8200\n\
         # API_KEY=CANARYcommented\n\
         API_KEY=CANARYapikey123\n\
         FEATURE_FLAGS=a,b\n",
    );
    let out = init(
        project.path(),
        &[
            "--from",
            "config/app.env.example",
            "--output",
            "deploy/secrets.toml",
        ],
    );
    // The output's directory does not exist: said, nothing written.
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("cannot write deploy/secrets.toml"),
        "{}",
        out.stderr
    );
    fs::create_dir(project.path().join("deploy")).unwrap();
    let out = init(
        project.path(),
        &[
            "--from",
            "config/app.env.example",
            "--output",
            "deploy/secrets.toml",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stderr,
        "warning: config/app.env.example:11: `APP.NAME` not declared: not a valid environment variable name (letters, digits and `_`), so no secret can read it\n\
         warning: config/app.env.example:12: `VAULT_ADDR` not declared: secretary reads it itself (Vault's settings, its own); declare it by hand if the application reads it too\n\
         note: the comments above GREETING_NAME, API_KEY were not copied as descriptions: a comment may hold a value; write each secret's `description` in the manifest yourself\n"
    );
    let manifest = fs::read_to_string(project.path().join("deploy/secrets.toml")).unwrap();
    assert!(!manifest.contains("CANARY"), "{manifest}");
    insta::assert_snapshot!(
        "init_tricky",
        manifest
            .split("\n[secrets.")
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n[secrets.")
    );
    // The files are listed from the manifest's directory.
    assert!(
        manifest.contains("files = [\"../config/app.env.example\"]"),
        "{manifest}"
    );
    let check = secretary(
        project.path(),
        &["--manifest", "deploy/secrets.toml", "check"],
    );
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    // A template's value of several lines is no default: the manifest's text takes no
    // newline (a twenty-seventh adversarial pass wrote assignments into `example`'s
    // template through one). The secret is required instead, and the file still sets it.
    assert!(
        !manifest.contains("say \"hi\""),
        "a multi-line value became a default: {manifest}"
    );
    let get = secretary(
        project.path(),
        &["--manifest", "deploy/secrets.toml", "get", "greeting_name"],
    );
    assert_eq!(get.code, 0, "{}", get.stderr);
    assert_eq!(get.stdout, "say \"hi\"\nthen 'bye' \\ done");
}

#[test]
fn init_refuses_what_it_cannot_read_or_must_not_write() {
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let none = init(project.path(), &[]);
    assert_eq!(none.code, 2);
    assert_eq!(
        none.stderr,
        "error: no .env or .env.example in this directory\n  help: name the application's files: secretary init --from FILE\n"
    );
    let missing = init(project.path(), &["--from", "nope.env"]);
    assert_eq!(missing.code, 2);
    assert_eq!(missing.stderr, "error: cannot read nope.env: not found\n");

    project.file(
        ".env",
        "GOOD=1\nthis line CANARYbroken has no equals\nBAD='CANARYquote\n",
    );
    let malformed = init(project.path(), &[]);
    assert_eq!(malformed.code, 2);
    assert!(
        malformed
            .stderr
            .starts_with("error: .env has 2 malformed lines: line 2:"),
        "{}",
        malformed.stderr
    );
    assert!(!malformed.stderr.contains("CANARY"), "{}", malformed.stderr);
    assert!(!project.path().join("secrets.toml").exists());

    project.file(".env", "# only a comment\n");
    let empty = init(project.path(), &[]);
    assert_eq!(empty.code, 2);
    assert_eq!(empty.stderr, "error: no variable to declare in .env\n");

    // A link at the output, even to nothing, is never written through.
    project.file(".env", "A_TOKEN=CANARYtoken123\n");
    std::os::unix::fs::symlink("elsewhere.toml", project.path().join("secrets.toml")).unwrap();
    let link = init(project.path(), &[]);
    assert_eq!(link.code, 2, "{}", link.stderr);
    assert!(!project.path().join("elsewhere.toml").exists());

    // To stdout: the manifest and nothing else; no value in it.
    let shown = init(project.path(), &["--output", "-"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown
            .stdout
            .starts_with("# The secrets of this application"),
        "{}",
        shown.stdout
    );
    assert!(
        shown
            .stdout
            .ends_with("[secrets.a_token]\n# from .env:1\nrequired = true\n"),
        "{}",
        shown.stdout
    );
    assert!(!shown.stdout.contains("CANARY"));
    // init takes no manifest option.
    let global = init(project.path(), &["--env", "production"]);
    assert_eq!(global.code, 2);
}

#[test]
fn init_output_holds_no_canary() {
    use std::fmt::Write as _;
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let mut dotenv = String::from("# The reference application's values, canaries all\n");
    for (_, name, value) in canaries() {
        writeln!(dotenv, "{name}='{value}'").unwrap();
    }
    project.file(".env", &dotenv);
    for args in [vec!["--output", "-"], vec![]] {
        let out = init(project.path(), &args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_clean(&format!("init {args:?}"), &out.stdout, None);
        assert_clean(&format!("init {args:?}"), &out.stderr, None);
    }
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    assert_clean("init's manifest", &manifest, None);
    // From a template, whose values of settings that are not secret become defaults.
    project.file(".env.example", &dotenv);
    let template = init(project.path(), &["--from", ".env.example", "--output", "-"]);
    assert_eq!(template.code, 0, "{}", template.stderr);
    assert_clean("init from a template", &template.stdout, None);
    assert_eq!(manifest.matches("\n[secrets.").count(), canaries().len());
    project.file(".env", &format!("{dotenv}BROKEN CANARYb2user\n"));
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let broken = init(project.path(), &[]);
    assert_eq!(broken.code, 2);
    assert_clean("init of a broken .env", &broken.stderr, None);
}

#[test]
fn init_recognises_a_sops_file_and_the_manifest_it_writes_reads_it_in_production() {
    let sops = secretary_test_support::Sops::new();
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let canary = "canary-sops-Pa55w0rd-9f1c";
    sops.write(
        &project.path().join("secrets.enc.env"),
        &format!("# the database password\nDATABASE_PASSWORD={canary}\nLOG_LEVEL=info\n"),
        "dotenv",
    );
    let out = init(project.path(), &["--from", "secrets.enc.env"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        !out.stderr.contains("sops_"),
        "sops's metadata is no variable: {}",
        out.stderr
    );
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    assert!(
        manifest.contains("[sources.sops]\ntype = \"sops\"")
            && manifest.contains("file = \"secrets.enc.env\"\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains("sources = [\"sops\", \"env\"]"),
        "production reads the file: {manifest}"
    );
    assert!(
        !manifest.contains("ENC["),
        "no ciphertext, not even as a description: {manifest}"
    );
    assert!(!manifest.contains("sops_"), "{manifest}");
    assert!(
        manifest.contains("[secrets.database_password]\n# from secrets.enc.env:2\nrequired = true"),
        "{manifest}"
    );

    // Production reads it with the user's key; no value is shown.
    let key = sops.key_file();
    let with_key = |args: &[&str]| {
        run(Command::from_std(support::secretary_in(project.path()))
            .env("SOPS_AGE_KEY_FILE", &key)
            .args(args))
    };
    let check = with_key(&["check", "--env", "production"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let status = with_key(&["status", "--env", "production"]);
    assert!(
        status
            .stdout
            .contains("sops:secrets.enc.env#DATABASE_PASSWORD"),
        "{}",
        status.stdout
    );
    for out in [&check, &status] {
        assert!(!format!("{}{}", out.stdout, out.stderr).contains(canary));
    }
    let get = with_key(&["get", "database_password", "--env", "production"]);
    assert_eq!(get.stdout.trim_end(), canary, "{}", get.stderr);

    // Without the key: check fails closed and says what to do.
    let keyless = secretary(project.path(), &["check", "--env", "production"]);
    assert_eq!(keyless.code, 1, "{}{}", keyless.stdout, keyless.stderr);
    let said = format!("{}{}", keyless.stdout, keyless.stderr);
    assert!(
        said.contains("sops found no key to decrypt secrets.enc.env"),
        "{said}"
    );
    assert!(said.contains("SOPS_AGE_KEY_FILE"), "{said}");
    assert!(!said.contains(canary));
}

#[test]
fn init_refuses_a_file_whose_name_a_manifest_cannot_hold() {
    // A twenty-seventh adversarial pass: a `.env` named with a tab was drafted, then
    // called "a bug in secretary" when the draft failed its own check.
    let project = Project::new("");
    project.file(".env.t\tb", "PORT=1\n");
    let out = init(project.path(), &["--from", ".env.t\tb", "--output", "-"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stderr
            .contains(".env.t\\tb cannot be named in a manifest")
            && !out.stderr.contains("a bug in secretary"),
        "{}",
        out.stderr
    );
    // A twenty-eighth: a name that is not UTF-8 was written `.env\u{fffd}`, a file
    // that does not exist; and a bidirectional override, shown reversed.
    let bytes = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b".env\xff");
    fs::write(project.path().join(bytes), "PORT=1\n").unwrap();
    let out = run(Command::from_std(support::secretary_in(project.path()))
        .arg("init")
        .arg("--from")
        .arg(bytes)
        .args(["--output", "-"]));
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stderr.contains("cannot be named in a manifest"),
        "{}",
        out.stderr
    );
    project.file(".env.\u{202e}vne", "PORT=1\n");
    let out = init(
        project.path(),
        &["--from", ".env.\u{202e}vne", "--output", "-"],
    );
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stderr
            .contains(".env.\\u{202e}vne cannot be named in a manifest"),
        "{}",
        out.stderr
    );
}

#[test]
fn init_writes_the_names_the_manifest_lists_never_the_names_as_typed() {
    // A twenty-ninth adversarial pass: `--from 'd\e[2J/../.env'` was called a bug in
    // secretary (its comments held the escape), and a bidirectional override in a
    // directory passed through `..` reached the manifest's comments and the terminal.
    let project = Project::new("");
    project.file(".env", "PORT=8000\nAPI_KEY=k-7f3a9c2e\n");
    for dir in ["d\u{1b}[2J", "e\u{202e}Z"] {
        fs::create_dir_all(project.path().join(dir)).unwrap();
        let typed = format!("{dir}/../.env");
        let out = init(project.path(), &["--from", &typed, "--output", "-"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains("# from .env:1"), "{}", out.stdout);
        for shown in [&out.stdout, &out.stderr] {
            assert!(!shown.contains(['\u{1b}', '\u{202e}']), "{shown:?}");
        }
    }
}

#[test]
fn init_places_files_as_the_kernel_resolves_a_link_then_dot_dot() {
    // A thirtieth adversarial pass: `--output link/../secrets.toml` was written beside
    // the link's target, and listed `.env` as if it were beside the link.
    let project = Project::new("");
    project.file("proj/.env", "API_KEY=k-7f3a9c2e\n");
    fs::create_dir_all(project.path().join("other/deep")).unwrap();
    std::os::unix::fs::symlink("../other/deep", project.path().join("proj/link")).unwrap();
    let out = run(
        Command::from_std(support::secretary_in(&project.path().join("proj"))).args([
            "init",
            "--from",
            ".env",
            "--output",
            "link/../secrets.toml",
        ]),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let written = fs::read_to_string(project.path().join("other/secrets.toml")).unwrap();
    assert!(written.contains("files = [\"../proj/.env\"]"), "{written}");
    let check = run(
        Command::from_std(support::secretary_in(&project.path().join("other"))).args(["check"]),
    );
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

#[test]
fn init_leaves_out_a_variable_whose_name_looks_like_a_secret_and_never_shows_it() {
    // A thirty-third adversarial pass: `ghp_...=1` became `[secrets.ghp_a_b3d...]` with
    // the token in its `env`, committed with the manifest and shown by `list`.
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let github = "ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6";
    let random = "Xk9mQ2vB7nL4pR8tW1zC6yF3hJ5sD0gCANARY7q3z9x";
    project.file(".env", &format!("{github}=1\n{random}=x\nAPI_KEY=abc\n"));
    let out = init(project.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    for name in [github, random] {
        assert!(!manifest.contains(name) && !manifest.contains(&name.to_lowercase()[..12]));
        assert!(
            !out.stdout.contains(name) && !out.stderr.contains(name),
            "{}",
            out.stderr
        );
    }
    assert!(manifest.contains("[secrets.api_key]"), "{manifest}");
    assert!(
        out.stderr
            .contains(".env:1: a variable not declared: its name looks like a GitHub token")
            && out.stderr.contains(
                ".env:2: a variable not declared: its name looks like a high-entropy value"
            ),
        "{}",
        out.stderr
    );
}

#[test]
fn init_says_why_each_variable_was_left_out_when_none_is_declared_and_bounds_names() {
    // A thirty-sixth adversarial pass: with every variable left out, init said only "no
    // variable to declare"; a name longer than a key may be made a manifest that failed
    // its own check, said as a bug in secretary.
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let github = "ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6";
    project.file(".env", &format!("{github}=1\nVAULT_ADDR=http://x\n"));
    let out = init(project.path(), &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "warning: .env:1: a variable not declared: its name looks like a GitHub token: a value written where a name goes; rotate it if it is real, and give the variable a name\n\
         warning: .env:2: `VAULT_ADDR` not declared: secretary reads it itself (Vault's settings, its own); declare it by hand if the application reads it too\n\
         error: no variable to declare in .env (2 left out, each said with why)\n"
    );
    assert!(!project.path().join("secrets.toml").exists());

    let long = format!("DATABASE_{}", "NAME_".repeat(30));
    let longest = format!("VAR_{}", "A".repeat(124));
    let prefixed = format!("_{}", "A".repeat(127));
    project.file(".env", &format!("{long}=1\n{longest}=2\n{prefixed}=3\n"));
    let out = init(project.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            ".env:1: `{}…` not declared: its name is over 128 bytes",
            &long[..64]
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&long), "{}", out.stderr);
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    for name in [&longest, &prefixed] {
        assert!(
            manifest.contains(&format!("env = [\"{name}\"]")),
            "{manifest}"
        );
    }
    let check = secretary(project.path(), &["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

#[test]
fn init_says_to_check_the_manifest_it_wrote() {
    // A thirty-fifth adversarial pass: after `init --output sub/app.toml`, the advice
    // `secretary check` checked another manifest (or found none).
    let project = Project::new("");
    project.file(".env", "API_KEY=abc\n");
    fs::create_dir(project.path().join("sub")).unwrap();
    let out = init(project.path(), &["--output", "sub/app.toml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("then `secretary --manifest sub/app.toml check`"),
        "{}",
        out.stdout
    );
}

#[test]
fn init_writes_nothing_it_could_not_read_back() {
    use std::fmt::Write as _;
    // A fortieth adversarial pass: 200,000 variables were written as a 27 MB manifest,
    // "wrote", and every later command refused it (a manifest holds 16 MiB at most).
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let mut text = String::new();
    // (At most 100,000 assignments a file, since cb57be4: long names make the rest.)
    for n in 0..100_000 {
        writeln!(
            text,
            "WORKER_PORT_OF_THE_BACKGROUND_QUEUE_THAT_SENDS_THE_MAIL_OF_THE_NIGHTLY_REPORTS_NUMBER_{n:06}=8080"
        )
        .unwrap();
    }
    project.file(".env.example", &text);
    let out = init(project.path(), &[]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("over the 16 MiB a manifest may hold (100000 variables)")
            && out.stderr.contains("help: nothing was written"),
        "{}",
        out.stderr
    );
    assert!(!project.path().join("secrets.toml").exists());
}

#[test]
fn init_reads_a_large_value_an_earlier_file_lends_a_later_one() {
    // A forty-seventh adversarial pass: a 17 KB certificate in `.env`, taken by
    // `${CA_PEM}` in `.env.local`, failed the whole `init` (a value from outside a file
    // may insert at most 32 KiB since a77f1ef, and 16 KiB then); `init` reads names,
    // types and comments, which a value's size does not change.
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let pem = "A".repeat(40 * 1024);
    project.file(".env", &format!("CA_PEM=\"{pem}\"\n"));
    project.file(".env.local", "UPSTREAM_CA=\"${CA_PEM}\"\n");
    let out = init(project.path(), &["--from", ".env", "--from", ".env.local"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    assert!(manifest.contains("[secrets.upstream_ca]"), "{manifest}");
    assert!(!manifest.contains(&pem[..64]), "a value was written");
}

#[test]
fn init_of_urls_that_expand_one_password_passes_check() {
    // A sixty-seventh adversarial pass: a primary and a replica URL over one password
    // (and a chain through another line) made a manifest that failed `check` on the
    // very file it came from, one value feeding one secret only.
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    project.file(
        ".env",
        "DB_PASS=Zq7-canary-Kp2\n\
         URL1=postgres://u:${DB_PASS}@primary/app\n\
         URL2=postgres://u:${DB_PASS}@replica/app\n\
         A=${DB_PASS}\nB=${A}\n",
    );
    let out = init(project.path(), &["--from", ".env"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let check = secretary(project.path(), &["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let get = secretary(project.path(), &["get", "url2"]);
    assert_eq!(get.stdout, "postgres://u:Zq7-canary-Kp2@replica/app");
    for out in [&out, &check] {
        assert!(!out.stdout.contains("canary") && !out.stderr.contains("canary"));
    }
}
