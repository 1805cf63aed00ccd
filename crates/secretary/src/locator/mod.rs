//! Where exactly a value was found: a [`Locator`] names the kind of source, the place in
//! it (a [`Site`]), and the version when the source keeps versions; an [`Origin`] is
//! either a source and its locator, or the manifest's default. Both print as people read
//! them (`dotenv:.env:12`, `vault:secret/data/production/db#value@v3`, `default`), and
//! are read by field, never parsed back from that text. Where a secret was looked for and
//! not found is a [`Looked`]: what was searched, and why nothing was read there.

mod looked;
mod site;

use std::fmt;

pub use looked::{Absence, Looked, Searched};
pub use site::Site;

use crate::manifest::SourceKind;

/// The exact place a value came from (or where one was looked for).
///
/// ```
/// use secretary::{Locator, manifest::SourceKind};
///
/// let at = Locator::vault("secret/data/production/db", "value", Some(3));
/// assert_eq!(at.to_string(), "vault:secret/data/production/db#value@v3");
/// assert_eq!((at.kind(), at.version()), (SourceKind::VAULT, Some(3)));
/// assert_eq!(Locator::dotenv(".env", 12).to_string(), "dotenv:.env:12");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locator {
    kind: SourceKind,
    place: Site,
    version: Option<u64>,
}

impl Locator {
    /// The place `place` in a source of `kind`.
    pub fn new(kind: SourceKind, place: Site) -> Self {
        Self {
            kind,
            place,
            version: None,
        }
    }

    /// The process environment's variable `name`.
    pub fn env(name: &str) -> Self {
        Self::new(SourceKind::ENV, Site::name(name))
    }

    /// Line `line` of the `.env` file `file` (as shown to people).
    pub fn dotenv(file: &str, line: usize) -> Self {
        Self::new(
            SourceKind::DOTENV,
            Site::Line {
                file: file.to_owned(),
                line,
            },
        )
    }

    /// The secret file at `path` (as shown to people).
    pub fn file(path: &str) -> Self {
        Self::new(SourceKind::FILES, Site::name(path))
    }

    /// Field `field` of the KV secret at API path `path`, at `version` when known.
    pub fn vault(path: &str, field: &str, version: Option<u64>) -> Self {
        Self {
            version,
            ..Self::new(SourceKind::VAULT, field_of(path, field))
        }
    }

    /// Key `key` of the sops-encrypted file `file` (as shown to people).
    pub fn sops(file: &str, key: &str) -> Self {
        Self::new(SourceKind::SOPS, field_of(file, key))
    }

    /// A provider's answer (`exec`): `place` is `SOURCE#KEY` ([`Site::Field`]), or
    /// `SOURCE:DETAIL` ([`Site::Detail`]) when the provider names where it read; at
    /// `version` when it says.
    pub fn exec(place: Site, version: Option<u64>) -> Self {
        Self {
            version,
            ..Self::new(SourceKind::EXEC, place)
        }
    }

    /// The same place, at `version`.
    pub(crate) fn at_version(self, version: Option<u64>) -> Self {
        Self { version, ..self }
    }

    /// An AWS Secrets Manager secret: `aws_secrets_manager:NAME`, with `#FIELD` when the
    /// value is one field of a JSON secret, and `@VERSION_ID` (AWS's version id, a UUID)
    /// when known. (Version ids are not numbers, so they are part of the place, and
    /// [`Locator::version`] is `None`.)
    pub fn aws_secret(name: &str, field: Option<&str>, version_id: Option<&str>) -> Self {
        Self::new(
            SourceKind::AWS_SECRETS_MANAGER,
            Site::AwsSecret {
                name: name.to_owned(),
                field: field.map(str::to_owned),
                version_id: version_id.map(str::to_owned),
            },
        )
    }

    /// An AWS Systems Manager parameter, at `version` when known:
    /// `aws_parameter_store:/production/db@v3`.
    pub fn aws_parameter(name: &str, version: Option<u64>) -> Self {
        Self {
            version,
            ..Self::new(SourceKind::AWS_PARAMETER_STORE, Site::name(name))
        }
    }

    /// The kind of source.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// The place inside it; its `Display` is the place as people read it.
    pub fn place(&self) -> &Site {
        &self.place
    }

    /// The version read or written, for sources that keep versions (Vault KV v2).
    pub fn version(&self) -> Option<u64> {
        self.version
    }
}

/// The field `field` of `of`.
fn field_of(of: &str, field: &str) -> Site {
    Site::Field {
        of: of.to_owned(),
        field: field.to_owned(),
    }
}

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.place)?;
        if let Some(version) = self.version {
            write!(f, "@v{version}")?;
        }
        Ok(())
    }
}

/// Where a value came from: a source, or the manifest's default.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A source had it.
    Source {
        /// The source's name in the manifest.
        name: String,
        /// Where exactly.
        locator: Locator,
    },
    /// No source had it: the manifest's `default`.
    Default,
    /// Built from other secrets by its `template`.
    Template {
        /// The keys it was built from, in order.
        inputs: Vec<String>,
    },
}

impl Origin {
    /// The source's name, or `default`.
    pub fn source(&self) -> &str {
        match self {
            Self::Source { name, .. } => name,
            Self::Default => "default",
            Self::Template { .. } => "template",
        }
    }

    /// The locator, when a source had the value.
    pub fn locator(&self) -> Option<&Locator> {
        match self {
            Self::Source { locator, .. } => Some(locator),
            Self::Default | Self::Template { .. } => None,
        }
    }
}

impl fmt::Display for Origin {
    /// The locator, or `default`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Source { locator, .. } => locator.fmt(f),
            Self::Default => f.write_str("default"),
            Self::Template { inputs } => write!(f, "template({})", inputs.join(", ")),
        }
    }
}
