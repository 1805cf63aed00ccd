//! The summary: counts by state, each failed source once with its keys, its version, and
//! no value in what is made of it.

use std::path::Path;

use super::*;
use crate::manifest::{SourceKind, SourceSpec};
use crate::source::{Batch, Context, Lookup, Source};
use crate::{Locator, Manifest, Scope, SecretValue, Variables, resolve_with};

/// A value no summary may hold.
const CANARY: &str = "CANARY-7f3a9-do-not-print";

const MANIFEST: &str = r#"
version = 1

[sources.vault]
type = "vault"
address = "https://vault.example:8200"

[sources.env]
type = "env"

[environments.production]
sources = ["vault", "env"]

[secrets.api_key]
description = "The API key"
required = true

[secrets.port]
type = "port"
required = true

[secrets.token]
required = true

[secrets.database_url]
required = true

[secrets.region]
sensitive = false
default = "eu"
"#;

/// The vault fails `api_key`, `token` and `database_url` alike; it has `port`, not a
/// port: the canary. `env` has nothing.
struct Double {
    name: String,
    kind: SourceKind,
}

impl Source for Double {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn lookup(&self, secrets: &[&SecretSpec], _context: &Context<'_>) -> Batch {
        let lookups = secrets
            .iter()
            .map(|spec| match (self.kind, spec.key.as_str()) {
                (SourceKind::VAULT, "port") => Lookup::Found {
                    value: SecretValue::new(CANARY.to_owned()),
                    locator: Locator::vault("secret/data/production/port", "value", Some(2)),
                    written: None,
                    shape: None,
                },
                (SourceKind::VAULT, "region") | (SourceKind::ENV, _) => Lookup::Absent {
                    looked: vec![crate::Looked::new(Locator::new(
                        self.kind,
                        crate::Site::name(spec.primary_env()),
                    ))],
                },
                (SourceKind::VAULT, _) => Lookup::Failed(SourceError::Incomplete {
                    answered: 0,
                    asked: 3,
                }),
                _ => Lookup::Failed(SourceError::Incomplete {
                    answered: 0,
                    asked: 1,
                }),
            })
            .collect();
        Batch::new(
            lookups,
            vec![crate::Warning::NoBatchRead {
                source: self.name.clone(),
            }],
        )
    }
}

fn report() -> Report {
    let manifest = Manifest::parse(MANIFEST, Path::new("secrets.toml")).unwrap();
    let vars = Variables::default();
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    resolve_with(
        &manifest,
        environment,
        &vars,
        Scope::All,
        |spec: &SourceSpec| {
            Box::new(Double {
                name: spec.name.clone(),
                kind: spec.config.kind(),
            })
        },
    )
    .unwrap()
}

#[test]
fn a_failed_source_is_grouped_once_with_every_key_it_affects() {
    let summary = Summary::of(&report());
    assert_eq!(summary.source_failures.len(), 1);
    let failure = &summary.source_failures[0];
    assert_eq!(failure.source, "vault");
    assert_eq!(failure.keys, ["api_key", "token", "database_url"]);
    // Every problem is an entry, the failed source's too.
    let keys: Vec<&str> = summary.problems.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["api_key", "port", "token", "database_url"]);
    let text = summary.problem_report(&Terms::RUST);
    assert_eq!(text.matches("source `vault` failed").count(), 1, "{text}");
    assert!(
        text.contains("    affects:     api_key, token, database_url (3 secrets)\n"),
        "{text}"
    );
    assert!(
        text.contains("[invalid] port: the value from vault:secret/data/production/port#value@v2"),
        "{text}"
    );
}

#[test]
fn it_counts_secrets_by_state_and_problems_by_state() {
    let summary = Summary::of(&report());
    assert!(!summary.ok);
    assert_eq!(summary.counts.secrets, 5);
    assert_eq!(summary.counts.of(State::SourceError), 3);
    assert_eq!(summary.counts.of(State::Invalid), 1);
    assert_eq!(summary.counts.of(State::Ok), 1, "region, at its default");
    assert_eq!(summary.counts.of(State::Missing), 0);
    assert_eq!(summary.counts.problem_total(), 4);
    assert_eq!(
        summary.headline("secrets.toml"),
        "4 problems in environment `production` (secrets.toml): 3 source errors, 1 invalid"
    );
}

#[test]
fn it_is_versioned() {
    let summary = Summary::of(&report());
    assert_eq!(summary.version, SUMMARY_VERSION);
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["counts"]["problems"][0]["state"], "source_error");
    assert_eq!(json["source_failures"][0]["keys"][2], "database_url");
    assert_eq!(json["problems"][1]["code"], "invalid");
    assert_eq!(json["problems"][1]["source"], "vault");
    assert!(
        json["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("source `vault`: these credentials"),
        "{json}"
    );
}

#[test]
fn nothing_made_of_it_holds_a_value() {
    let report = report();
    // The canary was read, and is in the report, where it belongs.
    let port = report.get("port").unwrap();
    assert_eq!(port.value.as_ref().unwrap().expose(), CANARY);
    let summary = Summary::of(&report);
    let json = serde_json::to_string(&summary).unwrap();
    let texts = [
        json,
        summary.problem_report(&Terms::RUST),
        summary.headline("secrets.toml"),
        summary.to_string(),
        format!("{summary:?}"),
    ];
    for text in texts {
        assert!(!text.contains(CANARY), "a value in {text}");
        assert!(!text.contains("7f3a9"), "a part of a value in {text}");
    }
}

#[test]
fn counts_are_worded_with_their_plural_rule() {
    let count = |state, count| Count { state, count }.to_string();
    assert_eq!(count(State::Missing, 2), "2 missing");
    assert_eq!(count(State::Invalid, 3), "3 invalid");
    assert_eq!(count(State::Placeholder, 2), "2 placeholders");
    assert_eq!(count(State::Placeholder, 1), "1 placeholder");
    assert_eq!(count(State::SourceError, 2), "2 source errors");
}

#[test]
fn each_interface_words_the_optional_fix_its_own_way() {
    let python = Terms::new("the environment argument", "read it with get_optional(key)");
    assert_eq!(
        python.fix(&Fix::Optional),
        "it is optional: read it with get_optional(key)"
    );
    assert_eq!(
        Fix::Optional.to_string(),
        "it is optional: read it with get_opt"
    );
    assert_eq!(
        python.chosen_by(&crate::manifest::ChosenBy::Caller),
        "the environment argument"
    );
}
