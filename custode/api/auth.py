"""Bearer-token authentication: no token is 401, a read-only token writing is 403, a token limited to one
customer reaching beyond it is 403 (``custode.api.scope``)."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from custode.accounts.services import token_authenticate
from custode.api.scope import check_route

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ReadOnlyToken(Exception):
    pass


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = token_authenticate(token)
        if found is not None and request.method not in SAFE_METHODS and not found.can_write:
            raise ReadOnlyToken
        check_route(request, found)
        return found
