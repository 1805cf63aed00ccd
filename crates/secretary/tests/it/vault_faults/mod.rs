//! Faults a real server cannot produce on demand, against a scripted HTTP server on
//! loopback: the retry table, `Retry-After`, redirects, time-outs and the headers sent.
//! Plus AppRole token renewal against a real OpenBao.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use secretary_test_support::scripted;

use scripted::{Answer, Scripted, Shape, answer, serve, shaped, with_header};
use secretary_test_support::OpenBao;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use secretary::source::VaultConfig;
use secretary::source::{Context, Lookup, Source, VaultSource};
use secretary::{Manifest, Report, Variables};
use secretary::{Scope, resolve};

fn manifest(address: &str) -> Manifest {
    manifest_with(address, "")
}

/// The manifest of [`manifest`], its vault source given `settings` too (TOML lines).
fn manifest_with(address: &str, settings: &str) -> Manifest {
    let text = format!(
        "version = 1\n[sources.vault]\ntype = \"vault\"\naddress = \"{address}\"\n{settings}[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\nrequired = true\n"
    );
    Manifest::parse(&text, Path::new("secrets.toml")).unwrap()
}

fn check(server: &Scripted, extra: &[(&str, &str)]) -> Report {
    check_as(server, "s.scripted-token", extra)
}

fn check_as(server: &Scripted, token: &str, extra: &[(&str, &str)]) -> Report {
    let manifest = manifest(&server.address);
    // The address is the manifest's: the user agrees to it, as they must.
    let mut vars = vec![
        ("VAULT_TOKEN", token),
        ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
    ];
    vars.extend_from_slice(extra);
    in_production(&manifest, &Variables::from_pairs(vars))
}

/// `manifest` resolved in production with `vars`, every secret.
fn in_production(manifest: &Manifest, vars: &Variables) -> Report {
    let environment = manifest
        .select_environment(Some("production"), vars)
        .unwrap();
    resolve(manifest, environment, vars, Scope::All).unwrap()
}

/// A KV v2 answer whose field `value` is `raw` (JSON as it is written), with `metadata`
/// (the JSON object's members, such as `"version":1`).
fn kv_answer(raw: &str, metadata: &str) -> Answer {
    Answer {
        body: format!(r#"{{"data":{{"data":{{"value":{raw}}},"metadata":{{{metadata}}}}}}}"#),
        ..answer(200)
    }
}

fn outcome(report: &Report) -> Result<String, String> {
    let resolution = report.get("api_key").unwrap();
    match (&resolution.value, resolution.problems.first()) {
        (Some(value), None) => Ok(value.expose().to_owned()),
        (_, Some(problem)) => Err(problem.kind.to_string()),
        (None, None) => Err("absent".to_owned()),
    }
}

/// A server that answers every connection on its own thread after `delay`, and records
/// the most requests it held at once.
fn serve_concurrently(
    delay: Duration,
) -> (
    String,
    Arc<std::sync::atomic::AtomicUsize>,
    Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(AtomicUsize::new(0));
    let (peak_out, total_out) = (Arc::clone(&peak), Arc::clone(&total));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (in_flight, peak, total) = (
                Arc::clone(&in_flight),
                Arc::clone(&peak),
                Arc::clone(&total),
            );
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                total.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(delay);
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let body = r#"{"data":{"data":{"value":"v"},"metadata":{"version":1}}}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes());
            });
        }
    });
    (address, peak_out, total_out)
}

fn vault_config(manifest: &Manifest) -> VaultConfig {
    manifest
        .source("vault")
        .unwrap()
        .config
        .get::<VaultConfig>()
        .unwrap()
        .clone()
}

mod answers;
mod requests;
mod retries;
