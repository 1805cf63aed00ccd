//! Failover across the nodes of a cluster, against scripted servers on loopback: the
//! answers a real cluster gives only at the wrong moment (a sealed node, a standby's
//! redirect, the hand-over 500, an answer lost after the write was applied) on demand.
//! The same rules against a real three-node OpenBao cluster are in the CLI's
//! `tests/it/cluster/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use secretary_test_support::scripted;

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use scripted::{Answer, Scripted, answer, serve, with_header};
use secretary::source::VaultConfig;
use secretary::source::{Context, Lookup, Source, VaultError, VaultSource};
use secretary::{Manifest, PutError, Report, Scope, SecretValue, Variables, put, resolve};

const MANIFEST: &str = "version = 1\n[sources.vault]\ntype = \"vault\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\nrequired = true\n";

fn manifest() -> Manifest {
    Manifest::parse(MANIFEST, Path::new("secrets.toml")).unwrap()
}

/// The variables for a client of `nodes`, in that order, plus `extra`.
fn vars(nodes: &[&str], extra: &[(&str, &str)]) -> Variables {
    let addresses = nodes.join(",");
    let mut vars = vec![
        ("VAULT_ADDR".to_owned(), addresses),
        ("VAULT_TOKEN".to_owned(), "s.scripted-token".to_owned()),
    ];
    vars.extend(
        extra
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
    );
    Variables::from_pairs(vars)
}

fn check(nodes: &[&Scripted], extra: &[(&str, &str)]) -> Report {
    let manifest = manifest();
    let addresses: Vec<&str> = nodes.iter().map(|node| node.address.as_str()).collect();
    let vars = vars(&addresses, extra);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    resolve(&manifest, environment, &vars, Scope::All).unwrap()
}

fn outcome(report: &Report) -> Result<String, String> {
    let resolution = report.get("api_key").unwrap();
    match (&resolution.value, resolution.problems.first()) {
        (Some(value), None) => Ok(value.expose().to_owned()),
        (_, Some(problem)) => Err(problem.kind.to_string()),
        (None, None) => Err("absent".to_owned()),
    }
}

fn sealed() -> Answer {
    Answer {
        body: r#"{"errors":["Vault is sealed"]}"#.to_owned(),
        ..answer(503)
    }
}

fn no_active_node() -> Answer {
    Answer {
        body: r#"{"errors":["local node not active but active cluster node not found"]}"#
            .to_owned(),
        ..answer(500)
    }
}

fn many(answer: &Answer, count: usize) -> Vec<Answer> {
    vec![answer.clone(); count]
}

/// An address on which nothing listens (a node that died).
fn dead_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[test]
fn a_sealed_node_first_in_the_list_is_passed_over_and_the_next_one_kept() {
    let first = serve(many(&sealed(), 10));
    let second = serve(many(&answer(200), 10));
    let manifest = manifest();
    let vars = vars(&[&first.address, &second.address], &[]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let source = VaultSource::new("vault".to_owned(), vault_config(&manifest));
    let spec = manifest.secret("api_key").unwrap();
    let context = Context::new(&manifest, environment, &vars);
    for round in 0..3 {
        match &source.lookup(&[spec], &context).lookups[0] {
            Lookup::Found { value, .. } => assert_eq!(value.expose(), "the-value", "{round}"),
            other => panic!("round {round}: {other:?}"),
        }
    }
    assert_eq!(
        first.seen().len(),
        1,
        "once the second node answered, it is asked first"
    );
    assert_eq!(second.seen().len(), 3);
}

#[test]
fn a_dead_node_is_passed_over() {
    let dead = dead_address();
    let alive = serve(vec![answer(200)]);
    let manifest = manifest();
    let vars = vars(&[&dead, &alive.address], &[]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    assert_eq!(outcome(&report), Ok("the-value".to_owned()));
}

#[test]
fn the_hand_over_500_and_a_lagging_standby_move_on_to_the_next_node() {
    for refusal in [
        no_active_node(),
        answer(412),
        with_header(answer(429), "Retry-After", "0"),
        answer(502),
        answer(504),
    ] {
        let status = refusal.status;
        let first = serve(vec![refusal]);
        let second = serve(vec![answer(200)]);
        assert_eq!(
            outcome(&check(&[&first, &second], &[])),
            Ok("the-value".to_owned()),
            "{status}"
        );
        assert_eq!(
            (first.seen().len(), second.seen().len()),
            (1, 1),
            "{status}"
        );
    }
}

#[test]
fn answers_that_another_node_would_repeat_are_never_failed_over() {
    for (status, expected) in [
        (400, "HTTP 400"),
        (403, "403 permission denied"),
        (405, "HTTP 405"),
    ] {
        let first = serve(vec![answer(status)]);
        let second = serve(vec![answer(200)]);
        let error = outcome(&check(&[&first, &second], &[])).unwrap_err();
        assert!(error.contains(expected), "{status}: {error}");
        assert!(second.seen().is_empty(), "{status} went to another node");
    }
    // A 404 is Vault's "not here": an absence, from the first node alone.
    let first = serve(vec![answer(404)]);
    let second = serve(vec![answer(200)]);
    let error = outcome(&check(&[&first, &second], &[])).unwrap_err();
    assert!(error.contains("not set"), "{error}");
    assert!(second.seen().is_empty());
}

#[test]
fn when_every_node_fails_the_error_names_each_and_what_it_answered() {
    let dead = dead_address();
    let sealed_node = serve(many(&sealed(), 10));
    let broken = serve(many(&answer(502), 10));
    let started = Instant::now();
    let report = {
        let manifest = manifest();
        let vars = vars(&[&dead, &sealed_node.address, &broken.address], &[]);
        let environment = manifest
            .select_environment(Some("production"), &vars)
            .unwrap();
        resolve(&manifest, environment, &vars, Scope::All).unwrap()
    };
    let error = outcome(&report).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "fails in bounded time: {:?}",
        started.elapsed()
    );
    for (node, answered) in [
        (&dead, "refused"),
        (&sealed_node.address, "sealed (503)"),
        (&broken.address, "HTTP 502"),
    ] {
        assert!(
            error.contains(&format!("{node} (")) && error.contains(answered),
            "{node} {answered}: {error}"
        );
    }
    assert_eq!(
        sealed_node.seen().len(),
        3,
        "VAULT_MAX_RETRIES (2) passes after the first, as for one server"
    );
}

#[test]
fn an_election_is_waited_for_past_vault_max_retries() {
    // Both nodes answer as a cluster without a leader for about 1.5 s, then one answers.
    let first = serve(
        std::iter::repeat_with(|| Answer {
            delay: Duration::from_millis(150),
            ..no_active_node()
        })
        .take(5)
        .chain([answer(200)])
        .collect(),
    );
    let second = serve(
        std::iter::repeat_with(|| Answer {
            delay: Duration::from_millis(150),
            ..no_active_node()
        })
        .take(10)
        .collect(),
    );
    assert_eq!(
        outcome(&check(&[&first, &second], &[("VAULT_MAX_RETRIES", "1")])),
        Ok("the-value".to_owned())
    );
    assert_eq!(first.seen().len(), 6, "six passes, not two");
}

#[test]
fn a_standbys_redirect_is_never_followed_and_the_write_goes_to_the_active_node() {
    // The standby's redirect names a node that is gone, as during an election: nothing
    // may connect there, and the token must not go there.
    let gone = TcpListener::bind("127.0.0.1:0").unwrap();
    gone.set_nonblocking(true).unwrap();
    let gone_address = format!("http://{}", gone.local_addr().unwrap());
    let read = Answer {
        body: r#"{"data":{"data":{"value":"old"},"metadata":{"version":3}}}"#.to_owned(),
        ..answer(200)
    };
    let standby = serve(vec![
        read,
        with_header(
            answer(307),
            "Location",
            &format!("{gone_address}/v1/secret/data/production/api_key"),
        ),
    ]);
    let written = Answer {
        body: r#"{"data":{"version":4}}"#.to_owned(),
        ..answer(200)
    };
    let active = serve(vec![written]);
    let manifest = manifest();
    let vars = vars(&[&standby.address, &active.address], &[]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let done = put(
        &manifest,
        environment,
        &vars,
        "api_key",
        &SecretValue::new("new".to_owned()),
        None,
    )
    .unwrap();
    assert_eq!(done.locator.version(), Some(4));
    assert!(gone.accept().is_err(), "the redirect was followed");
    let seen = active.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert!(
        seen[0].body.contains(r#""cas":3"#),
        "check-and-set on the version read: {}",
        seen[0].body
    );
}

#[test]
fn a_write_applied_before_its_answer_was_lost_is_reported_as_written_once() {
    // The first node applies the write and dies before answering; on the new active
    // node the retry's check-and-set fails because the write is already there.
    let before = Answer {
        body: r#"{"data":{"data":{"value":"old","other":"kept"},"metadata":{"version":3}}}"#
            .to_owned(),
        ..answer(200)
    };
    let dying = serve(vec![
        before,
        Answer {
            shape: scripted::Shape::Hangup,
            ..answer(200)
        },
    ]);
    let cas_failed = Answer {
        body: r#"{"errors":["check-and-set parameter did not match the current version"]}"#
            .to_owned(),
        ..answer(400)
    };
    let ours = Answer {
        body: r#"{"data":{"data":{"value":"new","other":"kept"},"metadata":{"version":4}}}"#
            .to_owned(),
        ..answer(200)
    };
    let next = serve(vec![cas_failed.clone(), ours]);
    let manifest = manifest();
    let vars = vars(&[&dying.address, &next.address], &[]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let value = SecretValue::new("new".to_owned());
    let done = put(&manifest, environment, &vars, "api_key", &value, None).unwrap();
    assert_eq!(done.locator.version(), Some(4), "its own write, found");
    let posts = |node: &Scripted| node.seen().iter().filter(|s| s.method == "POST").count();
    assert_eq!(
        (posts(&dying), posts(&next)),
        (1, 1),
        "each node received the write once"
    );

    // When the caller named the version to replace and what is there is someone else's,
    // it is a conflict.
    let dying = serve(vec![
        Answer {
            body: r#"{"data":{"data":{"value":"old"},"metadata":{"version":3}}}"#.to_owned(),
            ..answer(200)
        },
        Answer {
            shape: scripted::Shape::Hangup,
            ..answer(200)
        },
    ]);
    let theirs = Answer {
        body: r#"{"data":{"data":{"value":"someone-else"},"metadata":{"version":4}}}"#.to_owned(),
        ..answer(200)
    };
    let next = serve(vec![cas_failed, theirs]);
    let vars = vars_for(&[&dying, &next]);
    let error = put(&manifest, environment, &vars, "api_key", &value, Some(3)).unwrap_err();
    assert!(
        matches!(
            error,
            PutError::Vault(VaultError::CasMismatch { expected: 3, .. })
        ),
        "{error}"
    );
}

#[test]
fn a_write_whose_every_answer_was_lost_is_read_back_and_reported_written() {
    // A twenty-second adversarial pass: a proxy forwarded each write and dropped each
    // answer; the write landed, and `put` said "cannot connect", so the copy kept the
    // value it replaced. What Vault holds now tells: our value at the next version.
    let before = Answer {
        body: r#"{"data":{"data":{"value":"old"},"metadata":{"version":3}}}"#.to_owned(),
        ..answer(200)
    };
    let lost = Answer {
        shape: scripted::Shape::Hangup,
        ..answer(200)
    };
    let ours = Answer {
        body: r#"{"data":{"data":{"value":"new"},"metadata":{"version":4}}}"#.to_owned(),
        ..answer(200)
    };
    let node = serve(vec![before.clone(), lost.clone(), lost.clone(), ours]);
    let manifest = manifest();
    let once = vars(&[&node.address], &[("VAULT_MAX_RETRIES", "1")]);
    let environment = manifest
        .select_environment(Some("production"), &once)
        .unwrap();
    let value = SecretValue::new("new".to_owned());
    let done = put(&manifest, environment, &once, "api_key", &value, None).unwrap();
    assert_eq!(done.locator.version(), Some(4));
    let methods: Vec<String> = node.seen().iter().map(|s| s.method.clone()).collect();
    assert_eq!(methods, ["GET", "POST", "POST", "GET"]);

    let reads: Vec<String> = node
        .seen()
        .iter()
        .filter(|s| s.method == "GET")
        .map(|s| s.path.clone())
        .collect();
    assert!(
        reads[1].ends_with("?version=4"),
        "the read-back asks for the one version this write could make: {reads:?}"
    );

    // Another writer's value at that version: this write did not land, and the
    // transport error stands (neither a conflict nor "may have been written").
    let theirs = Answer {
        body: r#"{"data":{"data":{"value":"someone-else"},"metadata":{"version":4}}}"#.to_owned(),
        ..answer(200)
    };
    let node = serve(vec![before.clone(), lost.clone(), lost.clone(), theirs]);
    let once = vars(&[&node.address], &[("VAULT_MAX_RETRIES", "1")]);
    let error = put(&manifest, environment, &once, "api_key", &value, None).unwrap_err();
    assert!(
        matches!(error, PutError::Vault(VaultError::Lost { .. })),
        "{error:?}"
    );

    // Nothing to read back (the server gone): the write may have landed, and says so
    // (a twenty-third adversarial pass; the copies then forget, as after a write).
    let node = serve(vec![before.clone(), lost.clone(), lost.clone()]);
    let once = vars(&[&node.address], &[("VAULT_MAX_RETRIES", "1")]);
    let error = put(&manifest, environment, &once, "api_key", &value, None).unwrap_err();
    assert!(matches!(error, PutError::Unconfirmed { .. }), "{error:?}");
    assert!(
        error.to_string().contains("may have reached Vault"),
        "{error}"
    );

    // A twenty-fifth: a lost answer, then a retry answered 500, then nothing to read
    // back: it may have landed all the same (the last attempt's 500 hid it).
    let node = serve(vec![before.clone(), lost.clone(), answer(500)]);
    let once = vars(&[&node.address], &[("VAULT_MAX_RETRIES", "1")]);
    let error = put(&manifest, environment, &once, "api_key", &value, None).unwrap_err();
    assert!(matches!(error, PutError::Unconfirmed { .. }), "{error:?}");
    // And a write refused a connection on every attempt reached nothing: a plain error.
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let unreachable = vars(&[&gone], &[("VAULT_MAX_RETRIES", "1")]);
    let error = put(
        &manifest,
        environment,
        &unreachable,
        "api_key",
        &value,
        None,
    )
    .unwrap_err();
    assert!(!matches!(error, PutError::Unconfirmed { .. }), "{error:?}");
}

#[test]
fn a_write_answered_without_its_version_or_overtaken_after_a_lost_answer_is_read_back() {
    // A twenty-sixth adversarial pass: a proxy let a write through and answered 200
    // without a version; `put` said "may not have been written", read nothing back, and
    // the copy kept the value replaced. And a `put --cas` whose write landed, then
    // another writer's, then the retry's conflict, was told "not written".
    let before = Answer {
        body: r#"{"data":{"data":{"value":"old"},"metadata":{"version":3}}}"#.to_owned(),
        ..answer(200)
    };
    let ours = Answer {
        body: r#"{"data":{"data":{"value":"new"},"metadata":{"version":4}}}"#.to_owned(),
        ..answer(200)
    };
    let no_version = Answer {
        body: r#"{"errors":["injected after"]}"#.to_owned(),
        ..answer(200)
    };
    let manifest = manifest();
    let value = SecretValue::new("new".to_owned());
    let node = serve(vec![before.clone(), no_version.clone(), ours.clone()]);
    let once = vars(&[&node.address], &[("VAULT_MAX_RETRIES", "1")]);
    let environment = manifest
        .select_environment(Some("production"), &once)
        .unwrap();
    let done = put(&manifest, environment, &once, "api_key", &value, None).unwrap();
    assert_eq!(done.locator.version(), Some(4));
    // Nothing to read back: it may have been written, and says so.
    let node = serve(vec![before.clone(), no_version]);
    let once = vars(&[&node.address], &[("VAULT_MAX_RETRIES", "1")]);
    let error = put(&manifest, environment, &once, "api_key", &value, None).unwrap_err();
    assert!(matches!(error, PutError::Unconfirmed { .. }), "{error:?}");

    // The write landed at 4, another writer made 5, the answer was lost; the retry's
    // check-and-set fails. Version 4 is ours: written, though the latest is theirs.
    let lost = Answer {
        shape: scripted::Shape::Hangup,
        ..answer(200)
    };
    let cas_failed = Answer {
        body: r#"{"errors":["check-and-set parameter did not match the current version"]}"#
            .to_owned(),
        ..answer(400)
    };
    let node = serve(vec![before, lost, cas_failed, ours]);
    let once = vars(&[&node.address], &[("VAULT_MAX_RETRIES", "1")]);
    let done = put(&manifest, environment, &once, "api_key", &value, Some(3)).unwrap();
    assert_eq!(done.locator.version(), Some(4));
    let read_back = node.seen().last().map(|s| s.path.clone()).unwrap();
    assert!(
        read_back.ends_with("?version=4"),
        "not the latest: {read_back}"
    );
}

#[test]
fn a_rollback_overtaken_by_another_write_fails_without_merging() {
    // `put` merges into the newest version after a conflict; a rollback must not: the
    // version it rolls back to was chosen against the history it read (a twelfth
    // adversarial pass found the docs and the hint saying otherwise).
    let current = Answer {
        body: r#"{"data":{"data":{"value":"current"},"metadata":{"version":3}}}"#.to_owned(),
        ..answer(200)
    };
    // The current version, the one rolled back to, the path again (its other fields are
    // kept), then a write that someone else's version 4 beat.
    let node = serve(vec![
        current.clone(),
        Answer {
            body: r#"{"data":{"data":{"value":"earlier"},"metadata":{"version":2}}}"#.to_owned(),
            ..answer(200)
        },
        current,
        Answer {
            body: r#"{"errors":["check-and-set parameter did not match the current version"]}"#
                .to_owned(),
            ..answer(400)
        },
    ]);
    let manifest = manifest();
    let vars = vars_for(&[&node]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let error = secretary::rollback(&manifest, environment, &vars, "api_key", None).unwrap_err();
    assert!(
        matches!(error, PutError::Overtaken { read: 3 }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("nothing was rolled back"),
        "{error}"
    );
    let posts = node.seen().iter().filter(|s| s.method == "POST").count();
    assert_eq!(posts, 1, "one write, not merged and written again");
}

#[test]
fn a_rollback_passes_over_versions_that_changed_only_another_field() {
    // A fifteenth adversarial pass: in a shared path, version 2 changed `bb` only, and
    // `rollback aa` refused ("version 2 holds the current value") though version 1
    // held an older `aa`.
    let version = |n: u64, aa: &str| Answer {
        body: format!(r#"{{"data":{{"data":{{"value":"{aa}"}},"metadata":{{"version":{n}}}}}}}"#),
        ..answer(200)
    };
    let node = serve(vec![
        version(3, "A2"),
        version(2, "A2"),
        version(1, "A1"),
        version(3, "A2"),
        Answer {
            body: r#"{"data":{"version":4}}"#.to_owned(),
            ..answer(200)
        },
    ]);
    let manifest = manifest();
    let vars = vars_for(&[&node]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let done = secretary::rollback(&manifest, environment, &vars, "api_key", None).unwrap();
    assert_eq!(
        done.from_version, 1,
        "the latest version with another value"
    );
    assert_eq!(done.written.locator.version(), Some(4));
}

fn vars_for(nodes: &[&Scripted]) -> Variables {
    let addresses: Vec<&str> = nodes.iter().map(|node| node.address.as_str()).collect();
    vars(&addresses, &[])
}

#[test]
fn a_write_that_read_a_stale_copy_reads_again_and_merges_into_the_newest() {
    // A standby's copy is a version behind: the first check-and-set fails on the past.
    let stale = Answer {
        body: r#"{"data":{"data":{"value":"old","other":"one"},"metadata":{"version":3}}}"#
            .to_owned(),
        ..answer(200)
    };
    let conflict = Answer {
        body: r#"{"errors":["check-and-set parameter did not match the current version"]}"#
            .to_owned(),
        ..answer(400)
    };
    let fresh = Answer {
        body: r#"{"data":{"data":{"value":"old","other":"two"},"metadata":{"version":4}}}"#
            .to_owned(),
        ..answer(200)
    };
    let written = Answer {
        body: r#"{"data":{"version":5}}"#.to_owned(),
        ..answer(200)
    };
    let node = serve(vec![stale, conflict, fresh, written]);
    let manifest = manifest();
    let vars = vars_for(&[&node]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let value = SecretValue::new("new".to_owned());
    let done = put(&manifest, environment, &vars, "api_key", &value, None).unwrap();
    assert_eq!(done.locator.version(), Some(5));
    let seen = node.seen();
    let last = seen.last().unwrap();
    assert_eq!(last.method, "POST");
    assert!(
        last.body.contains(r#""cas":4"#) && last.body.contains(r#""other":"two""#),
        "merged into the newest version: {}",
        last.body
    );
}

#[test]
fn after_a_write_every_read_asks_for_it_and_forwarding_to_the_active_node() {
    let index = "eyJpbmRleCI6NDJ9"; // base64 of {"index":42}
    let node = serve(vec![
        answer(200),
        with_header(
            Answer {
                body: r#"{"data":{"version":4}}"#.to_owned(),
                ..answer(200)
            },
            "X-Vault-Index",
            index,
        ),
        answer(200),
    ]);
    let manifest = manifest();
    let vars = vars(&[&node.address], &[]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let source = VaultSource::new("vault".to_owned(), vault_config(&manifest));
    let spec = manifest.secret("api_key").unwrap();
    let context = Context::new(&manifest, environment, &vars);
    source
        .write(spec, &context, &SecretValue::new("new".to_owned()), None)
        .unwrap();
    source.lookup(&[spec], &context);
    let seen = node.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].header("X-Vault-Index"), None, "nothing written yet");
    assert_eq!(seen[2].header("X-Vault-Index"), Some(index));
    assert_eq!(
        seen[2].header("X-Vault-Inconsistent"),
        Some("forward-active-node")
    );
}

fn vault_config(manifest: &Manifest) -> secretary::source::VaultConfig {
    manifest
        .source("vault")
        .unwrap()
        .config
        .get::<VaultConfig>()
        .unwrap()
        .clone()
}
