//! The command line's tests: scan.

use super::*;

const SCAN_MANIFEST: &str = "\
version = 1
[sources.env]
type = \"env\"
[secrets.api_token]
[secrets.db_password]
[secrets.pin]
[secrets.optional_key]
[secrets.log_level]
sensitive = false
";

/// What `scan_project` puts in the environment.
const API_TOKEN: &str = "tok_9f8e7d6c5b4a";
/// Its base64 holds `+` or `/` at every alignment, so that both alphabets differ.
const DB_PASSWORD: &str = "??p@ss/w0rd+x=y z~~";

/// A project whose secrets come from the environment; `cmd` sets their values.
struct ScanProject(Project);

impl ScanProject {
    fn new() -> Self {
        Self(Project::new(SCAN_MANIFEST))
    }

    fn cmd(&self) -> Command {
        let mut cmd = self.0.cmd();
        cmd.env("API_TOKEN", API_TOKEN)
            .env("DB_PASSWORD", DB_PASSWORD)
            .env("PIN", "1234")
            .env("LOG_LEVEL", "INFO-LEVEL-OK");
        cmd
    }

    fn scan(&self, args: &[&str]) -> Outcome {
        run(self.cmd().arg("scan").args(args))
    }
}

/// Base64 without padding (the canary sweep's encoder), standard or URL-safe.
fn b64(bytes: &[u8], url_safe: bool) -> String {
    let standard = base64(bytes);
    if url_safe {
        standard.replace('+', "-").replace('/', "_")
    } else {
        standard
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        write!(out, "{b:02x}").unwrap();
        out
    })
}

#[test]
fn scan_finds_each_form_where_git_would_look_and_names_no_value() {
    use std::fmt::Write as _;
    let project = ScanProject::new();
    let p = &project.0;
    p.file(".gitignore", "ignored/\n*.log\n");
    p.file(
        "src/config.py",
        &format!("# settings\n\nTOKEN = \"{API_TOKEN}\"\n"),
    );
    p.file("ignored/leak.txt", &format!("{API_TOKEN}\n"));
    p.file("debug.log", &format!("{API_TOKEN}\n"));
    p.file(".hidden/notes.txt", &format!("x\n{API_TOKEN}\n"));
    p.file(".git/config", &format!("url = https://{API_TOKEN}@host\n"));
    // Base64 of the value at each alignment, in both alphabets, inside longer text
    // (HTTP basic auth: `user:password`).
    let mut encoded = String::new();
    for prefix in ["", "u", "us", "use"] {
        let mut bytes = format!("{prefix}:").into_bytes();
        bytes.extend_from_slice(DB_PASSWORD.as_bytes());
        bytes.extend_from_slice(b"!tail");
        writeln!(encoded, "Authorization: Basic {}", b64(&bytes, false)).unwrap();
        writeln!(encoded, "{}", b64(&bytes, true)).unwrap();
    }
    // Line 9: percent-encoded in a URL; 10: as a form writes it; 11, 12: hex.
    encoded.push_str("postgresql://app:%3F%3Fp%40ss%2Fw0rd%2Bx%3Dy%20z~~@db/app\n");
    encoded.push_str("password=%3F%3Fp%40ss%2Fw0rd%2Bx%3Dy+z~~&next=1\n");
    writeln!(encoded, "{}", hex(API_TOKEN.as_bytes())).unwrap();
    writeln!(encoded, "{}", hex(API_TOKEN.as_bytes()).to_uppercase()).unwrap();
    writeln!(encoded, "{{\"password\": \"{DB_PASSWORD}\"}}").unwrap();
    p.file("encoded.txt", &encoded);
    // A value broken across lines is not found (said in docs/reference/commands.md).
    let (head, tail) = API_TOKEN.split_at(8);
    p.file("split.txt", &format!("{head}\\\n{tail}\n"));
    let mut binary = b"\x89PNG\x00\x00".to_vec();
    binary.extend_from_slice(API_TOKEN.as_bytes());
    fs::write(p.path().join("image.png"), binary).unwrap();
    // The non-sensitive value, and a short one, are not searched.
    p.file("settings.txt", "level = INFO-LEVEL-OK\npin = 1234\n");

    let out = project.scan(&["."]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let found: Vec<&str> = out.stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        found,
        [
            ".hidden/notes.txt:2: the value of `api_token` (exact)",
            "encoded.txt:1: the value of `db_password` (base64)",
            "encoded.txt:2: the value of `db_password` (base64url)",
            "encoded.txt:3: the value of `db_password` (base64)",
            "encoded.txt:4: the value of `db_password` (base64url)",
            "encoded.txt:5: the value of `db_password` (base64)",
            "encoded.txt:6: the value of `db_password` (base64url)",
            "encoded.txt:7: the value of `db_password` (base64)",
            "encoded.txt:8: the value of `db_password` (base64url)",
            "encoded.txt:9: the value of `db_password` (url)",
            "encoded.txt:10: the value of `db_password` (url)",
            "encoded.txt:11: the value of `api_token` (hex)",
            "encoded.txt:12: the value of `api_token` (hex)",
            "encoded.txt:13: the value of `db_password` (exact)",
            "src/config.py:3: the value of `api_token` (exact)",
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "15 places in 3 files hold the current value of api_token, db_password (environment `development`); 1 binary file not searched."
        ),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stderr,
        "warning: not searched, shorter than 8 bytes (a value that short turns up by chance; --min-length lowers the bound): pin\n"
    );
    for said in [&out.stdout, &out.stderr] {
        for value in [API_TOKEN, DB_PASSWORD, "p%40ss", &hex(API_TOKEN.as_bytes())] {
            assert!(!said.contains(value), "{said}");
        }
    }

    // Without the ignore files, the ignored files too; .git never.
    let all = project.scan(&["--no-ignore", "."]);
    assert!(all.stdout.contains("ignored/leak.txt:1:"), "{}", all.stdout);
    assert!(all.stdout.contains("debug.log:1:"), "{}", all.stdout);
    assert!(!all.stdout.contains(".git/"), "{}", all.stdout);
    // A file named is searched even when ignored.
    let named = project.scan(&["debug.log"]);
    assert_eq!(named.code, 1);
    assert!(
        named
            .stdout
            .starts_with("debug.log:1: the value of `api_token` (exact)\n")
    );
}

#[test]
fn scan_exits_0_when_clean_and_2_on_a_bad_path_or_manifest() {
    let project = ScanProject::new();
    project.0.file("src/app.py", "print('hello')\n");
    let clean = project.scan(&["src"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    assert_eq!(
        clean.stdout,
        "ok: no value of 2 sensitive secrets in environment `development` found in 1 file (15 bytes)\n"
    );

    let missing = project.scan(&["src", "nope"]);
    assert_eq!(missing.code, 2);
    assert_eq!(missing.stdout, "");
    assert_eq!(missing.stderr, "error: cannot search nope: not found\n");

    let usage = project.scan(&[]);
    assert_eq!(usage.code, 2);
    let short = project.scan(&["--min-length", "2", "src"]);
    assert_eq!(short.code, 2);
    assert!(short.stderr.contains("--min-length"), "{}", short.stderr);

    let broken = Project::new("version = 1\n[secrets.A]\n");
    let out = run(broken.cmd().args(["scan", "."]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("secrets.toml:2:"), "{}", out.stderr);
}

#[test]
fn scan_names_only_the_values_it_could_not_search_for() {
    // A thirty-third adversarial pass: a template not built over an invalid input was
    // called "not known", though it is searched for through its input.
    let project = Project::new(
        "version = 1\n[sources.env]\ntype = \"env\"\n[secrets.api_key]\nmin_length = 50\n\
         [secrets.url]\ntemplate = \"postgres://app:{api_key|url}@db/x\"\n",
    );
    project.file(
        "conf.yaml",
        "url: postgres://app:sk%2Flive-0123456789@db/x\n",
    );
    let out = run(project
        .cmd()
        .env("API_KEY", "sk/live-0123456789")
        .args(["scan", "."]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("api_key"),
        "found through its input: {}",
        out.stdout
    );
    assert!(!out.stderr.contains("not known"), "{}", out.stderr);
}

#[test]
fn scan_with_a_value_it_cannot_know_is_not_clean() {
    let project = Project::new(
        "version = 1\n[sources.env]\ntype = \"env\"\n[secrets.api_token]\nrequired = true\n[secrets.other]\n",
    );
    project.file("a.txt", "nothing here\n");
    let out = run(project
        .cmd()
        .env("OTHER", "other-value-123")
        .args(["scan", "."]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("[missing] api_token: required but not set"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "secretary scan: the values of api_token are not known, and were not searched for"
        ),
        "{}",
        out.stderr
    );
    // Not "ok" on stdout either, which a CI log may show alone (a fortieth adversarial
    // pass).
    assert!(
        out.stdout.starts_with(
            "not every value is known (see above); of those searched for, no value of 1 sensitive secret"
        ) && !out.stdout.contains("ok:"),
        "{}",
        out.stdout
    );
    let json = run(project
        .cmd()
        .env("OTHER", "other-value-123")
        .args(["scan", ".", "--format", "json"]));
    assert_eq!(json.code, 1);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(
        json["not_searched"],
        serde_json::json!([{ "key": "api_token", "reason": "unknown", "state": "missing" }])
    );
}

#[cfg(unix)]
#[test]
fn scan_follows_links_only_when_asked_and_reports_what_it_cannot_read() {
    let project = ScanProject::new();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.txt"), format!("{API_TOKEN}\n")).unwrap();
    fs::create_dir(project.0.path().join("tree")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        project.0.path().join("tree/link.txt"),
    )
    .unwrap();
    let out = project.scan(&["tree"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .ends_with("; 1 symbolic link not followed (--follow follows them)\n"),
        "{}",
        out.stdout
    );
    let followed = project.scan(&["--follow", "tree"]);
    assert_eq!(followed.code, 1);
    assert!(
        followed
            .stdout
            .starts_with("tree/link.txt:1: the value of `api_token` (exact)\n"),
        "{}",
        followed.stdout
    );
    // A link named on the command line is followed: it was named.
    std::os::unix::fs::symlink(outside.path(), project.0.path().join("outside")).unwrap();
    let named = project.scan(&["outside"]);
    assert_eq!(named.code, 1, "{}{}", named.stdout, named.stderr);
    assert!(
        named.stdout.starts_with("outside/secret.txt:1:"),
        "{}",
        named.stdout
    );

    // A FIFO named is not read (it would block): exit 2, after the rest is searched.
    let fifo = project.0.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = project.scan(&["pipe", "--follow", "tree"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("tree/link.txt:1:"), "{}", out.stdout);
    assert!(
        out.stderr
            .ends_with("\nerror: cannot read pipe: not a regular file (it is a FIFO)\n"),
        "{}",
        out.stderr
    );
    // With nothing found, it does not say "ok" either.
    let out = project.scan(&["pipe"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("not every path could be searched; in those searched, no value"),
        "{}",
        out.stdout
    );
}

#[cfg(unix)]
#[test]
fn a_file_reached_by_several_paths_is_one_file_and_a_link_to_nothing_is_no_error() {
    // A seventy-fifth adversarial pass: `scan --follow` said "3 places in 3 files" of one
    // file reached by itself, a relative link and an absolute one, and a dangling link
    // was "not found", exit 2 though a value was found.
    let project = ScanProject::new();
    let tree = project.0.path().join("tree");
    fs::create_dir_all(tree.join("a/b")).unwrap();
    fs::write(tree.join("a/real.txt"), format!("{API_TOKEN}\n")).unwrap();
    std::os::unix::fs::symlink("../real.txt", tree.join("a/b/l1")).unwrap();
    std::os::unix::fs::symlink(tree.join("a/real.txt"), tree.join("abs")).unwrap();
    std::os::unix::fs::symlink("nonexistent", tree.join("dangling")).unwrap();
    let out = project.scan(&["--follow", "tree"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let places = out
        .stdout
        .lines()
        .filter(|line| line.contains("the value of"))
        .count();
    assert_eq!(places, 1, "{}", out.stdout);
    assert!(out.stdout.contains("1 place in 1 file"), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "not searched: tree/dangling is a symbolic link to nonexistent, which does not exist"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("error:"), "{}", out.stderr);
}

/// Issue 25, item 11: a loop under `--follow` was an error with an empty path, and exit 2,
/// though every file was read. A loop leads back to a directory being searched: it is
/// named in a warning, and the verdict is the scan's own.
#[cfg(unix)]
#[test]
fn scan_follow_names_a_link_loop_and_still_reads_every_file() {
    let project = ScanProject::new();
    project
        .0
        .file("tree/sub/leak.txt", &format!("{API_TOKEN}\n"));
    project.0.file("tree/clean.txt", "nothing\n");
    std::os::unix::fs::symlink("..", project.0.path().join("tree/sub/up")).unwrap();
    let scan = |args: &[&str]| {
        run(project
            .cmd()
            .arg("scan")
            .args(args)
            .timeout(std::time::Duration::from_secs(60)))
    };
    let out = scan(&["--follow", "tree"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("tree/sub/leak.txt:1: the value of `api_token` (exact)\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.ends_with(
            "\nwarning: not followed: tree/sub/up is a symbolic link back to tree, which is searched already\n"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
    // Nothing found: clean, and said so.
    fs::remove_file(project.0.path().join("tree/sub/leak.txt")).unwrap();
    let out = scan(&["--follow", "tree"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("ok: no value of 2 sensitive secrets"),
        "{}",
        out.stdout
    );
    // Two links that lead to each other are a loop too, not a file that cannot be read
    // (an eighth adversarial pass: exit 2, "Too many levels of symbolic links").
    std::os::unix::fs::symlink("b", project.0.path().join("tree/a")).unwrap();
    std::os::unix::fs::symlink("a", project.0.path().join("tree/b")).unwrap();
    let out = scan(&["--follow", "tree"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("warning: not followed: tree/a is a symbolic link to tree/b, and it leads only to links, never to a file or directory"),
        "{}",
        out.stderr
    );
    fs::remove_file(project.0.path().join("tree/a")).unwrap();
    fs::remove_file(project.0.path().join("tree/b")).unwrap();
    // A fifteenth adversarial pass: a link above the path given searched the tree
    // twice, and one to /proc/self searched the whole file system again. A fifty-fourth:
    // the link above was said "searched already", though the files beside the tree were
    // not, and the scan was clean: it is an error (exit 2), naming what to give.
    std::os::unix::fs::symlink("../..", project.0.path().join("tree/sub/above")).unwrap();
    std::os::unix::fs::symlink("/proc/self", project.0.path().join("tree/proc")).unwrap();
    let out = scan(&["--follow", "tree"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "error: cannot search tree/sub/above: it is a symbolic link to "
        ) && out
            .stderr
            .contains("a directory above the path given, and is not followed; its other files were not searched"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("warning: not followed: tree/proc is a symbolic link into /proc/"),
        "{}",
        out.stderr
    );
    fs::remove_file(project.0.path().join("tree/sub/above")).unwrap();
    fs::remove_file(project.0.path().join("tree/proc")).unwrap();
    let json = scan(&["--follow", "tree", "--format", "json"]);
    assert_eq!(json.code, 0, "{}{}", json.stdout, json.stderr);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["errors"], serde_json::json!([]));
    assert_eq!(
        json["warnings"],
        serde_json::json!([
            "not followed: tree/sub/up is a symbolic link back to tree, which is searched already"
        ])
    );
}

/// Issue 25, item 16: a value as guessable as a word (the reference application's
/// `POSTGRES_USER=faceless`) was found inside `faceless-youtube`, a wall of false alarms
/// on the application itself. Such a value counts only as a word of its own; a value
/// that cannot turn up by chance is still found anywhere.
#[test]
fn scan_finds_a_guessable_value_only_as_a_whole_word() {
    let project = Project::new(
        "version = 1\n[sources.env]\ntype = \"env\"\n[secrets.postgres_user]\n[secrets.api_token]\n",
    );
    project.file(
        "pyproject.toml",
        "[project]\nname = \"faceless-youtube\"\n# faceless_dev, facelessness, xfaceless, faceless2\n",
    );
    project.file(
        "config.yaml",
        &format!("db:\n  user: faceless\n  url: postgresql://faceless:pw@db/app\ntoken: tok-{API_TOKEN}9\n"),
    );
    let out = run(project
        .cmd()
        .env("POSTGRES_USER", "faceless")
        .env("API_TOKEN", API_TOKEN)
        .args(["scan", "."]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let found: Vec<&str> = out.stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        found,
        [
            "config.yaml:2: the value of `postgres_user` (exact)",
            "config.yaml:3: the value of `postgres_user` (exact)",
            "config.yaml:4: the value of `api_token` (exact)",
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains(
            "note: matched only as a whole word (a value this guessable is part of ordinary words): postgres_user\n"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("faceless"), "{}", out.stderr);
}

#[test]
fn scan_json_has_the_documented_schema() {
    let project = ScanProject::new();
    project.0.file("a/leak.txt", &format!("one\n{API_TOKEN}\n"));
    fs::write(project.0.path().join("a/blob.bin"), b"\x00\x01").unwrap();
    let out = project.scan(&["a", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "schema_version": 1,
            "manifest": "secrets.toml",
            "environment": "development",
            "ok": false,
            "found": [{ "path": "a/leak.txt", "line": 2, "key": "api_token", "form": "exact" }],
            "searched": { "files": 1, "bytes": 21, "secrets": ["api_token", "db_password"] },
            "not_searched": [
                { "key": "pin", "reason": "too_short" },
                { "key": "optional_key", "reason": "unset" },
                { "key": "log_level", "reason": "not_sensitive" }
            ],
            "binary": ["a/blob.bin"],
            "links_not_followed": 0,
            "errors": [],
            "warnings": []
        })
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn scan_output_holds_no_canary_in_any_form() {
    use std::fmt::Write as _;
    let project = Project::example("ENVIRONMENT=development\n");
    let mut leaks = String::new();
    for (_, _, value) in canaries() {
        let bytes = value.as_bytes();
        writeln!(
            leaks,
            "{value}\n{}\n{}\n{}",
            b64(bytes, false),
            hex(bytes),
            value
                .replace(':', "%3A")
                .replace('/', "%2F")
                .replace('@', "%40")
        )
        .unwrap();
    }
    project.file("leaks/all.txt", &leaks);
    for format in ["text", "json"] {
        let mut cmd = project.cmd();
        for (_, name, value) in canaries() {
            cmd.env(name, value);
        }
        let out = run(cmd.args(["scan", "leaks", "--format", format]));
        assert_eq!(out.code, 1, "{format}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("mongodb_uri"), "{}", out.stdout);
        assert_clean(&format!("scan {format}"), &out.stdout, None);
        assert_clean(&format!("scan {format}"), &out.stderr, None);
    }
}

#[test]
fn a_file_name_cannot_move_the_cursor_or_forge_a_line() {
    // A twenty-sixth adversarial pass: a committed link loop named
    // `x\n\nok: nothing found\e[2J` printed a forged verdict, and a leaking file's name
    // with `\r\e[31m` was echoed raw.
    let project = ScanProject::new();
    project
        .0
        .file("tree/p\r\u{1b}[31mleak.txt", &format!("{API_TOKEN}\n"));
    std::os::unix::fs::symlink(
        "..",
        project
            .0
            .path()
            .join("tree/x\n\nok: nothing found\u{1b}[2J"),
    )
    .unwrap();
    let out = run(project
        .cmd()
        .args(["scan", "--follow", "tree"])
        .timeout(std::time::Duration::from_secs(60)));
    // Found, and a link above the tree not followed: an error (exit 2).
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !stream.contains('\u{1b}') && !stream.contains('\r'),
            "{stream:?}"
        );
        assert!(!stream.contains("\nok: nothing found"), "{stream:?}");
    }
    assert!(
        out.stdout
            .contains("tree/p\\r\\u{1b}[31mleak.txt:1: the value of `api_token`"),
        "{:?}",
        out.stdout
    );
}

#[test]
fn a_path_in_the_manifest_with_a_control_character_is_refused() {
    let project = Project::new(
        "version = 1\n[sources.d]\ntype = \"dotenv\"\nfiles = [\"a\\u001b[8m\\rb.env\"]\n[secrets.a]\n",
    );
    let out = run(project.cmd().arg("check"));
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("`sources.d.files` holds a control character"),
        "{:?}",
        out.stderr
    );
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
}

#[test]
fn scan_says_nothing_of_a_built_values_length_or_letters() {
    use std::fmt::Write as _;

    // A seventieth adversarial pass: templates `{pw}eeeeeeeeee`, one for each letter,
    // were each "matched only as a whole word" or not as the letter was in the password
    // or not (a guessable value stays guessable as letters it holds repeat), and
    // `aaa{pw}` "too short" by its length. A built value is not searched for; its
    // inputs are, inside it.
    let mut manifest = String::from("version = 1\n[sources.env]\ntype = \"env\"\n[secrets.pw]\n");
    for c in ['a', 'e', 'h', 'n', 'z', '4'] {
        let _ = writeln!(
            manifest,
            "[secrets.y_{c}]\ntemplate = \"{{pw}}{}\"",
            c.to_string().repeat(10)
        );
    }
    for k in 0..8 {
        let _ = writeln!(
            manifest,
            "[secrets.x{k}]
template = \"{}{{pw}}\"",
            "a".repeat(k)
        );
    }
    let project = Project::new(&manifest);
    project.file("conf.txt", "nothing here\n");
    for pw in ["hunter42", "zebra917", "abc", "abcdefghijklmnop"] {
        let out = run(project.cmd().env("PW", pw).args(["scan", "."]));
        assert_eq!(out.code, 0, "{pw}: {}{}", out.stdout, out.stderr);
        // Only the password's own verdict (too short, a whole word) may be said.
        assert!(
            !out.stderr.contains("y_") && !(0..8).any(|k| out.stderr.contains(&format!("x{k}"))),
            "{pw}: {}",
            out.stderr
        );
    }
}
