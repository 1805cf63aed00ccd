"""The application's secrets.

This module used to hold a hand-made ``SecretManager``: ``lru_cache``d getters over
``os.getenv``, an hvac loop for Vault (with a path that 404'd on every read, hidden by a
silent fall-back to the environment), and a ``clear_cache()`` that did not clear. Now
it is secretary's manager, which reads ``secrets.toml`` beside the application; the old
call sites (``get_secret("database_url")``) keep working.
"""

from secretary import SecretManager, SecretNotFoundError, get_secret, get_secret_manager

__all__ = ["SecretManager", "SecretNotFoundError", "get_secret", "get_secret_manager"]
