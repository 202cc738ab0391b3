from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from family_safety.lib.config import Settings
from family_safety.server.app import create_app
from tests.helpers import CHEAP_HASHER, PASSWORD, birthdate_for_age, concurrent_app_client


@dataclass
class Person:
    """A registered, signed-in account and a client acting as it."""

    client: AsyncTestClient | httpx.AsyncClient
    account: dict[str, Any]
    tokens: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    async def sign_in(self) -> None:
        """Sign in again, e.g. after moving the clock past the access token's life."""
        credentials = {"handle": self.handle, "password": PASSWORD}
        response = await self.client.post("/v1/auth/token", json=credentials)
        assert response.status_code == 200, response.text
        self.tokens = response.json()
        self.headers = {"Authorization": f"Bearer {self.tokens['access_token']}"}

    @property
    def id(self) -> str:
        return self.account["id"]

    @property
    def handle(self) -> str:
        return self.account["handle"]

    async def get(self, path: str, **kwargs: Any):
        return await self.client.get(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    async def post(self, path: str, **kwargs: Any):
        return await self.client.post(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    async def put(self, path: str, **kwargs: Any):
        return await self.client.put(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    async def patch(self, path: str, **kwargs: Any):
        return await self.client.patch(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    async def request_delete(self, path: str, **kwargs: Any):
        """DELETE with a body (httpx's delete() takes none)."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request("DELETE", path, headers=headers, **kwargs)

    async def delete(self, path: str, **kwargs: Any):
        return await self.client.delete(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(settings, hasher=CHEAP_HASHER)) as test_client:
        yield test_client


@pytest.fixture
def concurrent_app(settings: Settings) -> Litestar:
    """The app ``concurrent_client`` serves (its components are the test's to look at)."""
    return create_app(settings, hasher=CHEAP_HASHER)


@pytest.fixture
async def concurrent_client(concurrent_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests really run at once (``asyncio.gather``): the app runs in the
    test's own event loop. (``AsyncTestClient`` runs each request to its end before it returns
    control, so requests gathered through it run one after another.)"""
    async with concurrent_app_client(concurrent_app) as live:
        yield live


@pytest.fixture
def register(client: AsyncTestClient):
    """Register and sign in an account of the given age: ``await register("sam", 14)``."""
    return registrar(client)


@pytest.fixture
def register_concurrent(concurrent_client: httpx.AsyncClient):
    """As ``register``, acting through ``concurrent_client``."""
    return registrar(concurrent_client)


def registrar(client: AsyncTestClient | httpx.AsyncClient):
    async def register_and_sign_in(handle: str, age: int, **extra: Any) -> Person:
        body = {
            "handle": handle,
            "password": PASSWORD,
            "birthdate": birthdate_for_age(age).isoformat(),
        }
        created = await client.post("/v1/accounts", json={**body, **extra})
        assert created.status_code == 201, created.text
        signed_in = await client.post(
            "/v1/auth/token", json={"handle": handle, "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        tokens = signed_in.json()
        return Person(
            client=client,
            account=created.json(),
            tokens=tokens,
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )

    return register_and_sign_in
