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
//! field (`vault`, for each environment the source serves), its segments normalised as
//! the request's URL is built (empty and `.` segments dropped, `..` a step up), so that
//! `prod//db` and `prod/./db` are `prod/db`. Places are compared across every source of
//! an environment, not within one: three vault sources with `prod/{key}`, `prod/d{key}`
//! and `pro{key}/db` each look unique alone, and all read `prod/db` for three secrets.

use std::collections::HashMap;
use std::sync::Arc;

use super::check::Checker;
use super::diagnostic::Diagnostic;
use super::model::{EnvironmentSpec, SecretSpec, SourceConfig, SourceSpec};

impl Checker<'_> {
    /// Reports every secret that reads a place another secret of the same environment
    /// reads, through any of its sources, at the later secret's header; each pair once.
    pub(super) fn shared_places(
        &mut self,
        environments: &[EnvironmentSpec],
        sources: &[SourceSpec],
        app: Option<&str>,
    ) {
        let mut reported: std::collections::HashSet<(String, String)> =
            std::collections::HashSet::new();
        for environment in environments {
            // Place → the first secret seen reading it, and through which source.
            let mut owners: HashMap<String, (&Arc<SecretSpec>, &str)> = HashMap::new();
            for name in &environment.sources {
                let Some(source) = sources.iter().find(|source| &source.name == name) else {
                    continue;
                };
                for spec in &environment.secrets {
                    for place in places(source, spec, &environment.name, app) {
                        let Some(&(owner, through)) = owners.get(&place) else {
                            owners.insert(place, (spec, name));
                            continue;
                        };
                        if owner.key == spec.key {
                            continue;
                        }
                        if !reported.insert((owner.key.clone(), spec.key.clone())) {
                            continue;
                        }
                        let sources = if through == name {
                            format!("source `{name}`")
                        } else {
                            format!("sources `{through}` and `{name}`")
                        };
                        self.diagnostics.push(Diagnostic {
                            line: spec.line,
                            column: 1,
                            message: format!(
                                "secrets `{}` and `{}` both read {place} ({sources}, environment `{}`)",
                                owner.key, spec.key, environment.name
                            ),
                            help: Some(
                                "give each secret a place of its own (in a vault source, put `{key}` in its `path` or `field`): two secrets over one place would let a manifest ask questions of one value through their verdicts without printing it".to_owned(),
                            ),
                        });
                    }
                }
            }
        }
    }
}

/// Where `spec` is looked for in `source` in `environment`, as its locators name it.
fn places(
    source: &SourceSpec,
    spec: &SecretSpec,
    environment: &str,
    app: Option<&str>,
) -> Vec<String> {
    match &source.config {
        SourceConfig::Env | SourceConfig::Dotenv { .. } => {
            spec.env.iter().map(|name| format!("`{name}`")).collect()
        }
        SourceConfig::Files { dir } => {
            let mut files = vec![format!("files:{dir}/{}", spec.key)];
            if spec.primary_env() != spec.key {
                files.push(format!("files:{dir}/{}", spec.primary_env()));
            }
            files
        }
        SourceConfig::Vault(config) => {
            let expand = |template: &str| {
                super::model::VaultConfig::expand(template, environment, &spec.key, app)
            };
            match (expand(&config.path), expand(&config.field)) {
                (Some(path), Some(field)) => {
                    vec![format!(
                        "vault:{}#{field}",
                        normalised(&config.api_path(&path))
                    )]
                }
                // `{app}` without a name: reported where the source is checked.
                _ => Vec::new(),
            }
        }
    }
}

/// `path`'s segments as the request's URL has them: empty and `.` segments dropped, `..`
/// a step up.
fn normalised(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    segments.join("/")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::Manifest;

    /// The messages of `text`'s diagnostics, with their lines; empty when it parses.
    fn diagnostics(text: &str) -> Vec<(usize, String)> {
        Manifest::parse(text, Path::new("secrets.toml"))
            .err()
            .map(|error| {
                error
                    .diagnostics
                    .into_iter()
                    .map(|d| (d.line, d.message))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn two_secrets_over_one_vault_field_are_refused() {
        // The attack: one value, a character tested by each secret's pattern.
        let text = "version = 1\n\
            [sources.vault]\ntype = \"vault\"\npath = \"production/db\"\nfield = \"value\"\n\
            [environments.production]\nsources = [\"vault\"]\n\
            [secrets.c0]\npattern = \"^a\"\n\
            [secrets.c1]\npattern = \"^.b\"\n\
            [secrets.c2]\npattern = \"^..c\"\n";
        assert_eq!(
            diagnostics(text),
            [
                (
                    10,
                    "secrets `c0` and `c1` both read vault:secret/data/production/db#value (source `vault`, environment `production`)".to_owned()
                ),
                (
                    12,
                    "secrets `c0` and `c2` both read vault:secret/data/production/db#value (source `vault`, environment `production`)".to_owned()
                ),
            ]
        );
        // The same with the field shared and `{key}` nowhere.
        let text = "version = 1\n\
            [sources.vault]\ntype = \"vault\"\npath = \"{environment}/app\"\nfield = \"token\"\n\
            [secrets.a]\n[secrets.b]\n";
        assert_eq!(diagnostics(text).len(), 1);
    }

    #[test]
    fn one_place_read_through_several_sources_is_refused() {
        // Each source alone gives every secret its own place; together three secrets
        // read `prod/db` (a fourth adversarial pass).
        let text = "version = 1\n\
            [sources.s1]\ntype = \"vault\"\npath = \"prod/{key}\"\n\
            [sources.s2]\ntype = \"vault\"\npath = \"prod/d{key}\"\n\
            [sources.s3]\ntype = \"vault\"\npath = \"pro{key}/db\"\n\
            [environments.production]\nsources = [\"s1\", \"s2\", \"s3\"]\n\
            [secrets.db]\npattern = \"^C\"\n[secrets.b]\npattern = \"^.A\"\n[secrets.d]\npattern = \"^..X\"\n";
        let found = diagnostics(text);
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        assert!(
            messages.contains(&"secrets `db` and `b` both read vault:secret/data/prod/db#value (sources `s1` and `s2`, environment `production`)"),
            "{found:?}"
        );
        assert!(
            messages.contains(&"secrets `db` and `d` both read vault:secret/data/prod/db#value (sources `s1` and `s3`, environment `production`)"),
            "{found:?}"
        );
        // Paths that the request's URL makes one.
        for path in ["prod//{key}", "prod/./{key}", "prod/x/../{key}"] {
            let text = format!(
                "version = 1\n[sources.a]\ntype = \"vault\"\npath = \"prod/{{key}}\"\n\
                 [sources.b]\ntype = \"vault\"\npath = \"{path}\"\n\
                 [environments.production]\nsources = [\"a\", \"b\"]\n\
                 [secrets.db]\n[secrets.other]\n"
            );
            // `db` through a and `db` through b are one secret: no finding.
            assert_eq!(diagnostics(&text), [], "{path}");
        }
        let text = "version = 1\n[sources.a]\ntype = \"vault\"\npath = \"prod/{key}\"\n\
            [sources.b]\ntype = \"vault\"\npath = \"prod/./x/../db\"\n\
            [environments.production]\nsources = [\"a\", \"b\"]\n\
            [secrets.db]\n[secrets.other]\n";
        let found = diagnostics(text);
        assert!(
            found.iter().any(|(_, m)| m
                .starts_with("secrets `db` and `other` both read vault:secret/data/prod/db#value")),
            "{found:?}"
        );
    }

    #[test]
    fn a_place_of_its_own_for_each_secret_is_accepted() {
        for (path, field) in [
            ("{environment}/{key}", "value"),
            ("{environment}/app", "{key}"),
            ("{app}/{environment}/{key}", "v"),
        ] {
            let text = format!(
                "version = 1\n[app]\nname = \"shop\"\n\
                 [sources.vault]\ntype = \"vault\"\npath = \"{path}\"\nfield = \"{field}\"\n\
                 [secrets.a]\n[secrets.b]\n[secrets.c]\n"
            );
            assert_eq!(diagnostics(&text), [], "{path} {field}");
        }
        // A source that no environment uses reads nothing.
        let text = "version = 1\n\
            [sources.env]\ntype = \"env\"\n\
            [sources.vault]\ntype = \"vault\"\npath = \"fixed\"\n\
            [environments.development]\nsources = [\"env\"]\n\
            [secrets.a]\n[secrets.b]\n";
        assert_eq!(diagnostics(text), []);
    }

    #[test]
    fn a_file_read_by_two_secrets_is_refused() {
        // `other` is read from its primary env name, `db`: the file `db` holds.
        let text = "version = 1\n\
            [sources.mounted]\ntype = \"files\"\ndir = \"/run/secrets\"\n\
            [secrets.db]\n[secrets.other]\nenv = [\"db\"]\n";
        let found = diagnostics(text);
        assert!(
            found.iter().any(|(_, m)| m
                .starts_with("secrets `db` and `other` both read files:/run/secrets/db")
                || m.contains("claimed by both")),
            "{found:?}"
        );
    }
}
