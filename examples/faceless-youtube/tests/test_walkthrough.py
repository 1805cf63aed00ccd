"""docs/guides/leases.md, run as written: every ``sh`` block between its
``walkthrough:start`` and ``walkthrough:end`` markers, in order, in one bash with
``set -euo pipefail``, in a copy of the whole application, against a PostgreSQL cluster of
the test's own (as the walkthrough's reader has one) and the OpenBao dev server the
walkthrough starts, as ``crates/secretary-cli/tests/it/runbook.rs`` follows the README.

The changes made to the text, each to run beside other tests: the dev server's port 8200,
the application's 8000 and PostgreSQL's 5432 become free ones, and ``change-me`` the
test cluster's password. The ``secretary`` command is ``SECRETARY_BIN`` (scripts/test
sets it to the installed build; scripts/test-python builds one when it is unset)."""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import APP, Postgres, free_port

DOC = APP.parents[1] / "docs" / "guides" / "leases.md"


def blocks() -> list[str]:
    """The ``sh`` blocks between the markers, in order."""
    text = DOC.read_text()
    start = text.index("<!-- walkthrough:start -->")
    end = text.index("<!-- walkthrough:end -->")
    found: list[str] = []
    current: list[str] | None = None
    for line in text[start:end].splitlines():
        if current is None and line == "```sh":
            current = []
        elif current is not None and line == "```":
            found.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, "an unclosed block in the walkthrough"
    return found


def secretary_bin() -> pathlib.Path:
    given = os.environ.get("SECRETARY_BIN")
    path = pathlib.Path(given) if given else APP.parents[1] / "target" / "debug" / "secretary"
    if not path.is_file():
        pytest.fail(
            f"no secretary command at {path}: set SECRETARY_BIN, or run scripts/test-python (which builds one)",
            pytrace=False,
        )
    return path


def test_the_leases_walkthrough_works_as_written():
    found = blocks()
    assert len(found) >= 8, found
    work = pathlib.Path(tempfile.mkdtemp(prefix="faceless-walkthrough-"))
    work.chmod(0o755)  # the `postgres` user enters it, when the tests run as root
    try:
        (work / "pg").mkdir()
        postgres = Postgres(work / "pg")
        try:
            said = run(found, work, postgres)
        finally:
            postgres.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # What the steps say they did.
    for wanted in (
        "PostgreSQL answers on 127.0.0.1:",
        "OpenBao is up at",
        "Success! Enabled the database secrets engine at: database/",
        "rotated secret_key",
        "ok: 14 secrets valid in environment `production`",
        "lease database/creds/faceless-youtube/",
        '{"database":"ok"}',
    ):
        assert wanted in said, f"no `{wanted}` in:\n{said}"
    # The step that watches: no query failed, and the users the application had, as
    # PostgreSQL listed them each second: the first; both, during the grace; the second.
    step = next(n for n, block in enumerate(found, start=1) if "a query failed" in block)
    watched = said[said.index(f"==> step {step}\n") : said.index(f"==> step {step + 1}\n")]
    assert "a query failed" not in watched, said
    lines = [line.split() for line in watched.splitlines() if line.startswith("v-")]
    assert len(lines) >= 3, said
    assert len(lines[0]) == 1 and len(lines[1]) == 2 and lines[1] == sorted(lines[0] + lines[2]), said
    # Stopped: none is left.
    assert said.rstrip().splitlines()[-1] == "0", said


def run(found: list[str], work: pathlib.Path, postgres: Postgres) -> str:
    """Runs the blocks in a copy of the application; returns what they printed."""
    app = work / "app"
    shutil.copytree(APP, app, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".venv", "*.orig"))
    (app / ".env").chmod(0o600)
    bao_port, app_port = free_port(), free_port()
    script = "set -euo pipefail\n# The dev server and the application are stopped with the script.\n"
    script += "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
    for n, block in enumerate(found, start=1):
        script += f"echo '==> step {n}'\n"
        script += (
            block.replace("127.0.0.1:8200", f"127.0.0.1:{bao_port}")
            .replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
            .replace("--port 8000", f"--port {app_port}")
            .replace("PGPORT=5432", f"PGPORT={postgres.port}")
            .replace("PGPASSWORD=change-me", f"PGPASSWORD={postgres.password}")
        )
    secretary = secretary_bin()
    env = {
        # `secretary` first; then this interpreter's scripts (uvicorn) and this
        # environment's PATH (bao, psql, curl).
        "PATH": os.pathsep.join([str(secretary.parent), str(pathlib.Path(sys.executable).parent), os.environ["PATH"]]),
        "HOME": str(work),
        "TMPDIR": str(work),
        "LANG": "C.UTF-8",
    }
    if "PYTHONPATH" in os.environ:  # a package not installed but on the path
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    # Bounded, and with the signals the steps send at their default dispositions
    # whatever this process inherited (nohup).
    done = subprocess.run(
        ["env", "--default-signal=HUP,INT,QUIT,TERM", "timeout", "--kill-after=10", "300", "bash", "-c", script],
        cwd=app, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=330,
    )
    said = done.stdout + done.stderr
    assert postgres.password not in said, "the superuser's password was printed"
    assert done.returncode == 0, f"the walkthrough failed ({done.returncode}):\n{said}\n{(app / 'uvicorn.log').read_text() if (app / 'uvicorn.log').exists() else ''}"
    return done.stdout
