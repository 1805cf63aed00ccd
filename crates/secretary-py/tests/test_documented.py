"""Every public name of the package is on the site's Python API reference
(docs/reference/python.md): each public module's ``__all__``, and the public members
of each public class (methods, properties, class variables and annotated attributes
that the class itself defines). A name added to the package without a line on that page
fails here, as a stub out of step with the module fails ``mypy.stubtest``."""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re

import secretary

PAGE = pathlib.Path(__file__).resolve().parents[3] / "docs" / "reference" / "python.md"
MODULES = ["secretary", "secretary.errors", "secretary.pydantic", "secretary.fastapi", "secretary.pool"]


def public_names() -> set[str]:
    names: set[str] = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{module_name} has no __all__"
        for name in exported:
            names.add(name)
            value = getattr(module, name)
            if inspect.isclass(value) and value.__module__.startswith("secretary"):
                names.update(members(value))
    return names


def members(cls: type) -> set[str]:
    """The public members a class of the package defines itself (not those it inherits
    from Exception or pydantic)."""
    own = set()
    foreign = [klass for klass in cls.__mro__ if not klass.__module__.startswith("secretary")]
    for klass in cls.__mro__:
        if klass in foreign:
            continue
        names = set(vars(klass)) | set(getattr(klass, "__annotations__", {}))
        # Public, and not what a base from elsewhere defines (pydantic's model_config).
        own.update(n for n in names if not n.startswith("_") and not any(hasattr(f, n) for f in foreign))
    return own


def code_words(text: str) -> set[str]:
    """Every identifier the page writes as code: in fenced blocks, and in inline spans
    (`name`, `name(...)`, `Class.name`), line by line."""
    words: set[str] = set()
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        spans = [line] if fenced else re.findall(r"`([^`]+)`", line)
        for span in spans:
            words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span))
    return words


def test_the_page_exists_and_names_the_core():
    text = PAGE.read_text(encoding="utf-8")
    assert "`SecretManager`" in text and "`get_secret(" in text


def test_every_public_name_of_the_package_is_on_the_python_api_page():
    text = PAGE.read_text(encoding="utf-8")
    words = code_words(text)
    names = public_names()
    assert {"SecretManager", "expose", "refresh", "lifespan", "creator", "problems"} <= names, names
    missing = sorted(name for name in names if name not in words)
    assert not missing, f"public names missing from {PAGE.relative_to(PAGE.parents[2])}: {missing}"


def test_the_package_exports_what_its_stubs_declare():
    # The names the page is checked for include everything __all__ re-exports.
    assert set(secretary.__all__) <= public_names()
