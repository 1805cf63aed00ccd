//! Writes through the Vault source as a user makes them: `put` with check-and-set, fields
//! of one path kept, and KV version 1 mounts.

use super::*;

#[test]
fn put_writes_new_versions_with_check_and_set() {
    let bao = OpenBao::start();
    let app = App::example();
    let audit = app.dir.path().join("audit.log");
    let put = |value: &str, extra: &[&str]| {
        let mut cmd = app.cmd(&bao);
        cmd.arg("--audit-log")
            .arg(&audit)
            .args(["--env", "production", "put", "redis_password"])
            .args(extra)
            .write_stdin(value.to_owned());
        run(&mut cmd)
    };
    let out = put("first-value\n", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "wrote vault:secret/data/production/redis_password#value@v1 (version 1)\n"
    );
    assert_eq!(
        bao.bao(&[
            "kv",
            "get",
            "-mount=secret",
            "-field=value",
            "production/redis_password"
        ]),
        "first-value"
    );

    // Someone else writes version 2; a write that expects version 1 must not clobber it.
    bao.kv_put("production/redis_password", &[("value", "their-value")]);
    let out = put("mine", &["--cas", "1"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("check-and-set failed"),
        "{}",
        out.stderr
    );
    assert_eq!(
        bao.bao(&[
            "kv",
            "get",
            "-mount=secret",
            "-field=value",
            "production/redis_password"
        ]),
        "their-value"
    );
    // The audit log has both writes, the version of the first, and neither value.
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(
        !log.contains("first-value") && !log.contains("mine"),
        "{log}"
    );
    let all: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    // Each write's outcome comes after an `intent` line for it (issue 25, item 4).
    assert_eq!(all.len(), 4, "{log}");
    for pair in all.chunks(2) {
        assert_eq!(pair[0]["outcome"], "intent", "{log}");
        assert_eq!(pair[0]["event"], "put", "{log}");
    }
    let lines: Vec<&serde_json::Value> = all.iter().skip(1).step_by(2).collect();
    assert_eq!(lines[0]["event"], "put");
    assert_eq!(lines[0]["version"], 1);
    assert_eq!(lines[0]["outcome"], "ok");
    assert_eq!(lines[0]["environment"], "production");
    assert_eq!(lines[1]["event"], "put");
    assert_ne!(lines[1]["outcome"], "ok");

    let out = put("mine", &[]);
    assert_eq!(
        out.stdout,
        "wrote vault:secret/data/production/redis_password#value@v3 (version 3)\n"
    );
    assert!(!out.stdout.contains("mine") && !out.stderr.contains("mine"));

    // Validation comes first: nothing invalid is sent.
    let mut cmd = app.cmd(&bao);
    let out = run(cmd
        .args(["--env", "production", "put", "mongodb_uri"])
        .write_stdin("mysql://wrong/scheme"));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    let metadata = bao
        .command(&["kv", "get", "-mount=secret", "production/mongodb_uri"])
        .output()
        .unwrap();
    assert!(!metadata.status.success(), "mongodb_uri must not exist");
}

#[test]
fn no_write_command_writes_a_secret_the_environment_builds_by_a_template() {
    let bao = OpenBao::start();
    let app = App::example();
    // Production builds `database_url` by its template: a value written for it would
    // never be read (a sixty-sixth adversarial pass), whichever write command.
    for (command, stdin) in [
        (&["put", "database_url"][..], "postgresql://app:pw@db/app"),
        (
            &["rotate", "database_url"][..],
            "postgresql://app:pw@db/app",
        ),
        (&["rollback", "database_url"][..], ""),
    ] {
        let mut cmd = app.cmd(&bao);
        let out = run(cmd
            .args(["--env", "production"])
            .args(command)
            .write_stdin(stdin));
        assert_eq!(out.code, 2, "{command:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(
                "secret `database_url` is built by a template in environment `production` (from `postgres_user`, `postgres_password`): a value written for it would never be read; write its inputs instead"
            ) && out.stderr.contains("nothing was written"),
            "{command:?}: {}",
            out.stderr
        );
        let metadata = bao
            .command(&["kv", "get", "-mount=secret", "production/database_url"])
            .output()
            .unwrap();
        assert!(!metadata.status.success(), "database_url must not exist");
    }
    // Issued with a lease by the `database` source, asked before `vault`.
    let mut cmd = app.cmd(&bao);
    let out = run(cmd
        .args(["--env", "production", "put", "postgres_password"])
        .write_stdin("pw"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "secret `postgres_password` is issued with a lease by source `database` in environment `production`, which is asked before the source written to"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn many_fields_in_one_path_keep_each_other_on_put() {
    let bao = OpenBao::start();
    bao.kv_put(
        "shop/production",
        &[("database_url", "postgresql://db/shop"), ("api_key", "k-1")],
    );
    let app = App::new(ONE_PATH);
    let mut cmd = app.cmd(&bao);
    let out = run(cmd
        .args(["--env", "production", "put", "api_key"])
        .write_stdin("k-2"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        bao.bao(&[
            "kv",
            "get",
            "-mount=secret",
            "-field=api_key",
            "shop/production"
        ]),
        "k-2"
    );
    assert_eq!(
        bao.bao(&[
            "kv",
            "get",
            "-mount=secret",
            "-field=database_url",
            "shop/production"
        ]),
        "postgresql://db/shop"
    );
}

#[test]
fn kv_version_1_mounts_are_read_and_written() {
    let bao = OpenBao::start();
    bao.bao(&["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    bao.bao(&[
        "kv",
        "put",
        "-mount=kv1",
        "production/api_key",
        "value=v1-key",
    ]);
    let app = App::new(
        "version = 1\n[sources.vault]\ntype = \"vault\"\nmount = \"kv1\"\nkv_version = 1\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\n[secrets.other]\n",
    );
    let out = run(app
        .cmd(&bao)
        .args(["--env", "production", "status", "--format", "json"]));
    let json = status_json(&out);
    assert_eq!(
        row(&json, "api_key")["locator"],
        "vault:kv1/production/api_key#value"
    );
    let mut cmd = app.cmd(&bao);
    let out = run(cmd
        .args(["--env", "production", "put", "other"])
        .write_stdin("o-1"));
    assert_eq!(
        out.stdout, "wrote vault:kv1/production/other#value\n",
        "{}",
        out.stderr
    );
    assert_eq!(
        run(app.cmd(&bao).args(["--env", "production", "get", "other"])).stdout,
        "o-1"
    );
    // KV version 1 has no versions: a write conditional on one is refused, unwritten.
    let mut cmd = app.cmd(&bao);
    let out = run(cmd
        .args(["--env", "production", "put", "other", "--cas", "1"])
        .write_stdin("o-2"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the mount is KV version 1, which has no check-and-set")
            && out.stderr.contains("write without an expected version"),
        "{}",
        out.stderr
    );
    assert_eq!(
        run(app.cmd(&bao).args(["--env", "production", "get", "other"])).stdout,
        "o-1"
    );
    // Nor can it roll back: said as the mount's, not as "no earlier version" (a
    // twenty-sixth adversarial pass).
    let out = run(app
        .cmd(&bao)
        .args(["--env", "production", "rollback", "other"]));
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("KV version 1"), "{}", out.stderr);
}
