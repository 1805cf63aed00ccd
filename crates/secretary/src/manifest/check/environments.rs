//! The checker's part for `[environments]`: each chain of sources, the policies, and the
//! per-environment rules applied to the secrets (`required`, `default`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use toml::Spanned;

use crate::duration::parse_duration;
use crate::manifest::model::{
    EnvironmentSpec, LastKnownGood, OnSourceError, OnStale, SecretRule, SecretSpec, SourceSpec,
};
use crate::manifest::raw::{RawEnvironment, RawLastKnownGood, RawRule, in_file_order};
use crate::manifest::rules;
use crate::suggest::closest;

use super::{Checker, MOST_NAME, is_name, shown_name};

impl Checker<'_> {
    /// The environments, each with the rules it sets for secrets (applied once the
    /// secrets are known, by [`Self::apply_rules`]).
    pub(super) fn environments(
        &mut self,
        raw: BTreeMap<Spanned<String>, RawEnvironment>,
        sources: &[SourceSpec],
        declared: &[String],
        app_named: bool,
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
                last_known_good: None,
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
                    format!("environment name `{}` is not valid", shown_name(&name)),
                    Some(format!(
                        "use at most {MOST_NAME} lower case letters, digits, `_` and `-`"
                    )),
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
                    // Worded only while it is shown; the names defined listed when few.
                    let help = (!self.full()).then(|| {
                        let listed = if defined.len() <= 16 {
                            defined.join(", ")
                        } else {
                            format!("{} sources, in [sources]", defined.len())
                        };
                        match closest(&source, defined.iter().copied()) {
                            Some(near) => {
                                format!("did you mean `{near}`? Defined sources: {listed}")
                            }
                            None => format!(
                                "add [sources.{}] or use one of: {listed}",
                                shown_name(&source)
                            ),
                        }
                    });
                    self.report(
                        at,
                        format!(
                            "environment `{}` uses source `{}`, which is not defined",
                            shown_name(&name),
                            shown_name(&source)
                        ),
                        help,
                    );
                }
                chain.push(source);
            }
            let last_known_good = self.last_known_good(
                &name,
                app_named,
                environment.last_known_good,
                environment.on_stale,
                environment.outage_after,
            );
            environments.push(EnvironmentSpec {
                name,
                sources: chain,
                on_source_error: environment.on_source_error,
                forbid_placeholders: environment.forbid_placeholders,
                enforce_rotation: environment.enforce_rotation,
                last_known_good,
                rules: BTreeMap::new(),
                secrets: Vec::new(),
            });
            rules.push(environment.secrets);
        }
        (environments, rules)
    }

    /// `last_known_good = { max_age = "24h" }`, `on_stale` and `outage_after`: the two
    /// others only with the first, and the first only where `[app]` has a name (the copy
    /// is bound to it: two unnamed applications would read each other's).
    fn last_known_good(
        &mut self,
        name: &str,
        app_named: bool,
        raw: Option<Spanned<RawLastKnownGood>>,
        on_stale: Option<Spanned<OnStale>>,
        outage_after: Option<Spanned<String>>,
    ) -> Option<LastKnownGood> {
        let Some(raw) = raw else {
            for (setting, at) in [
                ("on_stale", on_stale.map(|s| s.span().start)),
                ("outage_after", outage_after.map(|s| s.span().start)),
            ] {
                if let Some(at) = at {
                    self.report(
                        at,
                        format!(
                            "`{setting}` of environment `{name}` does nothing without `last_known_good`"
                        ),
                        Some(
                            "add `last_known_good = { max_age = \"24h\" }`, or remove it"
                                .to_owned(),
                        ),
                    );
                }
            }
            return None;
        };
        let at = raw.span().start;
        if !app_named {
            self.report(
                at,
                format!(
                    "environment `{name}` keeps a last-known-good copy, but `[app]` has no name"
                ),
                Some(
                    "name the application (`[app] name = \"...\"`): the copy is bound to it"
                        .to_owned(),
                ),
            );
        }
        let max_age = match raw.into_inner().max_age {
            None => {
                self.report(
                    at,
                    format!("`last_known_good` of environment `{name}` has no `max_age`"),
                    Some("say how old a copy may be served: `{ max_age = \"24h\" }`".to_owned()),
                );
                None
            }
            Some(text) => self.positive_duration(&text, "max_age", name),
        };
        let outage_after = match outage_after {
            None => Some(LastKnownGood::DEFAULT_OUTAGE_AFTER),
            Some(text) => self
                .positive_duration(&text, "outage_after", name)
                .and_then(|wait| {
                    // Shorter, and a refusal (403) that takes a few milliseconds to come
                    // back reads as no answer, and the copy is served to a token Vault
                    // would refuse (a seventh adversarial pass, with `1ms`).
                    if wait < LastKnownGood::MIN_OUTAGE_AFTER {
                        self.report(
                            text.span().start,
                            format!("`outage_after` of environment `{name}` is under one second"),
                            Some("Vault's refusals must have time to arrive: write `1s` or more (the default is `5s`)".to_owned()),
                        );
                        return None;
                    }
                    Some(wait)
                }),
        };
        let on_stale = on_stale.map(Spanned::into_inner).unwrap_or_default();
        Some(LastKnownGood::new(max_age?, on_stale, outage_after?))
    }

    /// A duration above zero, or a finding about `setting`.
    fn positive_duration(
        &mut self,
        text: &Spanned<String>,
        setting: &str,
        environment: &str,
    ) -> Option<std::time::Duration> {
        match parse_duration(text.get_ref()) {
            Ok(duration) if !duration.is_zero() => Some(duration),
            Ok(_) => {
                self.report(
                    text.span().start,
                    format!("`{setting}` of environment `{environment}` is zero"),
                    Some("write a duration above zero: `5s`, `24h`".to_owned()),
                );
                None
            }
            Err(error) => {
                self.report(
                    text.span().start,
                    format!("`{setting}` of environment `{environment}` is {error}"),
                    Some("write it as `5s`, `30m` or `24h`".to_owned()),
                );
                None
            }
        }
    }

    /// Checks `raw`, an environment's `[environments.NAME.secrets.KEY]` tables, and gives
    /// the environment its view of every secret: the declaration with its own `required`
    /// and `default`. `index` places each secret checked in `secrets`; `headers` holds
    /// every key declared, its declaration refused or not.
    pub(super) fn apply_rules(
        &mut self,
        environment: &mut EnvironmentSpec,
        raw: BTreeMap<Spanned<String>, RawRule>,
        secrets: &[Arc<SecretSpec>],
        (index, headers): (&HashMap<String, usize>, &std::collections::HashSet<String>),
    ) {
        let mut specs = secrets.to_vec();
        let name = environment.name.clone();
        for (key, rule) in in_file_order(raw) {
            let at = key.span().start;
            let key = key.into_inner();
            let Some(&position) = index.get(&key) else {
                // Declared, and refused where it is: said there.
                if headers.contains(&key) {
                    continue;
                }
                let help = (!self.full()).then(|| {
                    match closest(&key, secrets.iter().map(|s| s.key.as_str())) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!("declare it as [secrets.{}] first", shown_name(&key)),
                    }
                });
                self.report(
                    at,
                    format!(
                        "environment `{}` has rules for `{}`, which is not declared",
                        shown_name(&name),
                        shown_name(&key)
                    ),
                    help,
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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::Manifest;
    use crate::manifest::{LastKnownGood, OnStale};

    fn findings(text: &str) -> Vec<String> {
        match Manifest::parse(text, Path::new("secrets.toml")) {
            Ok(_) => Vec::new(),
            Err(error) => error.to_string().lines().map(str::to_owned).collect(),
        }
    }

    const HEAD: &str = "version = 1\n[sources.vault]\ntype = \"vault\"\n";

    #[test]
    fn last_known_good_is_read_with_its_defaults() {
        let text = format!(
            "{HEAD}[app]\nname = \"shop\"\n[environments.production]\nsources = [\"vault\"]\nlast_known_good = {{ max_age = \"24h\" }}\n[environments.staging]\nsources = [\"vault\"]\nlast_known_good = {{ max_age = \"1h\" }}\non_stale = \"fail\"\noutage_after = \"1500ms\"\n"
        );
        let manifest = Manifest::parse(&text, Path::new("secrets.toml")).unwrap();
        let production = manifest.environments()[0].last_known_good;
        assert_eq!(
            production,
            Some(LastKnownGood::new(
                Duration::from_secs(86_400),
                OnStale::Warn,
                Duration::from_secs(5)
            ))
        );
        let staging = manifest.environments()[1].last_known_good;
        assert_eq!(
            staging,
            Some(LastKnownGood::new(
                Duration::from_secs(3600),
                OnStale::Fail,
                Duration::from_millis(1500)
            ))
        );
        // Under a second, a refusal could read as no answer (a seventh adversarial pass).
        let quick = findings(&text.replace("1500ms", "1ms"));
        assert!(
            quick
                .iter()
                .any(|f| f.contains("`outage_after` of environment `staging` is under one second")),
            "{quick:?}"
        );
    }

    #[test]
    fn last_known_good_needs_an_app_name_a_max_age_and_durations_above_zero() {
        let unnamed = findings(&format!(
            "{HEAD}[environments.production]\nsources = [\"vault\"]\nlast_known_good = {{ max_age = \"24h\" }}\n"
        ));
        assert!(
            unnamed.iter().any(|f| f.contains("`[app]` has no name")),
            "{unnamed:?}"
        );
        let no_age = findings(&format!(
            "{HEAD}[app]\nname = \"shop\"\n[environments.production]\nsources = [\"vault\"]\nlast_known_good = {{}}\noutage_after = \"0s\"\n"
        ));
        assert!(
            no_age.iter().any(|f| f.contains("has no `max_age`")),
            "{no_age:?}"
        );
        assert!(
            no_age
                .iter()
                .any(|f| f.contains("`outage_after` of environment `production` is zero")),
            "{no_age:?}"
        );
        let alone = findings(&format!(
            "{HEAD}[environments.production]\nsources = [\"vault\"]\non_stale = \"fail\"\n"
        ));
        assert!(
            alone
                .iter()
                .any(|f| f.contains("does nothing without `last_known_good`")),
            "{alone:?}"
        );
    }
}
