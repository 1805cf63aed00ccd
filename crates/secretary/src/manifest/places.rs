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
//! field (`vault`, for each environment the source serves).

use std::collections::HashMap;
use std::sync::Arc;

use super::check::Checker;
use super::diagnostic::Diagnostic;
use super::model::{EnvironmentSpec, SecretSpec, SourceConfig, SourceSpec};

impl Checker<'_> {
    /// Reports every secret that reads a place another secret of the same environment
    /// reads in the same source, at the later secret's header.
    pub(super) fn shared_places(
        &mut self,
        environments: &[EnvironmentSpec],
        sources: &[SourceSpec],
        app: Option<&str>,
    ) {
        let mut reported: Vec<(String, String)> = Vec::new();
        for environment in environments {
            for name in &environment.sources {
                let Some(source) = sources.iter().find(|source| &source.name == name) else {
                    continue;
                };
                let mut owners: HashMap<String, &Arc<SecretSpec>> = HashMap::new();
                for spec in &environment.secrets {
                    for place in places(source, spec, &environment.name, app) {
                        let Some(owner) = owners.get(&place) else {
                            owners.insert(place, spec);
                            continue;
                        };
                        if owner.key == spec.key {
                            continue;
                        }
                        let pair = (owner.key.clone(), spec.key.clone());
                        if reported.contains(&pair) {
                            continue;
                        }
                        self.diagnostics.push(Diagnostic {
                            line: spec.line,
                            column: 1,
                            message: format!(
                                "secrets `{}` and `{}` both read {place} (source `{name}`, environment `{}`)",
                                owner.key, spec.key, environment.name
                            ),
                            help: Some(
                                "give each secret a place of its own (in a vault source, put `{key}` in its `path` or `field`): two secrets over one place would let a manifest ask questions of one value through their verdicts without printing it".to_owned(),
                            ),
                        });
                        reported.push(pair);
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
                    vec![format!("vault:{}#{field}", config.api_path(&path))]
                }
                // `{app}` without a name: reported where the source is checked.
                _ => Vec::new(),
            }
        }
    }
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
