//! Where inside a source a [`Locator`](super::Locator) points: a [`Site`], one variant per
//! shape a place has (a name; a line of a file; a field of something with fields; a
//! provider's own words; an AWS secret with its field and version id). Its `Display` is
//! the place as people read it, after the kind: `.env:12`, `secret/data/db#value`.

use std::fmt;

/// The place inside a source, by its parts; its `Display` is the text a locator shows
/// after its kind (`DATABASE_URL`, `.env:12`, `secret/data/production/db#value`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Site {
    /// A place known by one name: a variable (`DATABASE_URL`), a file or a directory as
    /// shown to people (`secrets/db`, `.env`), a parameter (`/production/db`).
    Name(String),
    /// A line of a file (as shown to people): `.env:12`.
    Line {
        /// The file.
        file: String,
        /// The line, from 1.
        line: usize,
    },
    /// A field of something that has fields: a Vault secret's at its API path
    /// (`secret/data/db#value`), a key of a sops file (`secrets.enc.env#API_KEY`), a key
    /// of an `exec` source (`vault1p#api_key`).
    Field {
        /// What has the field: the API path, the file, the source's name.
        of: String,
        /// The field or key.
        field: String,
    },
    /// Where an `exec` source's provider says it read: `vault1p:store` (withheld as
    /// `[withheld]` when it would spell a value).
    Detail {
        /// The source's name.
        source: String,
        /// The provider's words.
        detail: String,
    },
    /// An AWS Secrets Manager secret: `NAME`, with `#FIELD` when the value is one field
    /// of a JSON secret, and `@VERSION_ID` when the version is known.
    AwsSecret {
        /// The secret's name.
        name: String,
        /// The JSON field, if any.
        field: Option<String>,
        /// AWS's version id (a UUID), when known.
        version_id: Option<String>,
    },
}

impl Site {
    /// The place known by `name`.
    pub fn name(name: impl Into<String>) -> Self {
        Self::Name(name.into())
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Line { file, line } => write!(f, "{file}:{line}"),
            Self::Field { of, field } => write!(f, "{of}#{field}"),
            Self::Detail { source, detail } => write!(f, "{source}:{detail}"),
            Self::AwsSecret {
                name,
                field,
                version_id,
            } => {
                f.write_str(name)?;
                if let Some(field) = field {
                    write!(f, "#{field}")?;
                }
                if let Some(version_id) = version_id {
                    write!(f, "@{version_id}")?;
                }
                Ok(())
            }
        }
    }
}
