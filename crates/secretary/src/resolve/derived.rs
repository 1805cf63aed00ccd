//! Templated secrets (`template`): built once the secrets they name are resolved.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Built, Fix, Problem, ProblemKind, Resolution};
use crate::charge::stepped;
use crate::manifest::derived::{INPUT_LIMIT, TEMPLATE_LIMIT};
use crate::manifest::{EnvironmentSpec, SecretSpec};
use crate::{Absence, Looked, Origin, Searched, SecretValue};

/// Adds to `specs` every secret a templated one among them is built from, through
/// others too, each once.
pub(super) fn add_inputs<'e>(
    environment: &'e EnvironmentSpec,
    specs: &mut Vec<&'e Arc<SecretSpec>>,
) {
    let mut next = 0;
    while next < specs.len() {
        if let Some(template) = &specs[next].template {
            for input in template.inputs() {
                if specs.iter().any(|spec| spec.key == input) {
                    continue;
                }
                if let Some(spec) = environment.secrets().iter().find(|s| s.key == input) {
                    specs.push(spec);
                }
            }
        }
        next += 1;
    }
}

/// Gives each templated secret its value from those it names, in an order where every
/// input is built first (the checker refused cycles). One whose input has no valid value
/// gets none, and a problem naming the input when it is required.
pub(super) fn build(specs: &[&Arc<SecretSpec>], resolutions: &mut [Resolution]) {
    let position: HashMap<&str, usize> = specs
        .iter()
        .enumerate()
        .map(|(at, spec)| (spec.key.as_str(), at))
        .collect();
    let mut waiting: Vec<usize> = (0..specs.len())
        .filter(|&at| specs[at].template.is_some())
        .collect();
    while !waiting.is_empty() {
        let before = waiting.len();
        let mut settled = Vec::new();
        for &at in &waiting {
            let Some(template) = &specs[at].template else {
                continue;
            };
            // Wait while an input is itself a template not built yet.
            let ready = template.inputs().all(|input| {
                position
                    .get(input)
                    .is_none_or(|i| !waiting.contains(i) || settled.contains(i))
            });
            if ready {
                settle(at, specs, resolutions, &position);
                settled.push(at);
            }
        }
        waiting.retain(|at| !settled.contains(at));
        if waiting.len() == before {
            // Only a cycle could stop progress; the checker refuses them. Leave the rest
            // unbuilt rather than loop.
            break;
        }
    }
}

/// Builds again the templated secrets at `which` of `resolutions` (each secret's
/// resolution, inputs included) from what their inputs hold now: for a running
/// application, after the outage rules gave inputs the values held (a twenty-eighth
/// adversarial pass saw a template served from its own older copy, built from a value
/// rotated out since, and stamped with its input's age). What each had is forgotten;
/// what it is built to is checked as a resolution checks it.
pub(crate) fn rebuild(
    environment: &EnvironmentSpec,
    resolutions: &mut [Resolution],
    which: &[usize],
) {
    let specs: Vec<Arc<SecretSpec>> = resolutions.iter().map(|r| Arc::clone(&r.spec)).collect();
    let specs: Vec<&Arc<SecretSpec>> = specs.iter().collect();
    let position: HashMap<&str, usize> = specs
        .iter()
        .enumerate()
        .map(|(at, spec)| (spec.key.as_str(), at))
        .collect();
    for &at in which {
        let resolution = &mut resolutions[at];
        resolution.value = None;
        resolution.built = None;
        resolution.origin = None;
        resolution.stale = None;
        resolution.problems.clear();
        settle(at, &specs, resolutions, &position);
    }
    super::validate_some(environment, &specs, resolutions, which);
}

/// Builds the templated secret at `at`, or says which input it lacks.
fn settle(
    at: usize,
    specs: &[&Arc<SecretSpec>],
    resolutions: &mut [Resolution],
    position: &HashMap<&str, usize>,
) {
    let spec = specs[at];
    let Some(template) = &spec.template else {
        return;
    };
    let inputs: Vec<String> = template.inputs().map(str::to_owned).collect();
    let lacking = inputs.iter().find(|input| {
        position
            .get(input.as_str())
            .is_none_or(|&i| resolutions[i].value.is_none() || !resolutions[i].problems.is_empty())
    });
    if let Some(lacking) = lacking {
        resolutions[at].looked.push(
            Looked::new(Searched::Template).because(Absence::NeedsInput {
                input: lacking.clone(),
            }),
        );
        let problem = position
            .get(lacking.as_str())
            .and_then(|&i| resolutions[i].problems.first());
        // An input with a problem fails an optional template too: a failure, or a value
        // that breaks its rules, is never taken for "not set" (a twenty-ninth adversarial
        // pass had `get_optional` give `None` for a template over a secret Vault could
        // not serve). A source's failure is the template's too; anything else is told as
        // the input's, by the fix.
        // An input that has a value not served (invalid, a placeholder, overdue) is said
        // as such: "required but not set" blamed the template, optional or not.
        let failed = problem.map(|problem| match &problem.kind {
            kind @ (ProblemKind::SourceFailed { .. }
            | ProblemKind::Outage { .. }
            | ProblemKind::Stale(_)) => kind.clone(),
            ProblemKind::Missing | ProblemKind::Unset => ProblemKind::Missing,
            other => ProblemKind::Input {
                input: lacking.clone(),
                state: other.state(),
            },
        });
        if spec.required || failed.is_some() {
            let cause = problem.map(|problem| Box::new(problem.fix.clone()));
            resolutions[at].problems.push(Problem {
                kind: failed.unwrap_or(ProblemKind::Missing),
                fix: Fix::Source(super::SourceFix::Input {
                    key: spec.key.clone(),
                    input: lacking.clone(),
                    cause,
                }),
            });
        }
        return;
    }
    let value_of = |key: &str| {
        position
            .get(key)
            .and_then(|&i| resolutions[i].value.as_ref())
            .map(SecretValue::expose)
    };
    // Each input at most what the template's text counted it at ([`INPUT_LIMIT`]), or,
    // built from others, what its own text bounds it by: so that the value is at most
    // 1 MiB, judged by text alone (a sixty-eighth adversarial pass padded templates and `.env` lines
    // of its own over one password, and read its length off the first refused).
    let bound = charged(template, position, resolutions);
    let refused = too_large(&inputs, value_of, |key| {
        position
            .get(key)
            .and_then(|&i| resolutions[i].built.as_ref())
            .map(|built| built.bound)
    })
    .or_else(|| past_limit(bound));
    if let Some((expected, reason)) = refused {
        resolutions[at].problems.push(Problem {
            fix: Fix::Correct {
                name: spec.primary_env().to_owned(),
                expected,
                origin: Origin::Template {
                    inputs: inputs.clone(),
                },
            },
            kind: ProblemKind::Invalid {
                origin: Origin::Template { inputs },
                reason: crate::validate::Invalid::new(reason),
            },
        });
        return;
    }
    let built = template.render(value_of);
    // Served from a last-known-good copy if any input is: the oldest of theirs (a
    // twenty-sixth adversarial pass had the reference application's `database_url`
    // called fresh beside its stale `postgres_password`).
    let stale = inputs
        .iter()
        .filter_map(|input| position.get(input.as_str()))
        .filter_map(|&i| resolutions[i].stale.clone())
        .max_by_key(|stale| stale.age);
    let charge = counted(template, position, resolutions);
    if let Some(built) = built {
        let resolution = &mut resolutions[at];
        resolution.built = Some(Built {
            shape: None,
            bound: bound.unwrap_or(usize::MAX),
            charge,
        });
        resolution.value = Some(SecretValue::new(built));
        resolution.origin = Some(Origin::Template { inputs });
        resolution.stale = stale;
    }
}

/// Why `template` may not be built over its `inputs` (`value_of` giving each one's
/// value, `bound_of` its bound when it is built from others), if it may not: what is
/// expected, and the reason. An input read as stored holding more than
/// [`INPUT_LIMIT`] (a fixed threshold on its own length, the same whoever asks); one
/// built from others is judged by its bound, in [`charged`], never by its length.
fn too_large<'v>(
    inputs: &[String],
    value_of: impl Fn(&str) -> Option<&'v str>,
    bound_of: impl Fn(&str) -> Option<usize>,
) -> Option<(String, String)> {
    let input = inputs.iter().find(|input| {
        bound_of(input).is_none() && value_of(input).is_some_and(|value| value.len() > INPUT_LIMIT)
    })?;
    Some((
        format!(
            "inputs of at most {} KiB each (`{input}` holds more)",
            INPUT_LIMIT >> 10
        ),
        format!(
            "is built from `{input}`, which holds more than the {} KiB a template's input may",
            INPUT_LIMIT >> 10
        ),
    ))
}

/// Why a template charged `charge` (by [`charged`]) may not be built: past
/// [`TEMPLATE_LIMIT`]. (What an environment's templates build in all is bounded where
/// the manifest is checked, by their number and their text: a bound kept at resolution
/// would depend on which secrets were asked, a sixty-ninth adversarial pass.)
fn past_limit(charge: Option<usize>) -> Option<(String, String)> {
    charge.is_none_or(|charge| charge > TEMPLATE_LIMIT).then(|| {
        (
            format!(
                "a value of at most {} MiB, each input counted at what it may hold (32 KiB, a value built from others what its text bounds it by, in steps of 32 KiB; three times that with `|url`): name inputs fewer times",
                TEMPLATE_LIMIT >> 20
            ),
            format!("could be longer than {} MiB", TEMPLATE_LIMIT >> 20),
        )
    })
}

/// What `template`'s value may hold, as text bounds it: its own text, and each input it
/// names at what that may hold ([`INPUT_LIMIT`], or the bound of one built from others),
/// three times that with `|url`; `None` past `usize`.
fn charged(
    template: &crate::manifest::ValueTemplate,
    position: &HashMap<&str, usize>,
    resolutions: &[Resolution],
) -> Option<usize> {
    template.parts().iter().try_fold(0usize, |total, part| {
        let more = match part {
            crate::manifest::Part::Text(text) => text.len(),
            crate::manifest::Part::Secret { key, url } => {
                // In whole steps of the input limit: a bound is the text that built the
                // value, and that text may hold a secret (a `.env` line's password
                // beside an expansion), whose length a step of its own would tell (a
                // sixty-ninth adversarial pass padded templates to one byte).
                let bound = position
                    .get(key.as_str())
                    .and_then(|&i| resolutions[i].built.as_ref())
                    .map_or(INPUT_LIMIT, |built| built.bound)
                    .max(1)
                    .checked_next_multiple_of(INPUT_LIMIT)?;
                if *url { bound.checked_mul(3)? } else { bound }
            }
        };
        total.checked_add(more)
    })
}

/// What the value `template` builds is counted at toward a limit beside text of the
/// manifest's choosing ([`Resolution::charge`]): its own text, and each input it names at
/// its charge in whole steps (three times that with `|url`), never the value's length: an
/// input's length is told only in those steps, whatever text a template puts beside it.
fn counted(
    template: &crate::manifest::ValueTemplate,
    position: &HashMap<&str, usize>,
    resolutions: &[Resolution],
) -> usize {
    template.parts().iter().fold(0usize, |total, part| {
        let more = match part {
            crate::manifest::Part::Text(text) => text.len(),
            crate::manifest::Part::Secret { key, url } => {
                let input = position
                    .get(key.as_str())
                    .and_then(|&i| resolutions[i].charge())
                    .map_or(usize::MAX, stepped);
                if *url { input.saturating_mul(3) } else { input }
            }
        };
        total.saturating_add(more)
    })
}
