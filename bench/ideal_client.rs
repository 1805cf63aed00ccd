//! The least work any client can do to read N secrets from a local OpenBao: the "ideal
//! client" of bench/vault.sh. It reads `secret/data/bench/s0000` .. `s{N-1}` over raw
//! loopback TCP with hand-written HTTP/1.1, and does nothing else: no configuration file,
//! no TLS, no JSON parsing, no validation, no output. It only checks that every answer is
//! a 200 with a body. Its time is what the server and the machine allow, so it shows how
//! close to that secretary (and the 5x-teller target) can get on this machine.
//!
//!     rustc -O bench/ideal_client.rs -o ideal_client
//!     VAULT_TOKEN=... ideal_client PORT N CONNECTIONS inflight|pipelined
//!
//! - `inflight`: one request in flight per connection, a thread per connection; the shape
//!   of secretary's client (and of wrk).
//! - `pipelined`: every connection's requests written at once (HTTP/1.1 pipelining), then
//!   the answers read; fewer system calls on both sides than any pooled client makes.
//!
//! A bench tool, not part of secretary: it exits with a message on anything unexpected.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::exit;
use std::thread;

fn fail(what: &str) -> ! {
    eprintln!("ideal_client: {what}");
    exit(1)
}

fn request(port: u16, token: &str, index: usize) -> String {
    format!(
        "GET /v1/secret/data/bench/s{index:04} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         X-Vault-Token: {token}\r\nX-Vault-Request: true\r\n\r\n"
    )
}

fn connect(port: u16) -> TcpStream {
    let stream =
        TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| fail(&format!("connect: {e}")));
    stream
        .set_nodelay(true)
        .unwrap_or_else(|e| fail(&format!("nodelay: {e}")));
    stream
}

/// Reads from `stream` until `want` whole answers have arrived.
fn answers(stream: &mut TcpStream, want: usize) {
    let mut buffer = Vec::with_capacity(1 << 16);
    let mut chunk = [0u8; 1 << 16];
    let mut got = 0;
    while got < want {
        let read = stream
            .read(&mut chunk)
            .unwrap_or_else(|e| fail(&format!("read: {e}")));
        if read == 0 {
            fail("the server closed the connection");
        }
        buffer.extend_from_slice(&chunk[..read]);
        while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            if !head.starts_with("http/1.1 200") {
                fail(&format!("not a 200: {}", head.lines().next().unwrap_or("")));
            }
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or_else(|| fail("an answer without Content-Length"));
            let total = end + 4 + length;
            if length == 0 {
                fail("an empty body");
            }
            if buffer.len() < total {
                break;
            }
            buffer.drain(..total);
            got += 1;
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        fail("usage: ideal_client PORT N CONNECTIONS inflight|pipelined");
    }
    let port: u16 = args[1]
        .parse()
        .unwrap_or_else(|_| fail("PORT is not a port"));
    let n: usize = args[2]
        .parse()
        .unwrap_or_else(|_| fail("N is not a number"));
    let connections: usize = args[3]
        .parse()
        .unwrap_or_else(|_| fail("CONNECTIONS is not a number"));
    let token = std::env::var("VAULT_TOKEN").unwrap_or_else(|_| fail("VAULT_TOKEN is not set"));
    match args[4].as_str() {
        "inflight" => {
            let workers: Vec<_> = (0..connections)
                .map(|first| {
                    let token = token.clone();
                    thread::spawn(move || {
                        let mut stream = connect(port);
                        for index in (first..n).step_by(connections) {
                            stream
                                .write_all(request(port, &token, index).as_bytes())
                                .unwrap_or_else(|e| fail(&format!("write: {e}")));
                            answers(&mut stream, 1);
                        }
                    })
                })
                .collect();
            for worker in workers {
                worker.join().unwrap_or_else(|_| fail("a worker panicked"));
            }
        }
        "pipelined" => {
            let mut streams: Vec<(TcpStream, usize)> = (0..connections)
                .map(|first| {
                    let mut stream = connect(port);
                    let indices: Vec<usize> = (first..n).step_by(connections).collect();
                    let batch: String = indices.iter().map(|&i| request(port, &token, i)).collect();
                    stream
                        .write_all(batch.as_bytes())
                        .unwrap_or_else(|e| fail(&format!("write: {e}")));
                    (stream, indices.len())
                })
                .collect();
            for (stream, want) in &mut streams {
                answers(stream, *want);
            }
        }
        _ => fail("the mode is inflight or pipelined"),
    }
}
