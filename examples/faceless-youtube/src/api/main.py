"""The API: secretary validates every secret when it starts, and it refuses to start
without the required ones (uvicorn prints the full report and exits non-zero).

    uvicorn src.api.main:app                    # from examples/faceless-youtube
    SECRETS_REFRESH_SECONDS=5 uvicorn src.api.main:app   # re-read every 5 s (rotation)

In production its PostgreSQL user comes with a lease (``secrets.toml``): renewed while
it runs, replaced before its max TTL (the pool moves to the new one), revoked when it
stops (``atexit``).
"""

import contextlib
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from secretary.fastapi import lifespan
from src.core.config import Settings, database_engine
from src.core.secrets import get_secret_manager


def refresh_interval() -> float | None:
    """``SECRETS_REFRESH_SECONDS`` (not a secret: how often to re-read them), or none."""
    text = os.environ.get("SECRETS_REFRESH_SECONDS", "").strip()
    return float(text) if text else None


@contextlib.asynccontextmanager
async def database(app: FastAPI) -> AsyncIterator[None]:
    """The database engine, made once the secrets are valid (it connects on first use),
    and disposed of at shutdown."""
    app.state.database = database_engine()
    try:
        yield
    finally:
        app.state.database.dispose()


app = FastAPI(
    title="faceless-youtube",
    lifespan=lifespan(
        manager=get_secret_manager, settings=Settings, refresh_interval=refresh_interval(), then=database
    ),
)


@app.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Whether the database answers a query, through the pool (``select 1``): 200, or
    503 with the kind of error (never its message, which may name the user)."""
    from sqlalchemy import text

    try:
        with request.app.state.database.connect() as connection:
            connection.execute(text("select 1")).scalar_one()
    except Exception as error:  # noqa: BLE001 - any failure is "not ready"
        return JSONResponse({"database": "unavailable", "error": type(error).__name__}, status_code=503)
    return JSONResponse({"database": "ok"})


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
