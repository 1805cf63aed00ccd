//! What a manager tells about secrets without their values: [`SecretInfo`] (a
//! declaration, from `list_secrets()`), [`Resolution`] (where one secret came from, from
//! `validate()`) and [`Report`] (every resolution of one validation).

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// A declared secret, as the manifest describes it. Never holds a value.
#[pyclass(frozen, module = "secretary", name = "SecretInfo")]
pub struct SecretInfo {
    /// The key (``database_url``).
    #[pyo3(get)]
    key: String,
    /// What it is for.
    #[pyo3(get)]
    description: String,
    /// Whether its absence is a problem.
    #[pyo3(get)]
    required: bool,
    /// Whether the value is secret (``False`` only where the manifest says so).
    #[pyo3(get)]
    sensitive: bool,
    env: Vec<String>,
    /// Its type: ``string``, ``url``, ``int``, ``port``, ``bool`` or ``enum``.
    #[pyo3(get, name = "type")]
    kind: &'static str,
}

impl From<secretary::SecretInfo> for SecretInfo {
    fn from(info: secretary::SecretInfo) -> Self {
        Self {
            key: info.key,
            description: info.description,
            required: info.required,
            sensitive: info.sensitive,
            env: info.env,
            kind: info.kind.as_str(),
        }
    }
}

#[pymethods]
impl SecretInfo {
    /// Its environment variable names, the primary first.
    #[getter]
    fn env<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.env)
    }

    fn __repr__(&self) -> String {
        let env: Vec<String> = self.env.iter().map(|name| quote(name)).collect();
        format!(
            "SecretInfo(key={}, type={}, required={}, sensitive={}, env=({}{}), description={})",
            quote(&self.key),
            quote(self.kind),
            py_bool(self.required),
            py_bool(self.sensitive),
            env.join(", "),
            if env.len() == 1 { "," } else { "" },
            quote(&self.description)
        )
    }
}

/// Where one secret's value came from, after a validation. Never holds the value.
#[pyclass(frozen, module = "secretary", name = "Resolution")]
pub struct Resolution {
    /// The key.
    #[pyo3(get)]
    key: String,
    /// What it is for.
    #[pyo3(get)]
    description: String,
    /// ``ok`` (it has a valid value), ``stale`` (a value from the last-known-good copy:
    /// Vault could not be reached) or ``unset`` (optional, and not set).
    #[pyo3(get)]
    state: &'static str,
    /// Whether its absence would be a problem.
    #[pyo3(get)]
    required: bool,
    /// Whether the value is secret.
    #[pyo3(get)]
    sensitive: bool,
    /// The source's name in the manifest (``dotenv``, ``vault``), ``default``, or
    /// ``None`` when it is not set.
    #[pyo3(get)]
    source: Option<String>,
    /// Exactly where: ``dotenv:.env:7``, ``vault:secret/data/production/db#value@v3``,
    /// ``default``; ``None`` when it is not set.
    #[pyo3(get)]
    locator: Option<String>,
    /// The version read, for sources that keep versions (Vault KV v2).
    #[pyo3(get)]
    version: Option<u64>,
    /// Set when the value is stale: served from the source's last-known-good copy, or
    /// held through an outage; ``None`` when it is fresh.
    #[pyo3(get)]
    stale: Option<Py<Stale>>,
}

/// Why a value is stale: its source could not be reached, and the value served is the
/// last one read. Never holds the value.
#[pyclass(frozen, module = "secretary", name = "Stale")]
pub struct Stale {
    /// The source whose value it is (``vault``).
    #[pyo3(get)]
    source: String,
    /// How long ago it was read from the source, in seconds.
    #[pyo3(get)]
    age_seconds: f64,
    /// Why the source could not be read now.
    #[pyo3(get)]
    cause: String,
}

impl Stale {
    /// The Python view of `stale`.
    pub fn new(stale: &secretary::Stale) -> Self {
        Self {
            source: stale.source.clone(),
            age_seconds: stale.age.as_secs_f64(),
            cause: stale.cause.to_string(),
        }
    }
}

#[pymethods]
impl Stale {
    fn __repr__(&self) -> String {
        format!(
            "Stale(source={}, age_seconds={:.0}, cause={})",
            quote(&self.source),
            self.age_seconds,
            quote(&self.cause)
        )
    }
}

impl Resolution {
    fn new(py: Python<'_>, resolution: &secretary::Resolution) -> PyResult<Self> {
        let origin = resolution.origin.as_ref();
        let stale = match &resolution.stale {
            Some(stale) => Some(Py::new(py, Stale::new(stale))?),
            None => None,
        };
        Ok(Self {
            key: resolution.key().to_owned(),
            description: resolution.spec.description.clone(),
            state: resolution.state().as_str(),
            required: resolution.spec.required,
            sensitive: resolution.spec.sensitive,
            source: origin.map(|origin| origin.source().to_owned()),
            locator: origin.map(ToString::to_string),
            version: origin
                .and_then(secretary::Origin::locator)
                .and_then(secretary::Locator::version),
            stale,
        })
    }
}

#[pymethods]
impl Resolution {
    fn __repr__(&self) -> String {
        format!(
            "Resolution(key={}, state={}, locator={})",
            quote(&self.key),
            quote(self.state),
            self.locator
                .as_deref()
                .map_or_else(|| "None".to_owned(), quote)
        )
    }
}

/// Every secret of one validation, in manifest order, with where each came from; and
/// what was worth a warning. Iterating gives each ``Resolution``; ``report[key]`` one.
#[pyclass(frozen, module = "secretary", name = "Report")]
pub struct Report {
    /// The environment validated.
    #[pyo3(get)]
    environment: String,
    /// The manifest, as a path relative to the working directory when below it.
    #[pyo3(get)]
    manifest: String,
    resolutions: Vec<Py<Resolution>>,
    warnings: Vec<String>,
}

impl Report {
    /// The value-free view of `report`. The values in `report` stay there.
    pub fn new(py: Python<'_>, report: &secretary::Report, manifest: String) -> PyResult<Self> {
        let resolutions = report
            .resolutions
            .iter()
            .map(|resolution| Py::new(py, Resolution::new(py, resolution)?))
            .collect::<PyResult<_>>()?;
        Ok(Self {
            environment: report.environment.clone(),
            manifest,
            resolutions,
            warnings: warnings(report),
        })
    }

    /// Its warnings, one line each.
    pub fn warning_lines(&self) -> impl Iterator<Item = &str> {
        self.warnings.iter().map(String::as_str)
    }
}

#[pymethods]
impl Report {
    /// Each secret's resolution, in manifest order.
    #[getter]
    fn resolutions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.resolutions.iter().map(|r| r.bind(py)))
    }

    /// What is worth saying that is not a problem: a ``.env`` that others may read, a
    /// source skipped after it failed (``on_source_error = "next"``).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.warnings)
    }

    /// How many secrets have a value (the others are optional and not set): served
    /// from the last-known-good copy too, as `secretary check` counts them (a
    /// sixty-second adversarial pass saw 0 while every value was served stale).
    #[getter]
    fn set_count(&self, py: Python<'_>) -> usize {
        self.resolutions
            .iter()
            .filter(|r| matches!(r.bind(py).get().state, "ok" | "stale"))
            .count()
    }

    /// The number of secrets validated.
    fn __len__(&self) -> usize {
        self.resolutions.len()
    }

    /// Each ``Resolution``, in manifest order.
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.resolutions(py)?
            .into_any()
            .try_iter()
            .map(Bound::into_any)
    }

    /// The resolution of ``key``; ``KeyError`` when it is not declared.
    fn __getitem__(&self, py: Python<'_>, key: &str) -> PyResult<Py<Resolution>> {
        self.resolutions
            .iter()
            .find(|r| r.bind(py).get().key == key)
            .map(|r| r.clone_ref(py))
            .ok_or_else(|| PyKeyError::new_err(key.to_owned()))
    }

    fn __repr__(&self) -> String {
        format!(
            "Report(environment={}, manifest={}, secrets={}, warnings={})",
            quote(&self.environment),
            quote(&self.manifest),
            self.resolutions.len(),
            self.warnings.len()
        )
    }
}

/// `report`'s warnings, and each source skipped after it failed (grouped by source and
/// error), as the command line words them.
pub fn warnings(report: &secretary::Report) -> Vec<String> {
    let summary = report.summary();
    let mut lines: Vec<String> = summary.warnings.iter().map(ToString::to_string).collect();
    for skipped in summary.skipped() {
        lines.push(format!(
            "source `{}` failed and was skipped (on_source_error = \"next\"): {}; affects {}",
            skipped.source,
            skipped.error,
            skipped.keys.join(", ")
        ));
    }
    lines
}

fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// `text` as Python's `repr` writes a string: in single quotes, with `\\`, `'` and
/// control characters escaped.
pub fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '\'' => quoted.push_str("\\'"),
            c if c.is_control() => quoted.extend(c.escape_default()),
            c => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}
