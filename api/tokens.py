"""Personal API tokens (docs/API.md#authentication): made, shown once, stored as their SHA-256,
revoked, and looked up from a request's `Authorization` header."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from common.errors import DomainError

TOKEN_PREFIX = "ssa_"  # noqa: S105 - a marker that says what the string is, not a secret
# last_used_at is written at most this often per token: a busy program does not write a row on
# every request.
TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, read_only: bool) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the token itself (never stored, shown once)."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name, e.g. the program that uses it."),
                          field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=secret[:10],
                                    digest=digest(secret), read_only=read_only,
                                    created_at=timezone.now())
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_for(secret: str) -> ApiToken | None:
    """The active token `secret` names (with its user), or None; notes when it was used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(digest=digest(secret), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
