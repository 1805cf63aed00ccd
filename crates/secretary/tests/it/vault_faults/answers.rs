//! Against a scripted server: answers that are not what they seem (another server's 404, cut short, too large, not JSON, unconfirmed writes), and no body or token in any message.

use super::*;

#[test]
fn a_404_that_is_not_vaults_is_a_failure_not_an_absence() {
    // A mistyped VAULT_ADDR that reaches some other web server: its 404 page says nothing
    // about the secret, so the source fails (closed) instead of falling through.
    let page = Answer {
        body: "<html><body>404 Not Found</body></html>".to_owned(),
        ..shaped(404, Shape::Html)
    };
    let server = serve(vec![page]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(
        error.contains("answered 404, but not as Vault does"),
        "{error}"
    );
    // Nor does another JSON API's 404 (`{"errors":[...]}` with something in it).
    let json_api = Answer {
        body: r#"{"errors":[{"status":"404","title":"Not Found"}]}"#.to_owned(),
        ..answer(404)
    };
    let server = serve(vec![json_api]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(
        error.contains("answered 404, but not as Vault does"),
        "{error}"
    );
    // Vault's own 404 (`{"errors":[]}`) is an absence, and a required secret is missing.
    let server = serve(vec![answer(404)]);
    assert_eq!(
        outcome(&check(&server, &[])).unwrap_err(),
        "required but not set"
    );
}

#[test]
fn a_401_says_authentication_not_mount_and_path() {
    let server = serve(vec![answer(401)]);
    let report = check(&server, &[]);
    let error = outcome(&report).unwrap_err();
    assert!(
        error.contains("answered 401 (authentication required)"),
        "{error}"
    );
    let hint = report.get("api_key").unwrap().problems[0].fix.to_string();
    assert!(hint.contains("points at Vault itself"), "{hint}");
    assert_eq!(server.seen().len(), 1, "a 401 is not retried");
}

#[test]
fn a_403_that_is_not_vaults_blames_the_address_not_the_token() {
    // A twenty-sixth adversarial pass: a firewall's 403 page was said as "Vault refused
    // access (403 permission denied)", with a token's fix.
    let page = Answer {
        body: "<html><body>Request blocked by WAF</body></html>".to_owned(),
        ..shaped(403, Shape::Html)
    };
    let server = serve(vec![page]);
    let report = check(&server, &[]);
    let error = outcome(&report).unwrap_err();
    assert!(
        error.contains("answered 403, but not as Vault does"),
        "{error}"
    );
    // Vault's own 403 is a refusal of the token.
    let denied = Answer {
        body: r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#.to_owned(),
        ..answer(403)
    };
    let server = serve(vec![denied]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("403"), "{error}");
    assert!(!error.contains("not as Vault does"), "{error}");
}

#[test]
fn an_answer_cut_short_says_so_not_cannot_connect() {
    let server = serve(vec![
        shaped(200, Shape::CutShort),
        shaped(200, Shape::CutShort),
        shaped(200, Shape::CutShort),
    ]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("was cut short"), "{error}");
    assert!(!error.contains("cannot connect"), "{error}");
    assert_eq!(server.seen().len(), 3, "a broken answer is retried");
}

#[test]
fn a_huge_answer_is_refused_at_the_limit_without_reading_it_all() {
    // Announced: refused before a byte of the body is read.
    let server = serve(vec![shaped(200, Shape::Announced(3 << 30))]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("larger than the 32 MiB limit"), "{error}");
    // Not announced (chunked): refused once 32 MiB have come, whatever follows.
    let server = serve(vec![shaped(200, Shape::Endless)]);
    let start = Instant::now();
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("larger than the 32 MiB limit"), "{error}");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(server.seen().len(), 1, "too large is not retried");
}

#[test]
fn no_failure_puts_the_servers_body_or_the_token_in_a_message() {
    // The canary sweep over every failure a server can script (issue 12): each body holds
    // a canary, as a proxy's page that echoes the request would, and the token is one too.
    // Whatever the failure, what secretary says (the problem, its fix, their Debug, the
    // report's Debug) holds neither.
    use std::fmt::Write as _;
    const BODY: &str = "CANARYbody-7f3a";
    const TOKEN: &str = "s.CANARYtoken-91c2";
    let json = |status| Answer {
        body: format!(r#"{{"errors":["{BODY} {TOKEN}"],"data":{{"data":"{BODY}"}}}}"#),
        ..answer(status)
    };
    let three = |answer: Answer| vec![answer.clone(), answer.clone(), answer];
    let faults: Vec<(&str, Vec<Answer>)> = vec![
        (
            "an HTML 404",
            vec![Answer {
                body: format!("<html><body>404 {BODY} {TOKEN}</body></html>"),
                ..shaped(404, Shape::Html)
            }],
        ),
        ("a JSON 404 that is not Vault's", vec![json(404)]),
        ("a 401", vec![json(401)]),
        ("a 403", vec![json(403)]),
        ("a 400", vec![json(400)]),
        ("a 501", vec![json(501)]),
        ("500s", three(json(500))),
        (
            "a sealed server",
            three(Answer {
                body: format!(r#"{{"errors":["Vault is sealed {BODY}"]}}"#),
                ..answer(503)
            }),
        ),
        ("429s", three(with_header(json(429), "Retry-After", "0"))),
        ("a 200 that is not KV", vec![json(200)]),
        (
            "a 200 that is not JSON",
            vec![Answer {
                body: format!("{BODY} {TOKEN}"),
                ..answer(200)
            }],
        ),
        (
            "answers cut short",
            three(Answer {
                body: format!(r#"{{"data":{{"data":{{"value":"{BODY}"}}}}}}"#),
                ..shaped(200, Shape::CutShort)
            }),
        ),
        (
            "a redirect elsewhere",
            vec![with_header(
                answer(307),
                "Location",
                &format!("http://elsewhere.invalid/{BODY}?token={TOKEN}"),
            )],
        ),
    ];
    for (what, script) in faults {
        let server = serve(script);
        let report = check_as(&server, TOKEN, &[]);
        let mut said = String::new();
        for resolution in &report.resolutions {
            for problem in &resolution.problems {
                let _ = writeln!(said, "{}\n{}\n{problem:?}", problem.kind, problem.fix);
            }
        }
        assert!(!said.is_empty(), "{what}: no problem was reported");
        let _ = write!(said, "{report:?}");
        assert!(!said.contains("CANARY"), "{what} leaked:\n{said}");
    }
}

#[test]
fn a_write_the_server_does_not_confirm_is_not_reported_written() {
    // A KV v2 write is confirmed by the version it made. A 200 that is a proxy's page, a
    // 204 or an empty JSON object confirms nothing: `put` once said "wrote" for each.
    let unconfirmed = [
        Answer {
            body: "<html>login</html>".to_owned(),
            ..shaped(200, Shape::Html)
        },
        Answer {
            body: String::new(),
            ..answer(204)
        },
        Answer {
            body: "{}".to_owned(),
            ..answer(200)
        },
        // The read said version 3: a write that made 0, 2 or 3 is a stale answer.
        Answer {
            body: r#"{"data":{"version":0}}"#.to_owned(),
            ..answer(200)
        },
        Answer {
            body: r#"{"data":{"version":3}}"#.to_owned(),
            ..answer(200)
        },
        // Nor one past 4, the only version a check-and-set write on 3 makes (a
        // twenty-eighth adversarial pass: `version: 99` was reported written).
        Answer {
            body: r#"{"data":{"version":99}}"#.to_owned(),
            ..answer(200)
        },
        // A twenty-ninth: another 2xx (a 202 once went unread, the write landed).
        Answer {
            body: "{}".to_owned(),
            ..answer(202)
        },
    ];
    for reply in unconfirmed {
        let status = reply.status;
        let server = serve(vec![answer(200), reply]);
        let manifest = manifest(&server.address);
        let vars = Variables::from_pairs([
            ("VAULT_TOKEN", "s.scripted-token"),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ]);
        let environment = manifest
            .select_environment(Some("production"), &vars)
            .unwrap();
        let value = secretary::SecretValue::new("new-value".to_owned());
        let error = secretary::put(&manifest, environment, &vars, "api_key", &value, None)
            .expect_err("an unconfirmed write was reported written")
            .to_string();
        // Nothing confirms it, and nothing can be read back: it may have landed (a
        // twenty-sixth adversarial pass: it was once "may not have been written", and
        // the copies kept the value it replaced).
        assert!(
            error.contains("without the version written")
                && error.contains("may have reached Vault"),
            "{status}: {error}"
        );
        let seen = server.seen();
        assert_eq!(seen[1].method, "POST", "{status}: read, then one write");
        assert!(
            seen.iter().skip(2).all(|request| request.method == "GET"),
            "{status}: then only the read-back"
        );
    }
}

#[test]
fn a_kv_version_1_write_is_written_only_when_vault_says_so_or_the_path_holds_it() {
    // A twenty-seventh adversarial pass: a portal's 200 page to a KV v1 write was
    // reported written, audited `ok`, though nothing was stored; a twenty-eighth: so was
    // a 200 with Vault's error shape, or with an empty body; a twenty-ninth: a 204 or a
    // gateway's `{"request_id": ...}` any server can answer. Every answer is told by
    // reading the path back, and is never "not written".
    let read = |value: &str| Answer {
        body: serde_json::json!({"data": {"value": value}}).to_string(),
        ..answer(200)
    };
    let page = Answer {
        body: "<html>Welcome to the portal</html>".to_owned(),
        ..shaped(200, Shape::Html)
    };
    let errors = Answer {
        body: r#"{"errors":["permission denied"]}"#.to_owned(),
        ..answer(200)
    };
    let empty = Answer {
        body: String::new(),
        ..answer(200)
    };
    let envelope = Answer {
        body: r#"{"request_id":"0f6d","data":null,"warnings":["a warning"]}"#.to_owned(),
        ..answer(200)
    };
    let value = secretary::SecretValue::new("new-value".to_owned());
    // (the write's answer, what the read-back finds, written)
    // A twenty-ninth: a gateway's `{"request_id": ...}`, or a 204, with nothing written.
    let queued = Answer {
        body: r#"{"request_id":"7f3a9c","status":"queued for approval"}"#.to_owned(),
        ..answer(200)
    };
    let cases = [
        (page.clone(), Some(read("old")), false),
        (page, Some(answer(599)), false),
        (errors, Some(read("old")), false),
        (empty.clone(), Some(read("old")), false),
        (empty, Some(read("new-value")), true),
        (queued, Some(read("old")), false),
        (envelope.clone(), Some(read("old")), false),
        (envelope, Some(read("new-value")), true),
        (answer(204), Some(read("old")), false),
        (answer(204), Some(read("new-value")), true),
    ];
    for (reply, read_back, written) in cases {
        let status = reply.status;
        let body = reply.body.clone();
        let mut script = vec![read("old"), reply];
        script.extend(read_back.clone());
        let server = serve(script);
        let manifest = manifest_with(&server.address, "kv_version = 1\n");
        let vars = Variables::from_pairs([
            ("VAULT_TOKEN", "s.scripted-token"),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ]);
        let environment = manifest
            .select_environment(Some("production"), &vars)
            .unwrap();
        let result = secretary::put(&manifest, environment, &vars, "api_key", &value, None);
        assert_eq!(result.is_ok(), written, "{status} {body}: {result:?}");
        // The read and the write; then a read-back (retried on a 5xx) only when the
        // answer does not tell.
        let seen = server.seen();
        assert_eq!(seen[1].method, "POST", "{status} {body}");
        assert_eq!(seen.len() > 2, read_back.is_some(), "{status} {body}");
        assert!(
            seen.iter().skip(2).all(|request| request.method == "GET"),
            "{status} {body}"
        );
        if let Err(error) = result {
            let secretary::PutError::Unconfirmed { error, .. } = &error else {
                panic!("{status} {body}: {error:?}");
            };
            // KV v1 keeps no versions: the fix is to read the secret, not its versions.
            assert!(
                error.hint().contains("`bao kv get`") && !error.hint().contains("metadata"),
                "{status} {body}: {}",
                error.hint()
            );
        }
    }
}

#[test]
fn a_number_in_a_field_is_its_text_or_refused_never_changed() {
    // serde_json reads a number past 64 bits, or one with a fraction or an exponent, as
    // a float: `12345678901234567890123` once came out as `1.2345678901234568e+22`.
    let field = |raw: &str| kv_answer(raw, r#""version":1"#);
    for (raw, read) in [("42", "42"), ("-7", "-7"), ("true", "true")] {
        let server = serve(vec![field(raw)]);
        assert_eq!(outcome(&check(&server, &[])), Ok(read.to_owned()), "{raw}");
    }
    for raw in [
        "12345678901234567890123",
        "1E2",
        "1.5",
        "-0",
        "18446744073709551616",
    ] {
        let server = serve(vec![field(raw)]);
        let error = outcome(&check(&server, &[])).unwrap_err();
        assert!(
            error.contains("field `value` of secret/data/production/api_key is not text"),
            "{raw}: {error}"
        );
    }
}

#[test]
fn a_value_over_one_mebibyte_is_refused_as_in_every_source() {
    // A 20 MiB value once took 1.8 GB to build `redact`'s automaton; `.env` and secret
    // files cap a value at 1 MiB, and now so does Vault.
    let field =
        |length: usize| kv_answer(&format!(r#""{}""#, "v".repeat(length)), r#""version":1"#);
    let server = serve(vec![field(1 << 20)]);
    assert_eq!(outcome(&check(&server, &[])).map(|v| v.len()), Ok(1 << 20));
    let server = serve(vec![field((1 << 20) + 1)]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(
        error.contains("holds more than 1 MiB, the most a secret may hold"),
        "{error}"
    );
}

#[test]
fn an_answer_that_is_not_json_says_so_not_kv_version_1() {
    for body in ["<html>login</html>", "1e400", "[]"] {
        let server = serve(vec![Answer {
            body: body.to_owned(),
            ..answer(200)
        }]);
        let error = outcome(&check(&server, &[])).unwrap_err();
        assert!(
            error.contains("an answer that is not a JSON object secretary can read"),
            "{body}: {error}"
        );
        assert!(!error.contains("KV version 1"), "{body}: {error}");
    }
}

#[test]
fn a_login_answer_without_a_usable_token_is_a_login_failure() {
    // An empty token was sent as it was, and one holding a newline was blamed on
    // VAULT_TOKEN, which was not even set.
    for token in ["", "s.abc\ndef", "s.abc def"] {
        let login = Answer {
            body: serde_json::json!({"auth": {"client_token": token, "lease_duration": 60}})
                .to_string(),
            ..answer(200)
        };
        let server = serve(vec![login, answer(200)]);
        let manifest = manifest_with(&server.address, "auth = \"approle\"\n");
        let vars = Variables::from_pairs([
            ("VAULT_ROLE_ID", "role"),
            ("VAULT_SECRET_ID", "secret"),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ]);
        let report = in_production(&manifest, &vars);
        let error = outcome(&report).unwrap_err();
        assert!(
            error.contains("login at auth/approle/login failed: the answer holds no usable token"),
            "{token:?}: {error}"
        );
        assert!(!error.contains("VAULT_TOKEN"), "{token:?}: {error}");
        assert_eq!(server.seen().len(), 1, "{token:?}: nothing is read with it");
    }
}

#[test]
fn a_login_the_server_cannot_serve_now_is_an_outage_not_a_refusal() {
    // A twenty-fourth adversarial pass: a 429 (or a sealed server's 503) on the login
    // was a refused login, so the last-known-good copy was not served and every copy
    // of the server was forgotten.
    for status in [429, 503] {
        let server = serve(vec![answer(status), answer(status), answer(status)]);
        let manifest = manifest_with(&server.address, "auth = \"approle\"\n");
        let vars = Variables::from_pairs([
            ("VAULT_ROLE_ID", "role"),
            ("VAULT_SECRET_ID", "secret"),
            ("VAULT_MAX_RETRIES", "0"),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ]);
        let report = in_production(&manifest, &vars);
        let error = outcome(&report).unwrap_err();
        assert!(
            !error.contains("login at auth/approle/login failed"),
            "{status}: {error}"
        );
        let failed = report.resolutions[0].problems.iter().any(|problem| {
            matches!(
                &problem.kind,
                secretary::ProblemKind::SourceFailed {
                    error: secretary::source::SourceError::Vault(error),
                    ..
                } if error.is_outage()
            )
        });
        assert!(failed, "{status}: {error}");
    }
}

#[test]
fn an_answer_to_a_login_or_an_unwrap_that_is_not_vaults_blames_the_address() {
    // A twenty-seventh adversarial pass: a firewall's 403 page on the login was said as
    // "nothing mounted there", and on the unwrap as a stolen secret id; a twenty-eighth:
    // a portal's 200 page was "no usable token" (check the ids) or "wraps no secret_id",
    // and made every last-known-good copy of the server forget its values.
    let pages = [
        Answer {
            body: "<html><body>Forbidden by WAF</body></html>".to_owned(),
            ..shaped(403, Shape::Html)
        },
        Answer {
            body: "<html><body>Sign in to the guest network</body></html>".to_owned(),
            ..shaped(200, Shape::Html)
        },
        Answer {
            body: r#"{"status":"ok"}"#.to_owned(),
            ..answer(200)
        },
    ];
    for (page, secret_id) in pages
        .iter()
        .flat_map(|page| ["secret", "s.wrapping-token-0123456789"].map(|id| (page, id)))
    {
        let status = page.status;
        let server = serve(vec![page.clone()]);
        let manifest = manifest_with(&server.address, "auth = \"approle\"\n");
        let vars = Variables::from_pairs([
            ("VAULT_ROLE_ID", "role"),
            ("VAULT_SECRET_ID", secret_id),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ]);
        let report = in_production(&manifest, &vars);
        let error = outcome(&report).unwrap_err();
        assert!(
            error.contains(&format!("answered {status}, but not as Vault does")),
            "{secret_id}: {error}"
        );
        assert!(
            !error.contains("stolen")
                && !error.contains("mounted")
                && !error.contains("usable token")
                && !error.contains("wraps no"),
            "{secret_id}: {error}"
        );
        assert_eq!(server.seen().len(), 1, "{secret_id}: nothing more is sent");
    }
}

#[test]
fn an_approle_login_vault_refused_is_not_sent_again_by_this_process() {
    // A twenty-eighth adversarial pass: `run --watch` sent a spent secret id at every
    // poll, and OpenBao, which counts failed logins, locked the role out for every
    // instance. A refused login is remembered; another secret id is tried.
    let refusal = || Answer {
        body: r#"{"errors":["invalid role or secret ID"]}"#.to_owned(),
        ..answer(400)
    };
    let server = serve(vec![refusal(), refusal()]);
    let manifest = manifest_with(&server.address, "auth = \"approle\"\n");
    let with = |secret_id: &str| {
        Variables::from_pairs([
            ("VAULT_ROLE_ID", "role-refused-once"),
            ("VAULT_SECRET_ID", secret_id),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ])
    };
    let login = |vars: &Variables| {
        let environment = manifest
            .select_environment(Some("production"), vars)
            .unwrap();
        let report = resolve(&manifest, environment, vars, Scope::All).unwrap();
        outcome(&report).unwrap_err()
    };
    let spent = with("spent-secret-id-3f1c");
    let first = login(&spent);
    assert!(first.contains("was refused (400)"), "{first}");
    assert_eq!(server.seen().len(), 1);
    for _ in 0..3 {
        let again = login(&spent);
        assert!(again.contains("not sent again"), "{again}");
    }
    assert_eq!(server.seen().len(), 1, "the refused login was sent again");
    // Another secret id is another credential.
    let other = login(&with("fresh-secret-id-9a2e"));
    assert!(other.contains("was refused (400)"), "{other}");
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_created_time_that_cannot_be_read_is_said_not_passed_over() {
    // An unreadable `created_time` made a secret's age unknown without a word, so a
    // rotation policy could not tell it was due.
    let body = |time: &str| {
        kv_answer(
            r#""the-value""#,
            &format!(r#""version":1,"created_time":"{time}""#),
        )
    };
    let server = serve(vec![body("yesterday")]);
    let report = check(&server, &[]);
    assert_eq!(outcome(&report), Ok("the-value".to_owned()));
    assert!(
        crate::warnings(&report).iter().any(|w| w.contains(
            "the created_time Vault gives for secret/data/production/api_key cannot be read"
        )),
        "{:?}",
        crate::warnings(&report)
    );
    // One it can read, with an offset, is no warning, and gives the age.
    let server = serve(vec![body("2026-11-25T11:32:33.123+02:00")]);
    let report = check(&server, &[]);
    assert!(
        crate::warnings(&report).is_empty(),
        "{:?}",
        crate::warnings(&report)
    );
    assert!(report.get("api_key").unwrap().written.is_some());
}

#[test]
fn a_lease_id_that_cannot_be_shown_is_refused_and_the_lease_revoked() {
    // An eighth adversarial pass: a server's lease id with terminal escapes, or holding
    // the password it came with, went to `status`, the audit log and messages.
    let password = "pw-canary-6d1e0f";
    for id in [
        "database/creds/shop/\u{1b}]0;x\u{7}\u{1b}[2J".to_owned(),
        format!("database/creds/shop/{password}"),
    ] {
        let issued = Answer {
            body: serde_json::json!({
                "lease_id": id,
                "lease_duration": 3600,
                "renewable": true,
                "data": {"username": "v-shop-1", "password": password},
            })
            .to_string(),
            ..answer(200)
        };
        let server = serve(vec![issued, answer(204)]);
        let text = format!(
            "version = 1\n[app]\nname = \"shop\"\n[sources.db]\ntype = \"vault_lease\"\naddress = \"{}\"\npath = \"database/creds/shop\"\nsecrets = {{ user = \"username\", pw = \"password\" }}\n[environments.production]\nsources = [\"db\"]\n[secrets.user]\n[secrets.pw]\n",
            server.address
        );
        let manifest = Manifest::parse(&text, Path::new("secrets.toml")).unwrap();
        let vars = Variables::from_pairs([
            ("VAULT_TOKEN", "s.scripted-token"),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ]);
        let report = in_production(&manifest, &vars);
        let said = report.get("pw").unwrap().problems[0].kind.to_string();
        assert!(said.contains("lease id that cannot be shown"), "{said}");
        assert!(
            !said.contains(password) && !said.contains('\u{1b}'),
            "{said}"
        );
        assert!(report.get("pw").unwrap().value.is_none());
        // Revoked at once.
        let seen = server.seen();
        assert!(
            seen.iter()
                .any(|request| request.path == "/v1/sys/leases/revoke"),
            "{:?}",
            seen.iter().map(|r| &r.path).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_refusal_to_a_spent_limited_use_token_is_sent_again_with_a_new_login() {
    // A fifty-ninth adversarial pass: a retried read spent a use the client did not
    // count; with the count at nought, the next read's 403 was taken for a refusal and
    // the policy blamed, though a new login would have worked.
    let login = |token: &str| {
        Answer {
        body: serde_json::json!({"auth": {"client_token": token, "lease_duration": 3600, "num_uses": 1}})
            .to_string(),
        ..answer(200)
    }
    };
    let refused = Answer {
        body: r#"{"errors":["permission denied"]}"#.to_owned(),
        ..answer(403)
    };
    let server = serve(vec![
        login("s.first"),
        refused,
        login("s.second"),
        kv_answer(r#""kv-value""#, r#""version":1"#),
    ]);
    let manifest = manifest_with(&server.address, "auth = \"approle\"\n");
    let vars = Variables::from_pairs([
        ("VAULT_ROLE_ID", "role"),
        ("VAULT_SECRET_ID", "secret"),
        ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
    ]);
    let report = in_production(&manifest, &vars);
    assert_eq!(outcome(&report), Ok("kv-value".to_owned()));
}
