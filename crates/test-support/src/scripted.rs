//! A loopback HTTP server that answers from a script: what the Vault tests use for the
//! faults a real server cannot produce on demand.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted answer.
#[derive(Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides the length and the type.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// How long to wait before answering.
    pub delay: Duration,
    /// How it is sent.
    pub shape: Shape,
}

/// How the answer is sent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Whole, with its length, as JSON.
    Whole,
    /// As an HTML page (another web server's).
    Html,
    /// Announcing more bytes than it sends, then closing the connection.
    CutShort,
    /// Announcing a body of this many bytes, and sending zeros for as long as it is read.
    Announced(u64),
    /// Chunked, with no length, 1 MiB at a time for as long as it is read.
    Endless,
    /// The headers, then nothing for this long.
    Stall(Duration),
    /// Nothing at all: the connection is closed once the request is read, as when the
    /// server dies after doing the work but before answering.
    Hangup,
}

/// An answer with `status`: a KV v2 read's body (version 3) for 200, Vault's empty
/// errors otherwise.
pub fn answer(status: u16) -> Answer {
    let body = if status == 200 {
        r#"{"data":{"data":{"value":"the-value"},"metadata":{"version":3}}}"#.to_owned()
    } else {
        r#"{"errors":[]}"#.to_owned()
    };
    Answer {
        status,
        headers: Vec::new(),
        body,
        delay: Duration::ZERO,
        shape: Shape::Whole,
    }
}

/// [`answer`], sent as `shape` says.
pub fn shaped(status: u16, shape: Shape) -> Answer {
    Answer {
        shape,
        ..answer(status)
    }
}

/// `answer` with one more header.
pub fn with_header(mut answer: Answer, name: &str, value: &str) -> Answer {
    answer.headers.push((name.to_owned(), value.to_owned()));
    answer
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The path, with its query.
    pub path: String,
    /// Every header, as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Seen {
    /// The header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback HTTP server that answers from a script, one answer per request, and
/// records every request.
pub struct Scripted {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// A server that answers each request with the next of `script`, and closes each
/// connection past its end.
pub fn serve(script: Vec<Answer>) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut script = script.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut words = request_line.split_whitespace();
            let method = words.next().unwrap_or("").to_owned();
            let path = words.next().unwrap_or("").to_owned();
            let mut headers = Vec::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.trim_end().split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    headers.push((name.to_owned(), value.trim().to_owned()));
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            // A token's look-up (asked once a connection of a token of the user's, to
            // learn whether it has a use limit) is answered as Vault answers a token
            // without one, apart from the script and unrecorded.
            if path.ends_with("/auth/token/lookup-self") {
                send(&mut stream, &lookup_self());
                continue;
            }
            record.lock().unwrap().push(Seen {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let answer = script.next().unwrap_or_else(|| answer(599));
            std::thread::sleep(answer.delay);
            send(&mut stream, &answer);
        }
    });
    Scripted { address, seen }
}

/// What Vault answers a token's `lookup-self`: no use limit.
fn lookup_self() -> Answer {
    Answer {
        body: r#"{"data":{"num_uses":0}}"#.to_owned(),
        ..answer(200)
    }
}

/// Writes `answer` to `stream` in its shape; errors mean the client went away.
fn send(stream: &mut std::net::TcpStream, answer: &Answer) {
    if answer.shape == Shape::Hangup {
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    let (content_type, length) = match answer.shape {
        Shape::Html => ("text/html", Some(answer.body.len() as u64)),
        Shape::CutShort => ("application/json", Some(answer.body.len() as u64 + 100)),
        Shape::Announced(length) => ("application/json", Some(length)),
        Shape::Endless => ("application/json", None),
        Shape::Whole | Shape::Stall(_) | Shape::Hangup => {
            ("application/json", Some(answer.body.len() as u64))
        }
    };
    let mut head = format!(
        "HTTP/1.1 {} Scripted\r\ncontent-type: {content_type}\r\nconnection: close\r\n",
        answer.status
    );
    match length {
        Some(length) => {
            let _ = write!(head, "content-length: {length}\r\n");
        }
        None => head.push_str("transfer-encoding: chunked\r\n"),
    }
    for (name, value) in &answer.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let zeros = vec![b'0'; 1 << 20];
    match answer.shape {
        Shape::Whole | Shape::Html | Shape::CutShort | Shape::Hangup => {
            let _ = stream.write_all(answer.body.as_bytes());
        }
        Shape::Stall(wait) => {
            let _ = stream.flush();
            std::thread::sleep(wait);
            let _ = stream.write_all(answer.body.as_bytes());
        }
        Shape::Announced(length) => {
            let mut left = length;
            while left > 0 {
                let part = usize::try_from(left).map_or(zeros.len(), |left| left.min(zeros.len()));
                if stream.write_all(&zeros[..part]).is_err() {
                    return;
                }
                left -= u64::try_from(part).unwrap_or(left);
            }
        }
        Shape::Endless => loop {
            let chunk = format!("{:x}\r\n", zeros.len());
            if stream.write_all(chunk.as_bytes()).is_err()
                || stream.write_all(&zeros).is_err()
                || stream.write_all(b"\r\n").is_err()
            {
                return;
            }
        },
    }
}

impl Scripted {
    /// Every request it received, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}
