"""The apps' own authentication (AuthMode CLIENT_ID): the headers client_id and client_secret, checked
before anything else runs, as an API Gateway authorizer would (docs/migration.md says why it is not one)."""

from collections.abc import Mapping

from session_scheduling.api_clients import read_allowed_clients
from session_scheduling.settings import ServiceSettings

UNAUTHORIZED = (
    "Missing or invalid client credentials: send the client_id and client_secret headers of an allowed client."
)


class ClientRefused(Exception):
    """No allowed client_id/client_secret pair; which half was wrong is not said."""


def authenticated_client(headers: Mapping[str, str] | None, settings: ServiceSettings) -> str | None:
    """The calling client's id, or None when this deployment leaves the check to API Gateway (API key, IAM).

    Raises ClientRefused for a missing or wrong pair, ClientCheckUnavailable when the allowed clients
    cannot be read.
    """
    if settings.api_clients_secret_id is None:
        return None
    given = {name.lower(): value for name, value in (headers or {}).items()}
    allowed = read_allowed_clients(settings.api_clients_secret_id, settings.secret_max_age_seconds)
    client = allowed.identify(given.get("client_id"), given.get("client_secret"))
    if client is None:
        raise ClientRefused
    return client
