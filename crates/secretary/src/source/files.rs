//! A directory with one file per secret, as Docker and Kubernetes mount them.
//!
//! ```toml
//! [sources.mounted]
//! type = "files"
//! dir = "/run/secrets"          # relative paths start at the manifest's directory
//! ```
//!
//! A secret is read from `DIR/<key>` or else `DIR/<PRIMARY_ENV_NAME>`; one trailing
//! newline is trimmed. Symbolic links are followed only while they stay inside the
//! directory (Kubernetes' `..data` links do), so a link to `/etc/shadow` is refused.
//! Each file is opened once, one path component at a time beneath the directory, so a
//! link swapped in while secretary reads cannot lead it out either (see
//! [`crate::file`]); its type, mode and size are those of what was opened.
//! A directory that does not exist means the source has nothing; a file anyone may
//! write to is refused; a file that group or others may read gets a warning; a FIFO,
//! a device or a file over 1 MiB is refused.

use zeroize::Zeroizing;

use super::{Batch, Claim, Claimant, Context, Lookup, Source, SourceError, file_error, shown};
use crate::file::{self, Dir, FileError, Opened};
use crate::manifest::{SecretSpec, SourceKind};
use crate::{Absence, Locator, Looked, SecretValue, Site};

/// Secret files larger than this are refused.
const MAX_SIZE: u64 = file::SECRET_LIMIT;

/// Reads secrets from a directory of files.
#[derive(Debug)]
pub struct FilesSource {
    name: String,
    dir: String,
}

/// A candidate file, opened ([`FilesSource::open_claimed`]).
enum Opening {
    /// It holds nothing, or a line end alone: no value, and not claimed.
    Empty,
    /// Claimed, and read already (two bytes at most).
    Read(Zeroizing<String>),
    /// Claimed, and not read yet.
    Unread(Opened),
}

impl FilesSource {
    /// A source called `name` reading from `dir`.
    pub fn new(name: String, dir: String) -> Self {
        Self { name, dir }
    }

    /// `file` inside the directory, as shown to people (`dir` is already shown).
    fn join(dir: &str, file: &str) -> String {
        format!("{}/{file}", dir.trim_end_matches('/'))
    }

    /// Opens one candidate file for the secret `key` and claims it: `Ok(None)` when it
    /// does not exist. A file another secret of this resolution claimed, by another name
    /// or link, fails, before anything of it is read: one file gives one secret its
    /// value (a ninth adversarial pass committed 756 links to one mounted secret file,
    /// each read by a secret with a one-character `pattern`). Claimed only when it could
    /// give a value: a file refused (writable by all, too large) or empty gives no
    /// secret its value, and a later source's value for this secret is its own (a
    /// forty-first and a forty-second adversarial pass saw another source's value taken
    /// back). Said (`warnings`) when others may read it.
    fn open_claimed(
        root: &Dir,
        dir: &str,
        file: &str,
        key: &str,
        context: &Context<'_>,
        warnings: &mut Vec<crate::Warning>,
    ) -> Result<Option<Opening>, SourceError> {
        let shown = Self::join(dir, file);
        let opened = match root.open_beneath(file) {
            Ok(opened) => opened,
            // Missing, or a link to nothing: nothing to read here.
            Err(FileError::NotFound) => return Ok(None),
            Err(error) => return Err(Self::failed(dir, error, shown)),
        };
        let mode = opened.mode();
        if mode & 0o002 != 0 {
            return Err(SourceError::WorldWritable { path: shown, mode });
        }
        if opened.len() > MAX_SIZE {
            let error = FileError::TooLarge { limit: MAX_SIZE };
            return Err(Self::failed(dir, error, shown));
        }
        if mode & 0o044 != 0 {
            warnings.push(crate::Warning::FileReadable {
                path: shown.clone(),
                mode,
            });
        }
        let (device, inode) = opened.identity();
        // A file of two bytes at most is read before it is claimed: one holding a line
        // end alone is empty, as one holding nothing is (a fifty-sixth adversarial pass
        // saw `\n` claimed, and a link to it refused as another secret's).
        let opening = if opened.len() <= 2 {
            let text = opened
                .read_text(2)
                .map_err(|error| Self::failed(dir, error, shown.clone()))?;
            if trim(&text).is_empty() {
                return Ok(Some(Opening::Empty));
            }
            Opening::Read(text)
        } else {
            Opening::Unread(opened)
        };
        let claimant = Claimant::Secret(key.to_owned());
        match context
            .claims
            .claim(&claimant, &[Claim::File { device, inode }])
        {
            Ok(()) => Ok(Some(opening)),
            Err((_, Claimant::Secret(first))) => {
                Err(SourceError::SharedFile { path: shown, first })
            }
            Err((_, Claimant::Dotenv)) => Err(SourceError::ReadWholeAndByDotenv {
                path: shown,
                whole: key.to_owned(),
            }),
        }
    }

    /// What reading `file` (shown in `dir`) failing with `error` is called.
    fn failed(dir: &str, error: FileError, shown: String) -> SourceError {
        match error {
            FileError::Escapes => SourceError::Escapes {
                path: shown,
                dir: dir.to_owned(),
            },
            // Not which line: the file is one secret's value, and how many line ends
            // come before its first stray byte is something of it (a fortieth
            // adversarial pass).
            FileError::NotUtf8 { .. } => SourceError::NotUtf8 { what: shown },
            other => file_error(shown, other),
        }
    }

    /// Reads one candidate file for the secret `key` ([`FilesSource::open_claimed`]),
    /// with one trailing newline trimmed: `Ok(None)` when it does not exist, empty when
    /// it holds nothing else.
    fn read(
        root: &Dir,
        dir: &str,
        file: &str,
        key: &str,
        context: &Context<'_>,
        warnings: &mut Vec<crate::Warning>,
    ) -> Result<Option<Zeroizing<String>>, SourceError> {
        let text = match Self::open_claimed(root, dir, file, key, context, warnings)? {
            None => return Ok(None),
            Some(Opening::Empty) => return Ok(Some(Zeroizing::new(String::new()))),
            Some(Opening::Read(text)) => text,
            Some(Opening::Unread(opened)) => opened
                .read_text(MAX_SIZE)
                .map_err(|error| Self::failed(dir, error, Self::join(dir, file)))?,
        };
        Ok(Some(Zeroizing::new(trim(&text).to_owned())))
    }

    /// Makes the claims [`FilesSource::look`] would make for `secret`, reading nothing
    /// but a file of two bytes at most ([`FilesSource::open_claimed`]): for a secret
    /// not asked, whose claims decide what the others may read.
    fn claim_for(root: &Dir, dir: &str, secret: &SecretSpec, context: &Context<'_>) {
        for file in Self::candidates(secret) {
            match Self::open_claimed(root, dir, file, &secret.key, context, &mut Vec::new()) {
                Ok(None | Some(Opening::Empty)) => {}
                // A value, or a failure: no later candidate is read.
                Ok(Some(_)) | Err(_) => return,
            }
        }
    }

    /// The files that may hold `secret`, in order: its key, then its primary env name.
    fn candidates(secret: &SecretSpec) -> Vec<&str> {
        let mut candidates = vec![secret.key.as_str()];
        if secret.primary_env() != secret.key {
            candidates.push(secret.primary_env());
        }
        candidates
    }

    /// What the directory `root` (shown as `dir`) has for `secret`: its key's file, or
    /// else its primary env name's.
    fn look(
        root: &Dir,
        dir: &str,
        secret: &SecretSpec,
        context: &Context<'_>,
        warnings: &mut Vec<crate::Warning>,
    ) -> Lookup {
        let mut looked = Vec::new();
        for file in Self::candidates(secret) {
            match Self::read(root, dir, file, &secret.key, context, warnings) {
                Ok(Some(value)) if value.is_empty() => {
                    looked.push(
                        Looked::new(Locator::file(&Self::join(dir, file))).because(Absence::Empty),
                    );
                }
                Ok(Some(value)) => {
                    return Lookup::Found {
                        value: SecretValue::new(value.to_string()),
                        locator: Locator::file(&Self::join(dir, file)),
                        written: None,
                        shape: None,
                    };
                }
                Ok(None) => {
                    looked.push(Looked::new(Locator::file(&Self::join(dir, file))));
                }
                Err(error) => return Lookup::Failed(error),
            }
        }
        Lookup::Absent { looked }
    }
}

impl Source for FilesSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::FILES
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        let dir = shown(context, &self.dir);
        let path = context.base_dir.join(&self.dir);
        let root = match Dir::open(&path) {
            Ok(root) => root,
            Err(FileError::NotFound) => {
                let looked = Looked::new(Locator::new(SourceKind::FILES, Site::name(&dir)))
                    .because(Absence::NoSuchDirectory);
                let lookups = secrets
                    .iter()
                    .map(|_| Lookup::Absent {
                        looked: vec![looked.clone()],
                    })
                    .collect();
                return Batch {
                    lookups,
                    warnings: Vec::new(),
                };
            }
            Err(error) => {
                let error = SourceError::Read {
                    path: dir.clone(),
                    reason: error.to_string(),
                };
                return Batch::failed(secrets.len(), &error);
            }
        };
        // The kernel's own trees are not secret mounts: `/proc/self/environ` is the
        // process environment, and a manifest is edited by others. Asked of the directory
        // opened, not of the path, which may have been swapped since.
        let real = root
            .real_path()
            .or_else(|| std::fs::canonicalize(&path).ok());
        if real.is_some_and(|real| file::in_kernel_tree(&real)) {
            let error = SourceError::Read {
                path: dir.clone(),
                reason: "a system directory (/proc, /sys or /dev), not a secrets mount".to_owned(),
            };
            return Batch::failed(secrets.len(), &error);
        }
        // Every secret of the environment in the manifest's order, asked or not, so that
        // which secret a file is claimed for is decided on the manifest and the files,
        // never on which secrets were asked or what an earlier source held (a
        // fifty-third adversarial pass read one secret at a time, each the first to
        // claim). What is read for a secret not asked is dropped, said nowhere.
        let asked: std::collections::HashSet<&str> =
            secrets.iter().map(|secret| secret.key.as_str()).collect();
        let mut answers: std::collections::HashMap<String, Lookup> =
            std::collections::HashMap::new();
        let mut warnings = Vec::new();
        for secret in context.declared.iter() {
            if asked.contains(secret.key.as_str()) {
                let lookup = Self::look(&root, &dir, secret, context, &mut warnings);
                answers.insert(secret.key.clone(), lookup);
            } else {
                Self::claim_for(&root, &dir, secret, context);
            }
        }
        let lookups = secrets
            .iter()
            .map(|secret| {
                answers
                    .remove(&secret.key)
                    .unwrap_or_else(|| Self::look(&root, &dir, secret, context, &mut warnings))
            })
            .collect();
        Batch { lookups, warnings }
    }
}

/// `text` without one trailing line end (`\n` or `\r\n`).
fn trim(text: &str) -> &str {
    text.strip_suffix('\n')
        .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t))
}
