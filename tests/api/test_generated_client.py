"""A client generated from the live OpenAPI description works: list, read, tick and untick.

openapi-python-client (default settings) turns ``GET /api/v1/openapi.json`` into a Python
package; the test imports it and calls the API through it, in the process (WSGI).
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tracker.auth.services import create_token
from tracker.extensions import db


@pytest.fixture
def client_package(app, client, tmp_path: Path) -> Any:
    """Generate the client package from the app's own description and import it."""
    beside = Path(sys.executable).with_name("openapi-python-client")
    generator = str(beside) if beside.exists() else shutil.which("openapi-python-client")
    if generator is None:
        pytest.skip("openapi-python-client is not installed (the test extra installs it)")
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(client.get("/api/v1/openapi.json").get_json()))
    out = tmp_path / "generated"
    done = subprocess.run(
        [generator, "generate", "--path", str(spec), "--output-path", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # The generator says so when it could not describe an operation or a schema.
    assert "Warning" not in done.stdout, done.stdout
    # Every operation of the description has its module (named after its operationId).
    described = json.loads(spec.read_text())
    operations = {
        operation["operationId"]
        for item in described["paths"].values()
        for operation in item.values()
    }
    generated = {path.stem for path in (out / "tracker_api_client" / "api").rglob("*.py")}
    assert operations <= generated, sorted(operations - generated)
    sys.path.insert(0, str(out))
    names = [name for name in sys.modules if name.startswith("tracker_api_client")]
    for name in names:
        del sys.modules[name]
    try:
        yield importlib.import_module("tracker_api_client")
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name.startswith("tracker_api_client")]:
            del sys.modules[name]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_generated_client_lists_stores_and_tasks_and_ticks_one(
    app, client_package, make_user, make_store
):
    import httpx

    manager = make_user()
    store = make_store(actor=manager)
    _, token = create_token(manager, "generated client")
    db.session.commit()

    generated = client_package
    stores_api = importlib.import_module("tracker_api_client.api.stores.list_stores")
    tasks_api = importlib.import_module("tracker_api_client.api.tasks.list_tasks")
    complete_api = importlib.import_module("tracker_api_client.api.tasks.complete_task")
    reopen_api = importlib.import_module("tracker_api_client.api.tasks.reopen_task")

    api = generated.AuthenticatedClient(base_url="http://tracker.test", token=token)
    api.set_httpx_client(
        httpx.Client(
            base_url="http://tracker.test",
            transport=httpx.WSGITransport(app=app),
            headers={"Authorization": f"Bearer {token}"},
        )
    )

    stores = stores_api.sync(client=api)
    assert [s.name for s in stores] == [store.name]

    tasks = tasks_api.sync(store_id=store.id, client=api)
    free = next(t for t in tasks if t.status == "open")
    assert free.key and free.title

    done = complete_api.sync(task_id=free.id, client=api)
    assert (done.id, done.status) == (free.id, "done")
    again = reopen_api.sync(task_id=free.id, client=api)
    assert (again.id, again.status) == (free.id, "open")

    locked = next((t for t in tasks if t.status == "locked"), None)
    if locked is not None:
        refused = complete_api.sync_detailed(task_id=locked.id, client=api)
        assert refused.status_code == 409
        assert refused.parsed.error.code == "task_locked"
