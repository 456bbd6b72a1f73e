"""reStructuredText clauses restated as CommonMark, so that one Markdown renderer shows both.

Only what charters use is translated: section titles, paragraphs, bullet and enumerated lists,
literal and code blocks, admonitions, footnotes, field lists (a PEP's header), line blocks and
the inline markup (``literal``, *emphasis*, **strong**, `links <url>`_, :roles:`x`). Plain text
is escaped so that nothing Markdown would read differently (``[``, ``_``, ``<``, a line starting
with ``-`` …) changes meaning. Comments, hyperlink targets and directives that show nothing
(``contents``, ``raw`` …) render as nothing, as docutils does.

The translation works on one block at a time, as the document splitter cut it
(:func:`charter_engine.text.document.split_document`), and leaves unknown characters alone,
which lets a redline pass its private markers through it.
"""

from __future__ import annotations

import re
import textwrap

from .document import CODE, HEADING, LIST, VERBATIM

_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1+[ \t]*$")
_DIRECTIVE = re.compile(r"^\.\.[ \t]+(?P<name>[\w:+.-]+)[ \t]*::(?:[ \t]+(?P<arg>.*))?$")
_TARGET = re.compile(r"^\.\.[ \t]+(?:_[^:]*|__):")
_FOOTNOTE = re.compile(r"^\.\.[ \t]+\[(?P<label>[^\]]+)\](?:[ \t]+(?P<text>.*))?$")
_SUBSTITUTION_DEF = re.compile(r"^\.\.[ \t]+\|[^|]+\|")
_FIELD = re.compile(r"^:?[A-Za-z][\w .-]*:(?:[ \t]|$)")
_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+\u2022])(?P<space>[ \t]+|$)")
_AUTO_ENUM = re.compile(r"^(?P<indent>[ \t]*)#(?P<end>[.)])(?P<space>[ \t]+|$)")
_ENUM = re.compile(r"^[ \t]*\d{1,9}[.)](?:[ \t]|$)")
_LINE_BLOCK = re.compile(r"^\|(?:[ \t]|$)")
_MARK = re.compile("\ufdd8[\ue000-\uf8ff]|[\ufdd0-\ufdef]")
_TABLE_START = re.compile(r"^[ \t]*(?:\+[-=+]+\+|=+(?:[ \t]+=+)+)[ \t]*$")

ADMONITIONS = {
    "note": "Note",
    "warning": "Warning",
    "tip": "Tip",
    "important": "Important",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "hint": "Hint",
    "seealso": "See also",
    "admonition": "",
}
# Directives whose output is not text a reader reads in place (or that must never pass through).
SILENT_DIRECTIVES = frozenset(
    {
        "contents",
        "sectnum",
        "toctree",
        "include",
        "raw",
        "meta",
        "index",
        "highlight",
        "default-role",
        "role",
        "class",
        "header",
        "footer",
        "target-notes",
        "only",
    }
)
CODE_ROLES = frozenset({"code", "literal", "file", "samp", "command", "program", "kbd", "envvar"})

_INLINE = re.compile(
    r"``(?P<lit>.+?)``"
    r"|:(?P<role>[\w.+-]+):`(?P<rtext>[^`]+)`"
    r"|`(?P<ltext>[^`<]*?)\s*<(?P<url>[^`<>]+)>`__?"
    r"|`(?P<ref>[^`]+)`__?"
    r"|`(?P<interp>[^`]+)`"
    r"|\*\*(?P<strong>[^*\s](?:[^*]*?[^*\s])?)\*\*"
    r"|\*(?P<em>[^*\s](?:[^*]*?[^*\s])?)\*"
    r"|\[(?P<fn>#?[\w-]*|\*)\]_"
    r"|\|(?P<sub>[^|\s](?:[^|]*[^|\s])?)\|_{0,2}"
    r"|(?P<word>[\w.-]*\w)_(?![\w])"
    r"|(?P<bare>(?:https?|mailto):[^\s<>`]*[^\s<>`.,;:!?)\]'\"])"
    r"|\\(?P<esc>.)",
    re.DOTALL,
)
# Characters Markdown gives a meaning to that reStructuredText's plain text does not.
_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&])")
# Line starts that would open a Markdown block: list items, headings, quotes, setext underlines,
# thematic breaks.
_BLOCK_START = re.compile(
    r"^[ \t]*(?:(?P<digits>\d{1,9})[.)](?:[ \t]|$)"
    r"|[-+*](?:[ \t]|$)|#{1,6}(?:[ \t]|$)|>|=+[ \t]*$|-+[ \t]*$|[*_]{3,}[ \t]*$)"
)
_TARGET_IN_ROLE = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)


def escape_markdown(text: str) -> str:
    """Plain text made literal for Markdown (inline positions)."""
    return _SPECIAL.sub(r"\\\1", text)


def _code_span(text: str) -> str:
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _link(text: str, url: str) -> str:
    url = url.strip().replace("\n", "").replace(" ", "%20")
    label = escape_markdown(text.strip()) if text.strip() else escape_markdown(url)
    return f"[{label}](<{url}>)"


def _role(role: str, text: str) -> str:
    target = _TARGET_IN_ROLE.match(text)
    shown = target.group("text") if target else text
    ref = target.group("target") if target else text
    name = role.lower().split(":")[-1]
    if name == "pep" and ref.strip().split("#")[0].isdigit():
        number = int(ref.strip().split("#")[0])
        return _link(
            shown if target else f"PEP {number}", f"https://peps.python.org/pep-{number:04d}/"
        )
    if name == "rfc" and ref.strip().split("#")[0].isdigit():
        number = int(ref.strip().split("#")[0])
        return _link(
            shown if target else f"RFC {number}", f"https://www.rfc-editor.org/rfc/rfc{number}"
        )
    if name in CODE_ROLES:
        return _code_span(shown)
    return escape_markdown(shown)


def _inline_piece(match: re.Match[str]) -> str:
    group = match.lastgroup
    value = match.group(group) if group else ""
    if group == "lit":
        return _code_span(value)
    if group == "rtext":
        return _role(match.group("role"), value)
    if group == "url":
        return _link(match.group("ltext"), value)
    if group in ("ref", "sub", "word"):
        return escape_markdown(value)
    if group == "bare":
        return _link(value, value)
    if group == "fn":
        return escape_markdown(f"[{value}]")
    if group in ("interp", "em"):  # `text` without a role is italic, as docutils shows it
        return f"*{escape_markdown(value)}*"
    if group == "strong":
        return f"**{escape_markdown(value)}**"
    if group == "esc":
        if value.isspace():
            return ""
        return "\\" + value if re.match(r"[!-/:-@\[-`{-~]", value) else value
    return escape_markdown(match.group(0))


def inline(text: str) -> str:
    """reStructuredText inline markup as Markdown inline markup; everything else literal."""
    out: list[str] = []
    at = 0
    for match in _INLINE.finditer(text):
        # An inline start-string must follow whitespace or punctuation (not a letter), as in RST.
        start = match.start()
        if start > 0 and text[start - 1].isalnum() and match.lastgroup not in ("word", "esc"):
            continue
        out.append(escape_markdown(text[at:start]))
        out.append(_inline_piece(match))
        at = match.end()
    out.append(escape_markdown(text[at:]))
    return "".join(out)


def _escape_line_starts(markdown: str) -> str:
    out = []
    for line in markdown.split("\n"):
        start = _BLOCK_START.match(line)
        if start:
            # A backslash escapes punctuation only: after "12" it goes before the "." instead.
            at = start.end("digits") if start.group("digits") else len(line) - len(line.lstrip())
            line = line[:at] + "\\" + line[at:]
        out.append(line)
    return "\n".join(out)


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _dedent(lines: list[str]) -> list[str]:
    return textwrap.dedent("\n".join(lines)).split("\n")


def _fenced(lines: list[str]) -> str:
    body = "\n".join(_dedent(lines)).strip("\n")
    runs = [len(m) for m in re.findall(r"`{3,}", body)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}\n{body}\n{fence}"


def _paragraph(lines: list[str]) -> str:
    """A paragraph (or a field list, a line block, a list) of plain RST lines."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        return ""
    if all(_LINE_BLOCK.match(_unmarked(line)) or line.startswith((" ", "\t")) for line in lines):
        return "\\\n".join(inline(re.sub(r"^\|[ \t]?", "", line)) for line in lines)
    if (
        len(lines) >= 2
        and _FIELD.match(_unmarked(lines[0]))
        and all(_FIELD.match(_unmarked(line)) or line[:1] in (" ", "\t") for line in lines)
    ):
        fields: list[list[str]] = []
        for line in lines:
            if _FIELD.match(_unmarked(line)):
                fields.append([line.lstrip(":")])
            else:
                fields[-1].append(line.strip())
        return "\\\n".join(inline(" ".join(parts)) for parts in fields)
    last = lines[-1].rstrip()
    if last.endswith("::"):
        stripped = last[:-2]
        lines[-1] = (
            stripped.rstrip() if stripped.endswith((" ", "\t")) or not stripped else stripped + ":"
        )
        if not lines[-1].strip():
            lines.pop()
    first = lines[0]
    prefix = ""
    bullet = _BULLET.match(first)
    auto = _AUTO_ENUM.match(first)
    number = re.match(r"[ \t]*(\d{1,9}[.)])(?:[ \t]+|$)", first)
    if bullet:
        prefix, lines[0] = "- ", first[bullet.end() :]
    elif auto:
        prefix, lines[0] = "1" + auto.group("end") + " ", first[auto.end() :]
    elif number:
        prefix, lines[0] = number.group(1) + " ", first[number.end() :]
    # No line may open a Markdown block (list, heading, quote) that RST did not mean.
    return prefix + _escape_line_starts(inline("\n".join(lines)))


def _items(lines: list[str]) -> str:
    """A list block: one Markdown list item per RST item, continuation lines kept with it."""
    items: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue
        if _BULLET.match(line) or _AUTO_ENUM.match(line) or _ENUM.match(line) or not items:
            items.append([line])
        else:
            items[-1].append(line)
    return "\n".join(_paragraph(item).replace("\n", "\n   ") for item in items)


def _body(lines: list[str]) -> str:
    """Paragraphs (split at blank lines) of a directive's body."""
    parts: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            parts.append(_items(current) if _BULLET.match(current[0]) else _paragraph(current))
            current = []
    return "\n\n".join(p for p in parts if p)


def _verbatim(lines: list[str]) -> str:
    content = [line for line in lines if line.strip()]
    if not content:
        return ""
    first = content[0]
    if first.startswith(".."):
        directive = _DIRECTIVE.match(first)
        if directive:
            name = directive.group("name").lower()
            arg = directive.group("arg") or ""
            body = _dedent(lines[1:])
            if name in SILENT_DIRECTIVES:
                return ""
            if name in ADMONITIONS:
                title = ADMONITIONS[name]
                if title:
                    text = _body([arg, *body]) if arg else _body(body)
                else:  # a generic admonition: its argument is the title
                    title, text = arg, _body(body)
                text = f"**{escape_markdown(title)}:** {text}"
                return "\n".join("> " + line if line else ">" for line in text.split("\n"))
            if name in ("image", "figure"):
                caption = _body(body[1:] if body and body[0].strip().startswith(":") else body)
                link = _link("Image", arg) if arg else ""
                return "\n\n".join(p for p in (link, caption) if p)
            return _body([line for line in [arg, *body] if not line.strip().startswith(":")])
        footnote = _FOOTNOTE.match(first)
        if footnote:
            label = footnote.group("label")
            text = _body([footnote.group("text") or "", *_dedent(lines[1:])])
            return escape_markdown(f"[{label}]") + " " + text
        if _TARGET.match(first) or _SUBSTITUTION_DEF.match(first):
            return ""
        return ""  # a comment
    if _TABLE_START.match(first):
        return _fenced(lines)
    if len(content) == 1 and _ADORNMENT.match(first.strip()) and len(first.strip()) >= 4:
        return "***"  # a transition
    if _LINE_BLOCK.match(_unmarked(first)):
        return _paragraph(lines)
    return _body(lines)


def _heading(lines: list[str], level: int) -> str:
    title = " ".join(
        line.strip() for line in lines if line.strip() and not _ADORNMENT.match(_plain(line))
    )
    return "#" * max(1, min(level, 6)) + " " + inline(title)


def _unmarked(line: str) -> str:
    """A line without the marks a redline or blame may have put in it (Unicode noncharacters,
    and the private-use character naming a blame span)."""
    return _MARK.sub("", line)


def _plain(line: str) -> str:
    return _unmarked(line).strip()


def to_markdown(text: str, kind: str, level: int = 0) -> str:
    """One RST block (its exact source) as Markdown, for the renderer."""
    lines = _lines(text)
    if kind == HEADING:
        return _heading(lines, level)
    if kind == CODE:
        if lines and lines[0].startswith(".."):
            lines = lines[1:]
            while lines and lines[0].strip().startswith(":"):
                lines = lines[1:]
        return _fenced(lines)
    if kind == VERBATIM:
        return _verbatim(lines)
    lines = _dedent(lines)
    if kind == LIST:
        return _items(lines)
    return _body(lines)
