"""The application's core: its secrets and its settings."""
