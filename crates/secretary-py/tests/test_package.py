"""The package as a whole: its exceptions, its documentation and its type stub."""

import ast
import inspect
import pathlib
import pickle

import pytest

import secretary
import secretary._native as native
import secretary.errors
import secretary.fastapi
import secretary.pydantic
from secretary import SecretManager

PACKAGE = pathlib.Path(secretary.__file__).parent


def test_every_exception_is_a_secretary_error():
    for name in secretary.errors.__all__:
        assert issubclass(getattr(secretary.errors, name), secretary.SecretaryError), name
        assert getattr(secretary, name) is getattr(secretary.errors, name)
    assert issubclass(secretary.SecretNotFoundError, LookupError)
    assert issubclass(secretary.InvalidSecretError, ValueError)
    assert issubclass(secretary.UnknownEnvironmentError, secretary.ManifestError)


def test_exceptions_cross_processes_with_their_attributes(app):
    app.write_dotenv("DATABASE_URL=mysql://db/app\n")
    with pytest.raises(secretary.SecretValidationError) as raised:
        SecretManager().validate()
    again = pickle.loads(pickle.dumps(raised.value))
    assert type(again) is secretary.SecretValidationError
    assert str(again) == str(raised.value)
    assert [(p.key, p.code, type(p)) for p in again.problems] == [
        (p.key, p.code, type(p)) for p in raised.value.problems
    ]
    first = again.problems[1]
    assert (first.key, first.description, first.looked) == ("api_key", "Payment API key", ("env:API_KEY", "dotenv:.env"))


def public_objects():
    modules = [secretary, secretary.errors, secretary.pydantic, secretary.fastapi]
    for module in modules:
        yield module.__name__, module
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if name == "__version__":
                continue
            yield f"{module.__name__}.{name}", value
            if inspect.isclass(value):
                for attribute, member in vars(value).items():
                    if attribute.startswith("_") or not (callable(member) or isinstance(member, property) or inspect.isdatadescriptor(member) or inspect.ismethoddescriptor(member)):
                        continue
                    yield f"{module.__name__}.{name}.{attribute}", getattr(value, attribute)


def test_everything_public_has_a_docstring():
    missing = [name for name, value in public_objects() if not (inspect.getdoc(value) or "").strip()]
    assert missing == []


def stub_names() -> dict[str, set[str]]:
    """The classes of ``_native.pyi`` and their members, and the module's functions."""
    tree = ast.parse((PACKAGE / "_native.pyi").read_text())
    names: dict[str, set[str]] = {"": set()}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names[node.name] = {
                item.name if isinstance(item, ast.FunctionDef) else item.target.id
                for item in node.body
                if isinstance(item, ast.FunctionDef) or (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name))
            }
            names[""].add(node.name)
        elif isinstance(node, ast.FunctionDef):
            names[""].add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[""].add(node.target.id)
    return names


def test_the_type_stub_names_what_the_module_has():
    stub = stub_names()
    runtime = {name for name in dir(native) if not name.startswith("__") or name == "__version__"}
    assert stub[""] == runtime
    for cls in stub[""]:
        if cls not in stub:
            continue
        real = getattr(native, cls)
        public = {name for name in dir(real) if not name.startswith("_")}
        assert public == {name for name in stub[cls] if not name.startswith("_")}, cls
        for name in stub[cls]:
            assert hasattr(real, name), f"{cls}.{name} is in the stub but not in the module"


def test_the_package_is_typed():
    assert (PACKAGE / "py.typed").exists()
