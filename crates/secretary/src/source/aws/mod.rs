//! AWS Secrets Manager and AWS Systems Manager Parameter Store.
//!
//! ```toml
//! [sources.aws]
//! type = "aws_secrets_manager"
//! name = "{environment}/{key}"     # default; {environment}, {key}, {app}
//! # field = "{key}"                # one JSON secret split into fields: name = "{environment}/app"
//! # version_stage = "AWSPREVIOUS"  # default AWSCURRENT
//! # region = "eu-west-1"           # else AWS_REGION, AWS_DEFAULT_REGION, the profile's
//! # max_concurrency = 16
//!
//! [sources.params]
//! type = "aws_parameter_store"
//! name = "/{environment}/{key}"    # default; SecureString parameters are decrypted
//! ```
//!
//! Reads are batched as the APIs allow: distinct names only, 20 a
//! `BatchGetSecretValue` (the current version; a `version_stage` other than
//! `AWSCURRENT` reads each name with `GetSecretValue`, which batches cannot), 10 a
//! `GetParameters` with decryption, the calls concurrent (at most `max_concurrency` at a
//! time) over one kept-alive pool. Credentials never come from the manifest: the
//! standard chain ([`credentials`]) and the user's endpoints and region ([`client`]).
//!
//! Fail closed, as for Vault: only the service's own "not found" means absent
//! (`ResourceNotFoundException`, a missing staging label, Parameter Store's
//! `InvalidParameters`); a denial names the IAM action and the resource, never a
//! credential; throttling and 5xx are retried with back-off, then fail the source; an
//! answer that is not the API's fails it too. A caller allowed `GetSecretValue` but not
//! `BatchGetSecretValue` is read one name at a time, with a warning.
//!
//! Locators: `aws_secrets_manager:NAME#FIELD@VERSION_ID` (`#FIELD` when the source splits
//! a JSON secret; `@VERSION_ID` is AWS's version id, a UUID) and
//! `aws_parameter_store:NAME@vN` (the parameter's version number).

mod client;
mod credentials;
mod error;
mod parameter_store;
mod secrets_manager;
mod settings;
mod sigv4;
mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use zeroize::Zeroizing;

pub use error::AwsError;

use super::vault::{Background, SecretJson, drive};
use super::{Batch, Context, Lookup, Source, SourceError, Stored, Written};
use crate::manifest::{SecretSpec, SourceKind};
use crate::source::kinds::AwsConfig;
use crate::{Absence, Locator, Looked, SecretValue};
use client::{Client, Service};
use settings::Settings;

/// How long one resolution's reads may take in all.
const DEADLINE: Duration = Duration::from_secs(120);

/// What one name holds. Its `Debug` shows no value.
enum Got {
    /// A value, with its version (a Secrets Manager version id, a parameter's number)
    /// and when it was written.
    Found {
        text: Zeroizing<String>,
        version: Option<String>,
        written: Option<SystemTime>,
    },
    /// The service says there is no such secret, parameter or version.
    NotFound,
}

impl std::fmt::Debug for Got {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Found {
                version, written, ..
            } => f
                .debug_struct("Found")
                .field("text", &"[redacted]")
                .field("version", version)
                .field("written", written)
                .finish(),
            Self::NotFound => f.write_str("NotFound"),
        }
    }
}

/// An AWS Secrets Manager or Parameter Store source.
#[derive(Debug)]
pub struct AwsSource {
    name: String,
    service: Service,
    config: AwsConfig,
    connection: OnceLock<Result<Arc<Connection>, AwsError>>,
}

/// A client and the runtime that drives it, kept for the process ([`kept`]).
#[derive(Debug)]
struct Connection {
    runtime: Background,
    client: Arc<Client>,
}

/// The connections this process keeps, one per distinct settings (credentials
/// included) and process id, so that a `SecretManager`'s refreshes, `run --watch` and a
/// `put` reuse one pool and one STS session.
fn kept(service: Service, settings: Settings) -> Result<Arc<Connection>, AwsError> {
    type Kept = Vec<((u32, [u8; 32]), Arc<Connection>)>;
    static KEPT: Mutex<Kept> = Mutex::new(Vec::new());
    let key = (std::process::id(), settings.fingerprint(service));
    // Only tried: a child forked while another thread held the lock makes its own.
    if let Ok(kept) = KEPT.try_lock() {
        if let Some((_, connection)) = kept.iter().find(|(k, _)| *k == key) {
            return Ok(Arc::clone(connection));
        }
    }
    let runtime = Background::new().map_err(|e| AwsError::Config {
        setting: "runtime".to_owned(),
        reason: e.to_string(),
    })?;
    // reqwest needs a runtime to exist while the client is made.
    let client = drive(runtime.get(), async { Client::new(service, settings) })?;
    let connection = Arc::new(Connection {
        runtime,
        client: Arc::new(client),
    });
    if let Ok(mut kept) = KEPT.try_lock() {
        // A parent's connections, inherited through fork, are not this process's to
        // close (its runtime's threads are not here): forgotten, never dropped.
        let (ours, inherited): (Kept, Kept) = kept.drain(..).partition(|(k, _)| k.0 == key.0);
        std::mem::forget(inherited);
        *kept = ours;
        if kept.len() >= 16 {
            kept.remove(0);
        }
        kept.push((key, Arc::clone(&connection)));
    }
    Ok(connection)
}

/// What one secret is read as: a name, and the field of its JSON when the source
/// splits one.
struct Planned {
    name: String,
    field: Option<String>,
    slot: usize,
}

impl AwsSource {
    /// An `aws_secrets_manager` source called `name`.
    pub fn secrets_manager(name: String, config: AwsConfig) -> Self {
        Self::new(name, Service::SecretsManager, config)
    }

    /// An `aws_parameter_store` source called `name`.
    pub fn parameter_store(name: String, config: AwsConfig) -> Self {
        Self::new(name, Service::Ssm, config)
    }

    fn new(name: String, service: Service, config: AwsConfig) -> Self {
        Self {
            name,
            service,
            config,
            connection: OnceLock::new(),
        }
    }

    /// Its settings.
    pub fn config(&self) -> &AwsConfig {
        &self.config
    }

    fn connection(&self, context: &Context<'_>) -> Result<Arc<Connection>, AwsError> {
        self.connection
            .get_or_init(|| {
                let settings = Settings::resolve(
                    self.service,
                    self.config.region.as_deref(),
                    self.config.max_concurrency,
                    context.vars,
                )?;
                kept(self.service, settings)
            })
            .clone()
    }

    /// How many requests this source's connection has sent (retries included): what
    /// tests and benchmarks count API calls by. Zero before the first read.
    pub fn calls(&self) -> u64 {
        match self.connection.get() {
            Some(Ok(connection)) => connection
                .client
                .calls
                .load(std::sync::atomic::Ordering::Relaxed),
            _ => 0,
        }
    }

    /// The name and field `spec` is read at.
    fn place(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
    ) -> Result<(String, Option<String>), AwsError> {
        let expand = |template: &str, setting: &str| {
            crate::manifest::expand(template, context.environment, &spec.key, context.app)
                .ok_or_else(|| AwsError::Config {
                    setting: format!("source `{}` {setting}", self.name),
                    reason: "uses {app} but the manifest's [app] has no name".to_owned(),
                })
        };
        let name = expand(&self.config.name, "name")?;
        // The manifest's checker refuses a `name` written under `/aws/reference/`; one
        // that gets there once `{app}` or `{environment}` is filled in (an application
        // or an environment called `aws`, a ninth adversarial pass) is refused here, where
        // the name is whole: it would read a Secrets Manager secret whole, beside a source
        // reading its fields, where the one-place rule cannot see it.
        if self.service == Service::Ssm && reserved_parameter(&name) {
            return Err(AwsError::Config {
                setting: format!("source `{}` name", self.name),
                reason: format!(
                    "`{name}` is under /aws/reference/, which reads Secrets Manager secrets through Parameter Store; read them with an aws_secrets_manager source"
                ),
            });
        }
        let field = match &self.config.field {
            Some(field) => Some(expand(field, "field")?),
            None => None,
        };
        Ok((name, field))
    }

    fn locator(&self, name: &str, field: Option<&str>, version: Option<&str>) -> Locator {
        match self.service {
            Service::SecretsManager => Locator::aws_secret(name, field, version),
            Service::Ssm => Locator::aws_parameter(name, version.and_then(|v| v.parse().ok())),
        }
    }

    /// Reads every name in `names` (distinct): one answer each, in order; and whether
    /// batches were refused and names were read one by one instead.
    fn read_all(
        &self,
        connection: &Connection,
        names: &[String],
    ) -> (Vec<Result<Got, AwsError>>, bool) {
        let stage = self
            .config
            .version_stage
            .as_deref()
            .filter(|stage| *stage != "AWSCURRENT")
            .map(str::to_owned);
        let service = self.service;
        let size = match service {
            Service::SecretsManager => secrets_manager::BATCH,
            Service::Ssm => parameter_store::BATCH,
        };
        let max = connection.client.settings.max_concurrency;
        drive(connection.runtime.get(), async {
            let limit = Arc::new(tokio::sync::Semaphore::new(max));
            let mut results: Vec<Result<Got, AwsError>> = names
                .iter()
                .map(|_| {
                    Err(AwsError::Timeout {
                        endpoint: connection.client.settings.endpoint.to_string(),
                        action: "the reads".to_owned(),
                        seconds: DEADLINE.as_secs(),
                    })
                })
                .collect();
            let mut one_by_one = false;
            // Batches first (unless a staging label is asked for).
            let mut singles: Vec<usize> = Vec::new();
            if stage.is_none() {
                let mut tasks = tokio::task::JoinSet::new();
                for (chunk, group) in names.chunks(size).enumerate() {
                    let client = Arc::clone(&connection.client);
                    let limit = Arc::clone(&limit);
                    let group = group.to_vec();
                    tasks.spawn(async move {
                        let _permit = limit.acquire_owned().await;
                        let answer = match service {
                            Service::SecretsManager => {
                                secrets_manager::batch(&client, &group).await
                            }
                            Service::Ssm => parameter_store::batch(&client, &group).await,
                        };
                        (chunk, group.len(), answer)
                    });
                }
                let collect = async {
                    while let Some(Ok((chunk, length, answer))) = tasks.join_next().await {
                        let start = chunk.saturating_mul(size);
                        match answer {
                            Ok(answers) => {
                                for (offset, answer) in answers.into_iter().enumerate() {
                                    results[start.saturating_add(offset)] = answer;
                                }
                            }
                            // Not allowed to batch: the names are read one by one.
                            Err(AwsError::Denied { action, .. })
                                if service == Service::SecretsManager
                                    && action.ends_with("BatchGetSecretValue") =>
                            {
                                one_by_one = true;
                                singles.extend(start..start.saturating_add(length));
                            }
                            Err(error) => {
                                let end = start.saturating_add(length).min(results.len());
                                for result in results.get_mut(start..end).into_iter().flatten() {
                                    *result = Err(error.clone());
                                }
                            }
                        }
                    }
                };
                if tokio::time::timeout(DEADLINE, collect).await.is_err() {
                    return (results, one_by_one);
                }
            } else {
                singles.extend(0..names.len());
            }
            let mut tasks = tokio::task::JoinSet::new();
            for slot in singles {
                let client = Arc::clone(&connection.client);
                let limit = Arc::clone(&limit);
                let name = names[slot].clone();
                let stage = stage.clone();
                tasks.spawn(async move {
                    let _permit = limit.acquire_owned().await;
                    (
                        slot,
                        secrets_manager::get(&client, &name, stage.as_deref()).await,
                    )
                });
            }
            let collect = async {
                while let Some(Ok((slot, answer))) = tasks.join_next().await {
                    results[slot] = answer;
                }
            };
            let _ = tokio::time::timeout(DEADLINE, collect).await;
            (results, one_by_one)
        })
    }

    /// One secret's answer from what its name holds.
    fn answer(&self, planned: &Planned, got: &Result<Got, AwsError>) -> Lookup {
        let at = self.locator(&planned.name, planned.field.as_deref(), None);
        let (text, version, written) = match got {
            Err(error) => return Lookup::Failed(SourceError::Aws(error.clone())),
            Ok(Got::NotFound) => {
                return Lookup::Absent {
                    looked: vec![Looked::new(at).because(Absence::NotFound)],
                };
            }
            Ok(Got::Found {
                text,
                version,
                written,
            }) => (text, version, *written),
        };
        let value = match &planned.field {
            None => SecretValue::new(text.as_str().to_owned()),
            Some(field) => match field_of(text, field, &planned.name) {
                Ok(Field::Text(value)) => value,
                Ok(Field::Missing { count, similar }) => {
                    return Lookup::Absent {
                        looked: vec![Looked::new(at).because(Absence::NoFieldInSecret {
                            field: field.clone(),
                            similar,
                            others: count,
                        })],
                    };
                }
                Err(error) => return Lookup::Failed(SourceError::Aws(error)),
            },
        };
        if value.is_empty() {
            return Lookup::Absent {
                looked: vec![Looked::new(at).because(Absence::Empty)],
            };
        }
        Lookup::Found {
            value,
            locator: self.locator(&planned.name, planned.field.as_deref(), version.as_deref()),
            written,
            shape: None,
        }
    }
}

impl AwsSource {
    /// What `spec` holds now in `context`'s environment (the current version, whatever
    /// the source's `version_stage`): what `import` compares with, and `put` merges a
    /// field into.
    pub fn stored(&self, spec: &SecretSpec, context: &Context<'_>) -> Result<Stored, AwsError> {
        let connection = self.connection(context)?;
        let (name, field) = self.place(spec, context)?;
        let client = &connection.client;
        let got = drive(connection.runtime.get(), async {
            match self.service {
                Service::SecretsManager => secrets_manager::get(client, &name, None).await,
                Service::Ssm => parameter_store::batch(client, std::slice::from_ref(&name))
                    .await?
                    .pop()
                    .unwrap_or(Ok(Got::NotFound)),
            }
        });
        let planned = Planned {
            name: name.clone(),
            field: field.clone(),
            slot: 0,
        };
        match self.answer(&planned, &got) {
            Lookup::Found {
                value,
                locator,
                written,
                ..
            } => Ok(Stored::Present {
                value: Some(value),
                locator,
                written,
            }),
            Lookup::Failed(SourceError::Aws(error)) => Err(error),
            Lookup::Failed(other) => Err(AwsError::Config {
                setting: format!("source `{}`", self.name),
                reason: other.to_string(),
            }),
            // The name exists without this field, or is empty: writable, nothing to keep.
            Lookup::Absent { .. } if matches!(got, Ok(Got::Found { .. })) => Ok(Stored::Present {
                value: None,
                locator: self.locator(&name, field.as_deref(), None),
                written: None,
            }),
            Lookup::Absent { .. } => Ok(Stored::Missing {
                locator: self.locator(&name, field.as_deref(), None),
            }),
        }
    }

    /// Writes `value` for `spec` as the new current version of its secret (Secrets
    /// Manager only): `PutSecretValue`, or `CreateSecret` for a new name. With a `field`,
    /// the secret's JSON is read, the field set, and the whole written back: Secrets
    /// Manager has no check-and-set, so a writer of another field of the same secret at
    /// the same moment can lose its write.
    pub fn write(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        value: &SecretValue,
    ) -> Result<Written, AwsError> {
        if self.service != Service::SecretsManager {
            return Err(AwsError::Config {
                setting: format!("source `{}`", self.name),
                reason: "secretary writes to AWS Secrets Manager only, not to Parameter Store"
                    .to_owned(),
            });
        }
        let connection = self.connection(context)?;
        let (name, field) = self.place(spec, context)?;
        let client = &connection.client;
        let made = drive(connection.runtime.get(), async {
            let Some(field) = &field else {
                return secrets_manager::write(client, &name, value.expose()).await;
            };
            let mut json = match secrets_manager::get(client, &name, None).await? {
                Got::NotFound => SecretJson::object(),
                Got::Found { text, .. } => SecretJson::from_slice(text.as_bytes())
                    .filter(|json| json.expose().is_object())
                    .ok_or_else(|| AwsError::NotAnObject {
                        resource: name.clone(),
                    })?,
            };
            json.insert(field, value.expose());
            let text = Zeroizing::new(json.expose().to_string());
            secrets_manager::write(client, &name, &text).await
        })?;
        Ok(Written {
            source: self.name.clone(),
            locator: self.locator(&name, field.as_deref(), made.version_id.as_deref()),
        })
    }
}

/// What a field of a JSON secret holds.
enum Field {
    Text(SecretValue),
    /// No such field (or null): how many fields there are, and the one whose name is the
    /// field's but for case or `-`/`_` (a likely slip). No other name is said: a JSON
    /// secret may be keyed by what is itself secret (a token as a key), and a manifest
    /// can ask for a field that is not there (a seventh adversarial pass).
    Missing {
        count: usize,
        similar: Option<String>,
    },
}

/// Field `field` of the JSON object `text`: a string, or a number or boolean that reads
/// back as written.
fn field_of(text: &str, field: &str, name: &str) -> Result<Field, AwsError> {
    let not_text = |what: String| AwsError::NotText {
        resource: name.to_owned(),
        what,
    };
    let json = SecretJson::from_slice(text.as_bytes())
        .filter(|json| json.expose().is_object())
        .ok_or_else(|| AwsError::NotAnObject {
            resource: name.to_owned(),
        })?;
    match json.expose().get(field) {
        None | Some(Value::Null) => {
            let fields = json.expose().as_object();
            let folded = |name: &str| name.to_ascii_lowercase().replace('-', "_");
            Ok(Field::Missing {
                count: fields.map_or(0, serde_json::Map::len),
                similar: fields.and_then(|fields| {
                    fields
                        .keys()
                        .find(|key| *key != field && folded(key) == folded(field))
                        .map(|key| key.escape_debug().to_string())
                }),
            })
        }
        Some(Value::String(text)) => Ok(Field::Text(SecretValue::new(text.clone()))),
        Some(Value::Bool(flag)) => Ok(Field::Text(SecretValue::new(flag.to_string()))),
        Some(Value::Number(number)) if number.is_i64() || number.is_u64() => {
            Ok(Field::Text(SecretValue::new(number.to_string())))
        }
        Some(_) => Err(not_text(format!("field `{field}`"))),
    }
}

impl Source for AwsSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        match self.service {
            Service::SecretsManager => SourceKind::AWS_SECRETS_MANAGER,
            Service::Ssm => SourceKind::AWS_PARAMETER_STORE,
        }
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        if secrets.is_empty() {
            return Batch::default();
        }
        let connection = match self.connection(context) {
            Ok(connection) => connection,
            Err(error) => return Batch::failed(secrets.len(), &SourceError::Aws(error)),
        };
        // Plan: one read per distinct name.
        let mut names: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let plan: Vec<Result<Planned, AwsError>> = secrets
            .iter()
            .map(|spec| {
                let (name, field) = self.place(spec, context)?;
                let slot = *index.entry(name.clone()).or_insert_with(|| {
                    names.push(name.clone());
                    names.len() - 1
                });
                Ok(Planned { name, field, slot })
            })
            .collect();
        let (results, one_by_one) = self.read_all(&connection, &names);
        let lookups = plan
            .iter()
            .map(|planned| match planned {
                Ok(planned) => self.answer(planned, &results[planned.slot]),
                Err(error) => Lookup::Failed(SourceError::Aws(error.clone())),
            })
            .collect();
        let mut warnings = Vec::new();
        if one_by_one {
            warnings.push(crate::Warning::NoBatchRead {
                source: self.name.clone(),
            });
        }
        Batch::new(lookups, warnings)
    }
}

/// Whether a Parameter Store `name` is under `/aws/reference/` (AWS reads names starting
/// `aws` whatever their case as its own), where Parameter Store hands out other
/// services' secrets.
pub(crate) fn reserved_parameter(name: &str) -> bool {
    name.get(.."/aws/reference/".len())
        .is_some_and(|start| start.eq_ignore_ascii_case("/aws/reference/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_under_aws_reference_are_reserved_whatever_their_case() {
        for name in ["/aws/reference/secretsmanager/prod/app", "/AWS/Reference/x"] {
            assert!(reserved_parameter(name), "{name}");
        }
        for name in ["/aws/referenced", "/app/aws/reference/x", "/aws", ""] {
            assert!(!reserved_parameter(name), "{name}");
        }
    }

    #[test]
    fn fields_of_a_json_secret() {
        let text = r#"{"db": "postgres://x", "port": 5432, "debug": true, "ratio": 0.5, "list": [1], "gone": null}"#;
        let get = |field: &str| field_of(text, field, "prod/app");
        assert!(matches!(get("db"), Ok(Field::Text(v)) if v.expose() == "postgres://x"));
        assert!(matches!(get("port"), Ok(Field::Text(v)) if v.expose() == "5432"));
        assert!(matches!(get("debug"), Ok(Field::Text(v)) if v.expose() == "true"));
        assert!(matches!(get("ratio"), Err(AwsError::NotText { .. })));
        assert!(matches!(get("list"), Err(AwsError::NotText { .. })));
        assert!(matches!(
            get("gone"),
            Ok(Field::Missing {
                count: 6,
                similar: None
            })
        ));
        // A key that is itself a secret is never named; one that differs only by case is.
        let keyed = r#"{"sk_live_canary_KEY": "x", "Database-URL": "y"}"#;
        let Ok(Field::Missing { count, similar }) = field_of(keyed, "database_url", "prod/app")
        else {
            panic!()
        };
        assert_eq!((count, similar.as_deref()), (2, Some("Database-URL")));
        let Ok(Field::Missing { similar, .. }) = field_of(keyed, "nope", "prod/app") else {
            panic!()
        };
        assert_eq!(similar, None);
        let Err(error) = field_of("canary-not-json", "db", "prod/app") else {
            panic!()
        };
        assert!(!error.to_string().contains("canary"), "{error}");
        let got = Got::Found {
            text: Zeroizing::new("canary-debug".to_owned()),
            version: Some("v1".to_owned()),
            written: None,
        };
        assert!(!format!("{got:?} {got:#?}").contains("canary"));
    }
}
