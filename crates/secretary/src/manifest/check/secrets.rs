//! The checker's part for `[secrets]`: keys, env names (each claimed once), types and
//! constraints, defaults, and rotation.

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;

use crate::duration::parse_duration;
use crate::manifest::model::{Constraints, NewValue, Rotation, SecretSpec, SecretType};
use crate::manifest::raw::{RawGenerate, RawSecret, in_file_order};
use crate::manifest::rules;

use super::{Checker, is_env_name, is_key, to_key};

impl Checker<'_> {
    pub(super) fn secrets(&mut self, raw: BTreeMap<Spanned<String>, RawSecret>) -> Vec<SecretSpec> {
        let mut secrets = Vec::new();
        // Env name → (owning key, where it was claimed).
        let mut claimed: HashMap<String, String> = HashMap::new();
        for (key, secret) in in_file_order(raw) {
            let at = key.span().start;
            let key = key.into_inner();
            // Bounded, and not checked further: a key is copied into every message,
            // audit line and path that names it (a thirty-fifth adversarial pass: a
            // 100 KB key, named 800 times in a Vault `path`, took 19 s and 494 MB, and one
            // of 70 KB made an audit log unreadable as one).
            if key.len() > super::MOST_KEY {
                self.report(
                    at,
                    format!(
                        "secret key `{}` is {} bytes long: a key is at most {}",
                        super::shown_name(&key),
                        key.len(),
                        super::MOST_KEY
                    ),
                    None,
                );
                continue;
            }
            if !is_key(&key) {
                self.report(
                    at,
                    format!("secret key `{key}` is not lower snake case"),
                    Some(format!("rename it `{}`", to_key(&key))),
                );
            }
            let env = self.env_names(&key, at, secret.env.clone(), &mut claimed);
            if let Some(spec) = self.secret(key, at, env, secret) {
                secrets.push(spec);
            }
        }
        secrets
    }

    pub(super) fn env_names(
        &mut self,
        key: &str,
        at: usize,
        raw: Option<Spanned<Vec<Spanned<String>>>>,
        claimed: &mut HashMap<String, String>,
    ) -> Vec<String> {
        let names = match raw {
            Some(names) if names.get_ref().is_empty() => {
                self.report(
                    names.span().start,
                    format!("secret `{key}` has an empty `env` list"),
                    Some(format!(
                        "remove `env` to use `{}`, or list names",
                        key.to_ascii_uppercase()
                    )),
                );
                return Vec::new();
            }
            // A few names, each a place in every source of every chain: bounded (a
            // thirty-ninth adversarial pass: 20,000 names over 256 sources took 16 s and
            // 1 GB to check).
            Some(names) if names.get_ref().len() > MOST_ENV_NAMES => {
                self.report(
                    names.span().start,
                    format!(
                        "secret `{key}` lists {} names in `env`: at most {MOST_ENV_NAMES}",
                        names.get_ref().len()
                    ),
                    Some(
                        "a secret is read under a few names: its own, and the aliases programs use"
                            .to_owned(),
                    ),
                );
                return Vec::new();
            }
            Some(names) => names.into_inner(),
            None => vec![Spanned::new(at..at, key.to_ascii_uppercase())],
        };
        let mut env = Vec::new();
        for name in names {
            let offset = name.span().start;
            let name = name.into_inner();
            if !is_env_name(&name) {
                self.report(
                    offset,
                    format!("`{name}` (secret `{key}`) is not a valid environment variable name"),
                    Some("use letters, digits and `_`, not starting with a digit".to_owned()),
                );
            } else if crate::manifest::credentials::controls_programs(&name) {
                self.report(
                    offset,
                    format!(
                        "`{name}` (secret `{key}`) makes programs run code or send traffic where its value says: a secret cannot be read into it"
                    ),
                    Some("name the application's own variable; the user sets this one, if anyone does".to_owned()),
                );
            } else if let Some(owner) = claimed.get(&name) {
                let message = if owner == key {
                    format!("secret `{key}` lists env name `{name}` twice")
                } else {
                    format!("env name `{name}` is claimed by both `{owner}` and `{key}`")
                };
                self.report(
                    offset,
                    message,
                    Some("an env name can belong to one secret only".to_owned()),
                );
            } else {
                claimed.insert(name.clone(), key.to_owned());
            }
            env.push(name);
        }
        env
    }

    /// Reports constraints that do not fit the secret's type or each other.
    pub(super) fn check_constraints(
        &mut self,
        key: &str,
        at: usize,
        kind: SecretType,
        raw: &RawSecret,
    ) {
        if let Some(version) = raw.version.as_ref().filter(|v| *v.get_ref() == 0) {
            self.report(
                version.span().start,
                format!("secret `{key}`: `version` counts from 1"),
                Some("remove `version` to read the latest".to_owned()),
            );
        }
        let type_only = |field: &str, wanted: SecretType, offset: usize, this: &mut Self| {
            if kind != wanted {
                this.report(
                    offset,
                    format!(
                        "secret `{key}`: `{field}` applies to type `{}`, not `{}`",
                        wanted.as_str(),
                        kind.as_str()
                    ),
                    Some(format!(
                        "set `type = \"{}\"` or remove `{field}`",
                        wanted.as_str()
                    )),
                );
            }
        };
        if let Some(values) = &raw.values {
            type_only("values", SecretType::Enum, values.span().start, self);
        }
        if let Some(schemes) = &raw.schemes {
            type_only("schemes", SecretType::Url, schemes.span().start, self);
        }
        for (field, bound) in [("min", &raw.min), ("max", &raw.max)] {
            if let Some(bound) = bound {
                type_only(field, SecretType::Int, bound.span().start, self);
            }
        }
        if kind == SecretType::Enum && raw.values.as_ref().is_none_or(|v| v.get_ref().is_empty()) {
            self.report(
                raw.kind.as_ref().map_or(at, |k| k.span().start),
                format!("secret `{key}` has type `enum` but no `values`"),
                Some("add `values = [\"a\", \"b\"]`".to_owned()),
            );
        }
        if let (Some(min), Some(max)) = (&raw.min, &raw.max) {
            if min.get_ref() > max.get_ref() {
                self.report(
                    max.span().start,
                    format!("secret `{key}`: `min` is greater than `max`"),
                    None,
                );
            }
        }
        if let (Some(min), Some(max)) = (&raw.min_length, &raw.max_length) {
            if min.get_ref() > max.get_ref() {
                self.report(
                    max.span().start,
                    format!("secret `{key}`: `min_length` is greater than `max_length`"),
                    None,
                );
            }
        }
    }

    /// The rotation policy of secret `key`: `rotate_every` and `generate`.
    pub(super) fn rotation(
        &mut self,
        key: &str,
        kind: SecretType,
        raw: &RawSecret,
    ) -> Option<Rotation> {
        let every = match &raw.rotate_every {
            Some(every) => match parse_duration(every.get_ref()) {
                Ok(duration) if !duration.is_zero() => Some(duration),
                parsed => {
                    let problem = parsed.map_or_else(|error| error.to_string(), |_| "zero".into());
                    self.report(
                        every.span().start,
                        format!("secret `{key}`: `rotate_every` is {problem}"),
                        Some("write a whole number with d, h, m or s, such as \"90d\"".to_owned()),
                    );
                    return None;
                }
            },
            None => None,
        };
        let new_value = match &raw.generate {
            None if every.is_none() => return None,
            None => NewValue::Provided,
            Some(generate) => {
                let at = generate.span().start;
                match generate.get_ref() {
                    RawGenerate::Word(word) if word == "provided" => NewValue::Provided,
                    RawGenerate::Word(_) => {
                        self.report(
                            at,
                            format!("secret `{key}`: `generate` is neither \"provided\" nor a table"),
                            Some("write generate = { bytes = 32, format = \"urlsafe\" }, or generate = \"provided\" for a value someone pastes".to_owned()),
                        );
                        return None;
                    }
                    RawGenerate::Random(random) => {
                        let format = random.format.as_deref().unwrap_or("urlsafe");
                        let Some(encoding) = crate::generate::Encoding::from_name(format) else {
                            self.report(
                                at,
                                format!("secret `{key}`: unknown `generate` format `{format}`"),
                                Some("use urlsafe (the default), hex or base64".to_owned()),
                            );
                            return None;
                        };
                        if !(16..=1024).contains(&random.bytes) {
                            self.report(
                                at,
                                format!(
                                    "secret `{key}`: `generate` makes {} random bytes",
                                    random.bytes
                                ),
                                Some("use 16 to 1024 bytes; 32 is a good key".to_owned()),
                            );
                            return None;
                        }
                        if kind != SecretType::String {
                            self.report(
                                at,
                                format!(
                                    "secret `{key}` has type `{}`, which random text does not fit",
                                    kind.as_str()
                                ),
                                Some("use generate = \"provided\", or remove `type`".to_owned()),
                            );
                            return None;
                        }
                        let length = encoding.length(random.bytes);
                        let min = raw.min_length.as_ref().map_or(0, |m| *m.get_ref());
                        let max = raw.max_length.as_ref().map_or(usize::MAX, |m| *m.get_ref());
                        if !(min..=max).contains(&length) {
                            self.report(
                                at,
                                format!(
                                    "secret `{key}`: `generate` makes {length} characters, outside its min_length/max_length"
                                ),
                                Some("change `bytes` or the length limits".to_owned()),
                            );
                            return None;
                        }
                        NewValue::Generated {
                            bytes: random.bytes,
                            encoding,
                        }
                    }
                }
            }
        };
        Some(Rotation { every, new_value })
    }

    /// A secret's `pattern`, compiled within its bounds; reported when it is not.
    fn pattern(&mut self, key: &str, pattern: &toml::Spanned<String>) -> Option<regex_lite::Regex> {
        let regex = crate::manifest::rules::compile_pattern(pattern.get_ref());
        match &regex {
            Ok(_) => {}
            Err(crate::manifest::rules::PatternError::Syntax) => self.report(
                pattern.span().start,
                format!("secret `{key}`: `pattern` is not a valid regular expression"),
                Some(
                    "the syntax is RE2's without look-around or Unicode classes: \
                     `\\d`, `\\w`, `\\s`, `\\b` and `(?i)` are ASCII-only, and `\\p{..}` \
                     is not supported (the regex-lite crate)"
                        .to_owned(),
                ),
            ),
            Err(crate::manifest::rules::PatternError::TooLarge) => self.report(
                pattern.span().start,
                format!("secret `{key}`: `pattern` is too large once compiled"),
                Some(format!(
                    "a pattern may compile to at most {} KiB and nest {} groups deep: write its repetitions with fewer copies (`[a-z]{{1,64}}`, not `(a{{0,200}}){{0,200}}`)",
                    crate::manifest::rules::PATTERN_SIZE_LIMIT / 1024,
                    crate::manifest::rules::PATTERN_NEST_LIMIT
                )),
            ),
        }
        regex.ok()
    }

    pub(super) fn secret(
        &mut self,
        key: String,
        at: usize,
        env: Vec<String>,
        raw: RawSecret,
    ) -> Option<SecretSpec> {
        let kind = raw
            .kind
            .as_ref()
            .map_or(SecretType::String, |k| *k.get_ref());
        let sensitive = raw.sensitive.unwrap_or(true);
        let before = self.diagnostics.len();
        if !sensitive {
            // A manifest may not declare a credential secretary itself uses "not secret":
            // status would print it and run --redact would leave it in clear.
            if let Some(name) = env.iter().find(|name| {
                crate::manifest::is_credential(name) || self.provider_variables.contains(name)
            }) {
                self.report(
                    at,
                    format!("secret `{key}` is read from `{name}`, a credential, and cannot be `sensitive = false`"),
                    Some("remove `sensitive = false`".to_owned()),
                );
            }
        }
        self.check_constraints(&key, at, kind, &raw);
        let rotation = self.rotation(&key, kind, &raw);
        let pattern = raw
            .pattern
            .as_ref()
            .and_then(|pattern| self.pattern(&key, pattern));
        let spec = SecretSpec {
            key,
            description: raw.description.unwrap_or_default(),
            required: raw.required,
            env,
            sensitive,
            default: None,
            kind,
            constraints: Constraints {
                min_length: raw.min_length.map(Spanned::into_inner),
                max_length: raw.max_length.map(Spanned::into_inner),
                pattern,
                values: raw.values.map(Spanned::into_inner).unwrap_or_default(),
                schemes: raw.schemes.map(Spanned::into_inner).unwrap_or_default(),
                min: raw.min.map(Spanned::into_inner),
                max: raw.max.map(Spanned::into_inner),
            },
            version: raw.version.as_ref().map(|v| *v.get_ref()),
            rotation,
            template: None,
            line: self.lines.position(at).0,
        };
        let default = match raw.default {
            Some(default) if sensitive => {
                self.report(
                    default.span().start,
                    format!("secret `{}` is sensitive and has a `default`", spec.key),
                    Some(
                        "a default puts a secret value in the manifest: remove it, or set `sensitive = false` if it is not a secret"
                            .to_owned(),
                    ),
                );
                None
            }
            Some(default) => {
                if let Err(invalid) = rules::check(&spec, default.get_ref()) {
                    self.report(
                        default.span().start,
                        format!("secret `{}`: the default {invalid}", spec.key),
                        None,
                    );
                }
                Some(default.into_inner())
            }
            None => None,
        };
        let template = raw
            .template
            .and_then(|template| self.template(None, &spec.key, &template, default.is_some()));
        if self.diagnostics.len() > before {
            return None;
        }
        Some(SecretSpec {
            default,
            template,
            ..spec
        })
    }
}

/// The most names a secret's `env` lists.
const MOST_ENV_NAMES: usize = 64;
