//! Values built from others (a template, `.env` expansion): what is known of them beside
//! the value, never told by it: the shape they are checked on, the bound a template over
//! them is charged, the charge a limit counts them at.

use std::borrow::Cow;

use super::Resolution;
use crate::manifest::{SecretSpec, ValueTemplate};
use crate::{Origin, SecretValue};

/// What is known of a value built from others beside the value: what it is checked on
/// and counted at, never its length.
#[derive(Debug, Clone)]
pub(crate) struct Built {
    /// Of a value a source built (`.env` expansion): what it is checked on
    /// ([`crate::source::Shape`]'s `text`). A template's shape is its spec's.
    pub(crate) shape: Option<SecretValue>,
    /// The most it may hold, as the text it was built by bounds it
    /// ([`crate::source::Shape`]'s `bound`): what a template over it is charged.
    pub(crate) bound: usize,
    /// What it is counted at toward a limit beside text of the manifest's choosing
    /// ([`Resolution::charge`]).
    pub(crate) charge: usize,
}

impl Resolution {
    /// What its value is counted at toward a limit that text of the manifest's choosing
    /// can sit beside ([`crate::charge`]), when it has one: the manifest's own default
    /// its length; a value read from a source its length in whole steps of
    /// [`CHARGE_STEP`](crate::charge::CHARGE_STEP), sensitive or not (`sensitive =
    /// false` is the manifest's word, and shows no string: a seventy-second adversarial
    /// pass read a Vault password's length after calling it a setting); one built from
    /// others by a template, the template's text and each input in such steps (three
    /// times that with `|url`); by `.env` expansion, its line's text and each value it
    /// inserts, each in such steps. Never below the value's length.
    #[must_use]
    pub fn charge(&self) -> Option<usize> {
        let value = self.value.as_ref()?;
        Some(match &self.built {
            Some(built) => built.charge,
            None if self.origin == Some(Origin::Default) => value.expose().len(),
            None => crate::charge::stepped(value.expose().len()),
        })
    }

    /// Whether its value was built from others: by a template, or by `.env` expansion.
    pub(crate) fn is_built(&self) -> bool {
        self.built.is_some()
    }

    /// Of a value built from others, its shape (see [`shape`]); `None` for a value read
    /// as stored.
    pub(crate) fn shape(&self) -> Option<Cow<'_, str>> {
        self.built.as_ref()?;
        shape(&self.spec, self.origin.as_ref()?, self.built.as_ref())
    }
}

/// The shape a value built from others is checked on, each inserted value `1`: a
/// template's from its text, `.env` expansion's as its source gave it (`built`); `None`
/// for a value read as stored.
pub(crate) fn shape<'a>(
    spec: &SecretSpec,
    origin: &Origin,
    built: Option<&'a Built>,
) -> Option<Cow<'a, str>> {
    match origin {
        Origin::Template { .. } => spec
            .template
            .as_ref()
            .map(ValueTemplate::shape)
            .map(Cow::Owned),
        _ => built
            .and_then(|built| built.shape.as_ref())
            .map(|shape| Cow::Borrowed(shape.expose())),
    }
}
