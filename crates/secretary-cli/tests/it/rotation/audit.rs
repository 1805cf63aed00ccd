//! A write whose audit line cannot be written: what the command then says it wrote.

use super::*;

/// Writes `app`'s audit log as `first` (an audit line, so that it is still a log) and
/// filler lines up to `room` bytes before a 512-byte boundary; returns that boundary in
/// blocks, for [`capped`]: the next writes fit in `room` bytes, and no more.
fn pad_log(app: &App, first: &str, room: usize) -> u64 {
    let mut text = format!("{first}\n");
    let end = (text.len() + room + 1024).div_ceil(512) * 512;
    while text.len() + room < end {
        let filler = (end - room - text.len()).clamp(2, 200);
        text.push_str(&"x".repeat(filler - 1));
        text.push('\n');
    }
    fs::write(app.path().join("audit.log"), &text).unwrap();
    (end / 512) as u64
}

#[test]
fn a_write_whose_audit_line_fails_after_it_landed_says_what_it_wrote() {
    // put wrote, then audited: on a full disk the new version existed and the command
    // said nothing was read or run, so a re-run rotated twice (issue 25, item 4). Now an
    // `intent` line goes first (no room for it: nothing is sent), and a failed outcome
    // line names the write.
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let put = [
        "--audit-log",
        "audit.log",
        "--env",
        "production",
        "put",
        "api_key",
    ];
    // A first put, uncapped, gives the two lines' lengths.
    let first = capped(&app, &bao, 1 << 20, &put, "first-api-key-1111111");
    assert_eq!(first.code, 0, "{}", first.all());
    let log = fs::read_to_string(app.path().join("audit.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].contains("\"event\":\"put\"") && lines[0].contains("\"outcome\":\"intent\""));
    assert!(lines[1].contains("\"outcome\":\"ok\""), "{log}");
    let (intent, outcome) = (lines[0].len() + 1, lines[1].len() + 1);
    assert!(outcome > intent + 20, "{log}");

    // Room for the intent line and not for the outcome: pad the log (its first line is
    // an audit line, so it is still a log) to just below a block boundary.
    let blocks = pad_log(&app, lines[0], intent + (outcome - intent) / 2);
    let out = capped(&app, &bao, blocks, &put, "second-api-key-2222222");
    assert_eq!(out.code, 2, "{}", out.all());
    let (value, version) = stored(&bao, "production/api_key").unwrap();
    assert_eq!(value, "second-api-key-2222222", "the write landed");
    assert!(
        out.stderr
            .contains("error: the audit log could not record a write that happened"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains(&format!(
            "  wrote: vault:secret/data/production/api_key#value@v{version}"
        )),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("do not run the command again"),
        "{}",
        out.all()
    );
    assert!(
        !out.stderr
            .contains("stops at the first access it cannot record"),
        "{}",
        out.all()
    );
    // The outcome line may stand cut short at the cap: the last whole line is the intent.
    let log = fs::read_to_string(app.path().join("audit.log")).unwrap();
    let last = log
        .split_inclusive('\n')
        .rfind(|line| line.ends_with('\n'))
        .unwrap();
    assert!(last.contains("\"outcome\":\"intent\""), "{last}");
    assert_no_value(&out, &["second-api-key-2222222"]);

    // No room even for the intent: nothing is sent.
    let blocks = pad_log(&app, lines[0], intent / 2);
    let out = capped(&app, &bao, blocks, &put, "third-api-key-33333333");
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("stops at the first access it cannot record"),
        "{}",
        out.all()
    );
    assert_eq!(
        stored(&bao, "production/api_key").unwrap(),
        ("second-api-key-2222222".to_owned(), version),
        "written though its intent could not be recorded"
    );
}

#[test]
fn a_rotation_of_several_keys_stopped_by_the_log_names_what_it_already_wrote() {
    // The log filled after the first key was rotated and recorded: the command said
    // "nothing is read or run", and a re-run rotated the first key twice (a fourth
    // adversarial pass).
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let rotate = [
        "--audit-log",
        "audit.log",
        "--env",
        "production",
        "rotate",
        "api_key",
        "secret_key",
    ];
    let first = capped(&app, &bao, 1 << 20, &rotate, "first-api-key-1111111");
    assert_eq!(first.code, 0, "{}", first.all());
    let log = fs::read_to_string(app.path().join("audit.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 4, "{log}");
    let (secret_key, secret_version) = stored(&bao, "production/secret_key").unwrap();
    // Room for the first key's intent and outcome lines and half of the second's intent.
    let room = lines[0].len() + lines[1].len() + 2 + lines[2].len() / 2;
    let blocks = pad_log(&app, lines[0], room);
    let out = capped(&app, &bao, blocks, &rotate, "second-api-key-2222222");
    assert_eq!(out.code, 2, "{}", out.all());
    let (value, version) = stored(&bao, "production/api_key").unwrap();
    assert_eq!(value, "second-api-key-2222222", "the first key was rotated");
    assert!(
        out.stderr.contains("stopped before the next write"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains(&format!(
            "  already written (and recorded): vault:secret/data/production/api_key#value@v{version}"
        )),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("  not written: secret_key"),
        "{}",
        out.all()
    );
    assert_eq!(
        stored(&bao, "production/secret_key").unwrap(),
        (secret_key, secret_version),
        "the second key was written though its intent could not be recorded"
    );
    assert_no_value(&out, &["second-api-key-2222222"]);
}

#[test]
fn a_refusal_the_log_cannot_record_still_names_the_rotations_written_before_it() {
    // `rotate A B`: A written and recorded, B refused by Vault, and the refusal's line
    // found the log full: the command said only "cannot write the audit log", not that A
    // was written (a twelfth adversarial pass).
    let bao = OpenBao::start();
    let app = App::new(MANIFEST, DOTENV);
    let policy = app.path().join("narrow.hcl");
    fs::write(
        &policy,
        "path \"secret/data/production/*\" { capabilities = [\"create\", \"read\", \"update\"] }\n\
         path \"secret/data/production/secret_key\" { capabilities = [\"read\"] }\n",
    )
    .unwrap();
    bao.bao(&["policy", "write", "narrow", policy.to_str().unwrap()]);
    let token = bao.bao(&["token", "create", "-policy=narrow", "-field=token"]);
    let token = [("VAULT_TOKEN", token.trim())];
    let rotate = [
        "--audit-log",
        "audit.log",
        "--env",
        "production",
        "rotate",
        "api_key",
        "secret_key",
    ];
    // Uncapped: api_key's intent and outcome, secret_key's intent and refusal.
    let first = capped_with(
        &app,
        &bao,
        1 << 20,
        &rotate,
        "first-api-key-1111111",
        &token,
    );
    assert_eq!(first.code, 1, "{}", first.all());
    let log = fs::read_to_string(app.path().join("audit.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 4, "{log}");
    // Room for all but the refusal's line.
    let room = lines[0].len() + lines[1].len() + lines[2].len() + 3 + lines[3].len() / 2;
    let blocks = pad_log(&app, lines[0], room);
    let out = capped_with(
        &app,
        &bao,
        blocks,
        &rotate,
        "second-api-key-2222222",
        &token,
    );
    assert_eq!(out.code, 2, "{}", out.all());
    let (value, version) = stored(&bao, "production/api_key").unwrap();
    assert_eq!(value, "second-api-key-2222222", "the first key was rotated");
    assert!(
        out.stderr.contains(&format!(
            "  already written (and recorded): vault:secret/data/production/api_key#value@v{version}"
        )),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("  not written: secret_key"),
        "{}",
        out.all()
    );
    assert_no_value(&out, &["second-api-key-2222222", "first-api-key-1111111"]);
}
