//! `secretary --env TARGET import --from ENVIRONMENT | --from-source NAME [--only K,..]
//! [--dry-run] [--overwrite]`: copy declared secrets into the target environment's Vault.
//! The plan comes first (what each secret would become, with fingerprints of both values,
//! never a value); nothing is written when any value breaks the target's rules; each
//! write is audited as it lands; a failure part-way says what was and was not written,
//! and the same command run again finishes the job.

use std::io::Write;

use serde::Serialize;

use secretary::audit::{Event, Fingerprints, Outcome};
use secretary::manifest::EnvironmentSpec;
use secretary::{ImportAction, ImportItem, ImportSource, Variables};

use super::Failure;
use super::output::write_json;
use super::put::failed;
use super::session::Session;
use super::settings::ImportSettings;
use crate::args::Format;
use crate::exit::Status;
use crate::render;

#[derive(Serialize)]
struct Output<'a> {
    environment: &'a str,
    from: String,
    dry_run: bool,
    /// Whether the fingerprints are keyed with `SECRETARY_AUDIT_KEY` (and so match the
    /// audit log's), or with a key of this run only.
    fingerprints: &'static str,
    items: Vec<ItemOut<'a>>,
    written: usize,
    /// Writes that may have landed: their answers were lost, and Vault could not tell.
    unconfirmed: usize,
    failed: usize,
}

#[derive(Serialize)]
struct ItemOut<'a> {
    key: &'a str,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    from: Option<String>,
    to: Option<String>,
    from_fingerprint: Option<&'a str>,
    to_fingerprint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    written: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The write's answer was lost and Vault could not tell whether it landed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unconfirmed: bool,
    /// Of a value written, the sources the environment asks for it first: where one
    /// holds a value, programs read that one ([`secretary::asked_before_writes`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    asked_before: Vec<&'a str>,
}

/// Why a write of the plan is not known to be done: it failed, or it may have landed
/// (its answer lost, and Vault could not tell: said apart, since "not written" would be
/// wrong as often as right).
#[derive(Clone)]
struct NotDone {
    error: String,
    unconfirmed: bool,
}

/// The first 12 hex digits of a fingerprint, enough to tell values apart in a table.
fn short(fingerprint: Option<&String>) -> String {
    fingerprint
        .and_then(|f| f.strip_prefix("hmac-sha256:"))
        .map_or_else(|| "-".to_owned(), |hex| hex.chars().take(12).collect())
}

/// The audit log's fingerprints when `SECRETARY_AUDIT_KEY` is set, else a key of this
/// run's own; with what it is keyed with, for people.
fn fingerprints(vars: &Variables) -> std::io::Result<(Fingerprints, &'static str)> {
    let keyed = Fingerprints::from_vars(vars).map_err(|error| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, error.to_string())
    })?;
    Ok(match keyed {
        Some(keyed) => (keyed, "SECRETARY_AUDIT_KEY"),
        None => (
            Fingerprints::random()
                .map_err(|_| std::io::Error::other("no random key from the operating system"))?,
            "this run",
        ),
    })
}

pub fn run(session: &Session, settings: &ImportSettings<'_>) -> Result<Status, Failure> {
    let (manifest, target, vars) = (session.manifest(), session.environment(), session.vars());
    let mut out = session.out();
    let (fingerprints, keyed) = fingerprints(vars)?;
    let (from, shown_from) = match (settings.from, settings.from_source) {
        (Some(name), _) => (
            ImportSource::Environment(manifest.select_environment(Some(name), vars)?),
            format!("environment `{name}`"),
        ),
        (None, Some(name)) => (ImportSource::Source(name), format!("source `{name}`")),
        (None, None) => return Err(Failure::ImportFromNowhere),
    };
    let only = &settings.only;
    let plan = match secretary::import(
        manifest,
        target,
        vars,
        from,
        (!only.is_empty()).then_some(only.as_slice()),
        settings.overwrite,
        &fingerprints,
    ) {
        Ok(plan) => plan,
        Err(error) => {
            let usage = matches!(
                error,
                secretary::PutError::SameEnvironment(_)
                    | secretary::PutError::SameSource(_)
                    | secretary::PutError::UnknownSource { .. }
            );
            if usage {
                return Err(Failure::ImportFrom(error));
            }
            return Err(failed(session, Event::Import, "import", error));
        }
    };
    let items = plan.items();
    let blocked = plan.is_blocked();
    // A value read from another environment is recorded in that one's name.
    let read_in = match (settings.from, settings.from_source) {
        (Some(name), _) => name,
        _ => target.name.as_str(),
    };
    audit_reads(
        session,
        items,
        read_in,
        (&target.name, plan.target_source()),
    )?;
    let (results, unforgotten) = if settings.dry_run || blocked {
        (Vec::new(), None)
    } else {
        applied(session, &plan)?
    };
    let (written, errors) = columns(items, &results);
    let wrote = written.iter().filter(|w| w.is_some()).count();
    let unconfirmed = errors.iter().flatten().filter(|e| e.unconfirmed).count();
    let failures = errors.iter().flatten().filter(|e| !e.unconfirmed).count();
    match settings.format {
        Format::Json => {
            let output = Output {
                environment: &target.name,
                from: shown_from,
                dry_run: settings.dry_run,
                fingerprints: keyed,
                items: items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| {
                        item_out(session, item, written[index].clone(), errors[index].clone())
                    })
                    .collect(),
                written: wrote,
                unconfirmed,
                failed: failures,
            };
            write_json(&mut out, &output)?;
        }
        Format::Text => text(
            &mut out,
            (target, &shown_from, settings),
            items,
            (&written, &errors),
            (keyed, shadowed(session, items)),
        )?,
    }
    if blocked {
        return Err(Failure::ImportBlocked);
    }
    if let Some(error) = unforgotten {
        return Err(error);
    }
    if failures + unconfirmed > 0 {
        return Err(Failure::ImportIncomplete {
            written: wrote,
            unconfirmed,
            failed: failures,
        });
    }
    Ok(Status::Success)
}

/// The sources the target environment asks first for `item`, when the import writes it
/// ([`secretary::asked_before_writes`]).
fn asked_before<'s>(
    session: &'s Session,
    item: &ImportItem,
) -> Vec<&'s secretary::manifest::SourceSpec> {
    if !item.action.writes() {
        return Vec::new();
    }
    secretary::asked_before_writes(session.manifest(), session.environment(), &item.key)
}

/// What to say when the target environment asks other sources first for secrets the
/// import writes: one note a set of sources, with the keys it is asked first for (a
/// sixty-seventh adversarial pass; a seventy-third saw every key given the first one's).
fn shadowed(session: &Session, items: &[ImportItem]) -> Vec<String> {
    let mut groups: std::collections::BTreeMap<String, Vec<&str>> =
        std::collections::BTreeMap::new();
    for item in items {
        let first = asked_before(session, item);
        if !first.is_empty() {
            groups
                .entry(super::put::named(&first))
                .or_default()
                .push(&item.key);
        }
    }
    groups
        .into_iter()
        .map(|(named, keys)| {
            format!(
                "note: environment `{}` asks {named} before the source written, for {}: where one holds a value, programs read that one, not the one imported",
                session.environment().name,
                keys.join(", ")
            )
        })
        .collect()
}

/// Records every value the plan read (issue 25, item 5): one `import_read` line for
/// where each value comes from, and one for the value the target holds now, when it
/// holds one. A dry run reads them too, so it records them too. `target` is the
/// environment written to and its source.
fn audit_reads(
    session: &Session,
    items: &[ImportItem],
    from: &str,
    (target, target_source): (&str, &str),
) -> Result<(), Failure> {
    for item in items {
        let outcome = match &item.action {
            // Left out, and so never read.
            ImportAction::Setting
            | ImportAction::Templated
            | ImportAction::Leased
            | ImportAction::Pinned => continue,
            ImportAction::Failed(_) => Outcome::SourceError,
            ImportAction::NoValue => Outcome::Unset,
            _ => Outcome::Ok,
        };
        session.audit_in(
            from,
            Event::ImportRead,
            &item.key,
            item.from.as_ref(),
            outcome,
        )?;
        if let Some(to) = &item.to {
            // Named: its line said `"source":""` (a fourteenth adversarial pass).
            let origin = secretary::Origin::Source {
                name: target_source.to_owned(),
                locator: to.clone(),
            };
            session.audit_in(
                target,
                Event::ImportRead,
                &item.key,
                Some(&origin),
                Outcome::Ok,
            )?;
        }
    }
    Ok(())
}

/// Writes the plan: an `intent` line for each write first (when one cannot be recorded,
/// nothing is sent), then each write recorded as it lands (issue 25, item 4). When the
/// log fails partway, every write that landed is named: [`Failure::Unaudited`]. The
/// inner error is the library's, when the writes could not start.
fn write(
    session: &Session,
    plan: &secretary::Import<'_>,
) -> Result<Result<Vec<secretary::Applied>, secretary::PutError>, Failure> {
    let items = plan.items();
    for item in items.iter().filter(|item| item.action.writes()) {
        session.audit(Event::Import, &item.key, None, Outcome::Intent)?;
    }
    let mut landed: Vec<String> = Vec::new();
    let (mut unconfirmed, mut refused) = (Vec::new(), Vec::new());
    let mut unrecorded: Option<secretary::audit::AuditError> = None;
    let applied = plan.apply(&mut |applied| {
        let key = &items[applied.item].key;
        let recorded = match &applied.result {
            Ok(done) => {
                landed.push(done.locator.to_string());
                let origin = secretary::Origin::Source {
                    name: done.source.clone(),
                    locator: done.locator.clone(),
                };
                session.audit(Event::Import, key, Some(&origin), Outcome::Ok)
            }
            Err(error) if error.may_have_landed() => {
                unconfirmed.push(key.clone());
                session.audit(Event::Import, key, None, Outcome::Unconfirmed)
            }
            Err(_) => {
                refused.push(key.clone());
                session.audit(Event::Import, key, None, Outcome::SourceError)
            }
        };
        if let Err(error) = recorded {
            unrecorded.get_or_insert(error);
        }
    });
    if let Some(error) = unrecorded {
        return Err(Failure::Unaudited {
            written: landed,
            left: refused,
            unconfirmed,
            error,
            again_finishes: true,
        });
    }
    Ok(applied)
}

/// The plan written: each write's outcome, and, when the copies could not forget the
/// values the writes replaced once they were made, that failure (said after the table
/// of what was written).
fn applied(
    session: &Session,
    plan: &secretary::Import<'_>,
) -> Result<(Vec<secretary::Applied>, Option<Failure>), Failure> {
    match write(session, plan)? {
        Ok(results) => Ok((results, None)),
        Err(secretary::PutError::ImportUnforgotten { applied, error }) => {
            let error = secretary::PutError::ImportUnforgotten {
                applied: Vec::new(),
                error,
            };
            let key = "import".to_owned();
            Ok((applied, Some(Failure::Write { key, error })))
        }
        Err(error) => Err(failed(session, Event::Import, "import", error)),
    }
}

/// For each item, where it was written or why not.
fn columns(
    items: &[ImportItem],
    results: &[secretary::Applied],
) -> (Vec<Option<String>>, Vec<Option<NotDone>>) {
    let mut written = vec![None; items.len()];
    let mut errors: Vec<Option<NotDone>> = vec![None; items.len()];
    for applied in results {
        match &applied.result {
            Ok(done) => written[applied.item] = Some(done.locator.to_string()),
            Err(error) => {
                // With what to do, as `put` says it (a seventy-fifth adversarial pass saw
                // a 403 partway said without the permission a write needs).
                let hint = match error {
                    secretary::source::SourceError::Vault(error) => Some(error.hint()),
                    secretary::source::SourceError::Aws(error) => Some(error.hint()),
                    _ => None,
                };
                errors[applied.item] = Some(NotDone {
                    error: match hint {
                        Some(hint) => format!("{error} (fix: {hint})"),
                        None => error.to_string(),
                    },
                    unconfirmed: error.may_have_landed(),
                });
            }
        }
    }
    (written, errors)
}

fn item_out<'a>(
    session: &'a Session,
    item: &'a ImportItem,
    written: Option<String>,
    error: Option<NotDone>,
) -> ItemOut<'a> {
    ItemOut {
        asked_before: asked_before(session, item)
            .into_iter()
            .map(|source| source.name.as_str())
            .collect(),
        key: &item.key,
        action: item.action.as_str(),
        reason: match &item.action {
            ImportAction::Refused(reason) | ImportAction::Failed(reason) => Some(reason),
            _ => None,
        },
        from: item.from.as_ref().map(ToString::to_string),
        to: item.to.as_ref().map(ToString::to_string),
        from_fingerprint: item.from_fingerprint.as_deref(),
        to_fingerprint: item.to_fingerprint.as_deref(),
        written,
        unconfirmed: error.as_ref().is_some_and(|e| e.unconfirmed),
        error: error.map(|e| e.error),
    }
}

fn text(
    out: &mut impl Write,
    (target, from, settings): (&EnvironmentSpec, &str, &ImportSettings<'_>),
    items: &[ImportItem],
    (written, errors): (&[Option<String>], &[Option<NotDone>]),
    (keyed, shadowed): (&str, Vec<String>),
) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let action = match (&written[index], &errors[index]) {
                (Some(_), _) => format!("{} (done)", item.action.as_str()),
                (None, Some(e)) if e.unconfirmed => {
                    format!("{} (UNCONFIRMED)", item.action.as_str())
                }
                (None, Some(_)) => format!("{} (FAILED)", item.action.as_str()),
                (None, None) => item.action.as_str().to_owned(),
            };
            vec![
                item.key.clone(),
                action,
                item.from
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), ToString::to_string),
                short(item.from_fingerprint.as_ref()),
                short(item.to_fingerprint.as_ref()),
            ]
        })
        .collect();
    writeln!(
        out,
        "import into environment `{}` from {from}{}",
        target.name,
        if settings.dry_run {
            " (dry run: nothing is written)"
        } else {
            ""
        }
    )?;
    write!(
        out,
        "{}",
        render::table(&["KEY", "ACTION", "FROM", "FROM-FP", "TO-FP"], &rows)
    )?;
    for (index, item) in items.iter().enumerate() {
        not_copied(out, item, (&target.name, from))?;
        // Each write with its version, as `put` says it: what a failure part-way asks
        // to record (a sixty-third adversarial pass found it in `--format json` only).
        if let Some(locator) = &written[index] {
            writeln!(out, "wrote {}: {locator}", item.key)?;
        }
        match &errors[index] {
            Some(NotDone {
                error,
                unconfirmed: true,
            }) => writeln!(out, "may have been written {}: {error}", item.key)?,
            Some(NotDone { error, .. }) => writeln!(out, "not written {}: {error}", item.key)?,
            None => {}
        }
    }
    let count = |action: &str| items.iter().filter(|i| i.action.as_str() == action).count();
    writeln!(
        out,
        "{} to create, {} to update, {} the same, {} kept, {} with no value; fingerprints keyed with {keyed}",
        count("create"),
        count("update"),
        count("same"),
        count("keep"),
        count("no_value"),
    )?;
    for note in shadowed {
        writeln!(out, "{note}")?;
    }
    if count("keep") > 0 {
        writeln!(
            out,
            "values that differ were kept: --overwrite replaces them"
        )?;
    }
    let settings: Vec<&str> = items
        .iter()
        .filter(|item| item.action == ImportAction::Setting)
        .map(|item| item.key.as_str())
        .collect();
    if !settings.is_empty() {
        writeln!(
            out,
            "left out {} setting{} (sensitive = false), whose values belong to each environment: {}; name one with --only to copy it",
            settings.len(),
            if settings.len() == 1 { "" } else { "s" },
            settings.join(", ")
        )?;
    }
    Ok(())
}

/// Why `item` is not copied, when it is not (refused, failed, built, templated, pinned):
/// one line of the text report. `target` is the environment written to; `from`, where
/// its values come from, as said.
fn not_copied(
    out: &mut impl Write,
    item: &ImportItem,
    (target, from): (&str, &str),
) -> std::io::Result<()> {
    match &item.action {
        ImportAction::Refused(reason) => writeln!(out, "refused {}: {reason}", item.key)?,
        ImportAction::Failed(reason) => writeln!(out, "failed {}: {reason}", item.key)?,
        ImportAction::Built => writeln!(
            out,
            "not copied {}: its value is built from others in {from} (a template, .env expansion), not a value to copy; build it in the target the same way",
            item.key
        )?,
        ImportAction::Templated => writeln!(
            out,
            "not copied {}: environment `{}` builds it by a template, so a value written would never be read",
            item.key, target
        )?,
        ImportAction::Issued => writeln!(
            out,
            "not copied {}: {from} has it issued with a lease, credentials of this command's own that end with it",
            item.key
        )?,
        ImportAction::Leased => writeln!(
            out,
            "not copied {}: environment `{target}` has it issued with a lease, so a value written would never be read",
            item.key
        )?,
        ImportAction::Pinned => writeln!(
            out,
            "not copied {}: the manifest pins it to a version in environment `{}`, so a new version would not be read",
            item.key, target
        )?,
        _ => {}
    }
    Ok(())
}
