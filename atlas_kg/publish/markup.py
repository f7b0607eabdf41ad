"""HTML escaping by construction: every value put into markup is escaped unless it is markup.

``html(template, *values)`` fills a ``str.format`` template written in the code, escaping
each value; ``Markup`` marks text that is already safe HTML (the output of ``html`` or
``join``). Data never reaches a page through ``+`` or an f-string, so forgetting to escape
is not possible: a plain ``str`` is always escaped.

>>> html("<p>{}</p>", "<script>alert(1)</script>")
Markup('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>')
>>> html("<a href='{href}'>{}</a>", html("<b>{}</b>", "x & y"), href="/doc?a=1&b='2'")
Markup("<a href='/doc?a=1&amp;b=&#x27;2&#x27;'><b>x &amp; y</b></a>")
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable
from typing import Any

__all__ = ["Markup", "escape", "html", "join"]


class Markup(str):
    """A string of HTML that is safe to insert as it is."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Markup({str.__repr__(self)})"

    def __add__(self, other: object) -> Markup:
        return Markup(str.__add__(self, escape(other)))


def escape(value: Any) -> Markup:
    """The value as HTML text: markup as it is, anything else escaped (quotes included)."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(_html.escape(str(value), quote=True))


def html(template: str, *args: Any, **kwargs: Any) -> Markup:
    """Fill a template written in the code; every argument is escaped unless it is Markup."""
    return Markup(
        template.format(*(escape(a) for a in args), **{k: escape(v) for k, v in kwargs.items()})
    )


def join(parts: Iterable[Any], separator: str = "") -> Markup:
    """Concatenate fragments (plain strings among them are escaped)."""
    return Markup(escape(separator).join(escape(p) for p in parts))
