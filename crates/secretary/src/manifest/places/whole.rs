//! Places read whole beside their parts, over every environment: a file a `files` secret
//! reads whole that a `dotenv` source reads other secrets from (a fifth adversarial
//! pass: `s/db` as both the secret `db` and the `.env` of `api_key`), and an AWS
//! Secrets Manager secret one secret reads whole while others read its fields. Either
//! way the whole one's `pattern` could question the others' values. Judged across
//! environments, as one place is (a sixty-fourth adversarial pass read one value
//! through another secret in each environment): what every environment lists or reads
//! whole is gathered first ([`Wholes`]), then each part read is held against it.

use std::collections::HashMap;
use std::sync::Arc;

use super::super::check::Checker;
use super::super::kind::Extent;
use super::super::model::{EnvironmentSpec, SecretSpec, SourceSpec};
use super::{MOST_LISTINGS, Resolver};

/// What the environments read whole, gathered over all of them.
#[derive(Default)]
pub(super) struct Wholes {
    /// Each `.env` file a `dotenv` source lists (resolved): the source, the file as it
    /// is written, and the environment, each listing once.
    listed: HashMap<String, Vec<(String, String, String)>>,
    /// Each AWS secret a secret reads whole: the first such secret, and its environment.
    aws: HashMap<String, (Arc<SecretSpec>, String)>,
}

impl Checker<'_> {
    /// Gathers what `environment`'s chain lists and reads whole into `wholes`, and
    /// reports a source that lists one file twice, or a chain that lists too many.
    pub(super) fn gather_wholes(
        &mut self,
        environment: &EnvironmentSpec,
        sources: &[SourceSpec],
        app: Option<&str>,
        (resolver, wholes): (&mut Resolver<'_>, &mut Wholes),
    ) {
        let chain = Self::chain(environment, sources);
        // The files read for several secrets, resolved: a source's are the same for every
        // secret (`Extent::FileOfSecrets`), so they are asked of it once, not once per
        // secret (a thirty-seventh adversarial pass: 400 files × 400 secrets × 8
        // environments took 47 s).
        // Every listing is read and parsed at every resolution: bounded over the chain,
        // and each file once by a source however it is spelt (a forty-sixth adversarial
        // pass: 256 sources each listing `.env`, `./.env`, `././.env`... 64 times took
        // minutes a `check`, hours over a 16 MiB file).
        let mut listings = 0usize;
        for source in &chain {
            let Some(first) = environment.secrets.first() else {
                break;
            };
            let mut own: HashMap<String, String> = HashMap::new();
            for extent in source
                .config
                .settings()
                .extents(first, &environment.name, app)
            {
                let Extent::FileOfSecrets(file) = extent else {
                    continue;
                };
                listings = listings.saturating_add(1);
                let real = resolver.resolved(&file);
                if let Some(earlier) = own.insert(real.clone(), file.clone()) {
                    self.report_line(
                        1,
                        || format!("dotenv source `{}` lists one file twice, as {earlier} and as {file}", source.name),
                        Some("list each .env file the source reads once"),
                    );
                }
                let readers = wholes.listed.entry(real).or_default();
                if !readers
                    .iter()
                    .any(|(name, written, _)| *name == source.name && *written == file)
                {
                    readers.push((source.name.clone(), file, environment.name.clone()));
                }
            }
        }
        if listings > MOST_LISTINGS {
            self.report_line(
                1,
                || format!("environment `{}` reads {listings} .env files through its dotenv sources; at most {MOST_LISTINGS} in all", environment.name),
                Some("list each .env file once, in one dotenv source of the environment's chain"),
            );
        }
        for source in &chain {
            for spec in &environment.secrets {
                for extent in source
                    .config
                    .settings()
                    .extents(spec, &environment.name, app)
                {
                    if let Extent::WholeAwsSecret(name) = extent {
                        wholes
                            .aws
                            .entry(name)
                            .or_insert_with(|| (Arc::clone(spec), environment.name.clone()));
                    }
                }
            }
        }
    }

    /// Reports each secret of `environment` that reads whole a file a `dotenv` source
    /// lists, or reads a field of an AWS secret another secret reads whole, in any
    /// environment ([`Wholes`]); each once in `reported`.
    pub(super) fn parts_of_wholes(
        &mut self,
        environment: &EnvironmentSpec,
        sources: &[SourceSpec],
        app: Option<&str>,
        (resolver, wholes, reported): (
            &mut Resolver<'_>,
            &Wholes,
            &mut std::collections::HashSet<(String, String, String)>,
        ),
    ) {
        if wholes.listed.is_empty() && wholes.aws.is_empty() {
            return;
        }
        for source in Self::chain(environment, sources) {
            for spec in &environment.secrets {
                for extent in source
                    .config
                    .settings()
                    .extents(spec, &environment.name, app)
                {
                    match extent {
                        Extent::WholeFile(file) if !wholes.listed.is_empty() => {
                            let real = resolver.resolved(&file);
                            for (reader, file, listed_in) in
                                wholes.listed.get(&real).into_iter().flatten()
                            {
                                if !reported.insert((
                                    spec.key.clone(),
                                    reader.clone(),
                                    file.clone(),
                                )) {
                                    continue;
                                }
                                let r#in = in_environments(&environment.name, listed_in);
                                self.report_line(
                                    spec.line,
                                    || format!("secret `{}` reads the whole of {file}, which source `{reader}` reads other secrets from ({in})", spec.key),
                                    Some("keep a secrets directory and a .env file apart: a secret that reads the whole file could question the values of the others"),
                                );
                            }
                        }
                        Extent::AwsSecretField(name) => {
                            let Some((owner, whole_in)) = wholes.aws.get(&name) else {
                                continue;
                            };
                            if owner.key == spec.key
                                || !reported.insert((
                                    owner.key.clone(),
                                    spec.key.clone(),
                                    name.clone(),
                                ))
                            {
                                continue;
                            }
                            let r#in = in_environments(whole_in, &environment.name);
                            self.report_line(
                                owner.line,
                                || format!("secret `{}` reads the whole of AWS secret `{name}`, whose fields secret `{}` reads ({in})", owner.key, spec.key),
                                Some("give each secret a place of its own: a secret that reads a JSON secret whole could question the values of its fields"),
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// "environment" and its name, or "environments" and both names, in backticks.
fn in_environments(first: &str, second: &str) -> String {
    if first == second {
        format!("environment `{first}`")
    } else {
        format!("environments `{first}` and `{second}`")
    }
}
