//! `.env` files.
//!
//! ```toml
//! [sources.dotenv]
//! type = "dotenv"
//! files = [".env", ".env.local"]   # relative to the manifest; later files override earlier
//! ```
//!
//! The grammar is [`crate::dotenv`]'s. A file that does not exist is skipped (and said so
//! in "where it looked"); a file that cannot be read, or that has a malformed line, fails
//! the whole source, since what it would have said cannot be known. Each file is opened
//! once (see [`crate::file`]): a FIFO, a device or a file over 16 MiB is refused, and a
//! file that anyone may write to is refused; one that group or others may read, or that
//! group members may write to, gets a warning.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

use zeroize::Zeroizing;

use super::{
    Batch, Claim, Claimant, Context, Lookup, Shape, Source, SourceError, file_error, shown,
};
use crate::file::{self, FileError};
use crate::manifest::{SecretSpec, SourceKind};
use crate::{Absence, Locator, Looked, SecretValue, Site, dotenv};

/// Reads secrets from `.env` files.
#[derive(Debug)]
pub struct DotenvSource {
    name: String,
    files: Vec<String>,
}

/// A merged view of the files: key → what the last assignment to it gave.
struct Loaded {
    values: HashMap<String, Assigned>,
    /// Files that do not exist, by index.
    missing: Vec<usize>,
    warnings: Vec<crate::Warning>,
    /// What the values' origins hold in all, in bytes ([`MOST_ORIGIN_BYTES`]).
    origins: usize,
}

/// The most the origins of a source's values may hold in all, in bytes (each name's
/// length and [`NAME_COST`]): each line that expands another copies that one's origins,
/// and values that are empty cost no expansion budget (a forty-second adversarial pass
/// made a 1.4 MB `.env` of 50,000 names copied into 10,000 lines ask for 27 GB; a
/// forty-fourth, counted by names, one 1 MB name copied into 50,000 lines, 50 GB).
const MOST_ORIGIN_BYTES: usize = 32 * 1024 * 1024;

/// What a name copied costs besides its bytes (a string's own).
const NAME_COST: usize = 32;

/// A variable as the files assign it.
struct Assigned {
    value: Zeroizing<String>,
    /// The file (index) and line that assign it last.
    file: usize,
    line: usize,
    /// The names its value was expanded from, through other lines too.
    origins: Vec<String>,
    /// What a copy of `origins` costs ([`MOST_ORIGIN_BYTES`]).
    origin_bytes: usize,
    /// Its value expanded past the limit, or from one that did (then `value` is empty).
    oversize: bool,
    /// Of an oversize value: it took a value from outside its file over the limit.
    from_outside: bool,
    /// A sensitive secret's variable its value was built from, through any lines, if
    /// one was (its origins alone skip the names between: a forty-first adversarial
    /// pass built a plain value from `PIN_CODE=${CI_PIN}`).
    sensitive_name: Option<String>,
    /// Of a value built by expansion, read: the value with each expansion replaced by
    /// `1` ([`dotenv::parse_shapes`]), what its type and rules are checked on.
    shape: Option<Zeroizing<String>>,
    /// The most it may hold, as its file's text bounds it ([`dotenv::Entry::bound`]).
    bound: usize,
    /// What it is counted at beside text of the manifest's choosing
    /// ([`dotenv::Entry::charge`]).
    charge: usize,
}

impl Loaded {
    /// Refuses `file` (as shown) when every user may write it (its `mode`); warns when
    /// its group may write it, or others read it.
    fn check_mode(&mut self, mode: u32, file: &str) -> Result<(), SourceError> {
        if mode & 0o002 != 0 {
            return Err(SourceError::WorldWritable {
                path: file.to_owned(),
                mode,
            });
        }
        if mode & 0o020 != 0 {
            self.warnings.push(crate::Warning::DotenvGroupWritable {
                file: file.to_owned(),
                mode,
            });
        } else if mode & 0o044 != 0 {
            self.warnings.push(crate::Warning::DotenvReadable {
                file: file.to_owned(),
                mode,
            });
        }
        Ok(())
    }

    /// Records `entry` of the file `file` (index), over an earlier assignment;
    /// `sensitive` tells the variables of sensitive secrets. False, recording nothing,
    /// once the origins would hold more than [`MOST_ORIGIN_BYTES`] in all.
    fn assign(
        &mut self,
        entry: dotenv::Entry,
        file: usize,
        sensitive: &HashMap<String, String>,
        shape: Option<Zeroizing<String>>,
    ) -> bool {
        // Where its value comes from: each name it expanded, or what that name's own
        // value was expanded from.
        let mut origins: Vec<String> = Vec::new();
        // Built from an earlier file's value too large: too large as well.
        let mut oversize = entry.oversize;
        let mut from_outside = entry.from_outside;
        let mut sensitive_name = None;
        // Counted before a name is copied, each copy (a forty-third adversarial pass
        // passed the bound counted after the copies were deduplicated: 3 GB for 1.7 MB).
        let own = |name: &String| name.len().saturating_add(NAME_COST);
        let copies = entry.references.iter().fold(0usize, |copies, name| {
            copies.saturating_add(match self.values.get(name) {
                Some(earlier) if !earlier.origins.is_empty() => earlier.origin_bytes,
                _ => own(name),
            })
        });
        self.origins = self.origins.saturating_add(copies);
        if self.origins > MOST_ORIGIN_BYTES {
            return false;
        }
        for name in &entry.references {
            if sensitive_name.is_none() && sensitive.contains_key(name) {
                sensitive_name = Some(name.clone());
            }
            match self.values.get(name) {
                Some(earlier) => {
                    oversize |= earlier.oversize;
                    from_outside |= earlier.oversize && earlier.from_outside;
                    if sensitive_name.is_none() {
                        sensitive_name.clone_from(&earlier.sensitive_name);
                    }
                    if earlier.origins.is_empty() {
                        origins.push(name.clone());
                    } else {
                        origins.extend(earlier.origins.iter().cloned());
                    }
                }
                None => origins.push(name.clone()),
            }
        }
        origins.sort();
        origins.dedup();
        origins.shrink_to_fit();
        let origin_bytes = origins
            .iter()
            .fold(0usize, |bytes, name| bytes.saturating_add(own(name)));
        let shape = shape.filter(|_| !origins.is_empty());
        self.values.insert(
            entry.key,
            Assigned {
                value: if oversize {
                    Zeroizing::new(String::new())
                } else {
                    entry.value
                },
                file,
                line: entry.line,
                origins,
                origin_bytes,
                oversize,
                from_outside: oversize && from_outside,
                sensitive_name,
                shape,
                bound: entry.bound,
                charge: entry.charge,
            },
        );
        true
    }
}

impl DotenvSource {
    /// A source called `name` reading `files` (relative to the manifest's directory).
    pub fn new(name: String, files: Vec<String>) -> Self {
        Self { name, files }
    }

    /// Reads every file, merged, claiming each for the `dotenv` sources: first what each
    /// holds (its keys, and the names each refers to), then, from that, the values of
    /// only the lines the names in `wanted` read, directly or through other lines
    /// ([`needed`]). A value no secret reads is never expanded: the time and memory of a
    /// read depend on the values read, not on the length of each value a line would
    /// insert (a forty-eighth adversarial pass read a token's length from 8,000 copies
    /// no secret read).
    ///
    /// A secret refused the value it would read (its names built from a value another
    /// secret reads, or a plain secret from a sensitive one's) is refused on the names
    /// alone, before any value is read, and none of its lines is expanded: expanded, they
    /// still told the value's length by their time and memory (a fiftieth adversarial
    /// pass). So each secret claims what every name it lists is built from, whichever it
    /// then reads. Gives what was read, and each secret's refusal, if it is refused.
    fn load(
        &self,
        context: &Context<'_>,
        secrets: &[&SecretSpec],
    ) -> Result<(Loaded, Vec<Option<SourceError>>), SourceError> {
        let mut loaded = Loaded {
            values: HashMap::new(),
            missing: Vec::new(),
            warnings: Vec::new(),
            // Counted on from the sources before this one in the resolution.
            origins: context.origin_bytes.load(Ordering::SeqCst),
        };
        let structures = self.structures(context, &mut loaded)?;
        let built_from = self.named(&structures, context, loaded.origins)?;
        let shown_files: Vec<String> = self.files.iter().map(|file| shown(context, file)).collect();
        let refusals = refusals(secrets, &built_from, &shown_files, context);
        // What the values are built from is not needed once the refusals are known.
        drop(built_from);
        let wanted: Vec<&str> = secrets
            .iter()
            .zip(&refusals)
            .filter(|(_, refusal)| refusal.is_none())
            .flat_map(|(secret, _)| secret.env.iter().map(String::as_str))
            .collect();
        let flags = needed(&structures, &wanted);
        for (structure, flags) in structures.iter().zip(&flags) {
            let file = &structure.shown;
            let failed = |error: FileError| file_error(file.clone(), error);
            // Read again: the same text, or the file changed between the two reads.
            let text = file::read_text(&structure.path, file::DOTENV_LIMIT)
                .map_err(|error| match error {
                    FileError::NotFound => FileError::Changed,
                    other => other,
                })
                .map_err(failed)?;
            if digest(&text) != structure.digest {
                return Err(failed(FileError::Changed));
            }
            // Values are lent, never copied, to expansion. The credentials secretary
            // itself reads (VAULT_TOKEN, SECRETARY_AUDIT_KEY, SOPS_AGE_KEY, ...), and
            // those it hands to a provider (`pass_env`), are not lent from the process
            // environment: `A=${VAULT_TOKEN}` would hand the token to every program
            // `run` starts, which `run` never does.
            let withheld: RefCell<Vec<String>> = RefCell::new(Vec::new());
            let outside = |name: &str| -> Option<dotenv::Lent<'_>> {
                // An earlier file's value with the bound its text gave it.
                if let Some(assigned) = loaded.values.get(name) {
                    return Some(dotenv::Lent {
                        value: assigned.value.as_str(),
                        bound: Some(assigned.bound),
                        charge: Some(assigned.charge),
                    });
                }
                // The list is sorted (the manifest's check): searched, not scanned, at
                // each expansion (a forty-third adversarial pass: 20,000 names by
                // 100,000 expansions took 35 s).
                if crate::manifest::is_credential(name)
                    || context
                        .provider_variables
                        .binary_search_by(|kept| kept.as_str().cmp(name))
                        .is_ok()
                {
                    if context.vars.get_str(name).is_some() {
                        withheld.borrow_mut().push(name.to_owned());
                    }
                    return None;
                }
                context.vars.get_str(name).map(dotenv::Lent::value)
            };
            // Each file its own budget: what a file's expansions are charged is a
            // function of its own text alone (a value from outside it is charged the same
            // whatever it holds), so whether one file spends its budget tells nothing of
            // another's values. A budget shared by every file added the lengths of a
            // private file's values to what an attacker's file spent (a forty-seventh
            // adversarial pass read a password's length from it).
            let budget = std::cell::Cell::new(0);
            let needed = |at: usize| flags.get(at).copied().unwrap_or(false);
            let entries =
                dotenv::parse_needed(&text, &outside, &budget, &needed).map_err(|errors| {
                    SourceError::Malformed {
                        path: file.clone(),
                        errors,
                    }
                })?;
            let mut withheld = withheld.into_inner();
            withheld.sort();
            withheld.dedup();
            for name in withheld {
                loaded.warnings.push(crate::Warning::CredentialNotLent {
                    file: file.clone(),
                    name,
                });
            }
            // What a value built by expansion is checked on: parsed again, each
            // expansion `1` (only when a value read is built so).
            let built = entries
                .iter()
                .enumerate()
                .any(|(at, entry)| needed(at) && !entry.references.is_empty());
            let mut shapes = if built {
                dotenv::parse_shapes(&text, &needed)
                    .map_err(|errors| SourceError::Malformed {
                        path: file.clone(),
                        errors,
                    })?
                    .into_iter()
            } else {
                Vec::new().into_iter()
            };
            for entry in entries {
                let shape = shapes
                    .next()
                    .filter(|shape| shape.key == entry.key && shape.line == entry.line)
                    .map(|shape| shape.value);
                let assigned =
                    loaded.assign(entry, structure.index, &context.sensitive_names, shape);
                context.origin_bytes.store(loaded.origins, Ordering::SeqCst);
                if !assigned {
                    // The whole source's count, not this file's alone (a forty-third
                    // adversarial pass saw the file that crossed it blamed).
                    return Err(self.too_many_names(context));
                }
            }
        }
        Ok((loaded, refusals))
    }

    /// What every line of `structures` is built from (names only, no value), counted on
    /// from `origins`: a [`Loaded`] whose values are all empty.
    fn named(
        &self,
        structures: &[Structure],
        context: &Context<'_>,
        origins: usize,
    ) -> Result<Loaded, SourceError> {
        let mut named = Loaded {
            values: HashMap::new(),
            missing: Vec::new(),
            warnings: Vec::new(),
            origins,
        };
        for structure in structures {
            for (key, references, line) in &structure.entries {
                let entry = dotenv::Entry {
                    key: key.clone(),
                    value: Zeroizing::new(String::new()),
                    line: *line,
                    comment: None,
                    references: references.clone(),
                    oversize: false,
                    from_outside: false,
                    bound: 0,
                    charge: 0,
                };
                if !named.assign(entry, structure.index, &context.sensitive_names, None) {
                    return Err(self.too_many_names(context));
                }
            }
        }
        Ok(named)
    }

    /// The failure of this source when the names its values are built from pass
    /// [`MOST_ORIGIN_BYTES`]: the whole source's count, not one file's (a forty-third
    /// adversarial pass saw the file that crossed it blamed).
    fn too_many_names(&self, context: &Context<'_>) -> SourceError {
        let files: Vec<String> = self.files.iter().map(|file| shown(context, file)).collect();
        SourceError::ExpansionWeb {
            path: files.join(", "),
        }
    }

    /// What each file holds, claimed for the `dotenv` sources: no value from outside it
    /// read. A file that is not there is noted in `loaded`.
    fn structures(
        &self,
        context: &Context<'_>,
        loaded: &mut Loaded,
    ) -> Result<Vec<Structure>, SourceError> {
        let mut structures = Vec::new();
        // What the names every line refers to cost, held until the values are read:
        // bounded as the names values are built from are ([`MOST_ORIGIN_BYTES`]), here
        // already (a fiftieth adversarial pass held 188 MB a file of them, 12 GB for 64,
        // before that bound was met in the second read).
        let mut names = 0usize;
        for (index, file) in self.files.iter().enumerate() {
            let path = context.base_dir.join(file);
            let file = &shown(context, file);
            let failed = |error: FileError| file_error(file.clone(), error);
            let opened = match file::open(&path) {
                Ok(opened) => opened,
                Err(FileError::NotFound) => {
                    loaded.missing.push(index);
                    continue;
                }
                Err(error) => return Err(failed(error)),
            };
            // A file a secret reads whole (a `files` source) by another name (a hard link,
            // a second mount), which the manifest's check of paths cannot see.
            let (device, inode) = opened.identity();
            let claimed = context
                .claims
                .claim(&Claimant::Dotenv, &[Claim::File { device, inode }]);
            if let Err((_, Claimant::Secret(whole))) = claimed {
                return Err(SourceError::ReadWholeAndByDotenv {
                    path: file.clone(),
                    whole,
                });
            }
            loaded.check_mode(opened.mode(), file)?;
            let text = opened.read_text(file::DOTENV_LIMIT).map_err(failed)?;
            let entries =
                dotenv::parse_needed(&text, &|_| None, &std::cell::Cell::new(0), &|_| false)
                    .map_err(|errors| SourceError::Malformed {
                        path: file.clone(),
                        errors,
                    })?;
            names = entries.iter().fold(names, |names, entry| {
                entry.references.iter().fold(names, |names, name| {
                    names.saturating_add(name.len().saturating_add(NAME_COST))
                })
            });
            if names > MOST_ORIGIN_BYTES {
                return Err(self.too_many_names(context));
            }
            structures.push(Structure {
                index,
                shown: file.clone(),
                path,
                entries: entries
                    .into_iter()
                    .map(|entry| (entry.key, entry.references, entry.line))
                    .collect(),
                digest: digest(&text),
            });
        }
        Ok(structures)
    }
}

/// One file of a `dotenv` source as first read: its place in the source's list, its
/// name as shown, where it is, each entry's key and the names its value refers to, and
/// a digest of its text (the second read must find the same).
struct Structure {
    index: usize,
    shown: String,
    path: std::path::PathBuf,
    entries: Vec<(String, Vec<String>, usize)>,
    digest: [u8; 32],
}

/// A digest of `text`.
fn digest(text: &str) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref());
    out
}

/// For each file of `structures`, which of its entries (by index) a name in `wanted`
/// reads, directly or through the lines that refer to one another: walked from the
/// last line of the last file back, a line is needed when its key is, and then the
/// names it refers to are, as they stood before it.
fn needed(structures: &[Structure], wanted: &[&str]) -> Vec<Vec<bool>> {
    let mut names: std::collections::HashSet<&str> = wanted.iter().copied().collect();
    let mut flags: Vec<Vec<bool>> = structures
        .iter()
        .map(|structure| vec![false; structure.entries.len()])
        .collect();
    for (structure, flags) in structures.iter().zip(flags.iter_mut()).rev() {
        for ((key, references, _), flag) in structure.entries.iter().zip(flags.iter_mut()).rev() {
            if names.remove(key.as_str()) {
                *flag = true;
                names.extend(references.iter().map(String::as_str));
            }
        }
    }
    flags
}

impl Source for DotenvSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::DOTENV
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        let (loaded, refusals) = match self.load(context, secrets) {
            Ok(loaded) => loaded,
            Err(error) => return Batch::failed(secrets.len(), &error),
        };
        let names: Vec<String> = self.files.iter().map(|file| shown(context, file)).collect();
        // Each name a value was expanded from may build one secret's value, across every
        // source of this resolution (`context.claims`): a seventh adversarial pass had
        // `C0=${DB_PASSWORD}` ... `C495=${DB_PASSWORD}`, each secret with a `pattern`
        // testing one character, spell the password out in one `check`; a ninth did it
        // with one line in each of 756 `.env` sources.
        let lookups = secrets
            .iter()
            .zip(refusals)
            .map(|(secret, refusal)| {
                if let Some(error) = refusal {
                    return Lookup::Failed(error);
                }
                let mut looked = Vec::new();
                for name in &secret.env {
                    match loaded.values.get(name) {
                        Some(Assigned {
                            value,
                            file,
                            line,
                            oversize: false,
                            ..
                        }) if value.is_empty() => {
                            looked.push(
                                Looked::new(Locator::dotenv(&names[*file], *line))
                                    .because(Absence::EmptyVariable { name: name.clone() }),
                            );
                        }
                        Some(Assigned {
                            value,
                            file,
                            line,
                            oversize,
                            from_outside,
                            shape,
                            bound,
                            charge,
                            ..
                        }) => {
                            // Whether it may read it was decided, and its claims made, on
                            // the names of every name it lists (`load`'s refusals).
                            // Said only to the one secret its origins allow: a line no
                            // secret reads says nothing of the values it expanded.
                            if *oversize {
                                return too_large(&names[*file], *line, *from_outside);
                            }
                            return Lookup::Found {
                                value: SecretValue::new(value.to_string()),
                                locator: Locator::dotenv(&names[*file], *line),
                                written: None,
                                shape: shape.as_ref().map(|shape| Shape {
                                    text: SecretValue::new(shape.to_string()),
                                    bound: *bound,
                                    charge: *charge,
                                }),
                            };
                        }
                        None => {}
                    }
                }
                for (index, file) in names.iter().enumerate() {
                    let at = Looked::new(Locator::new(SourceKind::DOTENV, Site::name(file)));
                    if loaded.missing.contains(&index) {
                        looked.push(at.because(Absence::NoSuchFile));
                    } else {
                        looked.push(at);
                    }
                }
                Lookup::Absent { looked }
            })
            .collect();
        Batch {
            lookups,
            warnings: loaded.warnings,
        }
    }
}

/// Each of `secrets`' refusal, if it is refused, by what `built_from` says each name is
/// built from (`shown_files` naming its files): decided on the secret, the manifest and
/// the files alone, never on which secrets were asked or what an earlier source held.
fn refusals(
    secrets: &[&SecretSpec],
    built_from: &Loaded,
    shown_files: &[String],
    context: &Context<'_>,
) -> Vec<Option<SourceError>> {
    secrets
        .iter()
        .map(|secret| {
            let candidates: Vec<Candidate<'_>> = secret
                .env
                .iter()
                .filter_map(|name| {
                    let assigned = built_from.values.get(name)?;
                    Some(Candidate {
                        name,
                        path: &shown_files[assigned.file],
                        line: assigned.line,
                        origins: &assigned.origins,
                        sensitive: assigned.sensitive_name.as_ref(),
                    })
                })
                .collect();
            refused(secret, &candidates, context)
        })
        .collect()
}

/// A name a secret lists that a file defines: where (the file as shown, and the line),
/// what its value is built from, and the sensitive secret's variable it is built from,
/// if one.
struct Candidate<'a> {
    name: &'a str,
    path: &'a str,
    line: usize,
    origins: &'a [String],
    sensitive: Option<&'a String>,
}

/// Why `secret` may not read the names of `candidates`: a plain secret built from a
/// sensitive one's value (`status` would show it, `redact` and `scan` would pass it
/// over), or a constraint that would question the values it is built from
/// ([`crate::manifest::Constraints::questioning`]). Several secrets may be built from one
/// value: each is checked on its shape, so that none of their verdicts tells anything of
/// it (the rule that let one value feed one secret only, from a seventh adversarial
/// pass, went once built values were checked on their shape: it refused an ordinary
/// `.env` whose primary and replica URLs expand one password, `init`'s own output, a
/// sixty-seventh pass).
fn refused(
    secret: &SecretSpec,
    candidates: &[Candidate<'_>],
    context: &Context<'_>,
) -> Option<SourceError> {
    if !secret.sensitive {
        for candidate in candidates {
            let owned = candidate
                .sensitive
                .and_then(|origin| Some((origin, context.sensitive_names.get(origin)?)));
            if let Some((origin, owner)) = owned {
                return Some(SourceError::PlainFromSecret {
                    path: candidate.path.to_owned(),
                    line: candidate.line,
                    name: candidate.name.to_owned(),
                    origin: origin.clone(),
                    secret: owner.clone(),
                });
            }
        }
    }
    // Whatever the names are declared, or whether they are: `sensitive = false` is the
    // manifest's word only (a sixty-third adversarial pass undeclared the password).
    if let Some(asks) = secret.constraints.questioning() {
        for candidate in candidates {
            if let Some(origin) = candidate.origins.first() {
                return Some(SourceError::QuestionOverExpansion {
                    path: candidate.path.to_owned(),
                    line: candidate.line,
                    name: candidate.name.to_owned(),
                    origin: origin.clone(),
                    asks,
                });
            }
        }
    }
    None
}

/// The failure of a secret that reads line `line` of `path`, whose value is too large:
/// it took a value from outside the file over the limit (`from_outside`), or grew past
/// 1 MiB.
fn too_large(path: &str, line: usize, from_outside: bool) -> Lookup {
    Lookup::Failed(SourceError::Malformed {
        path: path.to_owned(),
        errors: vec![dotenv::ParseError {
            line,
            kind: if from_outside {
                dotenv::ParseErrorKind::OutsideTooLarge
            } else {
                dotenv::ParseErrorKind::ValueTooLarge
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::{Structure, needed};

    fn file(entries: &[(&str, &[&str])]) -> Structure {
        Structure {
            index: 0,
            shown: String::new(),
            path: std::path::PathBuf::new(),
            entries: entries
                .iter()
                .map(|(key, refs)| {
                    (
                        (*key).to_owned(),
                        refs.iter().map(|r| (*r).to_owned()).collect(),
                        0,
                    )
                })
                .collect(),
            digest: [0; 32],
        }
    }

    #[test]
    fn a_line_is_needed_when_a_wanted_name_reads_it_through_any_lines_and_files() {
        // First file: A, then A again (the later wins), B from A, X unread.
        let first = file(&[("A", &[]), ("A", &["T"]), ("B", &["A"]), ("X", &["T"])]);
        // Second file: C from B and from an A defined after it (not the one it reads).
        let second = file(&[("C", &["B"]), ("A", &[]), ("D", &["A"])]);
        let flags = needed(&[first, second], &["C", "D"]);
        assert_eq!(flags[0], [false, true, true, false]);
        assert_eq!(flags[1], [true, true, true]);
        // Nothing wanted: nothing needed.
        let flags = needed(&[file(&[("A", &[])])], &[]);
        assert_eq!(flags[0], [false]);
    }
}
