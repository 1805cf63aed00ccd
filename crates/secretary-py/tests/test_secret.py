"""``Secret``: what a value looks like to the code and tools that handle it."""

import copy
import logging
import pickle

import pytest

from secretary import Secret, SecretManager


@pytest.fixture
def secret(app) -> Secret:
    return SecretManager().get("api_key")


def test_repr_str_and_formatting_print_redacted(secret):
    assert repr(secret) == "[redacted]"
    assert str(secret) == "[redacted]"
    assert f"{secret}" == "[redacted]"
    assert f"{secret!r:>20}" == "          [redacted]"
    assert f"{secret:>20}" == "[redacted]"
    assert "%s %r" % (secret, secret) == "[redacted] [redacted]"
    assert repr([secret, {"k": secret}]) == "[[redacted], {'k': [redacted]}]"


def test_the_text_comes_out_only_through_expose(secret):
    assert secret.expose() == "dotenv-api-key-1234"
    assert secret.get_secret_value() == "dotenv-api-key-1234"
    assert not hasattr(secret, "value")
    assert "dotenv-api-key-1234" not in repr(dir(secret))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_secret_cannot_be_pickled(secret, protocol):
    with pytest.raises(TypeError, match="cannot be pickled") as raised:
        pickle.dumps(secret, protocol=protocol)
    assert "dotenv-api-key-1234" not in str(raised.value)


def test_copies_are_the_same_immutable_object(secret):
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"k": secret})["k"] is secret


def test_equality_compares_values_and_hashing_is_refused(app):
    manager = SecretManager()
    first, again = manager.get("api_key"), manager.get("api_key")
    assert first == again
    assert first != manager.get("database_url")
    assert first != "dotenv-api-key-1234", "a Secret is never equal to its text"
    with pytest.raises(TypeError):
        hash(first)


def test_logging_a_secret_shows_nothing(secret, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("app").info("connecting with %s", secret)
    logging.getLogger("app").info("secret=%r", secret)
    assert caplog.messages == ["connecting with [redacted]", "secret=[redacted]"]


def test_secret_cannot_be_made_from_python():
    with pytest.raises(TypeError):
        Secret("made-up")  # type: ignore[call-arg]
