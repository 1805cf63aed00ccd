"""The API: secretary validates every secret when it starts, and it refuses to start
without the required ones (uvicorn prints the full report and exits non-zero).

    uvicorn src.api.main:app                    # from examples/faceless-youtube
    SECRETS_REFRESH_SECONDS=5 uvicorn src.api.main:app   # re-read every 5 s (rotation)
"""

import os

from fastapi import FastAPI, Request

from secretary.fastapi import lifespan
from src.core.config import Settings
from src.core.secrets import get_secret_manager


def refresh_interval() -> float | None:
    """``SECRETS_REFRESH_SECONDS`` (not a secret: how often to re-read them), or none."""
    text = os.environ.get("SECRETS_REFRESH_SECONDS", "").strip()
    return float(text) if text else None


app = FastAPI(
    title="faceless-youtube",
    lifespan=lifespan(manager=get_secret_manager, settings=Settings, refresh_interval=refresh_interval()),
)


@app.get("/healthz")
def healthz(request: Request) -> dict:
    """The environment, how many secrets were validated, and where each came from
    (source and locator, with the Vault version; its state, and its age when it is stale,
    from the last-known-good copy); never a value."""
    state = request.app.state
    report = state.secret_report
    return {
        "status": "ok",
        "environment": report.environment,
        "secrets_validated": len(report),
        "secrets_set": report.set_count,
        "sources": {
            r.key: {
                "source": r.source,
                "locator": r.locator,
                "state": r.state,
                # Served from the last-known-good copy (Vault could not be reached): how old.
                "stale_seconds": r.stale.age_seconds if r.stale else None,
            }
            for r in report
        },
        "rotations": {"count": state.secret_changes.count, "last": list(state.secret_changes.keys)},
    }
