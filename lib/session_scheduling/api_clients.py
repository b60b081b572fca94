"""Which apps may call the API: the existing API's client-ID enforcement, kept so the apps change nothing.

Every request carries the headers ``client_id`` and ``client_secret``. The allowed pairs live in one
Secrets Manager secret (never in the template, the environment or the logs):

    {"clients": {"coach-app": ["<secret>"], "coach-app-ios": ["<old secret>", "<new secret>"]}}

A client may have two secrets at once, so that a secret is rotated without downtime: add the new
one, ship it to the app, then remove the old one.
"""

import hmac
import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, ValidationError

from session_scheduling.errors import ClientCheckUnavailable
from session_scheduling.secrets_manager import SecretUnavailable, read_secret_text

ClientName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
# Compared against when the client_id is unknown, so that an unknown id takes as long as a wrong secret.
_NO_SECRET = SecretStr("\x00" * 32)


class AllowedClients(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    clients: dict[ClientName, Annotated[list[SecretStr], Field(min_length=1, max_length=2)]]

    def identify(self, client_id: str | None, client_secret: str | None) -> str | None:
        """The client's id when the pair is allowed, else None; the secret is compared in constant time."""
        if not client_id or client_secret is None:
            return None
        secrets = self.clients.get(client_id) or [_NO_SECRET]
        given = client_secret.encode()
        matches = [hmac.compare_digest(given, secret.get_secret_value().encode()) for secret in secrets]
        return client_id if client_id in self.clients and any(matches) else None


def parse_allowed_clients(raw: str | bytes | dict[str, Any] | None) -> AllowedClients:
    """Problems name keys, never values (the values are the apps' credentials)."""
    try:
        document = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
        return AllowedClients.model_validate(document)
    except json.JSONDecodeError:
        raise ClientCheckUnavailable("the allowed-clients secret is not JSON") from None
    except ValidationError as invalid:
        where = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'secret'}: {error['msg']}"
            for error in invalid.errors(include_input=False, include_url=False)
        )
        raise ClientCheckUnavailable(f"the allowed-clients secret is malformed ({where})") from None


def read_allowed_clients(secret_id: str, max_age_seconds: int) -> AllowedClients:
    try:
        raw = read_secret_text(secret_id, max_age_seconds)
    except SecretUnavailable as unavailable:
        raise ClientCheckUnavailable(f"could not read the allowed-clients secret ({unavailable.code})") from None
    return parse_allowed_clients(raw)
