"""Server-side HTML of :class:`~auth0_async.testing.MockAuth0`: every value is escaped, no script."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._mock_users import MockUser

__all__ = ["error_page", "logged_out_page", "login_page"]

_STYLE = """
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; }
main { width: min(26rem, 92vw); padding: 2rem; border: 1px solid GrayText; border-radius: 12px; }
h1 { font-size: 1.35rem; margin: 0 0 .25rem; }
p { margin: .25rem 0 1rem; }
.note { font-size: .9rem; color: GrayText; }
fieldset { border: 0; margin: 0; padding: 0; display: grid; gap: .6rem; }
legend { font-weight: 600; margin-bottom: .6rem; }
button { font: inherit; text-align: left; cursor: pointer; padding: .7rem .9rem;
  border: 1px solid GrayText; border-radius: 8px; background: transparent; color: CanvasText; }
button:hover { background: color-mix(in srgb, CanvasText 8%, transparent); }
button:focus-visible { outline: 3px solid Highlight; outline-offset: 2px; }
.user { display: flex; gap: .75rem; align-items: center; width: 100%; }
.avatar { flex: none; width: 2.25rem; height: 2.25rem; border-radius: 50%; display: grid;
  place-items: center; font-weight: 700; color: white; background: #4b5563; }
.who { display: grid; }
.email { font-size: .9rem; color: GrayText; }
.cancel { width: 100%; margin-top: 1rem; text-align: center; border-style: dashed; }
code { overflow-wrap: anywhere; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def login_page(
    *,
    action: str,
    request_id: str,
    users: Sequence[MockUser],
    client_id: str,
    redirect_uri: str,
    scope: str,
    issuer: str,
) -> str:
    """Return the login page: one submit button per test user, and a cancel button."""
    buttons = []
    for user in users:
        initial = escape((user.name.strip() or user.sub)[:1].upper())
        buttons.append(
            f'<button type="submit" name="user" value="{escape(user.sub)}">'
            '<span class="user">'
            f'<span class="avatar" aria-hidden="true">{initial}</span>'
            '<span class="who">'
            f'<span class="name">{escape(user.name)}</span>'
            f'<span class="email">{escape(user.email)}</span>'
            "</span></span></button>"
        )
    body = (
        "<h1>Log in</h1>\n"
        f"<p>to continue to <strong>{escape(_origin(redirect_uri))}</strong>"
        f" (<code>{escape(client_id)}</code>)</p>\n"
        f'<p class="note">Development tenant <code>{escape(issuer)}</code>: '
        "pick a test user, no password needed. "
        f"Requested scope: <code>{escape(scope)}</code>.</p>\n"
        f'<form method="post" action="{escape(action)}">\n'
        f'<input type="hidden" name="request" value="{escape(request_id)}">\n'
        "<fieldset>\n<legend>Choose a test user</legend>\n" + "\n".join(buttons) + "\n</fieldset>\n"
        '<button class="cancel" type="submit" name="cancel" value="1">'
        "Cancel and return to the application</button>\n"
        "</form>"
    )
    return _page("Log in - MockAuth0", body)


def error_page(title: str, message: str) -> str:
    """Return a page explaining an error that cannot be sent back to the application."""
    return _page(
        f"{title} - MockAuth0",
        f'<h1>{escape(title)}</h1>\n<p role="alert">{escape(message)}</p>',
    )


def logged_out_page() -> str:
    """Return the page shown after a logout with no return URL."""
    return _page(
        "Logged out - MockAuth0",
        "<h1>You are logged out</h1>\n<p>Your session at the development tenant has ended. "
        "You can close this window.</p>",
    )
