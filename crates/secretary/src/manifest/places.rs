//! One place, one secret: no two secrets of an environment may read the same place of
//! the same source (issue 25, item 2).
//!
//! A manifest is edited by others. Were two secrets allowed over one Vault path and
//! field, each with a `pattern` that tests one character at one position, `check`'s
//! verdicts would spell the value out without a value ever being printed. With one
//! secret per place, a manifest can ask each value only the questions its own secret's
//! type and constraints ask, as the user would see them in the manifest.
//!
//! What a place is, by source kind: the env name (`env`, `dotenv`; already unique, since
//! one env name claimed twice is refused), the file name (`files`: a secret reads the
//! file named after its key, then its primary env name), and the expanded API path and
//! field (`vault`, for each environment the source serves), with the manifest's namespace
//! in front and empty segments dropped as the request's URL drops them (`.`, `..` and
//! control characters, which the URL drops too, are refused where the source is
//! checked). Places are compared across every source of an environment, not within one:
//! three vault sources with `prod/{key}`, `prod/d{key}` and `pro{key}/db` each look unique
//! alone, and all read `prod/db` for three secrets. A `files` secret reads its file
//! whole, so no `dotenv` source of the environment may read that file for other secrets
//! (its `pattern` would question their values). AWS: the expanded name (and `#field`) of
//! a Secrets Manager secret, the name of a parameter, whatever the region (which may come
//! from the user's environment); and no secret may read a Secrets Manager secret whole
//! while others read its fields.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::check::Checker;
use super::kind::SourceKind;
use super::model::{EnvironmentSpec, SecretSpec, SourceSpec};

/// What to do about two secrets over one place.
const SHARED_HELP: &str = "give each secret a place of its own (in a vault source, put `{key}` in its `path` or `field`): two secrets over one place would let a manifest ask questions of one value through their verdicts without printing it";

impl Checker<'_> {
    /// Reports every secret that reads a place another secret of the same environment
    /// reads, through any of its sources, at the later secret's header; each pair once.
    pub(super) fn shared_places(
        &mut self,
        environments: &[EnvironmentSpec],
        declared: &[Arc<SecretSpec>],
        sources: &[SourceSpec],
        app: Option<&str>,
        base: &Path,
    ) {
        // What `import --from-source S` reads through: S alone, in the target
        // environment's name, for every declared secret. Checked as any chain is (a
        // sixtieth adversarial pass spelt a Vault value out through one dry run's verdicts,
        // by a source in no chain over a fixed path).
        let imports = import_pairs(environments, sources, declared);
        // Each environment's chain asks for every secret's places: bounded in all (a
        // thirty-eighth adversarial pass: 256 sources in 8 chains and 10,000 secrets
        // took a minute). Counted before any environment `import` reads through is made
        // (each holds every declared secret).
        let work = environments
            .iter()
            .map(|e| e.sources.len().saturating_mul(e.secrets.len()))
            .fold(0usize, usize::saturating_add)
            .saturating_add(imports.len().saturating_mul(declared.len()));
        if work > MOST_PLACES {
            self.report_line(
                1,
                || format!("the environments' chains, and the sources `import --from-source` may name, ask for {work} places (sources × secrets, in each environment): at most {MOST_PLACES}"),
                Some("name fewer sources in each environment's chain, or split the manifest by application"),
            );
            return;
        }
        let mut reported: std::collections::HashSet<(String, String)> =
            std::collections::HashSet::new();
        let mut resolver = Resolver::new(base);
        // Every place read, in every environment: one secret's, whichever environment
        // reads it (a sixty-fourth adversarial pass read one Vault value through 27
        // secrets, one an environment, each asking its own `pattern`).
        let mut owners = Owners::default();
        // Made one at a time, as checked (twice: what is read whole is gathered over
        // every environment first, then each part read is held against it).
        let each = || {
            environments
                .iter()
                .map(Cow::Borrowed)
                .chain(imports.iter().map(|&(environment, source)| {
                    Cow::Owned(import_environment(environment, source, declared))
                }))
        };
        let mut wholes = whole::Wholes::default();
        for environment in each() {
            let environment = environment.as_ref();
            self.gather_wholes(environment, sources, app, (&mut resolver, &mut wholes));
        }
        let mut parts = std::collections::HashSet::new();
        for environment in each() {
            let environment = environment.as_ref();
            self.parts_of_wholes(
                environment,
                sources,
                app,
                (&mut resolver, &wholes, &mut parts),
            );
            self.places_of(
                environment,
                sources,
                app,
                (&mut resolver, &mut owners, &mut reported),
            );
        }
    }

    /// Reports every secret of `environment` that reads a place another secret reads,
    /// in this environment or one checked before, through any source; each pair once
    /// in `reported`.
    fn places_of(
        &mut self,
        environment: &EnvironmentSpec,
        sources: &[SourceSpec],
        app: Option<&str>,
        (resolver, owners, reported): (
            &mut Resolver<'_>,
            &mut Owners,
            &mut std::collections::HashSet<(String, String)>,
        ),
    ) {
        for name in &environment.sources {
            let Some(source) = sources.iter().find(|source| &source.name == name) else {
                continue;
            };
            for spec in &environment.secrets {
                for place in source
                    .config
                    .settings()
                    .places(spec, &environment.name, app)
                {
                    // A file by its real path: a directory of another environment's
                    // source, or a link committed beside the manifest, reaches it by
                    // another spelling (a sixty-fifth adversarial pass).
                    let place = match place.strip_prefix("files:") {
                        Some(path) => format!("files:{}", resolver.resolved(path)),
                        None => place,
                    };
                    let Some(owner) = owners.claim(digest(&place), spec, name, &environment.name)
                    else {
                        continue;
                    };
                    if !reported.insert((owner.key.clone(), spec.key.clone())) {
                        continue;
                    }
                    let sources = match (
                        owner.source == *name,
                        owner.environment == environment.name,
                    ) {
                        (true, true) => {
                            format!("source `{name}`, environment `{}`", environment.name)
                        }
                        (false, true) => format!(
                            "sources `{}` and `{name}`, environment `{}`",
                            owner.source, environment.name
                        ),
                        _ => format!(
                            "source `{}` in environment `{}`, source `{name}` in environment `{}`",
                            owner.source, owner.environment, environment.name
                        ),
                    };
                    let owner = &owner.key;
                    self.report_line(
                        spec.line,
                        || {
                            format!(
                                "secrets `{owner}` and `{}` both read {place} ({sources})",
                                spec.key
                            )
                        },
                        Some(SHARED_HELP),
                    );
                }
            }
        }
    }
}

/// Every place read so far, by its digest (a place may be kilobytes long, and there is
/// one per secret, source and environment; a thirty-seventh adversarial pass held 766 MB
/// of them): the first secret seen reading it, through which source, in which
/// environment, each name held once.
#[derive(Default)]
struct Owners {
    places: HashMap<[u8; 32], (u32, u32, u32)>,
    names: Vec<String>,
    numbers: HashMap<String, u32>,
}

/// The first reader of a place, as [`Owners::claim`] gives it back.
struct Owner {
    key: String,
    source: String,
    environment: String,
}

impl Owners {
    /// The number of `name`, given it if it has none.
    fn number(&mut self, name: &str) -> u32 {
        if let Some(&number) = self.numbers.get(name) {
            return number;
        }
        let number = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.numbers.insert(name.to_owned(), number);
        number
    }

    /// Records that `spec` reads the place `digest` through `source` in `environment`;
    /// gives its first reader when that is another secret.
    fn claim(
        &mut self,
        digest: [u8; 32],
        spec: &SecretSpec,
        source: &str,
        environment: &str,
    ) -> Option<Owner> {
        let name = |owners: &Self, number: u32| {
            owners
                .names
                .get(usize::try_from(number).unwrap_or(usize::MAX))
                .cloned()
                .unwrap_or_default()
        };
        let key = self.number(&spec.key);
        match self.places.get(&digest) {
            None => {
                let seen = (key, self.number(source), self.number(environment));
                self.places.insert(digest, seen);
                None
            }
            Some(&(owner, _, _)) if owner == key => None,
            Some(&(owner, through, seen_in)) => Some(Owner {
                key: name(self, owner),
                source: name(self, through),
                environment: name(self, seen_in),
            }),
        }
    }
}

/// The environments and sources `import --from-source` reads through that no chain
/// covers: each source alone, in each environment's name, with every secret as
/// `declared` (as `put::import` makes them), where the environment's chain does not read
/// it for those very secrets already (its rules change none).
fn import_pairs<'e>(
    environments: &'e [EnvironmentSpec],
    sources: &'e [SourceSpec],
    declared: &[Arc<SecretSpec>],
) -> Vec<(&'e EnvironmentSpec, &'e SourceSpec)> {
    let mut pairs = Vec::new();
    for environment in environments {
        let as_declared = environment.secrets.len() == declared.len()
            && environment
                .secrets
                .iter()
                .zip(declared)
                .all(|(held, spec)| Arc::ptr_eq(held, spec));
        // (An `env` or `dotenv` source's places are env names, one secret's each
        // already: said once, as claimed twice, not again here.)
        let by_name = [SourceKind::ENV, SourceKind::DOTENV];
        for source in sources {
            if by_name.contains(&source.config.kind())
                || (as_declared && environment.sources.contains(&source.name))
            {
                continue;
            }
            pairs.push((environment, source));
        }
    }
    pairs
}

/// The environment `import --from-source` reads `source` through into `environment`:
/// the source alone, every secret as `declared`.
fn import_environment(
    environment: &EnvironmentSpec,
    source: &SourceSpec,
    declared: &[Arc<SecretSpec>],
) -> EnvironmentSpec {
    EnvironmentSpec {
        name: environment.name.clone(),
        sources: vec![source.name.clone()],
        on_source_error: environment.on_source_error,
        forbid_placeholders: false,
        enforce_rotation: false,
        last_known_good: None,
        rules: std::collections::BTreeMap::new(),
        secrets: declared.to_vec(),
    }
}

impl Checker<'_> {
    /// The sources of `environment`'s chain, in order.
    fn chain<'s>(environment: &EnvironmentSpec, sources: &'s [SourceSpec]) -> Vec<&'s SourceSpec> {
        environment
            .sources
            .iter()
            .filter_map(|name| sources.iter().find(|source| &source.name == name))
            .collect()
    }
}

/// The most places the one-place check asks for, over every environment (sources of its
/// chain × its secrets): 100,000 secrets in two environments of three sources are
/// 600,000.
const MOST_PLACES: usize = 4_000_000;

/// The most `.env` files an environment's dotenv sources list in all (each read and
/// parsed at every resolution).
const MOST_LISTINGS: usize = 64;

/// A digest of `place`, to keep and compare places by.
fn digest(place: &str) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, place.as_bytes()).as_ref());
    out
}

/// [`resolved`], each directory that does not exist resolved once: a `files` source names
/// one file per secret in one directory, which resolving walks up part by part (a
/// thirty-seventh adversarial pass: a `dir` of 2,040 parts and 5,000 secrets took 88 s).
struct Resolver<'b> {
    base: &'b Path,
    parents: HashMap<String, String>,
}

impl<'b> Resolver<'b> {
    fn new(base: &'b Path) -> Self {
        Self {
            base,
            parents: HashMap::new(),
        }
    }

    /// [`resolved`] of `path`: its directory's resolution (kept), and its name: a link
    /// there followed, else as it is. The whole path is never resolved again for each
    /// secret (a thirty-eighth adversarial pass: a `dir` of 1,600 parts took 9 s a
    /// manifest read).
    fn resolved(&mut self, path: &str) -> String {
        let Some((parent, name)) = path.rsplit_once('/') else {
            return resolved(self.base, path);
        };
        if matches!(name, "" | "." | "..") {
            return resolved(self.base, path);
        }
        let base = self.base;
        let parent = self
            .parents
            .entry(parent.to_owned())
            .or_insert_with(|| resolved(base, if parent.is_empty() { "/" } else { parent }));
        let candidate = format!("{parent}/{name}");
        let linked = std::fs::symlink_metadata(base.join(&candidate))
            .is_ok_and(|meta| meta.file_type().is_symlink());
        if linked {
            // Followed, whether or not its target exists yet.
            return resolved(base, &candidate);
        }
        lexical(&candidate)
    }
}

/// The file `path` (relative to the manifest's directory `base`, or absolute) names: its
/// real path when it exists, so that an absolute spelling, `s/../s/db` or a linked
/// directory is the same file (a sixth adversarial pass). A file that does not exist yet
/// (it may appear after the manifest is read, as a sidecar renders it) is named by the
/// real path of its nearest existing directory and the rest as written, so that two
/// spellings of it still meet (a review of the one-file-per-kind step); with no part of
/// it existing, [`lexical`].
///
/// A link whose target does not exist (yet) is followed to it, by the same rule: a
/// committed `s/db -> app.env` beside a `dotenv` source of `s/app.env` is the same file
/// before `app.env` appears as after (a thirty-ninth adversarial pass: compared by its
/// own spelling, the pair passed, and once the file appeared the whole-file secret's
/// verdicts spoke of the `.env`'s text).
fn resolved(base: &Path, path: &str) -> String {
    resolved_within(base, path, MOST_LINKS)
}

/// How many dangling links [`resolved`] follows in one path (the kernel's own limit is
/// 40).
const MOST_LINKS: usize = 40;

/// [`resolved`], following at most `links` more dangling links.
fn resolved_within(base: &Path, path: &str, links: usize) -> String {
    let mut existing = base.join(path);
    let mut rest = Vec::new();
    loop {
        // A relative path's last ancestor is empty: the working directory.
        let probe = if existing.as_os_str().is_empty() {
            Path::new(".")
        } else {
            existing.as_path()
        };
        if let Ok(mut real) = std::fs::canonicalize(probe) {
            for name in rest.iter().rev() {
                real.push(name);
            }
            return lexical(&real.to_string_lossy());
        }
        if links > 0 {
            if let Ok(target) = std::fs::read_link(probe) {
                let mut followed = match probe.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
                for name in rest.iter().rev() {
                    followed.push(name);
                }
                return resolved_within(base, &followed.to_string_lossy(), links - 1);
            }
        }
        match (
            existing.file_name().map(ToOwned::to_owned),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return lexical(path),
        }
    }
}

/// `path` as written, relative to the manifest or absolute, with `.` segments and
/// repeated separators gone: `./s/db` and `s//db` are `s/db`.
fn lexical(path: &str) -> String {
    let absolute = path.starts_with('/');
    let rest = path
        .split('/')
        .filter(|segment| !matches!(*segment, "" | "."))
        .collect::<Vec<_>>()
        .join("/");
    if absolute { format!("/{rest}") } else { rest }
}

mod whole;

#[cfg(test)]
mod tests;
