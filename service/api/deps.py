"""Dependencies shared by the routes: the engine, the API-key check and the admin-key check."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hakb.errors import Forbidden, Unauthorized
from hakb.service.engine import Engine
from hakb.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="One of the keys in HAKB_API_KEYS")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]  # app.state is untyped


def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]  # app.state is untyped


def matching_key(given: str, keys: list[str]) -> str | None:
    """The key `given` equals, compared with every key in constant time (timing tells nothing)."""
    found = None
    for key in keys:
        if hmac.compare_digest(given.encode(), key.encode()):
            found = key
    return found


def key_id(key: str) -> str:
    """Who a key is, for the records, without the key: `key:` and 8 hex digits of its hash."""
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:8]


def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """With HAKB_API_KEYS set, /v1/* needs `Authorization: Bearer <key>` (an admin key
    from HAKB_ADMIN_KEYS does too). Which key it was is kept on `request.state.caller`."""
    settings: Settings = request.app.state.settings
    keys = settings.api_key_list
    request.state.caller = None
    if not keys:
        return
    given = credentials.credentials if credentials else ""
    key = matching_key(given, keys + settings.admin_key_list)
    if key is None:
        raise Unauthorized("missing or wrong API key: send Authorization: Bearer <key>")
    request.state.caller = key_id(key)


def require_admin_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Reading votes needs one of HAKB_ADMIN_KEYS, whatever HAKB_API_KEYS says."""
    settings: Settings = request.app.state.settings
    admin = settings.admin_key_list
    if not admin:
        raise Forbidden("reading feedback is turned off: the server has no HAKB_ADMIN_KEYS")
    given = credentials.credentials if credentials else ""
    if matching_key(given, admin) is None:
        if matching_key(given, settings.api_key_list) is not None:
            raise Forbidden("this key may not read feedback: send one of HAKB_ADMIN_KEYS")
        raise Unauthorized("missing or wrong admin key: send Authorization: Bearer <admin key>")


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
