"""The one place that keeps secrets out of what supatasks prints, logs and writes."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MASK = "****"
_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so `redact` removes it from any text shown to a person."""
    if value and len(value) >= 3:
        _known.add(value)
        from urllib.parse import quote
        _known.add(quote(value, safe=""))


def redact(text: str) -> str:
    for secret in sorted(_known, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def mask_url(url: str) -> str:
    """`url` with any password replaced by ****."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if parts.password is None:
        return redact(url)
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0]
    return redact(urlunsplit(parts._replace(netloc=f"{userinfo}:{MASK}@{netloc[1]}")))
