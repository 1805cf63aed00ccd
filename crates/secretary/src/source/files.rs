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
//! A directory that does not exist means the source has nothing; a file anyone may
//! write to is refused; a file that group or others may read gets a warning.

use std::io::ErrorKind;
use std::path::Path;

use zeroize::Zeroizing;

use super::{Batch, Context, Lookup, Source, SourceError, io_reason, mode, shown};
use crate::SecretValue;
use crate::manifest::SecretSpec;

/// Secret files larger than this are refused.
const MAX_SIZE: u64 = 1024 * 1024;

/// Reads secrets from a directory of files.
#[derive(Debug)]
pub struct FilesSource {
    name: String,
    dir: String,
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

    /// Reads one candidate file: `Ok(None)` when it does not exist.
    fn read(
        root: &Path,
        dir: &str,
        file: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Zeroizing<String>>, SourceError> {
        let shown = Self::join(dir, file);
        let path = root.join(file);
        if let Err(error) = std::fs::symlink_metadata(&path) {
            return if error.kind() == ErrorKind::NotFound {
                Ok(None)
            } else {
                Err(SourceError::Read {
                    path: shown,
                    reason: io_reason(&error),
                })
            };
        }
        let real = match std::fs::canonicalize(&path) {
            Ok(real) => real,
            // A dangling link: nothing to read here.
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(SourceError::Read {
                    path: shown,
                    reason: io_reason(&error),
                });
            }
        };
        if !real.starts_with(root) {
            return Err(SourceError::Escapes {
                path: shown,
                dir: dir.to_owned(),
            });
        }
        let metadata = std::fs::metadata(&real).map_err(|error| SourceError::Read {
            path: shown.clone(),
            reason: io_reason(&error),
        })?;
        if !metadata.is_file() {
            return Err(SourceError::Read {
                path: shown,
                reason: "not a regular file".to_owned(),
            });
        }
        let mode = mode(&metadata);
        if mode & 0o002 != 0 {
            return Err(SourceError::WorldWritable { path: shown, mode });
        }
        if mode & 0o044 != 0 {
            warnings.push(format!(
                "{shown} is readable by group or others (mode {mode:04o})"
            ));
        }
        if metadata.len() > MAX_SIZE {
            return Err(SourceError::TooLarge {
                path: shown,
                limit: MAX_SIZE,
            });
        }
        let bytes = Zeroizing::new(std::fs::read(&real).map_err(|error| SourceError::Read {
            path: shown.clone(),
            reason: io_reason(&error),
        })?);
        let text = std::str::from_utf8(&bytes).map_err(|_| SourceError::NotUtf8 { what: shown })?;
        let text = text
            .strip_suffix('\n')
            .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
        Ok(Some(Zeroizing::new(text.to_owned())))
    }
}

impl Source for FilesSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "files"
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        let dir = shown(context, &self.dir);
        let root = match std::fs::canonicalize(context.base_dir.join(&self.dir)) {
            Ok(root) if root.is_dir() => root,
            Ok(_) => {
                let error = SourceError::Read {
                    path: dir.clone(),
                    reason: "not a directory".to_owned(),
                };
                return Batch::failed(secrets.len(), &error);
            }
            Err(error) if error.kind() == ErrorKind::NotFound => {
                let looked = format!("files:{dir} (no such directory)");
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
                    reason: io_reason(&error),
                };
                return Batch::failed(secrets.len(), &error);
            }
        };
        let mut warnings = Vec::new();
        let lookups = secrets
            .iter()
            .map(|secret| {
                let mut candidates = vec![secret.key.as_str()];
                if secret.primary_env() != secret.key {
                    candidates.push(secret.primary_env());
                }
                let mut looked = Vec::new();
                for file in candidates {
                    match Self::read(&root, &dir, file, &mut warnings) {
                        Ok(Some(value)) if value.is_empty() => {
                            looked.push(format!("files:{} (empty)", Self::join(&dir, file)));
                        }
                        Ok(Some(value)) => {
                            return Lookup::Found {
                                value: SecretValue::new(value.to_string()),
                                locator: format!("files:{}", Self::join(&dir, file)),
                            };
                        }
                        Ok(None) => looked.push(format!("files:{}", Self::join(&dir, file))),
                        Err(error) => return Lookup::Failed(error),
                    }
                }
                Lookup::Absent { looked }
            })
            .collect();
        Batch { lookups, warnings }
    }
}
