"""
The Angular client's generated code matches the schema (issue 18): `clients/angular/openapi.json` is what
the API serves, and `clients/angular/src/app/api/` is what ng-openapi-gen makes of it, with no warning
from ng-openapi-gen or openapi-typescript and no `$Json`/`$Form` variants. A change to the API that
was not followed by `make angular-client` fails here with the files that differ.

Needs the client's node_modules (`npm ci`, run by `make test-e2e`); marked e2e with the browser tests.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

CLIENT = ROOT / "clients" / "angular"
# The schema as `make angular-client` writes it: the development server's URL in `servers`.
SCHEMA_ENV = {"DEBUG": "1", "PORT": "8000", "LOGDASH_PUBLIC_URL": ""}


def _run(command: list[str], cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                            timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{output[-4000:]}"
    return output


def _differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right)
    found = [f"only in {left.name}: {name}" for name in comparison.left_only]
    found += [f"only in the committed client: {name}" for name in comparison.right_only]
    found += [f"differs: {name}" for name in comparison.diff_files]
    for name in comparison.common_dirs:
        found += [f"{name}/{item}" for item in _differences(left / name, right / name)]
    return found


@pytest.fixture(scope="module")
def npx() -> str:
    if not (CLIENT / "node_modules" / ".bin" / "ng-openapi-gen").exists():
        pytest.fail("The client's node_modules are missing: run `make test-e2e` (it runs `npm ci` in clients/angular).")
    return "npx"


def test_the_committed_schema_is_what_the_api_serves(tmp_path):
    fresh = tmp_path / "openapi.json"
    _run([sys.executable, "manage.py", "spectacular", "--format", "openapi-json", "--file", str(fresh),
          "--validate", "--fail-on-warn"], ROOT, SCHEMA_ENV)
    assert fresh.read_text() == (CLIENT / "openapi.json").read_text(), (
        "clients/angular/openapi.json is not the current schema: run `make angular-client` and commit the result.")


def test_the_committed_client_is_what_ng_openapi_gen_makes_of_the_schema(npx, tmp_path):
    output = _run([npx, "ng-openapi-gen", "--config", "ng-openapi-gen.json", "--output", str(tmp_path / "api")],
                  CLIENT)
    assert "warn" not in output.lower(), output
    differences = _differences(tmp_path / "api", CLIENT / "src" / "app" / "api")
    assert not differences, ("The generated client differs from the committed one: run `make angular-client`.\n"
                             + "\n".join(differences))
    methods = "\n".join(path.read_text() for path in (tmp_path / "api" / "services").glob("*.ts"))
    assert "$Json" not in methods and "$Form" not in methods


def test_openapi_typescript_reads_the_schema_without_a_warning(npx, tmp_path):
    output = _run([npx, "openapi-typescript", "openapi.json", "--output", str(tmp_path / "api.d.ts")], CLIENT)
    assert "warn" not in output.lower() and "⚠" not in output, output
    assert "searchLogs" in (tmp_path / "api.d.ts").read_text()
