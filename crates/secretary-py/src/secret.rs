//! [`Secret`]: a secret value in Python. Its `repr` and `str` are `[redacted]`; it cannot
//! be pickled; its text comes out only through `expose()` (or `get_secret_value()`, the
//! name pydantic's `SecretStr` uses), so every read of a value can be found by name.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString};

use secretary::SecretValue;

/// A secret value: printed as ``[redacted]``, never pickled, read with ``expose()``.
///
/// The text is kept in memory that is zeroed when the last reference to it goes away.
/// The ``str`` that ``expose()`` returns is an ordinary Python string, which Python does
/// not zero: call it where the value is used, and keep the ``Secret`` elsewhere.
#[pyclass(frozen, module = "secretary", name = "Secret")]
pub struct Secret {
    value: SecretValue,
}

impl Secret {
    /// Wraps a value of the library's.
    pub fn new(value: SecretValue) -> Self {
        Self { value }
    }
}

#[pymethods]
#[expect(clippy::unused_self, reason = "Python's special methods take self")]
impl Secret {
    /// Not hashable: a hash of a secret is a fact about it, and two secrets are equal only
    /// by their values.
    #[classattr]
    const __hash__: Option<Py<PyAny>> = None;

    /// The value's text.
    fn expose<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, self.value.expose())
    }

    /// The value's text: ``expose()`` under the name pydantic's ``SecretStr`` gives it.
    fn get_secret_value<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        self.expose(py)
    }

    /// ``[redacted]``.
    fn __repr__(&self) -> &'static str {
        "[redacted]"
    }

    /// ``[redacted]``.
    fn __str__(&self) -> &'static str {
        "[redacted]"
    }

    /// ``[redacted]``, whatever the format spec: an f-string never shows the value.
    fn __format__(&self, _spec: &str) -> &'static str {
        "[redacted]"
    }

    /// Whether ``other`` is a ``Secret`` with the same value (compared in time that
    /// depends on the length only).
    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        match other.cast::<Self>() {
            Ok(other) => {
                let same = constant_time_eq(
                    self.value.expose().as_bytes(),
                    other.get().value.expose().as_bytes(),
                );
                PyBool::new(py, same).to_owned().into_any().unbind()
            }
            Err(_) => py.NotImplemented(),
        }
    }

    /// Refused: a pickle would carry the value in the clear into a file, a queue or
    /// another process. Send the key, and read the secret where it is needed.
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "a secretary Secret cannot be pickled: pass its key instead, and read the secret where it is used",
        ))
    }

    /// Refused, as ``__reduce__`` is, for every pickle protocol.
    fn __reduce_ex__(&self, _protocol: &Bound<'_, PyAny>) -> PyResult<()> {
        self.__reduce__()
    }

    /// The same object: a ``Secret`` never changes, so a copy is itself.
    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// The same object, as ``__copy__``.
    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
        slf
    }
}

/// Whether `a` and `b` are equal, looking at every byte whatever the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}
