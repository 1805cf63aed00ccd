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

use std::collections::HashMap;
use std::path::Path;
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
        base: &Path,
    ) {
        let mut reported: std::collections::HashSet<(String, String)> =
            std::collections::HashSet::new();
        for environment in environments {
            self.whole_files(environment, sources, base);
            self.whole_aws_secrets(environment, sources, app);
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

impl Checker<'_> {
    /// Reports an AWS Secrets Manager secret that one secret of `environment` reads whole
    /// while others read fields of it (a `field` source and one without over the same
    /// name): the whole one's `pattern` could question the others' values.
    fn whole_aws_secrets(
        &mut self,
        environment: &EnvironmentSpec,
        sources: &[SourceSpec],
        app: Option<&str>,
    ) {
        let mut whole: HashMap<String, &Arc<SecretSpec>> = HashMap::new();
        let mut fields: HashMap<String, Vec<&Arc<SecretSpec>>> = HashMap::new();
        for source in environment
            .sources
            .iter()
            .filter_map(|name| sources.iter().find(|source| &source.name == name))
        {
            let SourceConfig::AwsSecretsManager(config) = &source.config else {
                continue;
            };
            for spec in &environment.secrets {
                let expand = |template: &str| {
                    super::model::VaultConfig::expand(template, &environment.name, &spec.key, app)
                };
                let Some(name) = expand(&config.name) else {
                    continue;
                };
                if config.field.is_some() {
                    fields.entry(name).or_default().push(spec);
                } else {
                    whole.entry(name).or_insert(spec);
                }
            }
        }
        for (name, owner) in whole {
            let Some(other) = fields
                .get(&name)
                .and_then(|readers| readers.iter().find(|other| other.key != owner.key))
            else {
                continue;
            };
            self.diagnostics.push(Diagnostic {
                line: owner.line,
                column: 1,
                message: format!(
                    "secret `{}` reads the whole of AWS secret `{name}`, whose fields secret `{}` reads (environment `{}`)",
                    owner.key, other.key, environment.name
                ),
                help: Some(
                    "give each secret a place of its own: a secret that reads a JSON secret whole could question the values of its fields".to_owned(),
                ),
            });
        }
    }

    /// Reports a file that a `files` secret of `environment` reads whole and a `dotenv`
    /// source of it reads for other secrets (a fifth adversarial pass: `s/db` as both
    /// the secret `db` and the `.env` of `api_key`).
    fn whole_files(&mut self, environment: &EnvironmentSpec, sources: &[SourceSpec], base: &Path) {
        let chain: Vec<&SourceSpec> = environment
            .sources
            .iter()
            .filter_map(|name| sources.iter().find(|source| &source.name == name))
            .collect();
        // Only the listed `.env` files and the `files` directories are resolved (a few
        // paths), not a path per secret: this runs at every manifest read.
        let dotenv: Vec<(&SourceSpec, &String, String)> = chain
            .iter()
            .filter_map(|source| match &source.config {
                SourceConfig::Dotenv { files } => Some((*source, files)),
                _ => None,
            })
            .flat_map(|(source, files)| {
                files
                    .iter()
                    .map(move |file| (source, file, resolved(base, file)))
            })
            .collect();
        if dotenv.is_empty() {
            return;
        }
        let dirs: Vec<String> = chain
            .iter()
            .filter_map(|source| match &source.config {
                SourceConfig::Files { dir } => Some(resolved(base, dir)),
                _ => None,
            })
            .collect();
        for (source, file, real) in dotenv {
            let real = Path::new(&real);
            let in_dir = real
                .parent()
                .is_some_and(|parent| dirs.iter().any(|dir| Path::new(dir) == parent));
            let name = real.file_name().and_then(|name| name.to_str());
            let owner = name.filter(|_| in_dir).and_then(|name| {
                environment
                    .secrets
                    .iter()
                    .find(|spec| spec.key == name || spec.primary_env() == name)
            });
            if let Some(owner) = owner {
                self.diagnostics.push(Diagnostic {
                        line: owner.line,
                        column: 1,
                        message: format!(
                            "secret `{}` reads the whole of {file}, which source `{}` reads other secrets from (environment `{}`)",
                            owner.key, source.name, environment.name
                        ),
                        help: Some(
                            "keep a secrets directory and a .env file apart: a secret that reads the whole file could question the values of the others".to_owned(),
                        ),
                    });
            }
        }
    }
}

/// The file `path` (relative to the manifest's directory `base`, or absolute) names: its
/// real path when it exists, so that an absolute spelling, `s/../s/db` or a linked
/// directory is the same file (a sixth adversarial pass); else [`lexical`].
fn resolved(base: &Path, path: &str) -> String {
    std::fs::canonicalize(base.join(path)).map_or_else(
        |_| lexical(path),
        |real| real.to_string_lossy().into_owned(),
    )
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

/// Where `spec` is looked for in `source` in `environment`, as its locators name it.
fn places(
    source: &SourceSpec,
    spec: &SecretSpec,
    environment: &str,
    app: Option<&str>,
) -> Vec<String> {
    match &source.config {
        // A sops file's keys are env names, as a `.env`'s are (it is often one encrypted).
        SourceConfig::Env | SourceConfig::Dotenv { .. } | SourceConfig::Sops { .. } => {
            spec.env.iter().map(|name| format!("`{name}`")).collect()
        }
        // A lease's place is its path's field.
        SourceConfig::VaultLease(config) => config
            .secrets
            .iter()
            .filter(|(key, _)| *key == spec.key)
            .filter_map(|(_, field)| {
                super::model::VaultConfig::expand(&config.vault.path, environment, "", app)
                    .map(|path| format!("vault_lease:{}#{field}", normalised(&path)))
            })
            .collect(),
        // A provider's place is its command's answer for the key.
        SourceConfig::Exec { command, .. } => {
            vec![format!("exec:{}#{}", command.join(" "), spec.key)]
        }
        // One secret's name and field (a source in another region reads another store,
        // but is taken as the same place: the region may come from the user's
        // environment, so two sources cannot be told apart here).
        SourceConfig::AwsSecretsManager(config) | SourceConfig::AwsParameterStore(config) => {
            let expand = |template: &str| {
                super::model::VaultConfig::expand(template, environment, &spec.key, app)
            };
            let kind = source.config.kind();
            match (expand(&config.name), config.field.as_deref().map(expand)) {
                (Some(name), None) => vec![format!("{kind}:{name}")],
                (Some(name), Some(Some(field))) => vec![format!("{kind}:{name}#{field}")],
                _ => Vec::new(),
            }
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
                // The namespace is part of the place: `namespace = "ns1"` with `secret` and
                // `mount = "ns1/secret"` read the same secrets (a fifth adversarial pass).
                // A source without one runs in the user's `VAULT_NAMESPACE`, which may be
                // this one's: so a source with a namespace claims the place without it too
                // (a sixth adversarial pass).
                (Some(path), Some(field)) => {
                    let api = config.api_path(&path);
                    let mut places = vec![format!("vault:{}#{field}", normalised(&api))];
                    if let Some(namespace) = &config.namespace {
                        places.push(format!(
                            "vault:{}#{field}",
                            normalised(&format!("{namespace}/{api}"))
                        ));
                    }
                    places
                }
                // `{app}` without a name: reported where the source is checked.
                _ => Vec::new(),
            }
        }
    }
}

/// `path`'s segments as the request's URL has them: empty segments dropped. (`.`, `..`
/// and control characters, which the URL also drops, are refused in the manifest.)
fn normalised(path: &str) -> String {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .collect::<Vec<_>>()
        .join("/")
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
    fn aws_secrets_have_one_place_each_and_a_whole_secret_is_not_read_beside_its_fields() {
        // Two secrets over one name, over one field of one JSON secret, over one parameter.
        for (source, place) in [
            (
                "type = \"aws_secrets_manager\"\nname = \"production/db\"",
                "aws_secrets_manager:production/db ",
            ),
            (
                "type = \"aws_secrets_manager\"\nname = \"production/app\"\nfield = \"value\"",
                "aws_secrets_manager:production/app#value ",
            ),
            (
                "type = \"aws_parameter_store\"\nname = \"/production/db\"",
                "aws_parameter_store:/production/db ",
            ),
        ] {
            let text = format!(
                "version = 1\n[sources.aws]\n{source}\n\
                 [environments.production]\nsources = [\"aws\"]\n\
                 [secrets.c0]\npattern = \"^a\"\n[secrets.c1]\npattern = \"^.b\"\n"
            );
            let found = diagnostics(&text);
            assert!(
                found
                    .iter()
                    .any(|(_, m)| m.contains(&format!("both read {place}"))),
                "{found:?}"
            );
        }
        // One secret reads `production/app` whole, another one of its fields.
        let text = "version = 1\n\
            [sources.whole]\ntype = \"aws_secrets_manager\"\nname = \"production/{key}\"\n\
            [sources.fields]\ntype = \"aws_secrets_manager\"\nname = \"production/app\"\nfield = \"{key}\"\n\
            [environments.production]\nsources = [\"whole\", \"fields\"]\n\
            [secrets.app]\npattern = \"^.\"\n\
            [secrets.password]\n";
        let found = diagnostics(text);
        assert!(
            found.iter().any(|(_, m)| m.contains(
                "secret `app` reads the whole of AWS secret `production/app`, whose fields secret `password` reads"
            )),
            "{found:?}"
        );
        // Fields of one secret, one each: fine.
        let text = "version = 1\n\
            [sources.fields]\ntype = \"aws_secrets_manager\"\nname = \"production/app\"\nfield = \"{key}\"\n\
            [environments.production]\nsources = [\"fields\"]\n\
            [secrets.app]\n[secrets.password]\n";
        assert_eq!(diagnostics(text), Vec::new());
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
        // `prod//db` is `prod/db`, as the request's URL has it.
        let text = "version = 1\n[sources.a]\ntype = \"vault\"\npath = \"prod/{key}\"\n\
            [sources.b]\ntype = \"vault\"\npath = \"prod//db\"\n\
            [environments.production]\nsources = [\"a\", \"b\"]\n\
            [secrets.db]\n[secrets.other]\n";
        let found = diagnostics(text);
        assert!(
            found.iter().any(|(_, m)| m
                .starts_with("secrets `db` and `other` both read vault:secret/data/prod/db#value")),
            "{found:?}"
        );
        // A namespace in front of a mount is the same place as a mount under it.
        let text = "version = 1\n[sources.a]\ntype = \"vault\"\nnamespace = \"ns1\"\npath = \"prod/{key}\"\n\
            [sources.b]\ntype = \"vault\"\nmount = \"ns1/secret\"\npath = \"prod/d{key}\"\n\
            [environments.production]\nsources = [\"a\", \"b\"]\n\
            [secrets.db]\n[secrets.b]\n";
        let found = diagnostics(text);
        assert!(
            found.iter().any(|(_, m)| m
                .starts_with("secrets `db` and `b` both read vault:ns1/secret/data/prod/db#value")),
            "{found:?}"
        );
    }

    #[test]
    fn paths_the_url_would_change_are_refused() {
        // The URL of a request drops `.` and `..` segments and strips tabs and line
        // breaks: `prod/x/../d{key}` was read as `prod/x/d{key}`, and `prod/d\t{key}` as
        // `prod/d{key}`, unseen by the one-place rule (a fifth adversarial pass).
        for (setting, value) in [
            ("path", "prod/x/../d{key}"),
            ("path", "prod/./{key}"),
            ("path", "prod/d\\t{key}"),
            ("field", "va\\nlue"),
            ("mount", "secret/.."),
            ("namespace", "ns\\r1"),
        ] {
            let text = format!(
                "version = 1\n[sources.vault]\ntype = \"vault\"\n{setting} = \"{value}\"\n[secrets.db]\n"
            );
            let found = diagnostics(&text);
            assert!(
                found.iter().any(
                    |(_, m)| m.starts_with(&format!("vault source `vault`: `{setting}` holds"))
                ),
                "{setting} = {value}: {found:?}"
            );
        }
    }

    #[test]
    fn the_app_name_and_the_users_namespace_cannot_bring_two_secrets_together() {
        // `{app}` expanded to `..`, which the URL drops (a sixth adversarial pass).
        for name in ["..", ".", "a\\tb"] {
            let text = format!(
                "version = 1\n[app]\nname = \"{name}\"\n[sources.a]\ntype = \"vault\"\npath = \"prod/{{app}}/d{{key}}\"\n[secrets.db]\n"
            );
            let found = diagnostics(&text);
            assert!(
                found
                    .iter()
                    .any(|(_, m)| m.starts_with("`[app] name` holds")),
                "{name}: {found:?}"
            );
        }
        // A source without a namespace runs in the user's VAULT_NAMESPACE, which may be
        // another source's.
        let text = "version = 1\n[sources.a]\ntype = \"vault\"\nnamespace = \"ns1\"\npath = \"prod/{key}\"\n\
            [sources.b]\ntype = \"vault\"\npath = \"prod/d{key}\"\n\
            [environments.production]\nsources = [\"a\", \"b\"]\n\
            [secrets.db]\n[secrets.b]\n";
        let found = diagnostics(text);
        assert!(
            found.iter().any(|(_, m)| m
                .starts_with("secrets `db` and `b` both read vault:secret/data/prod/db#value")),
            "{found:?}"
        );
    }

    #[test]
    fn the_same_file_under_another_spelling_is_the_same_file() {
        // An absolute path, `..` and a linked directory: compared as written, each looked
        // like another file (a sixth adversarial pass).
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("s")).unwrap();
        std::fs::write(dir.path().join("s/db"), "API_KEY=hello\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("s"), dir.path().join("link")).unwrap();
        let absolute = dir.path().join("s/db").display().to_string();
        for (files_dir, listed) in [
            ("s", absolute.as_str()),
            ("s", "s/../s/db"),
            ("s", "link/db"),
            ("link", "s/db"),
        ] {
            let text = format!(
                "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"{files_dir}\"\n\
                 [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"{listed}\"]\n\
                 [secrets.db]\n[secrets.api_key]\n"
            );
            let found = Manifest::parse(&text, &dir.path().join("secrets.toml"))
                .err()
                .map(|error| error.diagnostics)
                .unwrap_or_default();
            assert!(
                found
                    .iter()
                    .any(|d| d.message.starts_with("secret `db` reads the whole of")),
                "{files_dir} and {listed}: {found:?}"
            );
        }
    }

    #[test]
    fn a_file_read_whole_by_one_secret_and_as_a_dotenv_for_others_is_refused() {
        for listed in ["s/db", "./s/db", "s//db"] {
            let text = format!(
                "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"s\"\n\
                 [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"{listed}\"]\n\
                 [secrets.db]\npattern = \"API_KEY=h.*\"\n[secrets.api_key]\n"
            );
            let found = diagnostics(&text);
            assert!(
                found.iter().any(|(_, m)| m.starts_with(&format!("secret `db` reads the whole of {listed}, which source `dotenv` reads other secrets from"))),
                "{listed}: {found:?}"
            );
        }
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
