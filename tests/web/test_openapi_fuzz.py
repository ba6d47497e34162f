"""Property-based tests over the whole OpenAPI document (schemathesis), on both databases.

Every operation gets generated requests, valid and invalid, from a Tocsin of its own (its
own database, so nothing another test relies on is changed) with an admin token of its own.
Each answer must be no server error, and its status, content type and body must be ones the
document gives for that operation. The fuzzer may revoke any token but its own: a request to
revoke it is pointed at a decoy token instead. It resolves no host names either: the app's
URL checks see every name as unknown, so no DNS query leaves the machine.
"""

from __future__ import annotations

import ipaddress
import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from pydantic import TypeAdapter, ValidationError
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from tests.conftest import BACKENDS, Api, serving, settings_for, throwaway_postgres
from tocsin.access import service as access_service
from tocsin.access.schemas import TokenCreated
from tocsin.core.roles import AccessRole
from tocsin.db import Database
from tocsin.schema import migrate

# Generated cases per operation and phase; the whole run stays within minutes on 2 cores.
MAX_EXAMPLES = 25
pytestmark = pytest.mark.xdist_group("openapi-fuzz")  # the last test reads the fuzz's counts
SEED = 20261201  # a fixed seed: CI runs the same cases every time
REVOKE = "DELETE /api/v1/tokens/{token_id}"


@dataclass
class Target:
    backend: str
    server: Api
    token: str
    token_id: int
    decoy_id: int
    statuses: Counter[int] = field(default_factory=Counter)
    redirected: int = 0  # requests to revoke the fuzzer's own token, sent to the decoy


def _loopback_only(real: Any) -> Any:
    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        try:
            literal = name is None or bool(ipaddress.ip_address(name))
        except ValueError:
            literal = name == "localhost"
        if not literal:
            raise socket.gaierror(socket.EAI_NONAME, "the fuzz test resolves no host names")
        return real(host, *args, **kwargs)

    return getaddrinfo


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    backend: str = request.param
    with ExitStack() as stack:
        if backend == "postgresql":
            url = stack.enter_context(throwaway_postgres())
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'tocsin.db'}"
        settings = settings_for(url, tmp_path_factory.mktemp("fuzz-keys"))
        db = Database(settings.database_url)
        stack.callback(db.dispose)
        migrate(db)
        server = stack.enter_context(serving(settings, db))
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setattr(socket, "getaddrinfo", _loopback_only(socket.getaddrinfo))

        def token(name: str) -> TokenCreated:
            return access_service.create_token(
                server.db, name=name, role=AccessRole.ADMIN, created_by="fuzz"
            )

        own, decoy = token("fuzzer"), token("decoy")
        target = Target(backend, server, own.token, own.id, decoy.id)
        yield target
        plugins = request.config.pluginmanager
        reporter, capture = (
            plugins.get_plugin("terminalreporter"),
            plugins.get_plugin("capturemanager"),
        )
        if reporter is not None and capture is not None:
            total = sum(target.statuses.values())
            counts = ", ".join(f"{s}: {n}" for s, n in sorted(target.statuses.items()))
            with capture.global_and_fixture_disabled():
                reporter.write_line(
                    f"\nopenapi fuzz on {backend}: {total} requests ({counts}); "
                    f"{target.redirected} self-revocations sent to the decoy"
                )


def config_for(target: Target) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["all"],
            "base-url": target.server.url,
            "headers": {"Authorization": f"Bearer {target.token}"},
            "request-timeout": 30,
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                "not_a_server_error": {"enabled": True},
                "status_code_conformance": {"enabled": True},
                "content_type_conformance": {"enabled": True},
                "response_schema_conformance": {"enabled": True},
            },
        }
    )


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_target: Target) -> BaseSchema:
    url = f"{fuzz_target.server.url}/openapi.json"
    return schemathesis.openapi.from_url(url, config=config_for(fuzz_target))


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """Schemathesis (4.32) names each operation's subtest through ``node._nodeid``, which
    pytest 9.2 no longer has: give it one to rename."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def _is_own_token(case: Case, target: Target) -> bool:
    value = (case.path_parameters or {}).get("token_id")
    try:
        return TypeAdapter(int).validate_python(str(value)) == target.token_id
    except ValidationError:
        return False


@schema.parametrize()
def test_every_operation_answers_as_documented(case: Case, fuzz_target: Target) -> None:
    if case.operation.label == REVOKE and _is_own_token(case, fuzz_target):
        case.path_parameters = {**(case.path_parameters or {}), "token_id": fuzz_target.decoy_id}
        fuzz_target.redirected += 1
    response = case.call()
    fuzz_target.statuses[response.status_code] += 1
    case.validate_response(response)


def test_the_fuzzer_kept_its_token(fuzz_target: Target) -> None:
    assert fuzz_target.statuses, "the fuzz test ran no request"
    headers = {"Authorization": f"Bearer {fuzz_target.token}"}
    with httpx.Client(base_url=fuzz_target.server.url, headers=headers) as client:
        assert client.get("/api/v1/tokens").status_code == 200
