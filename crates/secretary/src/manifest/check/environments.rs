//! The checker's part for `[environments]`: each chain of sources, the policies, and the
//! per-environment rules applied to the secrets (`required`, `default`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use toml::Spanned;

use crate::manifest::model::{EnvironmentSpec, OnSourceError, SecretRule, SecretSpec, SourceSpec};
use crate::manifest::raw::{RawEnvironment, RawRule, in_file_order};
use crate::manifest::rules;
use crate::suggest::closest;

use super::{Checker, is_name};

impl Checker<'_> {
    /// The environments, each with the rules it sets for secrets (applied once the
    /// secrets are known, by [`Self::apply_rules`]).
    pub(super) fn environments(
        &mut self,
        raw: BTreeMap<Spanned<String>, RawEnvironment>,
        sources: &[SourceSpec],
        declared: &[String],
    ) -> (
        Vec<EnvironmentSpec>,
        Vec<BTreeMap<Spanned<String>, RawRule>>,
    ) {
        if raw.is_empty() {
            // No environments: one implicit `development` that asks every source in order.
            let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
            let development = EnvironmentSpec {
                name: "development".to_owned(),
                sources: names,
                on_source_error: OnSourceError::Fail,
                forbid_placeholders: false,
                enforce_rotation: false,
                rules: BTreeMap::new(),
                secrets: Vec::new(),
            };
            return (vec![development], vec![BTreeMap::new()]);
        }
        let defined: Vec<&str> = declared.iter().map(String::as_str).collect();
        let mut environments = Vec::new();
        let mut rules = Vec::new();
        for (name, environment) in in_file_order(raw) {
            let at = name.span().start;
            let name = name.into_inner();
            if !is_name(&name) {
                self.report(
                    at,
                    format!("environment name `{name}` is not valid"),
                    Some("use lower case letters, digits, `_` and `-`".to_owned()),
                );
            }
            if environment.sources.get_ref().is_empty() {
                self.report(
                    environment.sources.span().start,
                    format!("environment `{name}` has no sources"),
                    Some(format!("list at least one of: {}", defined.join(", "))),
                );
            }
            let mut chain: Vec<String> = Vec::new();
            for source in environment.sources.into_inner() {
                let at = source.span().start;
                let source = source.into_inner();
                if chain.contains(&source) {
                    self.report(
                        at,
                        format!("environment `{name}` lists source `{source}` twice"),
                        Some("remove the second mention".to_owned()),
                    );
                } else if !defined.contains(&source.as_str()) {
                    let help = match closest(&source, defined.iter().copied()) {
                        Some(near) => format!(
                            "did you mean `{near}`? Defined sources: {}",
                            defined.join(", ")
                        ),
                        None => format!(
                            "add [sources.{source}] or use one of: {}",
                            defined.join(", ")
                        ),
                    };
                    self.report(
                        at,
                        format!(
                            "environment `{name}` uses source `{source}`, which is not defined"
                        ),
                        Some(help),
                    );
                }
                chain.push(source);
            }
            environments.push(EnvironmentSpec {
                name,
                sources: chain,
                on_source_error: environment.on_source_error,
                forbid_placeholders: environment.forbid_placeholders,
                enforce_rotation: environment.enforce_rotation,
                rules: BTreeMap::new(),
                secrets: Vec::new(),
            });
            rules.push(environment.secrets);
        }
        (environments, rules)
    }

    /// Checks `raw`, an environment's `[environments.NAME.secrets.KEY]` tables, and gives
    /// the environment its view of every secret: the declaration with its own `required`
    /// and `default`.
    pub(super) fn apply_rules(
        &mut self,
        environment: &mut EnvironmentSpec,
        raw: BTreeMap<Spanned<String>, RawRule>,
        secrets: &[Arc<SecretSpec>],
        index: &HashMap<String, usize>,
    ) {
        let mut specs = secrets.to_vec();
        let name = environment.name.clone();
        for (key, rule) in in_file_order(raw) {
            let at = key.span().start;
            let key = key.into_inner();
            let Some(&position) = index.get(&key) else {
                let help = match closest(&key, secrets.iter().map(|s| s.key.as_str())) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("declare it as [secrets.{key}] first"),
                };
                self.report(
                    at,
                    format!("environment `{name}` has rules for `{key}`, which is not declared"),
                    Some(help),
                );
                continue;
            };
            let declared = &secrets[position];
            let mut spec = SecretSpec::clone(declared);
            if let Some(required) = rule.required {
                spec.required = required;
            }
            if let Some(default) = &rule.default {
                if declared.sensitive {
                    self.report(
                        default.span().start,
                        format!(
                            "environment `{name}`: secret `{key}` is sensitive and cannot have a `default`"
                        ),
                        Some(
                            "a default puts a secret value in the manifest: set it in the environment's sources instead"
                                .to_owned(),
                        ),
                    );
                } else if let Err(invalid) = rules::check(&spec, default.get_ref()) {
                    self.report(
                        default.span().start,
                        format!("environment `{name}`: the default of `{key}` {invalid}"),
                        None,
                    );
                } else {
                    spec.default = Some(default.get_ref().clone());
                }
            }
            let template = rule.template.as_ref().and_then(|template| {
                self.template(Some(&name), &key, template, spec.default.is_some())
            });
            if template.is_some() {
                spec.template.clone_from(&template);
            }
            environment.rules.insert(
                key,
                SecretRule {
                    required: rule.required,
                    default: rule.default.map(Spanned::into_inner),
                    template,
                },
            );
            specs[position] = Arc::new(spec);
        }
        environment.secrets = specs;
    }
}
