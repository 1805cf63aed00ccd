//! The conformance kit: what a provider's author runs against their program
//! (`secretary provider-check -- COMMAND`) before users point an `exec` source at it.
//! Each check sends one request, as an `exec` source would (the same scrubbed
//! environment, the same limits), and says what the program did; no value is ever shown.
//! A provider whose `locator`, `looked` or `error` holds a value of its answer fails the
//! second check.

use std::path::Path;
use std::time::Duration;

use super::protocol::{self, Answered, Asked, PROTOCOL, Request, WITHHELD};
use super::{OUTPUT_LIMIT, environment};
use crate::Variables;
use crate::source::program::{self, Program};

/// One check and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check {
    /// What was checked, in words.
    pub what: String,
    /// `None` when it passed, else what went wrong.
    pub failure: Option<String>,
}

/// What the kit needs to know.
#[derive(Debug, Clone)]
pub struct Kit<'a> {
    /// The provider's command.
    pub command: &'a [String],
    /// Keys the provider's store holds: each must be found.
    pub keys: &'a [String],
    /// Variables it is given besides the basics (as the source's `pass_env`).
    pub pass_env: &'a [String],
    /// How long each request may take.
    pub timeout: Duration,
}

impl Kit<'_> {
    /// Runs every check against the provider, in order.
    pub fn run(&self, vars: &Variables, base: &Path) -> Vec<Check> {
        let mut checks = Vec::new();
        let Some((name, args)) = self.command.split_first() else {
            return vec![Check {
                what: "the command".to_owned(),
                failure: Some("no program given".to_owned()),
            }];
        };
        let path = match program::find(name, vars, base) {
            Ok(path) => path,
            Err(error) => {
                return vec![Check {
                    what: "the program is found".to_owned(),
                    failure: Some(error.to_string()),
                }];
            }
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ask = |protocol: &'static str, secrets: &[(&str, Vec<String>)]| {
            let request = Request {
                protocol,
                source: "conformance",
                app: Some("conformance"),
                environment: "production",
                secrets: secrets
                    .iter()
                    .map(|(key, env)| Asked { key, env })
                    .collect(),
            };
            let input = serde_json::to_vec(&request).unwrap_or_default();
            Program {
                name,
                path: &path,
                args: &args,
                dir: base,
                env: environment(vars, base, self.pass_env, &[]),
                stdin: &input,
                limit: OUTPUT_LIMIT,
                timeout: self.timeout,
            }
            .run()
        };
        let unknown = format!("secretary_conformance_{}", std::process::id());
        let unknown_env = vec![unknown.to_ascii_uppercase()];

        // 1. A key no store holds is absent, not an error.
        let what = format!("a key no store holds (`{unknown}`) is answered `absent`");
        let failure = match ask(PROTOCOL, &[(unknown.as_str(), unknown_env.clone())]) {
            Err(error) => Some(error.to_string()),
            Ok(done) if !done.status.success() => Some(format!("it exited with {}", done.status)),
            Ok(done) => match answers(&done.stdout, &[unknown.as_str()]) {
                Err(error) => Some(error),
                Ok(read) => match read.first() {
                    Some(Answered::Absent { .. }) => None,
                    Some(Answered::Found { .. }) => Some("it answered a value".to_owned()),
                    _ => Some("it answered an error".to_owned()),
                },
            },
        };
        checks.push(Check { what, failure });

        // 2. Every key the author says the store holds is found, all in one request, each
        //    answered once, and no value appears on stderr.
        if !self.keys.is_empty() {
            let mut secrets: Vec<(&str, Vec<String>)> = self
                .keys
                .iter()
                .map(|key| (key.as_str(), vec![key.to_ascii_uppercase()]))
                .collect();
            secrets.push((unknown.as_str(), unknown_env.clone()));
            let keys: Vec<&str> = secrets.iter().map(|(key, _)| *key).collect();
            let what = format!(
                "{} key{} of the store found in one request, beside one it lacks; no value on stderr nor in its locators, `looked` or errors",
                self.keys.len(),
                if self.keys.len() == 1 { "" } else { "s" }
            );
            let failure = match ask(PROTOCOL, &secrets) {
                Err(error) => Some(error.to_string()),
                Ok(done) if !done.status.success() => {
                    Some(format!("it exited with {}", done.status))
                }
                Ok(done) => match read(&done.stdout, &keys) {
                    Err(error) => Some(error),
                    Ok(read) => found_all(&read.answers, &keys, &done.stderr).or_else(|| {
                        read.withheld.first().map(|(key, field)| {
                            format!("its `{field}` for `{key}` holds a value of its answer (shown as {WITHHELD})")
                        })
                    }),
                },
            };
            checks.push(Check { what, failure });
        }

        // 3. A request of a protocol it does not know is refused: a non-zero exit.
        let what = "a request of an unknown protocol version is refused (non-zero exit)".to_owned();
        let failure = match ask("secretary-provider/999", &[(unknown.as_str(), unknown_env)]) {
            Err(error) => Some(error.to_string()),
            Ok(done) if done.status.success() => Some("it exited 0".to_owned()),
            Ok(_) => None,
        };
        checks.push(Check { what, failure });
        checks
    }
}

/// The answers in `stdout`, or what is wrong with them.
fn answers(stdout: &[u8], keys: &[&str]) -> Result<Vec<Answered>, String> {
    read(stdout, keys).map(|read| read.answers)
}

/// The answer in `stdout`, checked, or what is wrong with it.
fn read(stdout: &[u8], keys: &[&str]) -> Result<protocol::Read, String> {
    let text = std::str::from_utf8(stdout).map_err(|_| "its answer is not UTF-8".to_owned())?;
    protocol::read(text, keys).map_err(|error| error.to_string())
}

/// `None` when every key but the last was found and the last is absent, and no value
/// found appears in `stderr`; else what is wrong.
fn found_all(read: &[Answered], keys: &[&str], stderr: &[u8]) -> Option<String> {
    let (last, known) = read.split_last()?;
    for (answer, key) in known.iter().zip(keys) {
        match answer {
            Answered::Found { value, .. } if !value.is_empty() => {
                let bytes = value.as_bytes();
                if stderr.windows(bytes.len()).any(|window| window == bytes) {
                    return Some(format!("the value of `{key}` appears on its stderr"));
                }
            }
            Answered::Found { .. } => return Some(format!("`{key}` is empty")),
            Answered::Absent { .. } => return Some(format!("`{key}` is absent")),
            Answered::Failed { message } => {
                return Some(format!("`{key}` failed: {message}"));
            }
        }
    }
    (!matches!(last, Answered::Absent { .. }))
        .then(|| "the key it lacks is not answered `absent`".to_owned())
}
