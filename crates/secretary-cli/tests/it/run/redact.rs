//! `run --redact` and `redact`: values hidden on both streams, line by line, with `--only` and values that are not UTF-8.

use super::*;

#[test]
fn redact_replaces_values_on_both_streams_of_a_big_binary_output() {
    let dir = app(MANIFEST, DOTENV);
    let output = support::secretary_in(dir.path())
        .args(["run", "--redact", "--", "python3", "-c", LEAKY])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(4),
        "the child's status comes back"
    );
    let url = b"[redacted:database_url]";
    let key = b"[redacted:api_key]";
    let block = [&b"\x00\xff noise "[..], key, b" ", url, b"\n"]
        .concat()
        .repeat(20000);
    let stdout = [&b"url="[..], url, b"\n", &block, b"debug=false\n"].concat();
    let stderr = [&b"key="[..], key, b"\n", &block].concat();
    // `false` is not sensitive (`sensitive = false`): it is left alone.
    assert!(output.stdout == stdout, "stdout differs");
    assert!(output.stderr == stderr, "stderr differs");
}

#[test]
fn redact_passes_a_line_through_before_the_child_ends() {
    let dir = app(MANIFEST, DOTENV);
    let (mut child, line) = redacted_sleeper(dir.path(), "echo \"ready $DATABASE_URL\"");
    assert_eq!(line, "ready [redacted:database_url]\n");
    send(&child, "TERM");
    let status = process::wait(&mut child);
    assert_eq!(status.code(), Some(128 + 15));
}

#[test]
fn redact_filters_stdin_and_says_when_a_value_is_unknown() {
    let dir = app(MANIFEST, DOTENV);
    let input = "postgresql://app:pw@db/app and quote\"d $dollar\nnewline, debug false\n";
    let output = support::secretary_in(dir.path())
        .arg("redact")
        .write_stdin_bytes(input)
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "[redacted:database_url] and [redacted:api_key], debug false\n"
    );

    // api_key is missing: everything still passes, the rest redacted, and exit 1.
    let dir = app(MANIFEST, "DATABASE_URL=postgresql://app:pw@db/app\n");
    let output = support::secretary_in(dir.path())
        .arg("redact")
        .write_stdin_bytes("to postgresql://app:pw@db/app\n")
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(output.stdout, b"to [redacted:database_url]\n");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("api_key"), "{stderr}");
    assert!(stderr.contains("not redacted"), "{stderr}");
}

#[test]
fn redact_with_only_hides_the_secrets_the_program_inherits_too() {
    // `--only database_url` passes one secret; API_KEY is a declared secret the program
    // inherits from our environment, and is redacted all the same.
    let dir = app(MANIFEST, DOTENV);
    let output = support::secretary_in(dir.path())
        .env("API_KEY", "inherited-canary-5555")
        .env(
            "SQLALCHEMY_DATABASE_URI",
            "postgresql://alias-canary-6666@db/app",
        )
        .args(["run", "--redact", "--only", "database_url", "--"])
        .args([
            "sh",
            "-c",
            "echo \"$API_KEY $SQLALCHEMY_DATABASE_URI $DATABASE_URL\"",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "[redacted:api_key] [redacted:database_url] [redacted:database_url]\n"
    );
}

#[test]
fn redact_hides_an_inherited_secret_whose_value_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = app(MANIFEST, DOTENV);
    let value = std::ffi::OsStr::from_bytes(b"raw-\xffcanary-bytes");
    let output = support::secretary_in(dir.path())
        .env("API_KEY", value)
        .args(["run", "--redact", "--only", "database_url", "--"])
        .args(["sh", "-c", "printf '%s\\n' \"$API_KEY\""])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.stdout, b"[redacted:api_key]\n");
}

/// Pass 12 of issue 25: a multi-line value printed line by line behind a prefix (`sed`,
/// `docker compose logs`), or with CRLF line ends, kept its key material in clear.
#[test]
fn redact_hides_a_multi_line_value_printed_line_by_line_or_with_crlf() {
    let manifest = "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
        [environments.development]\nsources = [\"dotenv\"]\n[secrets.pem_key]\nrequired = true\n";
    let dotenv =
        "PEM_KEY=\"-----BEGIN KEY-----\\nZm9vYmFyYmF6cXV4MTIzNDU2Nzg5\\n-----END KEY-----\"\n";
    let dir = app(manifest, dotenv);
    let output = support::secretary_in(dir.path())
        .args(["run", "--redact", "--", "sh", "-c"])
        .arg("printf '%s\\n' \"$PEM_KEY\" | sed 's/^/app: /'")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "app: -----BEGIN KEY-----\napp: [redacted:pem_key]\napp: -----END KEY-----\n"
    );
    for (input, expected) in [
        (
            "api-1  | -----BEGIN KEY-----\napi-1  | Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5\n",
            "api-1  | -----BEGIN KEY-----\napi-1  | [redacted:pem_key]\n",
        ),
        (
            "-----BEGIN KEY-----\r\nZm9vYmFyYmF6cXV4MTIzNDU2Nzg5\r\n-----END KEY-----\r\n",
            "[redacted:pem_key]\r\n",
        ),
    ] {
        let output = support::secretary_in(dir.path())
            .arg("redact")
            .write_stdin_bytes(input)
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
    }
}

#[test]
fn output_that_cannot_be_written_is_said_and_is_no_success() {
    // A twenty-third adversarial pass: under `ulimit -f`, `run --redact` cut the
    // program's output short and exited 0, saying nothing. A fortieth: the program was
    // then killed by SIGPIPE (141), and what it wrote to a healthy stderr was lost;
    // without `--redact` it runs on. It runs on here too, and its status is kept.
    let dir = app(MANIFEST, DOTENV);
    let out = dir.path().join("out.txt");
    let output = Command::new("sh")
        .current_dir(dir.path())
        .args([
            "-c",
            "exec \"$0\" run --redact -- sh -c 'echo a; sleep 0.3; echo c; echo still-alive >&2; exit 3' > /dev/full",
        ])
        .arg(support::secretary())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{:?}: {stderr}",
        output.status
    );
    assert!(
        stderr.contains("the program's stdout could not be written"),
        "{stderr}"
    );
    assert!(stderr.contains("still-alive"), "{stderr}");
    let output = Command::new("sh")
        .current_dir(dir.path())
        .args([
            "-c",
            "ulimit -f 1 && exec \"$0\" run --redact -- sh -c 'head -c 5000 /dev/zero | tr \"\\000\" a' > out.txt",
        ])
        .arg(support::secretary())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "cut short is no success");
    assert!(fs::metadata(out).unwrap().len() < 5000);
}

#[test]
fn a_slow_reader_of_a_non_blocking_stdout_loses_nothing() {
    // A fortieth adversarial pass: with stdout left non-blocking by an earlier process
    // (`O_NONBLOCK` is shared with the pipe's every holder) and a reader only slow,
    // `run --redact` took EAGAIN for a failure: output lost, program killed (141).
    let dir = app(MANIFEST, DOTENV);
    let output = Command::new("bash")
        .current_dir(dir.path())
        .args([
            "-c",
            "( python3 -c 'import fcntl, os; fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK)'; \
               exec \"$0\" run --redact -- sh -c 'head -c 3000000 /dev/zero; echo done >&2' ) \
             | (sleep 1; wc -c); echo \"status ${PIPESTATUS[0]}\" >&2",
        ])
        .arg(support::secretary())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "3000000",
        "{stderr}"
    );
    assert!(
        stderr.contains("done") && stderr.contains("status 0"),
        "{stderr}"
    );
    assert!(!stderr.contains("could not be written"), "{stderr}");
}
