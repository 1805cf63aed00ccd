//! The checker: turns the manifest as written ([`super::raw`]) into its model
//! ([`super::model`]), checking everything that can be checked without reading a secret,
//! and reporting every finding at once with its line, its column and what to do.

mod derived;
mod environments;
mod secrets;
mod sources;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

use super::Manifest;
use super::credentials::is_credential;
use super::diagnostic::{Diagnostic, LineIndex};
use super::model::{App, AuditTarget, EnvironmentSpec, SecretSpec};
use super::raw::{RawApp, RawAudit, RawManifest};

pub(crate) fn is_env_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether the variable `name` says it holds an environment's name (`ENVIRONMENT`,
/// `APP_ENV`, `DEPLOY_STAGE`, `SPRING_PROFILE`...). Only such a variable may choose the
/// environment: a manifest that named any other (`PGPASSWORD`) and defined one
/// environment per guess (`0000` to `9999`) learnt its value from which environment
/// ran, shown by `check` and `status` (a fourteenth adversarial pass).
fn names_an_environment(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    ["ENV", "ENVIRONMENT", "STAGE", "PROFILE", "TIER"]
        .iter()
        .any(|end| name == *end || name.ends_with(&format!("_{end}")))
}

fn is_key(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The longest name of a source or an environment, in bytes.
pub(crate) const MOST_NAME: usize = 64;

/// The longest secret key, in bytes (its variable's name is made from it).
pub(crate) const MOST_KEY: usize = 128;

fn is_name(name: &str) -> bool {
    name.len() <= MOST_NAME
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `Database-URL` → `database_url`.
pub(crate) fn to_key(name: &str) -> String {
    let mut key = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            // `DbUrl` → `db_url`: a capital after a lower-case letter starts a word.
            if c.is_ascii_uppercase() && previous_lower {
                key.push('_');
            }
            key.push(c.to_ascii_lowercase());
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !key.ends_with('_') {
                key.push('_');
            }
            previous_lower = false;
        }
    }
    key.trim_matches('_').to_owned()
}

pub(super) struct Checker<'a> {
    pub(super) lines: &'a LineIndex<'a>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Where each `template` was written, by (environment, for a rule; key): looked up
    /// for each report, which a manifest can make by the thousand (a twenty-eighth
    /// adversarial pass: 40,000 templates naming undeclared inputs took 49 s to check,
    /// each report going through every template).
    pub(super) templates: HashMap<(Option<String>, String), usize>,
    /// Every secret key the file declares, valid or not (for sources that name them).
    pub(super) secret_keys: Vec<String>,
    /// The variables the `exec` sources' `pass_env` names: credentials handed to a
    /// provider ([`Manifest::provider_variables`]).
    pub(super) provider_variables: Vec<String>,
    /// Problems found past [`MOST_DIAGNOSTICS`], counted only.
    pub(super) more: usize,
}

/// The most environments a manifest declares, and the most secrets all its environments
/// hold together (environments × secrets): each environment holds each secret as its
/// rules make it, and is checked on its own, so that the manifest's cost is their
/// product (a twenty-eighth adversarial pass made every command take 30 s in a debug
/// build, and a 16 MiB manifest days, with 3,000 of each). 100,000 secrets in one or two
/// environments, as `init` drafts from a large `.env`, are within it.
pub(crate) const MOST_ENVIRONMENTS: usize = 128;
/// See [`MOST_ENVIRONMENTS`].
pub(crate) const MOST_HELD: usize = 2_000_000;
/// The most sources a manifest declares, and an environment's chain names: each name in
/// a chain is looked up among the sources, and a name not declared is told with the
/// closest one (a thirty-first adversarial pass made `list` take 16 s and write 19 MB
/// of errors with 1,000 of each).
pub(crate) const MOST_SOURCES: usize = 256;
/// The most problems a check of the manifest reports (the rest are counted): each is
/// worded with what it names and a "did you mean" among the declared names, so that a
/// manifest of many mistakes cost minutes and megabytes of errors (a thirty-second
/// adversarial pass: 256 chains of 256 undefined long names took 101 s and wrote 14 MB;
/// 4,000 rules for undeclared secrets, 53 s).
pub(crate) const MOST_DIAGNOSTICS: usize = 100;

/// The most characters of a problem's message, and of its help: each quotes names, a
/// value's rule, a path, of any length (a thirty-third adversarial pass made 100
/// problems quoting a 262 KB key write 26 MB).
const LONGEST_TEXT: usize = 1024;

/// `text`, its first [`LONGEST_TEXT`] characters and `…` when longer.
pub(super) fn bounded(text: String) -> String {
    match text.char_indices().nth(LONGEST_TEXT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The last problem told, when `count` more were found: at its place, how many.
pub(super) fn more_problems(count: usize, last: &Diagnostic) -> Diagnostic {
    Diagnostic {
        message: format!("and {count} more problems, not shown: fix these first"),
        help: None,
        ..last.clone()
    }
}

/// `name` as a problem shows it: its first [`MOST_NAME`] characters, and `…` when it is
/// longer.
pub(super) fn shown_name(name: &str) -> String {
    crate::printable::shortened(name, MOST_NAME).into_owned()
}

/// Leaves out of `table` the entries past its first `most`; gives how many it had and
/// where the first left out was written, when it had more.
fn past<T>(
    table: &mut std::collections::BTreeMap<Spanned<String>, T>,
    most: usize,
) -> Option<(usize, usize)> {
    let count = table.len();
    let left_out: Vec<Spanned<String>> = table.keys().skip(most).cloned().collect();
    let at = left_out.first()?.span().start;
    for key in left_out {
        table.remove(&key);
    }
    Some((count, at))
}

impl Checker<'_> {
    /// Reports the environments past [`MOST_ENVIRONMENTS`], and the secrets past what
    /// they may hold together ([`MOST_HELD`]), and leaves them out, so that the rest is
    /// checked in a bounded time (the manifest is refused all the same).
    fn bounded(&mut self, raw: &mut RawManifest) {
        if let Some((count, at)) = past(&mut raw.environments, MOST_ENVIRONMENTS) {
            self.report(
                at,
                format!("{count} environments: a manifest declares at most {MOST_ENVIRONMENTS}"),
                Some("keep one manifest per application, with its own environments".to_owned()),
            );
        }
        if let Some((count, at)) = past(&mut raw.sources, MOST_SOURCES) {
            self.report(
                at,
                format!("{count} sources: a manifest declares at most {MOST_SOURCES}"),
                None,
            );
        }
        for environment in raw.environments.values_mut() {
            let chain = environment.sources.get_mut();
            if chain.len() > MOST_SOURCES {
                let at = chain[MOST_SOURCES].span().start;
                let count = chain.len();
                chain.truncate(MOST_SOURCES);
                self.report(
                    at,
                    format!("an environment's chain of {count} sources: at most {MOST_SOURCES}"),
                    None,
                );
            }
        }
        let environments = raw.environments.len().max(1);
        if let Some((count, at)) = past(&mut raw.secrets, MOST_HELD / environments) {
            self.report(
                at,
                format!(
                    "{count} secrets in {environments} environment(s): a manifest holds at most {MOST_HELD} (each environment holds each secret)"
                ),
                Some("keep one manifest per application, with the secrets it reads and its own environments".to_owned()),
            );
        }
    }

    /// Whether [`MOST_DIAGNOSTICS`] problems are reported: what would be costly to word
    /// for another (a "did you mean") is not worked out.
    pub(super) fn full(&self) -> bool {
        self.diagnostics.len() >= MOST_DIAGNOSTICS
    }

    /// Reports a problem at the start of `line`, as [`Checker::report`] does: within the
    /// [`MOST_DIAGNOSTICS`] (its message only worded when it is shown) and each text
    /// bounded (a thirty-seventh adversarial pass had the one-place check write 19,999
    /// problems and 167 MB past the cap).
    pub(super) fn report_line(
        &mut self,
        line: usize,
        message: impl FnOnce() -> String,
        help: Option<&str>,
    ) {
        if self.full() {
            self.more = self.more.saturating_add(1);
            return;
        }
        self.diagnostics.push(Diagnostic {
            line,
            column: 1,
            message: bounded(message()),
            help: help.map(|help| bounded(help.to_owned())),
        });
    }

    fn report(&mut self, offset: usize, message: String, help: Option<String>) {
        if self.full() {
            self.more = self.more.saturating_add(1);
            return;
        }
        let (line, column) = self.lines.position(offset);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message: bounded(message),
            help: help.map(bounded),
        });
    }

    pub(super) fn build(&mut self, mut raw: RawManifest, path: &Path) -> Manifest {
        self.bounded(&mut raw);
        match &raw.version {
            None => self.report(
                0,
                "missing `version`".to_owned(),
                Some("add `version = 1` as the first line".to_owned()),
            ),
            Some(version) if *version.get_ref() != 1 => self.report(
                version.span().start,
                format!("unsupported manifest version {}", version.get_ref()),
                Some("this secretary reads `version = 1`".to_owned()),
            ),
            Some(_) => {}
        }
        // Environments are checked against every name declared, valid or not, so that a
        // broken source is reported once, not again by each environment that uses it.
        let declared: Vec<String> = if raw.sources.is_empty() {
            vec!["env".to_owned()]
        } else {
            let mut names: Vec<&Spanned<String>> = raw.sources.keys().collect();
            names.sort_by_key(|name| name.span().start);
            names
                .into_iter()
                .map(|name| name.get_ref().clone())
                .collect()
        };
        self.secret_keys = raw
            .secrets
            .keys()
            .map(|key| key.get_ref().clone())
            .collect();
        let sources = self.sources(raw.sources);
        self.provider_variables = provider_variables(&sources);
        let app_named = raw.app.name.is_some();
        let (mut environments, rules) =
            self.environments(raw.environments, &sources, &declared, app_named);
        // Every key declared, its declaration refused or not: rules for one refused are
        // not said to be for an undeclared secret besides (a sixty-seventh adversarial
        // pass sent a user after a declaration that was there).
        let headers: std::collections::HashSet<String> = raw
            .secrets
            .keys()
            .map(|key| key.get_ref().clone())
            .collect();
        let secrets: Vec<Arc<SecretSpec>> = self
            .secrets(raw.secrets)
            .into_iter()
            .map(Arc::new)
            .collect();
        let app = self.app(raw.app, &environments, &secrets);
        let index: HashMap<String, usize> = secrets
            .iter()
            .enumerate()
            .map(|(position, spec)| (spec.key.clone(), position))
            .collect();
        for (environment, rules) in environments.iter_mut().zip(rules) {
            self.apply_rules(environment, rules, &secrets, (&index, &headers));
        }
        for environment in &environments {
            self.derived(environment);
        }
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        self.shared_places(&environments, &secrets, &sources, app.name.as_deref(), base);
        let audit = raw.audit.and_then(|audit| self.audit(audit, path));
        let path = path.to_path_buf();
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let shown_dir = if dir == Path::new(".") {
            PathBuf::new()
        } else {
            dir.clone()
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Manifest {
            path,
            dir,
            shown_dir,
            app,
            sources,
            environments,
            secrets,
            index,
            audit,
            provider_variables: std::mem::take(&mut self.provider_variables),
        }
    }

    fn audit(&mut self, raw: Spanned<RawAudit>, path: &Path) -> Option<AuditTarget> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        match (raw.file, raw.sink) {
            (Some(file), None) => {
                let file = PathBuf::from(file);
                let beneath = !file.as_os_str().is_empty()
                    && file
                        .components()
                        .all(|part| matches!(part, std::path::Component::Normal(_)));
                if !beneath {
                    self.report(
                        at,
                        "`[audit] file` must be a file beneath the manifest's directory".to_owned(),
                        Some(
                            "write a relative path without `..` (`audit.log`, `logs/audit.log`); a log elsewhere is chosen by whoever runs secretary, not by the manifest"
                                .to_owned(),
                        ),
                    );
                    return None;
                }
                let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
                let dir = if dir.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    dir
                };
                Some(AuditTarget::Beneath { dir, file })
            }
            (None, Some(sink)) if sink.get_ref() == "stderr" => Some(AuditTarget::Stderr),
            (None, Some(sink)) => {
                self.report(
                    sink.span().start,
                    format!("unknown audit sink `{}`", sink.get_ref()),
                    Some("use `sink = \"stderr\"`, or `file = \"PATH\"`".to_owned()),
                );
                None
            }
            (Some(_), Some(_)) | (None, None) => {
                self.report(
                    at,
                    "`[audit]` needs exactly one of `file` and `sink`".to_owned(),
                    Some(
                        "`file = \"audit.log\"` (relative to the manifest) or `sink = \"stderr\"`"
                            .to_owned(),
                    ),
                );
                None
            }
        }
    }

    fn app(
        &mut self,
        raw: RawApp,
        environments: &[EnvironmentSpec],
        secrets: &[Arc<SecretSpec>],
    ) -> App {
        let environment_from = match raw.environment_from {
            Some(names) => names
                .into_iter()
                .map(|name| {
                    // A variable whose value chooses the environment shows its value in
                    // which environment runs, and in a message when none is named so
                    // (an eighth adversarial pass printed VAULT_TOKEN that way): never a
                    // credential, nor a variable a sensitive secret reads.
                    let secret = secrets
                        .iter()
                        .find(|spec| spec.sensitive && spec.env.contains(name.get_ref()));
                    if is_credential(name.get_ref()) {
                        self.report(
                            name.span().start,
                            format!(
                                "`{}` holds a credential and cannot choose the environment",
                                name.get_ref()
                            ),
                            Some("name a variable that holds the environment's name, such as `ENVIRONMENT`".to_owned()),
                        );
                    } else if let Some(secret) = secret {
                        self.report(
                            name.span().start,
                            format!(
                                "`{}` is read by the sensitive secret `{}` and cannot choose the environment",
                                name.get_ref(),
                                secret.key
                            ),
                            Some("name a variable that holds the environment's name, such as `ENVIRONMENT`".to_owned()),
                        );
                    } else if is_env_name(name.get_ref()) && !names_an_environment(name.get_ref()) {
                        self.report(
                            name.span().start,
                            format!(
                                "`{}` does not say it holds an environment's name, and cannot choose the environment",
                                name.get_ref()
                            ),
                            Some("name a variable such as `ENVIRONMENT`, `APP_ENV` or `DEPLOY_STAGE`: its name ends in `ENV`, `ENVIRONMENT`, `STAGE`, `PROFILE` or `TIER`".to_owned()),
                        );
                    } else if !is_env_name(name.get_ref()) {
                        self.report(
                            name.span().start,
                            format!(
                                "`{}` is not a valid environment variable name",
                                name.get_ref()
                            ),
                            Some(
                                "use letters, digits and `_`, not starting with a digit".to_owned(),
                            ),
                        );
                    }
                    name.into_inner()
                })
                .collect(),
            None => vec!["ENVIRONMENT".to_owned(), "ENV".to_owned()],
        };
        let default_environment = match raw.default_environment {
            Some(name) => {
                if !environments.iter().any(|e| e.name == *name.get_ref()) {
                    let defined: Vec<_> = environments.iter().map(|e| e.name.as_str()).collect();
                    self.report(
                        name.span().start,
                        format!("default environment `{}` is not defined", name.get_ref()),
                        Some(format!("defined environments: {}", defined.join(", "))),
                    );
                }
                name.into_inner()
            }
            None => "development".to_owned(),
        };
        // `{app}` is expanded into Vault paths: it may bring no `.`, `..` or control
        // character that the one-place rule would not see (a sixth adversarial pass).
        let name = raw.name.map(|name| {
            // An empty name would put `{app}` nowhere in paths, and name the copy
            // `.production.lkg`, which `cache status`, `cache clear` and the forgetting
            // of copies did not find (a twenty-second adversarial pass).
            if name.get_ref().trim().is_empty() {
                self.report(
                    name.span().start,
                    "`[app] name` is empty".to_owned(),
                    Some("name the application (`name = \"shop\"`), or remove `name`".to_owned()),
                );
            } else if let Some(problem) = crate::manifest::path_problem(name.get_ref()) {
                self.report(
                    name.span().start,
                    format!("`[app] name` {problem}"),
                    Some("name the application with letters, digits, `-` and `_`".to_owned()),
                );
            } else if name.get_ref().len() > MOST_KEY {
                // It fills `{app}` in every secret's place (a thirty-seventh adversarial
                // pass).
                self.report(
                    name.span().start,
                    format!(
                        "`[app] name` is {} bytes long: at most {MOST_KEY}",
                        name.get_ref().len()
                    ),
                    None,
                );
            }
            name.into_inner()
        });
        App {
            name,
            environment_from,
            default_environment,
        }
    }
}

/// Every variable an `exec` source's `pass_env` names, sorted, each once.
fn provider_variables(sources: &[super::SourceSpec]) -> Vec<String> {
    let mut names: Vec<String> = sources
        .iter()
        .flat_map(|source| source.config.settings().handed_variables().to_vec())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_suggestions_are_snake_case() {
        assert_eq!(to_key("DbUrl"), "db_url");
        assert_eq!(to_key("Database-URL"), "database_url");
        assert_eq!(to_key("API_KEY"), "api_key");
        assert_eq!(to_key("oauth2Token"), "oauth2_token");
    }
}
