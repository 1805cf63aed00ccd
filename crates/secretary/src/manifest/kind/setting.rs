//! One setting of a kind of source's table, as the manifest's JSON Schema describes it
//! ([`Setting`]).

/// One setting a kind's table takes, with what the manifest's JSON Schema says of it: its
/// name, what it is to this kind, and its constraints. Kinds that share a setting give it
/// the same constraints (a test holds them to it); each describes it for itself, and the
/// schema names the kinds before each description (`vault, vault_lease: ...`), once for
/// kinds that describe it alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Setting {
    name: &'static str,
    description: &'static str,
    schema: &'static str,
    required: bool,
}

impl Setting {
    /// The setting `name`, which `description` describes without naming the kind, with
    /// the constraints of the JSON object `schema` (`{ "type": "string", "minLength": 1 }`,
    /// with no `description`).
    pub(crate) const fn new(
        name: &'static str,
        description: &'static str,
        schema: &'static str,
    ) -> Self {
        Self {
            name,
            description,
            schema,
            required: false,
        }
    }

    /// The same setting, which the schema requires in a table of this kind.
    pub(crate) const fn required(self) -> Self {
        Self {
            required: true,
            ..self
        }
    }

    /// Its name in the table.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// What it is to this kind.
    pub(crate) fn description(&self) -> &'static str {
        self.description
    }

    /// Its constraints: a JSON object, as written.
    pub(crate) fn schema(&self) -> &'static str {
        self.schema
    }

    /// Whether the schema requires it in a table of this kind.
    pub(crate) fn is_required(&self) -> bool {
        self.required
    }
}
