"""faceless-youtube: the reference application, a FastAPI service with its secrets in secretary."""
