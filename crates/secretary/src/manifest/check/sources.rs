//! The checker's part for `[sources]`: each table's `type` found among the kinds of
//! source ([`crate::source::kinds`]), the settings that belong to another kind refused,
//! the kind's own checks run (each kind's file owns its settings), and `ttl`.

use std::collections::BTreeMap;

use toml::Spanned;

use crate::duration::parse_duration;
use crate::manifest::kind::{self, Capability, Table, declaration, declarations};
use crate::manifest::model::{SourceConfig, SourceKind, SourceSpec};
use crate::manifest::raw::{RawSource, in_file_order};

use super::{Checker, is_name};

impl Checker<'_> {
    /// The declared sources; a manifest that declares none gets one, `env` (the process
    /// environment), so that nothing else has to know about it.
    pub(super) fn sources(&mut self, raw: BTreeMap<Spanned<String>, RawSource>) -> Vec<SourceSpec> {
        if raw.is_empty() {
            // The `env` kind's settings, as an empty table makes them.
            let mut table = Table::new("env", 0, BTreeMap::new(), &[]);
            let config = declaration(SourceKind::ENV).and_then(|env| env.check(&mut table));
            return config
                .map(|config| SourceSpec::new("env", config))
                .into_iter()
                .collect();
        }
        let mut sources = Vec::new();
        for (name, table) in in_file_order(raw) {
            let at = name.span().start;
            let name = name.into_inner();
            if !is_name(&name) {
                self.report(
                    at,
                    format!("source name `{}` is not valid", super::shown_name(&name)),
                    Some(format!(
                        "use at most {} lower case letters, digits, `_` and `-`",
                        super::MOST_NAME
                    )),
                );
            }
            if let Some(source) = self.source(name, at, table) {
                sources.push(source);
            }
        }
        sources
    }

    /// One `[sources.NAME]` table: its kind, then the kind's checks of its settings.
    fn source(&mut self, name: String, at: usize, table: RawSource) -> Option<SourceSpec> {
        let mut settings: BTreeMap<String, (usize, Spanned<toml::Value>)> = table
            .into_iter()
            .map(|(key, value)| {
                let offset = key.span().start;
                (key.into_inner(), (offset, value))
            })
            .collect();
        let kind = self.kind(&name, at, settings.remove("type").map(|(_, value)| value))?;
        let ok = self.foreign_settings(&name, kind, &mut settings);
        let settings = settings
            .into_iter()
            .map(|(key, (_, value))| (key, value))
            .collect();
        let secret_keys = std::mem::take(&mut self.secret_keys);
        let (config, ttl, problems) = {
            let mut table = Table::new(&name, at, settings, &secret_keys);
            let ttl = table.take::<String>("ttl");
            let config = match ttl {
                Ok(_) => declaration(kind).and_then(|declared| declared.check(&mut table)),
                Err(_) => None,
            };
            (config, ttl.ok().flatten(), table.into_problems())
        };
        self.secret_keys = secret_keys;
        for (offset, message, help) in problems {
            self.report(offset, message, help);
        }
        let config = config.filter(|_| ok)?;
        let ttl = ttl.and_then(|ttl| self.ttl(&name, &config, &ttl));
        Some(SourceSpec { name, config, ttl })
    }

    /// The kind a table's `type` names.
    fn kind(
        &mut self,
        name: &str,
        at: usize,
        value: Option<Spanned<toml::Value>>,
    ) -> Option<SourceKind> {
        let known = || {
            declarations()
                .map(|declared| format!("`{}`", declared.kind().as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(value) = value else {
            self.report(
                at,
                format!("source `{name}` needs `type`"),
                Some(format!(
                    "for example `type = \"env\"`; the types are {}",
                    known()
                )),
            );
            return None;
        };
        let offset = value.span().start;
        let written = value.get_ref().as_str().map(str::to_owned);
        if let Some(kind) = written.as_deref().and_then(SourceKind::from_name) {
            return Some(kind);
        }
        let message = match &written {
            Some(written) => format!("source `{name}`: unknown type `{written}`"),
            None => format!("source `{name}`: `type` must be a string"),
        };
        self.report(offset, message, Some(format!("use one of {}", known())));
        None
    }

    /// Reports each setting that `kind` does not take: one that belongs to another kind,
    /// or one no kind takes. False if there were any.
    fn foreign_settings(
        &mut self,
        name: &str,
        kind: SourceKind,
        settings: &mut BTreeMap<String, (usize, Spanned<toml::Value>)>,
    ) -> bool {
        let declared = declaration(kind);
        let foreign: Vec<String> = settings
            .keys()
            .filter(|key| *key != "ttl" && !declared.is_some_and(|declared| declared.takes(key)))
            .cloned()
            .collect();
        // In file order, as every other finding.
        let mut foreign: Vec<(String, (usize, Spanned<toml::Value>))> = foreign
            .into_iter()
            .filter_map(|key| settings.remove(&key).map(|value| (key, value)))
            .collect();
        foreign.sort_by_key(|(_, (offset, _))| *offset);
        for (field, (key_at, value)) in &foreign {
            let owners = kind::owners(field);
            if owners.is_empty() {
                let expected = kind::every_field()
                    .iter()
                    .map(|field| format!("`{field}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.report(
                    *key_at,
                    format!("unknown field `{field}`, expected one of {expected}"),
                    None,
                );
                continue;
            }
            let owners = owners
                .iter()
                .map(|owner| format!("`{}`", owner.as_str()))
                .collect::<Vec<_>>()
                .join(" or ");
            self.report(
                value.span().start,
                format!(
                    "source `{name}` has type `{}`, which does not take `{field}`",
                    kind.as_str()
                ),
                Some(format!(
                    "`{field}` belongs to type {owners}; remove it or change `type`"
                )),
            );
        }
        foreign.is_empty()
    }

    /// `ttl = "30s"` (`ms`, `s`, `m`, `h`) on a source whose values may change while the
    /// process runs (not `env`).
    pub(super) fn ttl(
        &mut self,
        name: &str,
        config: &SourceConfig,
        raw: &Spanned<String>,
    ) -> Option<std::time::Duration> {
        let at = raw.span().start;
        if !config.capabilities().has(Capability::Changes) {
            self.report(
                at,
                format!("{} source `{name}` cannot have a `ttl`", config.kind()),
                Some("its values do not change while the process runs: remove `ttl`".to_owned()),
            );
            return None;
        }
        match parse_duration(raw.get_ref()) {
            Ok(duration) => Some(duration),
            Err(error) => {
                self.report(
                    at,
                    format!("`ttl` of source `{name}` is {error}"),
                    Some("write it as `30s`, `5m` or `1h`".to_owned()),
                );
                None
            }
        }
    }
}
