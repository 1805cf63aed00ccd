//! `import`: planning, copying with check-and-set, fingerprints, settings left behind, and its audit lines.

use super::*;

#[test]
fn import_plans_copies_once_and_a_rerun_changes_nothing() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let values = [
        "dev-api-key-0123456789",
        "dev-secret-key-0123456789abcdef0123456789",
        "dev-redis-pw",
    ];

    let plan = app.run(
        &bao,
        &[
            "--env",
            "production",
            "import",
            "--from",
            "development",
            "--dry-run",
        ],
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains("(dry run: nothing is written)"),
        "{}",
        plan.all()
    );
    for key in ["api_key", "secret_key", "redis_password"] {
        assert!(
            plan.stdout
                .lines()
                .any(|line| line.starts_with(key) && line.contains("create")),
            "{key}: {}",
            plan.all()
        );
    }
    assert!(
        plan.stdout
            .lines()
            .any(|l| l.starts_with("debug_mode") && l.contains("setting")),
        "a setting is not copied (issue 25, item 19): {}",
        plan.all()
    );
    assert!(
        plan.stdout.contains("left out 1 setting (sensitive = false), whose values belong to each environment: debug_mode; name one with --only to copy it"),
        "{}",
        plan.all()
    );
    assert_no_value(&plan, &values);
    assert_eq!(stored(&bao, "production/api_key"), None, "a dry run wrote");

    let done = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(done.code, 0, "{}", done.all());
    assert_no_value(&done, &values);
    assert_eq!(
        stored(&bao, "production/api_key"),
        Some(("dev-api-key-0123456789".to_owned(), 1))
    );
    assert_eq!(app.run(&bao, &["--env", "production", "check"]).code, 0);

    let again = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again
            .stdout
            .lines()
            .filter(|l| l.contains(" same "))
            .count()
            == 3,
        "{}",
        again.all()
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap().1,
        1,
        "no new version"
    );
}

#[test]
fn import_of_some_keys_from_one_source_shows_fingerprints_and_audits_each_write() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let values = [
        "dev-api-key-0123456789",
        "dev-secret-key-0123456789abcdef0123456789",
        "dev-redis-pw",
    ];
    let audit_key = [(
        "SECRETARY_AUDIT_KEY",
        "b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ",
    )];
    let plan = app.run_with(
        &bao,
        &import_args(&["--dry-run", "--format", "json"]),
        None,
        &audit_key,
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_no_value(&plan, &values);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["fingerprints"], "SECRETARY_AUDIT_KEY");
    let items = json["items"].as_array().unwrap();
    let keys: Vec<&str> = items.iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["api_key", "secret_key"], "only the keys asked for");
    for item in items {
        assert_eq!(item["action"], "create", "{item}");
        assert!(
            item["from_fingerprint"]
                .as_str()
                .unwrap()
                .starts_with("hmac-sha256:"),
            "{item}"
        );
        assert!(
            item["from"].as_str().unwrap().starts_with("dotenv:"),
            "{item}"
        );
    }
    assert_eq!(stored(&bao, "production/api_key"), None, "a dry run wrote");

    let log = app.path().join("audit.log");
    let done = app.run_with(
        &bao,
        &import_args(&["--audit-log", log.to_str().unwrap()]),
        None,
        &audit_key,
    );
    assert_eq!(done.code, 0, "{}", done.all());
    assert_eq!(
        stored(&bao, "production/api_key"),
        Some(("dev-api-key-0123456789".to_owned(), 1))
    );
    assert!(stored(&bao, "production/secret_key").is_some());
    assert_eq!(
        stored(&bao, "production/redis_password"),
        None,
        "a key not in --only was written"
    );
    let text = fs::read_to_string(&log).unwrap();
    for value in values {
        assert!(!text.contains(value), "a value in the audit log");
    }
    let imports: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|line| line["event"] == "import")
        .collect();
    // An intent line for each write first (in manifest order), then each write as it
    // lands, in whatever order the answers come (issue 25, item 4).
    let keys = |intent: bool| -> Vec<&str> {
        let mut keys: Vec<&str> = imports
            .iter()
            .filter(|l| (l["outcome"] == "intent") == intent)
            .map(|l| l["key"].as_str().unwrap())
            .collect();
        if !intent {
            keys.sort_unstable();
        }
        keys
    };
    assert_eq!(keys(true), ["api_key", "secret_key"], "{text}");
    assert_eq!(keys(false), ["api_key", "secret_key"], "{text}");
    for line in imports.iter().filter(|l| l["outcome"] != "intent") {
        assert_eq!(line["outcome"], "ok", "{line}");
    }
}

#[test]
fn an_import_keeps_a_value_that_differs_unless_told_to_overwrite_it() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let first = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(first.code, 0, "{}", first.all());
    // A value that differs is kept unless --overwrite, which updates it.
    fs::write(
        app.path().join(".env"),
        DOTENV.replace("dev-api-key-0123456789", "dev-api-key-9876543210"),
    )
    .unwrap();
    let kept = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert!(
        kept.stdout.contains("--overwrite replaces them"),
        "{}",
        kept.all()
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap(),
        ("dev-api-key-0123456789".to_owned(), 1)
    );
    let json = app.run(
        &bao,
        &[
            "--env",
            "production",
            "import",
            "--from",
            "development",
            "--overwrite",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.code, 0, "{}", json.all());
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["schema_version"], 1);
    let item = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "api_key")
        .unwrap();
    assert_eq!(item["action"], "update");
    assert_ne!(item["from_fingerprint"], item["to_fingerprint"]);
    assert!(
        item["from_fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("hmac-sha256:")
    );
    assert_eq!(
        item["written"],
        "vault:secret/data/production/api_key#value@v2"
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap(),
        ("dev-api-key-9876543210".to_owned(), 2)
    );
}

#[test]
fn import_writes_nothing_when_any_value_breaks_the_target_rules() {
    let bao = OpenBao::start();
    let app = App::new(
        MANIFEST,
        &DOTENV.replace("dev-api-key-0123456789", "change-me-please"),
    );
    let out = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("refused api_key: the value looks like a placeholder"),
        "{}",
        out.all()
    );
    assert!(out.stderr.contains("nothing was written"), "{}", out.all());
    assert_eq!(
        stored(&bao, "production/secret_key"),
        None,
        "written despite a refusal"
    );
    assert_no_value(&out, &["change-me-please"]);
}

#[test]
fn an_import_that_fails_part_way_says_what_was_written_and_a_rerun_finishes() {
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    // A token that may do everything but write redis_password.
    let policy = app.path().join("partial.hcl");
    fs::write(
        &policy,
        "path \"secret/data/production/*\" { capabilities = [\"create\", \"read\", \"update\"] }\n\
         path \"secret/data/production/redis_password\" { capabilities = [\"read\"] }\n",
    )
    .unwrap();
    bao.bao(&["policy", "write", "partial", policy.to_str().unwrap()]);
    let token = bao.bao(&["token", "create", "-policy=partial", "-field=token"]);
    let out = app.run_with(
        &bao,
        &["--env", "production", "import", "--from", "development"],
        None,
        &[("VAULT_TOKEN", &token)],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("api_key") && l.contains("create (done)")),
        "{}",
        out.all()
    );
    // With what a write needs, as `put` says it, and a re-run promised only once that
    // is fixed (a seventy-fifth adversarial pass: "run it again" repeated the 403).
    assert!(
        out.stdout
            .lines()
            .any(|line| line.starts_with("not written redis_password")
                && line.contains("(fix: ")
                && line.contains("create")),
        "{}",
        out.all()
    );
    // With the version each write made, as `--format json` gives it (a sixty-third
    // adversarial pass).
    assert!(
        out.stdout
            .contains("wrote api_key: vault:secret/data/production/api_key#value@v1"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("2 written, 1 not written"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr
            .contains("once what stopped them is fixed, run the same command again to finish"),
        "{}",
        out.all()
    );
    assert_eq!(stored(&bao, "production/redis_password"), None);
    // A refused write asks for the permissions a write needs, not for `read` (issue 25,
    // item 18).
    let put = app.run_with(
        &bao,
        &["--env", "production", "put", "redis_password"],
        Some("a-new-redis-password-0123\n"),
        &[("VAULT_TOKEN", &token)],
    );
    assert_eq!(put.code, 1, "{}", put.all());
    assert!(
        put.stderr
            .contains("a policy that allows `create` and `update` on this path"),
        "{}",
        put.all()
    );
    assert_eq!(stored(&bao, "production/redis_password"), None);

    let rerun = app.run(
        &bao,
        &["--env", "production", "import", "--from", "development"],
    );
    assert_eq!(rerun.code, 0, "{}", rerun.all());
    assert!(
        rerun
            .stdout
            .lines()
            .any(|l| l.starts_with("api_key") && l.contains("same")),
        "{}",
        rerun.all()
    );
    assert!(
        rerun
            .stdout
            .lines()
            .any(|l| l.starts_with("redis_password") && l.contains("create (done)")),
        "{}",
        rerun.all()
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap().1,
        1,
        "not written twice"
    );
}

#[test]
fn import_records_every_value_it_reads_and_each_write_with_its_intent() {
    // import, --dry-run included, read the source environment and every target path
    // without a line in the audit log (issue 25, item 5).
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    bao.bao(&[
        "kv",
        "put",
        "-mount=secret",
        "production/redis_password",
        "value=prod-redis-pw-1",
    ]);
    let lines = |name: &str| -> Vec<serde_json::Value> {
        fs::read_to_string(app.path().join(name))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    let args = |log: &'static str, dry: bool| {
        let mut args = vec![
            "--audit-log",
            log,
            "--env",
            "production",
            "import",
            "--from",
            "development",
        ];
        if dry {
            args.push("--dry-run");
        }
        args
    };
    let out = app.run(&bao, &args("dry.log", true));
    assert_eq!(out.code, 0, "{}", out.all());
    let dry = lines("dry.log");
    let reads = |log: &[serde_json::Value], key: &str| -> Vec<String> {
        log.iter()
            .filter(|line| line["event"] == "import_read" && line["key"] == key)
            .map(|line| line["locator"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(reads(&dry, "api_key"), ["dotenv:.env:1"], "{dry:?}");
    assert_eq!(
        reads(&dry, "redis_password"),
        [
            "dotenv:.env:3",
            "vault:secret/data/production/redis_password#value@v1"
        ],
        "the target's value is read too: {dry:?}"
    );
    // Each read in the name of the environment it was read in.
    for line in &dry {
        let expected = if line["locator"].as_str().unwrap_or("").starts_with("vault:") {
            "production"
        } else {
            "development"
        };
        assert_eq!(line["environment"], expected, "{line}");
        // Each names the source it was read from (the target's was empty).
        assert_ne!(line["source"], "", "{line}");
    }
    assert!(
        dry.iter().all(|line| line["event"] == "import_read"),
        "a dry run writes nothing: {dry:?}"
    );
    assert!(
        !fs::read_to_string(app.path().join("dry.log"))
            .unwrap()
            .contains("dev-api-key")
    );

    let out = app.run(&bao, &args("real.log", false));
    assert_eq!(out.code, 0, "{}", out.all());
    let real = lines("real.log");
    for key in ["api_key", "secret_key"] {
        let events: Vec<(&str, &str)> = real
            .iter()
            .filter(|line| line["key"] == key && line["event"] == "import")
            .map(|line| {
                (
                    line["outcome"].as_str().unwrap(),
                    line["locator"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(events.len(), 2, "{key}: {real:?}");
        assert_eq!(events[0], ("intent", ""), "{key}: the intent comes first");
        assert_eq!(events[1].0, "ok");
        assert!(
            events[1]
                .1
                .starts_with(&format!("vault:secret/data/production/{key}#value@v"))
        );
    }
}

#[test]
fn import_leaves_settings_behind_unless_named() {
    // import copied development's DEBUG=true into production's Vault (issue 25, item 19):
    // a setting's value is the environment's own.
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, &format!("{DOTENV}DEBUG_MODE=true\n"));
    let log = "audit.log";
    let out = app.run(
        &bao,
        &[
            "--audit-log",
            log,
            "--env",
            "production",
            "import",
            "--from",
            "development",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("left out 1 setting"), "{}", out.all());
    assert_eq!(
        stored(&bao, "production/debug_mode"),
        None,
        "a setting was copied"
    );
    assert!(stored(&bao, "production/api_key").is_some());
    let text = fs::read_to_string(app.path().join(log)).unwrap();
    assert!(
        !text.contains("\"debug_mode\""),
        "a setting left out was read: {text}"
    );

    let out = app.run(
        &bao,
        &[
            "--env",
            "production",
            "import",
            "--from",
            "development",
            "--only",
            "debug_mode",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(!out.stdout.contains("left out"), "{}", out.all());
    assert_eq!(
        stored(&bao, "production/debug_mode"),
        Some(("true".to_owned(), 1)),
        "named with --only, it is copied"
    );
}

#[test]
fn import_copies_no_value_built_from_others_and_gives_no_verdict_on_it() {
    // A sixty-fourth adversarial pass: `import --dry-run` checked a value development
    // built by a template (`http://h:{pw}/`) against production's rules, on the value:
    // `refused` (an invalid port) or `create` told something of `pw`, in words each
    // environment's template chooses. A built value is not copied (`built`), whatever
    // its inputs hold.
    let bao = OpenBao::start();
    let manifest = "version = 1\n\
        [sources.env]\ntype = \"env\"\n\
        [sources.vault]\ntype = \"vault\"\n\
        [environments.development]\nsources = [\"env\"]\n\
        [environments.development.secrets.probe]\ntemplate = \"http://h:{pw}/\"\n\
        [environments.production]\nsources = [\"vault\"]\n\
        [secrets.pw]\nenv = [\"PW\"]\n\
        [secrets.probe]\ntype = \"url\"\n";
    let app = App::new(manifest, "");
    let mut said = Vec::new();
    for pw in ["8080", "Zq7-canary-Kp2"] {
        let out = app.run_with(
            &bao,
            &[
                "--env",
                "production",
                "import",
                "--from",
                "development",
                "--dry-run",
            ],
            None,
            &[("PW", pw)],
        );
        assert_eq!(out.code, 0, "{pw}: {}", out.all());
        assert!(
            out.stdout
                .lines()
                .any(|line| line.starts_with("probe") && line.contains("built")),
            "{}",
            out.all()
        );
        assert!(
            out.stdout
                .contains("not copied probe: its value is built from others"),
            "{}",
            out.all()
        );
        assert_no_value(&out, &[pw]);
        said.push(
            out.stdout
                .lines()
                .filter(|line| line.starts_with("probe"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    assert_eq!(said[0], said[1], "the verdict differs with the value");
}

#[test]
fn import_neither_reads_nor_writes_what_the_target_builds_by_a_template() {
    // A sixty-sixth adversarial pass: production builds `url` by a template, and
    // `import` wrote development's value to production's Vault, where nothing reads it.
    let bao = OpenBao::start();
    let manifest = "version = 1\n\
        [sources.env]\ntype = \"env\"\n\
        [sources.vault]\ntype = \"vault\"\n\
        [sources.db]\ntype = \"vault_lease\"\npath = \"database/creds/app\"\nsecrets = { dbuser = \"username\" }\n\
        [environments.development]\nsources = [\"env\"]\n\
        [environments.production]\nsources = [\"db\", \"vault\"]\n\
        [environments.fallback]\nsources = [\"db\", \"vault\"]\non_source_error = \"next\"\n\
        [environments.production.secrets.url]\ntemplate = \"http://h/{pw}\"\n\
        [secrets.pw]\nenv = [\"PW\"]\n\
        [secrets.dbuser]\nenv = [\"DBUSER\"]\n\
        [secrets.url]\nenv = [\"URL\"]\n";
    let app = App::new(manifest, "");
    let log = "audit.log";
    for only in [None, Some("url")] {
        let mut args = vec![
            "--audit-log",
            log,
            "--env",
            "production",
            "import",
            "--from",
            "development",
        ];
        args.extend(only.map(|key| ["--only", key]).into_iter().flatten());
        let out = app.run_with(
            &bao,
            &args,
            None,
            &[
                ("PW", "pw-Zq7"),
                ("URL", "http://h/dev-Kp2"),
                ("DBUSER", "user-Xw4"),
            ],
        );
        assert_eq!(out.code, 0, "{only:?}: {}", out.all());
        assert!(
            out.stdout
                .lines()
                .any(|line| line.starts_with("url") && line.contains("templated")),
            "{}",
            out.all()
        );
        assert!(
            out.stdout.contains(
                "not copied url: environment `production` builds it by a template, so a value written would never be read"
            ),
            "{}",
            out.all()
        );
        assert_eq!(stored(&bao, "production/url"), None, "{only:?}: written");
        assert_no_value(&out, &["pw-Zq7", "dev-Kp2", "user-Xw4"]);
    }
    assert!(
        stored(&bao, "production/pw").is_some(),
        "its input is copied"
    );
    // Issued with a lease in production: neither read nor copied either.
    let out = app.run(
        &bao,
        &[
            "--env",
            "production",
            "import",
            "--from",
            "development",
            "--dry-run",
        ],
    );
    assert!(
        out.stdout.contains(
            "not copied dbuser: environment `production` has it issued with a lease, so a value written would never be read"
        ),
        "{}",
        out.all()
    );
    assert_eq!(stored(&bao, "production/dbuser"), None);
    // Where a failed lease source falls through to Vault, what is written there is
    // read while it fails: a break-glass value (a sixty-ninth adversarial pass).
    let out = app.run_with(
        &bao,
        &["--env", "fallback", "put", "dbuser"],
        Some("break-glass"),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(
        stored(&bao, "fallback/dbuser")
            .map(|(value, _)| value)
            .as_deref(),
        Some("break-glass")
    );
    let text = fs::read_to_string(app.path().join(log)).unwrap();
    assert!(!text.contains("\"url\""), "read: {text}");
}
