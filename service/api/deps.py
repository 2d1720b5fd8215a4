"""Dependencies shared by the routes: the engine, and the API-key check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hakb.errors import Unauthorized
from hakb.service.engine import Engine
from hakb.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="One of the keys in HAKB_API_KEYS")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]  # app.state is untyped


def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]  # app.state is untyped


def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """With HAKB_API_KEYS set, /v1/* needs `Authorization: Bearer <key>`."""
    keys: list[str] = request.app.state.settings.api_key_list
    if not keys:
        return
    given = credentials.credentials if credentials else ""
    # Compare against every key in constant time, so timing tells nothing.
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(given.encode(), key.encode())
    if not ok:
        raise Unauthorized("missing or wrong API key: send Authorization: Bearer <key>")


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
