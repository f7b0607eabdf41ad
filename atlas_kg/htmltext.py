"""Raw page bytes → normalised text lines: encoding detection, Unicode clean-up, HTML → lines.

- Encodings: UTF-8 with or without BOM, UTF-16 with BOM, and pages saved as
  Windows-1252 / Latin-1 (a text that is not valid UTF-8 is read as Windows-1252, whose
  printable range is a superset of Latin-1's; bytes Windows-1252 leaves undefined are read
  as Latin-1). A warning says when the page was not UTF-8.
- Line ends: CRLF and CR become LF.
- Unicode: NFC; no-break spaces (U+00A0, U+202F, U+2007) become plain spaces; stray BOMs
  and NUL characters are removed. No other character is dropped.
- HTML (a saved page): rendered to text lines. Block elements (``p``, ``div``, ``h1``…,
  ``li``, ``br``...) end a line; inline text is joined with whitespace collapsed as a
  browser does; each table row becomes one line whose cells are joined with ``" | "``;
  ``script``, ``style`` and ``head`` are skipped.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from .errors import PageError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# C0 control bytes that never occur in a text page (tab, LF, FF, CR are allowed).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_SPACES = (("\u00a0", " "), ("\u202f", " "), ("\u2007", " "), ("\ufeff", ""), ("\x00", ""))
_CONTROL_CHARS = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")
_HTML_START = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|table|p|h[1-6]|span)\b",
    re.IGNORECASE | re.DOTALL,
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def decode(data: bytes, path: str | None = None) -> tuple[str, list[str]]:
    """Decode a page's bytes to normalised text (LF line ends, NFC, no NBSP).

    Raises ``PageError`` for an empty file or binary data. Returns the text and warnings.
    """
    warnings: list[str] = []
    if not data.strip():
        raise PageError(path, "empty file", expected="an Atlas partnership page (text or HTML)")
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
        if "\ufffd" in text and b"\xef\xbf\xbd" not in data:
            warnings.append("invalid UTF-8 bytes after the BOM were replaced by U+FFFD")
    elif data.startswith(_UTF16_BOMS):
        text = data.decode("utf-16", errors="replace")
    else:
        _reject_binary(data, path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text, used = _decode_legacy(data)
            warnings.append(f"not UTF-8: decoded as {used}")
    if not text.strip():
        raise PageError(path, "empty file", expected="an Atlas partnership page (text or HTML)")
    if "\x00" in text or _control_ratio(text) > 0.01:
        raise PageError(path, "binary data, not a text page", expected="a text or HTML page")
    return normalize(text), warnings


def _reject_binary(data: bytes, path: str | None) -> None:
    head = data[:8192]
    controls = len(head) - len(head.translate(None, delete=_CONTROL))
    if b"\x00" in head or controls > len(head) // 100:
        raise PageError(path, "binary data, not a text page", expected="a text or HTML page")


def _control_ratio(text: str) -> float:
    sample = text[:8192]
    return len(_CONTROL_CHARS.findall(sample)) / max(len(sample), 1)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        try:
            if codecs.lookup(name).name not in ("utf-8",):
                return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        # Bytes undefined in Windows-1252 (0x81, 0x8D...): the page is Latin-1.
        return data.decode("latin-1"), "Latin-1"


def normalize(text: str) -> str:
    """LF line ends, NFC, no-break spaces as spaces, no stray BOM or NUL."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        for char, replacement in _SPACES:
            if char in text:
                text = text.replace(char, replacement)
        text = unicodedata.normalize("NFC", text)
    elif "\x00" in text:
        text = text.replace("\x00", "")
    return text


def looks_like_html(text: str) -> bool:
    """True when the text is a saved HTML page rather than text."""
    return bool(_HTML_START.match(text[:4096]))


_BLOCK = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "caption", "center", "dd"),
        *("details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure"),
        *("footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr"),
        *("html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section"),
        *("summary", "table", "tbody", "tfoot", "thead", "ul", "label"),
    }
)
_SKIP = frozenset(
    {
        "script",
        "style",
        "head",
        "title",
        "noscript",
        "template",
        "select",
        "option",
        "button",
        "svg",
    }
)
_CELLS = ("td", "th")


_PARSER = None


def _html_parser():
    global _PARSER
    if _PARSER is None:
        import lxml.etree

        _PARSER = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    return _PARSER


def html_to_lines(text: str, path: str | None = None) -> list[str]:
    """Render a saved HTML page to text lines (blocks → lines, table cells → ``" | "``)."""
    import lxml.etree

    text = _XML_DECL.sub("", text, count=1)
    try:
        # The plain etree HTML parser: lxml.html's element classes cost a third of the time.
        root = lxml.etree.fromstring(text, _html_parser())
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise PageError(path, f"unreadable HTML ({exc})", expected="a saved HTML page") from None
    if root is None:
        raise PageError(path, "unreadable HTML (no document)", expected="a saved HTML page")
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            line = " ".join("".join(current).split())
            current.clear()
            if line:
                lines.append(line)

    def cell_text(cell) -> str:
        parts: list[str] = []
        for node in cell.iter():
            if node is not cell and isinstance(node.tag, str) and node.tag in _SKIP:
                continue
            if node.text and not (isinstance(node.tag, str) and node.tag in _SKIP):
                parts.append(node.text)
            if node is not cell and node.tail:
                parts.append(node.tail)
        return " ".join(" ".join(parts).split())

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag in _SKIP:
            pass  # comments, processing instructions, scripts: their tail still counts
        elif tag == "br":
            flush()
        elif tag == "tr":
            flush()
            cells = [cell_text(c) for c in el if isinstance(c.tag, str) and c.tag in _CELLS]
            if any(cells):
                lines.append(" | ".join(cells))
        else:
            block = tag in _BLOCK
            if block:
                flush()
            if el.text:
                current.append(el.text)
            for child in el:
                walk(child)
            if block:
                flush()
        if el.tail:
            current.append(el.tail)

    try:
        walk(root)
    except RecursionError:
        raise PageError(path, "HTML nested too deeply", expected="a saved HTML page") from None
    flush()
    return lines
