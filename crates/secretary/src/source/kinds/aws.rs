//! `type = "aws_secrets_manager"` and `type = "aws_parameter_store"`: AWS Secrets
//! Manager (one secret per name, or one JSON secret split into fields) and Systems
//! Manager Parameter Store (`SecureString` parameters decrypted). The two share their
//! settings, so one file declares both.

use std::path::Path;

use super::Kind;
use crate::manifest::{Setting, Spot, 
    Capabilities, Capability, Declaration, Extent, Place, SecretSpec, Settings, SourceConfig,
    SourceKind, Table, expand,
};
use crate::source::{AwsSource, Source, Store};

/// The `aws_secrets_manager` kind.
pub(crate) struct SecretsManager;

/// The `aws_parameter_store` kind.
pub(crate) struct ParameterStore;

impl SourceKind {
    /// `aws_secrets_manager`: AWS Secrets Manager.
    pub const AWS_SECRETS_MANAGER: SourceKind = SourceKind::new("aws_secrets_manager");

    /// `aws_parameter_store`: AWS Systems Manager Parameter Store.
    pub const AWS_PARAMETER_STORE: SourceKind = SourceKind::new("aws_parameter_store");
}

impl Declaration for SecretsManager {
    fn kind(&self) -> SourceKind {
        SourceKind::AWS_SECRETS_MANAGER
    }

    fn description(&self) -> &'static str {
        "AWS Secrets Manager"
    }

    fn settings(&self) -> &'static [Setting] {
        const {
            &[
            NAME,
            Setting::new(
                "field",
                "the field of a JSON secret (e.g. `{key}` with name = \"{environment}/app\"); default none, the whole secret string.",
                r#"{ "type": "string", "minLength": 1 }"#,
            ),
            Setting::new(
                "version_stage",
                "the staging label read. Default `AWSCURRENT`.",
                r#"{ "type": "string", "minLength": 1, "maxLength": 256 }"#,
            ),
            REGION,
            MAX_CONCURRENCY,
        ]}
    }

    fn capabilities(&self) -> Capabilities {
        // Secrets Manager keeps versions as staging labels, not numbers `rollback` could
        // name; `created_time` says when each was written.
        Capabilities::new(&[Capability::Write, Capability::Age, Capability::Changes])
    }

    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig> {
        Some(SourceConfig::new(check(table, AwsStore::SecretsManager)?))
    }
}

impl Declaration for ParameterStore {
    fn kind(&self) -> SourceKind {
        SourceKind::AWS_PARAMETER_STORE
    }

    fn description(&self) -> &'static str {
        "AWS Systems Manager Parameter Store"
    }

    fn settings(&self) -> &'static [Setting] {
        const {
            &[
            NAME,
            REGION,
            MAX_CONCURRENCY,
        ]}
    }

    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig> {
        Some(SourceConfig::new(check(table, AwsStore::ParameterStore)?))
    }
}

impl Kind for SecretsManager {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let config = config.get::<AwsConfig>()?;
        Some(Box::new(AwsSource::secrets_manager(name, config.clone())))
    }

    fn store(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Store>> {
        let config = config.get::<AwsConfig>()?;
        Some(Box::new(AwsSource::secrets_manager(name, config.clone())))
    }
}

impl Kind for ParameterStore {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let config = config.get::<AwsConfig>()?;
        Some(Box::new(AwsSource::parameter_store(name, config.clone())))
    }
}

/// Which AWS store a source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AwsStore {
    /// AWS Secrets Manager.
    SecretsManager,
    /// AWS Systems Manager Parameter Store.
    ParameterStore,
}

// The settings the two AWS kinds share.

/// The setting `name`.
pub(super) const NAME: Setting = Setting::new(
    "name",
    "the secret's or parameter's name, with {environment}, {key} and {app}. Default `{environment}/{key}` (Secrets Manager), `/{environment}/{key}` (Parameter Store).",
    r#"{ "type": "string", "minLength": 1 }"#,
);

/// The setting `region`.
pub(super) const REGION: Setting = Setting::new(
    "region",
    "the AWS region; else AWS_REGION, AWS_DEFAULT_REGION or the profile's. Credentials and endpoints come only from the user's AWS_* variables and profile.",
    r#"{ "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$" }"#,
);

/// The setting `max_concurrency`.
pub(super) const MAX_CONCURRENCY: Setting = Setting::new(
    "max_concurrency",
    "most requests in flight at once. Default 16.",
    r#"{ "type": "integer", "minimum": 1 }"#,
);

/// Settings of an `aws_secrets_manager` or `aws_parameter_store` source. Credentials,
/// and endpoints other than AWS's own, come from the user's environment only (`AWS_*`),
/// never from the manifest.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AwsConfig {
    /// Which store it reads.
    pub store: AwsStore,
    /// The secret's or parameter's name, with `{environment}`, `{key}` and `{app}`
    /// (default `{environment}/{key}`, and `/{environment}/{key}` for parameters).
    pub name: String,
    /// Secrets Manager only: the field of a JSON secret that holds the value (a template
    /// such as `{key}`); `None`: the whole secret string is the value.
    pub field: Option<String>,
    /// Secrets Manager only: the staging label read (default `AWSCURRENT`).
    pub version_stage: Option<String>,
    /// The region; else `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's.
    pub region: Option<String>,
    /// Most requests in flight at once (default 16).
    pub max_concurrency: usize,
}

impl AwsConfig {
    /// The settings of a source of `store` that names `name` and nothing else.
    pub fn new(store: AwsStore, name: impl Into<String>) -> Self {
        Self {
            store,
            name: name.into(),
            field: None,
            version_stage: None,
            region: None,
            max_concurrency: 16,
        }
    }
}

impl Settings for AwsConfig {
    fn kind(&self) -> SourceKind {
        match self.store {
            AwsStore::SecretsManager => SourceKind::AWS_SECRETS_MANAGER,
            AwsStore::ParameterStore => SourceKind::AWS_PARAMETER_STORE,
        }
    }

    fn describe(&self, environment: &str, app: Option<&str>) -> String {
        let app = app.unwrap_or("{app}");
        let name = expand(&self.name, environment, "{key}", Some(app)).unwrap_or_default();
        let field = self
            .field
            .as_deref()
            .and_then(|field| expand(field, environment, "{key}", Some(app)));
        let region = self.region.as_deref().unwrap_or("AWS_REGION");
        match (self.store, field) {
            (AwsStore::ParameterStore, _) => format!("AWS Parameter Store ({region}) at {name}"),
            (_, Some(field)) => {
                format!("AWS Secrets Manager ({region}) at {name}, JSON field `{field}`")
            }
            (_, None) => format!("AWS Secrets Manager ({region}) at {name}"),
        }
    }

    /// One secret's name and field (a source in another region reads another store, but
    /// is taken as the same place: the region may come from the user's environment, so
    /// two sources cannot be told apart here).
    fn places(&self, spec: &SecretSpec, environment: &str, app: Option<&str>) -> Vec<Spot> {
        let expand = |template: &str| expand(template, environment, &spec.key, app);
        let kind = self.kind();
        match (expand(&self.name), self.field.as_deref().map(expand)) {
            (Some(name), None) => vec![Spot::Named(format!("{kind}:{name}"))],
            (Some(name), Some(Some(field))) => {
                vec![Spot::Named(format!("{kind}:{name}#{field}"))]
            }
            _ => Vec::new(),
        }
    }

    /// A Secrets Manager secret read whole, or one field of it.
    fn extents(&self, spec: &SecretSpec, environment: &str, app: Option<&str>) -> Vec<Extent> {
        if self.store != AwsStore::SecretsManager {
            return Vec::new();
        }
        match expand(&self.name, environment, &spec.key, app) {
            Some(name) if self.field.is_some() => vec![Extent::AwsSecretField(name)],
            Some(name) => vec![Extent::WholeAwsSecret(name)],
            None => Vec::new(),
        }
    }

    fn place_for(
        &self,
        _source: &str,
        spec: &SecretSpec,
        environment: &str,
        app: Option<&str>,
        _shown_dir: &Path,
    ) -> Place {
        let expand = |template: &str| {
            expand(template, environment, &spec.key, app).unwrap_or_else(|| template.to_owned())
        };
        match self.store {
            AwsStore::SecretsManager => Place::AwsSecret {
                name: expand(&self.name),
                field: self.field.as_deref().map(expand),
            },
            AwsStore::ParameterStore => Place::AwsParameter(expand(&self.name)),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// An AWS source's `name` (and for Secrets Manager `field` and `version_stage`), `region`
/// and `max_concurrency`. Names may hold only the characters AWS allows, so that the name
/// read is the one the manifest shows.
fn check(table: &mut Table<'_>, store: AwsStore) -> Option<AwsConfig> {
    let secrets_manager = store == AwsStore::SecretsManager;
    let name = table.name();
    let raw_name = table.take::<String>("name").ok()?;
    let field = table.take::<String>("field").ok()?;
    let version_stage = table.take::<String>("version_stage").ok()?;
    let region = table.take::<String>("region").ok()?;
    let max_concurrency = table.take::<usize>("max_concurrency").ok()?;
    let kind = if secrets_manager {
        "aws_secrets_manager"
    } else {
        "aws_parameter_store"
    };
    let (template, mut ok) = name_template(table, store, raw_name);
    let field = match field {
        Some(field) => {
            let at = field.span().start;
            let field = field.into_inner();
            ok &= check_template(table, kind, "field", at, &field);
            // In every secret's place, beside the name: bounded as a vault source's (a
            // thirty-ninth adversarial pass).
            if field.len() > super::vault::MOST_PLACE_TEXT {
                ok = false;
                table.report(
                    at,
                    format!(
                        "{kind} source `{name}`: `field` is {} bytes long: at most {}",
                        field.len(),
                        super::vault::MOST_PLACE_TEXT
                    ),
                    None,
                );
            }
            Some(field)
        }
        None => None,
    };
    let version_stage = match version_stage {
        Some(stage) => {
            let valid = (1..=256).contains(&stage.get_ref().len())
                && stage.get_ref().chars().all(|c| c.is_ascii_graphic());
            if !valid {
                ok = false;
                table.report(
                    stage.span().start,
                    format!("{kind} source `{name}`: `version_stage` must be a staging label such as `AWSCURRENT` or `AWSPREVIOUS`"),
                    None,
                );
            }
            Some(stage.into_inner())
        }
        None => None,
    };
    let region = match region {
        Some(region) => {
            if !is_region(region.get_ref()) {
                ok = false;
                table.report(
                    region.span().start,
                    format!("{kind} source `{name}`: `region` is not an AWS region name"),
                    Some("for example `region = \"eu-west-1\"`".to_owned()),
                );
            }
            Some(region.into_inner())
        }
        None => None,
    };
    let max_concurrency = match max_concurrency {
        Some(n) if *n.get_ref() == 0 => {
            table.report(
                n.span().start,
                format!("{kind} source `{name}`: `max_concurrency` must be at least 1"),
                None,
            );
            return None;
        }
        Some(n) => n.into_inner(),
        None => 16,
    };
    ok.then_some(AwsConfig {
        store,
        name: template,
        field,
        version_stage,
        region,
        max_concurrency,
    })
}

/// An AWS source's `name` template (or its default), checked: known placeholders, and
/// only the characters AWS allows in a name. False beside it when it reported anything.
fn name_template(
    table: &mut Table<'_>,
    store: AwsStore,
    raw: Option<toml::Spanned<String>>,
) -> (String, bool) {
    let secrets_manager = store == AwsStore::SecretsManager;
    let name = table.name();
    let kind = if secrets_manager {
        "aws_secrets_manager"
    } else {
        "aws_parameter_store"
    };
    // The services' own limits on a name (AWS's documentation): a template whose own
    // text is longer can name nothing (a thirty-seventh adversarial pass saw `check`
    // pass one, and its hint say to store the secret under it).
    let (default, allowed, what, longest) = if secrets_manager {
        (
            "{environment}/{key}",
            "/_+=.@-",
            "letters, digits and /_+=.@-",
            512,
        )
    } else {
        (
            "/{environment}/{key}",
            "/_.-",
            "letters, digits and /_.-",
            // 2,048 less the 1,037 AWS keeps for itself (a thirty-ninth adversarial
            // pass).
            1011,
        )
    };
    let mut ok = true;
    let template = match raw {
        Some(template) => {
            let at = template.span().start;
            let template = template.into_inner();
            ok &= check_template(table, kind, "name", at, &template);
            let literal = strip_placeholders(&template);
            if literal.len() > longest {
                ok = false;
                table.report(
                    at,
                    format!(
                        "{kind} source `{name}`: `name` holds {} bytes besides its placeholders: AWS names one of at most {longest}",
                        literal.len()
                    ),
                    None,
                );
            }
            if literal
                .chars()
                .any(|c| !c.is_ascii_alphanumeric() && !allowed.contains(c))
            {
                ok = false;
                table.report(
                    at,
                    format!("{kind} source `{name}`: `name` may hold only {what}"),
                    None,
                );
            }
            // `/aws/reference/secretsmanager/NAME` reads a Secrets Manager secret whole
            // through Parameter Store, where the one-place rule cannot see it beside
            // another secret reading its fields (a seventh adversarial pass).
            if !secrets_manager && crate::source::reserved_parameter(&template) {
                ok = false;
                table.report(
                    at,
                    format!("{kind} source `{name}`: `name` may not start with /aws/reference/"),
                    Some(
                        "read Secrets Manager secrets with an aws_secrets_manager source"
                            .to_owned(),
                    ),
                );
            }
            if !secrets_manager && template.contains('/') && !template.starts_with('/') {
                ok = false;
                table.report(
                    at,
                    format!(
                        "{kind} source `{name}`: a parameter name with `/` must start with `/`"
                    ),
                    Some(format!("write `name = \"/{template}\"`")),
                );
            }
            template
        }
        None => default.to_owned(),
    };
    (template, ok)
}

/// Checks an AWS source's `name` or `field` template: known placeholders, not empty. (A
/// control character is refused wherever the manifest's text holds one, before this.)
/// False when it reported anything.
fn check_template(
    table: &mut Table<'_>,
    kind: &str,
    setting: &str,
    at: usize,
    template: &str,
) -> bool {
    let name = table.name();
    let mut ok = true;
    if let Some(bad) = crate::manifest::unknown_placeholder(template) {
        ok = false;
        table.report(
            at,
            format!("{kind} source `{name}`: unknown placeholder `{{{bad}}}` in `{setting}`"),
            Some("placeholders are {environment}, {key} and {app}".to_owned()),
        );
    }
    if let Some(twice) = crate::manifest::repeated_placeholder(template) {
        ok = false;
        table.report(
            at,
            format!("{kind} source `{name}`: `{setting}` uses `{{{twice}}}` more than once"),
            Some(super::vault::ONCE_HELP.to_owned()),
        );
    }
    if template.trim().is_empty() {
        ok = false;
        table.report(
            at,
            format!("{kind} source `{name}`: `{setting}` is empty"),
            None,
        );
    }
    ok
}

/// `template` without its `{...}` placeholders: the characters written as they are.
fn strip_placeholders(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        if let Some(close) = rest[open..].find('}') {
            rest = &rest[open + close + 1..];
        } else {
            out.push_str(&rest[open..]);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

/// Whether `region` is spelled as AWS's regions are (`eu-west-1`, `us-gov-west-1`): it
/// becomes part of a host name (`secretsmanager.REGION.amazonaws.com`), so nothing else
/// may pass.
pub(crate) fn is_region(region: &str) -> bool {
    (1..=32).contains(&region.len())
        && region.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
