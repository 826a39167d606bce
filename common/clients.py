"""The client's address, in one place (docs/SECURITY.md#reverse-proxy-and-client-addresses): the
login lockout (django-axes, through AXES_CLIENT_IP_CALLABLE) and every rate limit read it here."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The address of the client that sent `request`.

    With no trusted proxy (SSA_TRUSTED_PROXY_COUNT=0, the default) it is the address that
    connected, REMOTE_ADDR: an X-Forwarded-For header is anyone's to write and is ignored.

    Behind N trusted reverse proxies, each appending the address it received the request from
    to X-Forwarded-For (nginx: `$proxy_add_x_forwarded_for`), the client is the N-th address
    from the right; whatever the client wrote to the left of it is ignored. A header with fewer
    addresses, or an entry that is not an address, means the request did not come through the
    proxies as configured: REMOTE_ADDR again (so such requests share the proxy's limits rather
    than choose their own).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.SSA_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies].strip()))
    except ValueError:
        return remote
