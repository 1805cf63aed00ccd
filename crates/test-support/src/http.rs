//! A loopback HTTP server that records the head of each request it gets (request line and
//! headers) and answers every one `403` with Vault's JSON: a stand-in for an address a
//! file or a manifest names, to see what a program sends there.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long the server answers at most, whatever the test does.
const LIFETIME: Duration = Duration::from_secs(120);

/// The server; it stops when dropped.
pub struct Recorder {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Recorder {
    /// A server on a free loopback port, answering for at most two minutes.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (kept, stopped) = (Arc::clone(&seen), Arc::clone(&stop));
        thread::spawn(move || {
            let until = Instant::now() + LIFETIME;
            while Instant::now() < until && !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => answer(stream, &kept),
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self { port, seen, stop }
    }

    /// Its address: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The head of every request so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads one request's head (and its body, unread), records the head in `seen`, then
/// answers 403: recorded before the answer, so a test that asks once its client has its
/// answer finds it (recorded after, a stop's CI once found the list still empty).
fn answer(mut stream: TcpStream, seen: &Mutex<Vec<String>>) {
    if stream.set_nonblocking(false).is_err()
        || stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .is_err()
    {
        return;
    }
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<u64>().ok())?
        })
        .unwrap_or(0);
    let _ = std::io::copy(&mut (&mut stream).take(length), &mut std::io::sink());
    seen.lock().unwrap().push(head);
    let body = br#"{"errors":["permission denied"]}"#;
    let _ = write!(
        stream,
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(body);
}
