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
//! field (`vault`, for each environment the source serves), under the source's
//! namespace or, without one, any namespace (see [`Marks`]), empty segments dropped as
//! the request's URL drops them (`.`, `..` and control characters, which the URL drops
//! too, are refused where the source is checked). Places are compared across every source of an environment, not within one:
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
use super::kind::Spot;
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
            let checked = self.places_of(
                environment,
                sources,
                app,
                (&mut resolver, &mut owners, &mut reported),
            );
            if checked.is_err() {
                return;
            }
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
    ) -> Result<(), Full> {
        for name in &environment.sources {
            let Some(source) = sources.iter().find(|source| &source.name == name) else {
                continue;
            };
            for spec in &environment.secrets {
                for spot in source
                    .config
                    .settings()
                    .places(spec, &environment.name, app)
                {
                    // A file by its real path: a directory of another environment's
                    // source, or a link committed beside the manifest, reaches it by
                    // another spelling (a sixty-fifth adversarial pass).
                    let spot = match spot {
                        Spot::File(path) => Spot::File(resolver.resolved(&path)),
                        spot => spot,
                    };
                    let owner = match owners.spend(Marks::cost(&spot)).and_then(|()| {
                        owners.claim(&Marks::of(&spot), spec, name, &environment.name)
                    }) {
                        Ok(Some(owner)) => owner,
                        Ok(None) => continue,
                        Err(Full) => {
                            self.report_line(
                                1,
                                || format!("the environments' chains, and the sources `import --from-source` may name, read more places and parts of Vault paths than the check holds ({MOST_MARKS}) or makes ({MOST_MARKS_MADE})"),
                                Some("name fewer sources in each environment's chain, write shorter Vault paths, or split the manifest by application"),
                            );
                            return Err(Full);
                        }
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
                                "secrets `{owner}` and `{}` both read {spot} ({sources})",
                                spec.key
                            )
                        },
                        Some(SHARED_HELP),
                    );
                }
            }
        }
        Ok(())
    }
}

/// Every place read so far, by the digests of its [`Marks`] (a place may be kilobytes
/// long, and there is one per secret, source and environment; a thirty-seventh
/// adversarial pass held 766 MB of them): the first secret seen reading it, through
/// which source, in which environment, each name held once.
#[derive(Default)]
struct Owners {
    places: HashMap<u128, (u32, u32, u32)>,
    names: Vec<String>,
    numbers: HashMap<String, u32>,
    /// The marks made so far, claims and probes, kept or not: each costs digests.
    made: usize,
}

/// The first reader of a place, as [`Owners::claim`] gives it back.
struct Owner {
    key: String,
    source: String,
    environment: String,
}

/// [`Owners`] holds [`MOST_MARKS`] marks already, or has made [`MOST_MARKS_MADE`].
struct Full;

/// The most marks [`Owners`] holds (about 50 bytes each): a Vault place holds one for
/// each segment of its path and one for itself (100,000 secrets in two environments of
/// three sources, each over five segments, hold 3,600,000).
const MOST_MARKS: usize = 6_000_000;

/// The most marks made, claims and probes, held or not: a place met again through
/// another source holds nothing more, and costs its digests all the same (a
/// sixty-seventh adversarial pass: 256 sources over paths of 505 segments, 3,000,000
/// places within every other bound, would have taken hours).
const MOST_MARKS_MADE: usize = 40_000_000;

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

    /// Counts `cost` more marks made; [`Full`] past [`MOST_MARKS_MADE`].
    fn spend(&mut self, cost: usize) -> Result<(), Full> {
        self.made = self.made.saturating_add(cost);
        if self.made > MOST_MARKS_MADE {
            return Err(Full);
        }
        Ok(())
    }

    /// Records that `spec` reads the place of `marks` through `source` in `environment`;
    /// gives the first reader of a place it meets when that is another secret.
    fn claim(
        &mut self,
        marks: &Marks,
        spec: &SecretSpec,
        source: &str,
        environment: &str,
    ) -> Result<Option<Owner>, Full> {
        let name = |owners: &Self, number: u32| {
            owners
                .names
                .get(usize::try_from(number).unwrap_or(usize::MAX))
                .cloned()
                .unwrap_or_default()
        };
        let key = self.number(&spec.key);
        let met = marks
            .probes
            .iter()
            .find_map(|probe| match self.places.get(probe) {
                Some(&(owner, through, seen_in)) if owner != key => Some((owner, through, seen_in)),
                _ => None,
            });
        let seen = (key, self.number(source), self.number(environment));
        for claim in &marks.claims {
            if self.places.len() >= MOST_MARKS {
                return Err(Full);
            }
            self.places.entry(*claim).or_insert(seen);
        }
        Ok(met.map(|(owner, through, seen_in)| Owner {
            key: name(self, owner),
            source: name(self, through),
            environment: name(self, seen_in),
        }))
    }
}

/// What a place leaves in [`Owners`] (`claims`) and looks for there (`probes`): two
/// places meet when one's probe is the other's claim.
///
/// A named place or a file claims and looks for itself. A Vault place is a path of
/// segments: one read under the source's `namespace` is absolute (the namespace's
/// segments in front); one read in the user's `VAULT_NAMESPACE` is known only by its
/// end, since that namespace may be any, or a namespace written into `mount` (a
/// sixty-sixth adversarial pass: `namespace = "admin"` with `mount = "team/secret"`, and
/// `secret` run in `admin/team`, read one value for two secrets; while `teamA` and
/// `teamB`, each over `secret`, were refused as one place). So two absolute paths meet
/// when they are equal; a relative path meets every path, absolute or relative, that
/// ends with it, and every relative path it ends with. Each path's suffixes (by whole
/// segments) are digested in one pass from its end.
struct Marks {
    claims: Vec<u128>,
    probes: Vec<u128>,
}

/// What a [`Marks`] digest stands for.
#[derive(Clone, Copy)]
enum Mark {
    /// A named place or a file, whole.
    Named = 1,
    /// An absolute Vault path, whole.
    Absolute,
    /// A relative Vault path, whole.
    Relative,
    /// The end of a Vault path, absolute or relative.
    End,
}

impl Marks {
    /// The marks of `spot`.
    fn of(spot: &Spot) -> Self {
        let (namespace, path, field) = match spot {
            Spot::Vault {
                namespace,
                path,
                field,
            } => (namespace, path, field),
            Spot::Named(text) => return Self::whole(&format!("n{text}")),
            Spot::File(path) => return Self::whole(&format!("f{path}")),
        };
        let segments: Vec<&str> = namespace
            .iter()
            .flat_map(|namespace| namespace.split('/'))
            .chain(path.split('/'))
            .filter(|segment| !segment.is_empty())
            .collect();
        // Each suffix's digest: its first segment (length first) and the digest of the
        // rest, down to the field.
        let mut chain = sha256(&[b"#", field.as_bytes()]);
        let mut ends = Vec::with_capacity(segments.len());
        for segment in segments.iter().rev() {
            let length = u64::try_from(segment.len())
                .unwrap_or(u64::MAX)
                .to_le_bytes();
            chain = sha256(&[&length, segment.as_bytes(), &chain]);
            ends.push(chain);
        }
        let end_marks = ends.iter().map(|end| mark(Mark::End, end));
        let relatives = ends.iter().map(|end| mark(Mark::Relative, end));
        if namespace.is_some() {
            Self {
                claims: std::iter::once(mark(Mark::Absolute, &chain))
                    .chain(end_marks)
                    .collect(),
                probes: std::iter::once(mark(Mark::Absolute, &chain))
                    .chain(relatives)
                    .collect(),
            }
        } else {
            Self {
                claims: std::iter::once(mark(Mark::Relative, &chain))
                    .chain(end_marks)
                    .collect(),
                probes: std::iter::once(mark(Mark::End, &chain))
                    .chain(relatives)
                    .collect(),
            }
        }
    }

    /// How many marks [`Self::of`] makes of `spot`, counted without making them: a Vault
    /// place's are two for each segment of its path and namespace, and two for itself.
    fn cost(spot: &Spot) -> usize {
        match spot {
            Spot::Vault {
                namespace, path, ..
            } => {
                let segments = |text: &str| text.split('/').filter(|s| !s.is_empty()).count();
                let all = segments(path)
                    .saturating_add(namespace.as_deref().map_or(0, segments))
                    .saturating_add(1);
                all.saturating_mul(2)
            }
            _ => 2,
        }
    }

    /// A place that claims and looks for itself alone.
    fn whole(text: &str) -> Self {
        let digest = mark(Mark::Named, &sha256(&[text.as_bytes()]));
        Self {
            claims: vec![digest],
            probes: vec![digest],
        }
    }
}

/// The digest of `parts`, one after another.
fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        context.update(part);
    }
    let mut out = [0; 32];
    out.copy_from_slice(context.finish().as_ref());
    out
}

/// The digest a [`Marks`] holds for `digest` as `kind`: half of one, enough to keep two
/// places apart (two that met by chance would be refused as one, never let through).
fn mark(kind: Mark, digest: &[u8; 32]) -> u128 {
    let mut half = [0; 16];
    half.copy_from_slice(&sha256(&[&[kind as u8], digest])[..16]);
    u128::from_le_bytes(half)
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

/// [`resolved`], each directory that does not exist resolved once: a `files` source names
/// one file per secret in one directory, which resolving walks up part by part (a
/// thirty-seventh adversarial pass: a `dir` of 2,040 parts and 5,000 secrets took 88 s).
struct Resolver<'b> {
    base: &'b Path,
    parents: HashMap<String, String>,
    /// A file with several names (hard links) by its device and inode: the first name
    /// it was resolved by.
    linked: HashMap<(u64, u64), String>,
}

impl<'b> Resolver<'b> {
    fn new(base: &'b Path) -> Self {
        Self {
            base,
            parents: HashMap::new(),
            linked: HashMap::new(),
        }
    }

    /// [`Self::resolved_path`] of `path`; a file with several names (hard links), by
    /// the first of them resolved: two environments' `files` directories, or a `.env`
    /// and a `files` secret, reached one file through two links (a sixty-sixth
    /// adversarial pass; git makes no hard links, an archive or a mounted volume can).
    fn resolved(&mut self, path: &str) -> String {
        use std::os::unix::fs::MetadataExt as _;
        let real = self.resolved_path(path);
        match std::fs::metadata(self.base.join(&real)) {
            Ok(meta) if meta.is_file() && meta.nlink() > 1 => self
                .linked
                .entry((meta.dev(), meta.ino()))
                .or_insert(real)
                .clone(),
            _ => real,
        }
    }

    /// [`resolved`] of `path`: its directory's resolution (kept), and its name: a link
    /// there followed, else as it is. The whole path is never resolved again for each
    /// secret (a thirty-eighth adversarial pass: a `dir` of 1,600 parts took 9 s a
    /// manifest read).
    fn resolved_path(&mut self, path: &str) -> String {
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
