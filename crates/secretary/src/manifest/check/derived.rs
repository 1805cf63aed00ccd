//! The checker's part for `template`: each parsed where it is written, then checked in
//! each environment against the secrets it names (declared, no cycle, a sensitive input
//! only in a sensitive secret).

use std::collections::HashMap;

use toml::Spanned;

use crate::manifest::ValueTemplate;
use crate::manifest::model::EnvironmentSpec;

use super::Checker;

impl Checker<'_> {
    /// `raw`, the `template` of secret `key` (in `environment`'s rules, or declared).
    pub(super) fn template(
        &mut self,
        environment: Option<&str>,
        key: &str,
        raw: &Spanned<String>,
        has_default: bool,
    ) -> Option<ValueTemplate> {
        let at = raw.span().start;
        let whose = match environment {
            Some(name) => format!("environment `{name}`: the template of `{key}`"),
            None => format!("the template of secret `{key}`"),
        };
        if has_default {
            self.report(
                at,
                format!("{whose} cannot go with a `default`"),
                Some("a templated secret's value is always built: remove one of them".to_owned()),
            );
            return None;
        }
        match ValueTemplate::parse(raw.get_ref()) {
            Ok(template) => {
                self.templates
                    .entry((environment.map(str::to_owned), key.to_owned()))
                    .or_insert(at);
                Some(template)
            }
            Err(error) => {
                self.report(at, format!("{whose} {error}"), None);
                None
            }
        }
    }

    /// Every template `environment` sees, against its secrets.
    pub(super) fn derived(&mut self, environment: &EnvironmentSpec) {
        let specs: HashMap<&str, _> = environment
            .secrets()
            .iter()
            .map(|spec| (spec.key.as_str(), spec))
            .collect();
        for spec in environment.secrets() {
            let Some(template) = &spec.template else {
                continue;
            };
            for input in template.inputs() {
                // Where the template is written, looked up only to report (each lookup
                // goes through every template: a twenty-seventh adversarial pass's
                // 16,000 of them made every one cost 16,000).
                match specs.get(input) {
                    None => {
                        let at = self.template_offset(&environment.name, &spec.key);
                        self.report(
                            at,
                            format!(
                                "environment `{}`: the template of `{}` names `{input}`, which is not declared",
                                environment.name, spec.key
                            ),
                            Some(format!("declare it as [secrets.{input}], or fix the name")),
                        );
                    }
                    Some(input_spec) if input_spec.sensitive && !spec.sensitive => {
                        let at = self.template_offset(&environment.name, &spec.key);
                        self.report(
                            at,
                            format!(
                                "environment `{}`: `{}` is not sensitive, but its template uses `{input}`, which is",
                                environment.name, spec.key
                            ),
                            Some(format!(
                                "remove `sensitive = false` from `{}`: a value built from a secret is a secret",
                                spec.key
                            )),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
        // A cycle: a template that needs, through others, its own value.
        let mut state: HashMap<&str, bool> = HashMap::new(); // false: on the path; true: done
        for spec in environment.secrets() {
            let mut path = Vec::new();
            if let Some(cycle) = cycle(&spec.key, &specs, &mut state, &mut path) {
                let at = self.template_offset(&environment.name, &spec.key);
                self.report(
                    at,
                    format!(
                        "environment `{}`: templates form a cycle: {}",
                        environment.name,
                        cycle.join(" -> ")
                    ),
                    Some("a template cannot need its own value, even through others".to_owned()),
                );
                return;
            }
        }
        self.no_question_over_a_secret(environment, &specs);
        self.built_in_all(environment);
    }

    /// Reports an environment with more than `MOST_TEMPLATES` templates, or whose
    /// templates could build more than `MOST_BUILT` in all, each counted by its text
    /// ([`crate::manifest::ValueTemplate::charged_len`]): many templates may read one
    /// value, and each may be 1 MiB (100,000 templates over one 32 KiB value would build
    /// 100 GB).
    fn built_in_all(&mut self, environment: &EnvironmentSpec) {
        let total = environment
            .secrets()
            .iter()
            .filter_map(|spec| spec.template.as_ref())
            .map(|template| template.charged_len().unwrap_or(usize::MAX))
            .fold(0usize, usize::saturating_add);
        let count = environment
            .secrets()
            .iter()
            .filter(|spec| spec.template.is_some())
            .count();
        let most = crate::manifest::derived::MOST_TEMPLATES;
        if count > most {
            self.report_line(
                1,
                || {
                    format!(
                        "environment `{}` has {count} templates: at most {most}",
                        environment.name
                    )
                },
                Some("use fewer templates: each may make up to 1 MiB"),
            );
            return;
        }
        if total > crate::manifest::derived::MOST_BUILT {
            self.report_line(
                1,
                || {
                    format!(
                        "environment `{}`: its templates could build {} MiB in all, each input counted at the 32 KiB it may hold: at most {} MiB",
                        environment.name,
                        total >> 20,
                        crate::manifest::derived::MOST_BUILT >> 20
                    )
                },
                Some("name inputs fewer times, or use fewer templates"),
            );
        }
    }

    /// Reports a secret built by a template that reads another secret (directly or
    /// through other templates) with a constraint such a value may not have
    /// ([`crate::manifest::Constraints::questioning`]): the value is checked on its
    /// shape, each input `1`, and on the value itself the constraint would ask its
    /// inputs a question the template's text chooses, which may differ in each
    /// environment (the sixty-first adversarial pass: `{pw}|0`, `{pw}|1`... under one
    /// pattern told a character a `check --env`; the sixty-second: `values` and
    /// `schemes` as dictionaries, `max_length` over padding). Whatever the inputs are
    /// declared: `sensitive = false` is the manifest's word only (the sixty-third).
    fn no_question_over_a_secret(
        &mut self,
        environment: &EnvironmentSpec,
        specs: &HashMap<&str, &std::sync::Arc<crate::manifest::SecretSpec>>,
    ) {
        for spec in environment.secrets() {
            let Some(template) = &spec.template else {
                continue;
            };
            let Some(asks) = spec.constraints.questioning() else {
                continue;
            };
            let Some(read) = bases(&spec.key, specs)
                .into_iter()
                .next()
                .or_else(|| template.inputs().next().map(str::to_owned))
            else {
                continue;
            };
            let at = self.template_offset(&environment.name, &spec.key);
            self.report(
                at,
                format!(
                    "environment `{}`: secret `{}` has `{asks}` and is built by a template that reads secret `{read}`",
                    environment.name, spec.key
                ),
                Some(format!(
                    "give `{asks}` to `{read}` (or the inputs) instead: a value built by a template is checked on its shape (each input `1`), and over the value itself `{asks}` would question `{read}`'s in the template's words, which may differ in each environment"
                )),
            );
            // Once: the manifest is refused.
            return;
        }
    }

    /// Where `key`'s template in `environment` was written: its rule's, else its
    /// declaration's.
    fn template_offset(&self, environment: &str, key: &str) -> usize {
        let find = |wanted: Option<&str>| {
            self.templates
                .get(&(wanted.map(str::to_owned), key.to_owned()))
                .copied()
        };
        find(Some(environment)).or_else(|| find(None)).unwrap_or(0)
    }
}

/// The secrets without a template that `key`'s template reads, directly or through
/// other templates (no cycle: checked before).
fn bases(
    key: &str,
    specs: &HashMap<&str, &std::sync::Arc<crate::manifest::SecretSpec>>,
) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut pending = vec![key.to_owned()];
    let mut seen = std::collections::HashSet::new();
    while let Some(next) = pending.pop() {
        if !seen.insert(next.clone()) {
            continue;
        }
        match specs
            .get(next.as_str())
            .and_then(|spec| spec.template.as_ref())
        {
            Some(template) => pending.extend(template.inputs().map(str::to_owned)),
            None if next != key => {
                found.insert(next);
            }
            None => {}
        }
    }
    found
}

/// The first cycle through `key`'s template inputs, as keys from the first to itself again.
fn cycle<'a>(
    key: &'a str,
    specs: &HashMap<&'a str, &'a std::sync::Arc<crate::manifest::SecretSpec>>,
    state: &mut HashMap<&'a str, bool>,
    path: &mut Vec<&'a str>,
) -> Option<Vec<String>> {
    match state.get(key) {
        Some(true) => return None,
        Some(false) => {
            let start = path.iter().position(|k| *k == key).unwrap_or(0);
            let mut cycle: Vec<String> = path[start..].iter().map(|k| (*k).to_owned()).collect();
            cycle.push(key.to_owned());
            return Some(cycle);
        }
        None => {}
    }
    state.insert(key, false);
    path.push(key);
    if let Some(template) = specs.get(key).and_then(|spec| spec.template.as_ref()) {
        for input in template.inputs() {
            if let Some((&input, _)) = specs.get_key_value(input) {
                if let Some(found) = cycle(input, specs, state, path) {
                    return Some(found);
                }
            }
        }
    }
    path.pop();
    state.insert(key, true);
    None
}
