"""Cross-site scripting sweep: known payloads in every user-text field, rendered in Chromium.

* :data:`PAYLOADS` — over 200 known payloads: script tags, event handlers, ``javascript:`` and
  ``data:`` URLs, SVG, attribute breakouts, Markdown link tricks, polyglots and mutation tricks.
  Each runs ``alert(1)`` if it ever executes.
* :func:`seed` — puts payloads, one per set of objects, into every text a user writes: the
  charter's title, headings and clauses, amendment titles, rationales and proposed text, comments,
  ballot titles (and so ballot options), names, organisations, roles, areas and biographies,
  release notes and the names of API tokens; all through the operations. Returns the pages that
  show them.
* :func:`sweep` — loads each page in a browser page that records every dialog (``alert``,
  ``confirm``, ``prompt``), every Content-Security-Policy violation, and markup that could run
  script (``on*`` attributes, ``javascript:``/``data:text/html`` links, frames, objects, inline
  scripts) found in the DOM after load.

``tests/browser/test_xss.py`` runs a subset in the suite; ``bench/xss_sweep.py`` runs them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

RUN = "alert(1)"


def _script_tags() -> list[str]:
    return [
        f"<script>{RUN}</script>",
        f"<SCRIPT>{RUN}</SCRIPT>",
        "<script src=//xss.test/x.js></script>",
        f"<script/src=data:,{RUN}></script>",
        f"<scr<script>ipt>{RUN}</scr</script>ipt>",
        "<script>alert`1`</script>",
        f"</textarea><script>{RUN}</script>",
        f"</title><script>{RUN}</script>",
        f"</style><script>{RUN}</script>",
        f"<!--<script>-->{RUN}<!--</script>-->",
        f"<script type=module>{RUN}</script>",
        f"<svg><script>{RUN}</script></svg>",
        f"<math><mtext><script>{RUN}</script></mtext></math>",
        f'<noscript><p title="</noscript><script>{RUN}</script>">',
        f"<template><script>{RUN}</script></template>",
        f'"><script>{RUN}</script>',
        f"'><script>{RUN}</script>",
        "<script>eval(atob('YWxlcnQoMSk='))</script>",
        f'<iframe srcdoc="<script>{RUN}</script>"></iframe>',
        f'<object data="data:text/html,<script>{RUN}</script>"></object>',
        f'<embed src="data:text/html,<script>{RUN}</script>">',
        f"<script>\n{RUN}\n</script>",
        f"<<script>script>{RUN}<</script>/script>",
        f"<script x>{RUN}</script x>",
    ]


# Elements that fire an event on their own when loaded, focused or shown.
_HANDLER_TEMPLATES = [
    "<img src=x {on}error={run}>",
    "<img src=x:x {on}error={run}>",
    "<image src=x {on}error={run}>",
    "<svg {on}load={run}>",
    "<body {on}load={run}>",
    "<iframe {on}load={run}></iframe>",
    "<details open {on}toggle={run}>",
    "<video><source {on}error={run}></video>",
    "<audio src=x {on}error={run}>",
    "<input autofocus {on}focus={run}>",
    "<select autofocus {on}focus={run}></select>",
    "<textarea autofocus {on}focus={run}></textarea>",
    "<keygen autofocus {on}focus={run}>",
    "<marquee {on}start={run}>x</marquee>",
    "<object data=x {on}error={run}></object>",
    "<style {on}load={run}></style>",
    "<link rel=stylesheet href=x {on}error={run}>",
    "<div tabindex=1 autofocus {on}focus={run}>x</div>",
    "<a id=x tabindex=1 {on}focusin={run}>x</a>",
    "<input type=image src=x {on}error={run}>",
    "<body {on}pageshow={run}>",
    "<svg><animate {on}begin={run} attributeName=x dur=1s>",
    "<form><button formaction=x {on}focus={run} autofocus>x</button></form>",
    "<img src=x {on}error='{run}'>",
    '<img src=x {on}error="{run}">',
]


def _event_handlers() -> list[str]:
    found = []
    for template in _HANDLER_TEMPLATES:
        found.append(template.format(on="on", run=RUN))
        found.append(
            re.sub(r"<(\w+)", lambda m: "<" + m[1].upper(), template.format(on="oN", run=RUN))
        )
        found.append(template.format(on="on", run=RUN).replace(" ", "/", 1))
    return found


_DANGEROUS_URLS = [
    f"javascript:{RUN}",
    f"JaVaScRiPt:{RUN}",
    f"&#106;avascript:{RUN}",
    f"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:{RUN}",
    f"jav&#x09;ascript:{RUN}",
    f"javascript&colon;{RUN}",
    f" javascript:{RUN}",
    f"javascript://%0a{RUN}",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    f"data:text/html,<script>{RUN}</script>",
]


def _urls() -> list[str]:
    found = []
    for url in _DANGEROUS_URLS:
        found += [
            f'<a href="{url}">click</a>',
            f'<iframe src="{url}"></iframe>',
            f'<form action="{url}"><button>go</button></form>',
            f"[click]({url})",
            f"![image]({url})",
            f"[click][ref]\n\n[ref]: {url}",
        ]
    found += [
        f'<math><maction actiontype="statusline" xlink:href="javascript:{RUN}">x</maction></math>',
        f'<svg><a xlink:href="javascript:{RUN}"><text x="20" y="20">x</text></a></svg>',
        f'<base href="javascript:{RUN}//">',
        f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
        f'<button formaction="javascript:{RUN}">x</button>',
        f'<object data="javascript:{RUN}"></object>',
        f'<embed src="javascript:{RUN}">',
        f"<javascript:{RUN}>",
    ]
    return found


def _svg() -> list[str]:
    return [
        f"<svg/onload={RUN}>",
        f"<svg onload={RUN}//",
        f"<svg><set attributeName=onmouseover to={RUN}>",
        f"<svg><animate attributeName=href values=javascript:{RUN} /><a><text>x</text></a></svg>",
        f'<svg><use href="data:image/svg+xml,<svg id=x xmlns=%22http://www.w3.org/2000/svg%22>'
        f'<image href=1 onerror={RUN} /></svg>#x"></use></svg>',
        f'<svg><foreignObject><iframe srcdoc="<script>{RUN}</script>"></iframe>'
        "</foreignObject></svg>",
        f"<svg><desc><![CDATA[</desc><script>{RUN}</script>]]></svg>",
        f"<svg><title><img src=x onerror={RUN}></title></svg>",
        f"<svg><style><img src=x onerror={RUN}></style></svg>",
        f'<svg><image href="x" onerror="{RUN}"/></svg>',
        f"<svg><handler xmlns:ev=http://www.w3.org/2001/xml-events ev:event=load>{RUN}</handler>",
        f"<svg><discard onbegin={RUN}>",
    ]


def _breakouts() -> list[str]:
    return [
        f'" onmouseover="{RUN}',
        f"' onfocus='{RUN}' autofocus='",
        f'" autofocus onfocus="{RUN}',
        f'"><img src=x onerror={RUN}>',
        f"'><img src=x onerror={RUN}>",
        f"`><img src=x onerror={RUN}>",
        f'" style="x:expression({RUN})',
        f'javascript:{RUN}//" onclick="{RUN}',
        f"</option></select><img src=x onerror={RUN}>",
        f"</a><img src=x onerror={RUN}>",
        f'\\"><script>{RUN}</script>',
        f'"}};{RUN};//',
        f"';{RUN};//",
        f"</script><script>{RUN}</script>",
        "{{constructor.constructor('alert(1)')()}}",
        "${alert(1)}",
        "{{7*7}}{% raw %}{{7*7}}{% endraw %}",
        f"<!--><img src=x onerror={RUN}>-->",
        f"<![CDATA[><img src=x onerror={RUN}>]]>",
        f'<img """><script>{RUN}</script>">',
        f"<div style=\"background:url('javascript:{RUN}')\">x</div>",
        f"<x contenteditable onblur={RUN}>x</x>",
    ]


def _markdown() -> list[str]:
    return [
        f"[a](javascript:{RUN})",
        "[a](javascript:alert%281%29)",
        f"[a](JAVASCRIPT:{RUN})",
        f"[a](  javascript:{RUN})",
        f"[a](<javascript:{RUN}>)",
        f"[a](javascript:window.onerror={RUN};throw%201)",
        f'![a](x"onerror="{RUN})',
        f'[a](x" onmouseover="{RUN})',
        f'[a](#"onclick="{RUN})',
        f"[<img src=x onerror={RUN}>](https://example.org)",
        f"`<img src=x onerror={RUN}>`",
        f'<http://example.org/"onmouseover="{RUN}>',
        f"***[a](javascript:{RUN})***",
        f"<div onclick={RUN}>x</div>",
        f"<details open ontoggle={RUN}>x</details>",
        f"> <img src=x onerror={RUN}>",
        f"* <img src=x onerror={RUN}>",
        f"```\n</code><img src=x onerror={RUN}>\n```",
        f"    <script>{RUN}</script>",
        f"[a]: javascript:{RUN}\n\n[a]",
        f'![a](https://example.org/x.png "title" onerror={RUN})',
        "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        f"[a](\\javascript:{RUN})",
        f"[a](java%0ascript:{RUN})",
        f"[a](javascript&#58;{RUN})",
        f"_<img src=x onerror={RUN}>_",
        f"<https://example.org/<img src=x onerror={RUN}>>",
        f"[a](https://example.org/'onmouseover='{RUN})",
    ]


def _polyglots() -> list[str]:
    return [
        "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert(1) )//%0D%0A%0d%0a//</stYle/"
        "</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert(1)//>\\x3e",
        f"'\"--></style></script><script>{RUN}</script>",
        f"<noscript><img src=x onerror={RUN}></noscript>",
        f"<form><math><mtext></form><form><mglyph><style></math><img src onerror={RUN}>",
        f'<math><mi><table><mi><mglyph><svg><mtext><textarea><path id="</textarea>'
        f'<img onerror={RUN} src=1>">',
        f'<svg></p><style><a id="</style><img src=1 onerror={RUN}>">',
        f'<a href="\\x0Bjavascript:{RUN}">x</a>',
        f'<img src="x` `<script>{RUN}</script>"` `>',
        f'<iframe src="javascript:{RUN}" sandbox></iframe>',
        f"<isindex type=image src=1 onerror={RUN}>",
        f"<xmp><img src=x onerror={RUN}></xmp>",
        f"<listing><img src=x onerror={RUN}></listing>",
    ]


def all_payloads() -> list[str]:
    seen: dict[str, None] = {}
    for group in (_script_tags, _event_handlers, _urls, _svg, _breakouts, _markdown, _polyglots):
        for payload in group():
            seen.setdefault(payload, None)
    return list(seen)


PAYLOADS = all_payloads()


def subset(size: int) -> list[str]:
    """``size`` payloads spread evenly over the list (so every kind is represented)."""
    if size >= len(PAYLOADS):
        return list(PAYLOADS)
    step = len(PAYLOADS) / size
    return [PAYLOADS[int(i * step)] for i in range(size)]


# --- seeding ------------------------------------------------------------------------------------


def _short(payload: str, limit: int) -> str:
    return payload[:limit].strip() or "x"


def seed(session: Session, world: SimpleNamespace, payloads: list[str]) -> list[str]:
    """Put ``payloads`` into every user-text field (one object of each kind per payload); the
    paths of the pages that show them (for the secretariat)."""
    from charter_engine.accounts.operations import create_user, issue_token
    from charter_engine.accounts.profiles import update_profile
    from charter_engine.amendments.operations import propose_amendment
    from charter_engine.charters.operations import import_charter
    from charter_engine.charters.queries import get_revision, revision_clauses
    from charter_engine.comments.operations import create_comment
    from charter_engine.publication.operations import publish_release
    from charter_engine.voting.casting import cast_vote
    from charter_engine.voting.closing import close_ballot
    from charter_engine.voting.operations import create_ballot, open_ballot

    sec = world.secretariat
    text = "# Charter " + _short(payloads[0], 150) + "\n\n"
    for n, payload in enumerate(payloads):
        text += f"## Article {n + 1} {_short(payload.splitlines()[0], 150)}\n\n{payload}\n\n"
    charter = import_charter(
        session, title="Charter " + _short(payloads[0], 150), text=text, actor=sec
    )
    session.flush()
    rows = revision_clauses(session, get_revision(session, charter))
    clause_ids = [row.clause_id for row in rows]
    slug = charter.slug
    paths = [
        "/",
        "/charters/",
        f"/charters/{slug}/",
        f"/charters/{slug}/revisions",
        f"/charters/{slug}/amendments/",
        "/ballots/",
        "/people/",
        "/people/map",
        "/desk/",
        "/notifications/",
    ]
    amendments = []
    for n, payload in enumerate(payloads):
        author = create_user(
            session,
            email=f"xss{n}@example.org",
            name=_short(payload, 200),
            organisation=_short(payload, 200),
            password=world.password,
        )
        session.flush()
        update_profile(
            session,
            author,
            actor=author,
            name=_short(payload, 200),
            organisation=_short(payload, 200),
            role_title=_short(payload, 200),
            areas=_short(payload, 200),
            bio=payload,
        )
        clause_id = clause_ids[(n + 1) % len(clause_ids)]
        amendment = propose_amendment(
            session,
            charter,
            actor=author,
            title=_short(payload, 300),
            rationale=payload,
            changes=[{"kind": "replace", "clause_id": clause_id, "text": payload + " (new)\n\n"}],
            submit=True,
        )
        amendments.append(amendment)
        create_comment(session, charter, actor=author, body=payload, clause_id=clause_id)
        create_comment(session, charter, actor=author, body=payload, amendment=amendment)
        session.flush()
        paths += [
            f"/people/{author.id}",
            f"/charters/{slug}/clauses/{clause_id}",
            f"/charters/{slug}/amendments/{amendment.number}",
            f"/charters/{slug}/amendments/{amendment.number}/comments",
        ]
    for n, (payload, amendment) in enumerate(zip(payloads, amendments, strict=True)):
        ballot = create_ballot(
            session,
            charter,
            actor=sec,
            kind="amendment",
            amendments=[amendment.id],
            title=_short(payload, 300),
        )
        session.flush()
        paths.append(f"/ballots/{ballot.id}")
        if n < 2:  # results pages draw the title into their charts
            open_ballot(session, ballot, actor=sec)
            cast_vote(session, ballot, actor=world.member, choice="yes")
            close_ballot(session, ballot, actor=sec)
            paths.append(f"/ballots/{ballot.id}/results")
    for payload in payloads:
        issue_token(session, sec, name=_short(payload, 100), actor=sec)
    publish_release(session, charter, label="1.0", notes=payloads[-1], actor=sec)
    session.flush()
    paths += [
        "/account/api-tokens",
        "/published/",
        f"/published/{slug}",
        f"/published/{slug}/1.0",
        f"/charters/{slug}/releases",
    ]
    return paths


# --- sweeping -----------------------------------------------------------------------------------

# Set up before any script of the page runs: collects CSP violations the page reports.
_LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""

# After load: markup that could run script, which escaping should have made text.
_AUDIT = """
() => {
  const found = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster'];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['iframe', 'frame', 'object', 'embed', 'base', 'meta'].includes(tag)
        && !(tag === 'meta' && !el.hasAttribute('http-equiv'))) {
      found.push('element ' + tag);
    }
    if (tag === 'script' && !(el.src && new URL(el.src).origin === location.origin)) {
      found.push('inline script');
    }
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(tag + ' ' + name);
      if (name === 'srcdoc') found.push(tag + ' srcdoc');
      if (urlAttrs.includes(name) && /^(javascript|vbscript|data:text\\/html)/.test(value)) {
        found.push(tag + ' ' + name + '=' + value.slice(0, 40));
      }
    }
  }
  return found;
}
"""


@dataclass
class Findings:
    pages: int = 0
    dialogs: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    markup: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.dialogs or self.csp_violations or self.markup)

    def summary(self) -> str:
        return (
            f"{self.pages} page loads: {len(self.dialogs)} dialogs, "
            f"{len(self.csp_violations)} CSP violations, {len(self.markup)} unsafe elements"
            + "".join(f"\n  {item}" for item in self.dialogs + self.csp_violations + self.markup)
        )


def watch(context: Any, findings: Findings) -> Any:
    """A page of ``context`` whose dialogs (dismissed) are recorded in ``findings``."""
    context.add_init_script(_LISTEN)
    page = context.new_page()

    def on_dialog(dialog: Any) -> None:
        findings.dialogs.append(f"{page.url}: {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


def check_page(page: Any, findings: Findings, path: str) -> None:
    """Load ``path`` and record what ran or could run."""
    response = page.goto(path, wait_until="load")
    assert response is not None and response.status == 200, (
        f"{path}: {response and response.status}"
    )
    findings.pages += 1
    violations = page.evaluate("window.__cspViolations || []")
    findings.csp_violations += [f"{path}: {v}" for v in violations]
    findings.markup += [f"{path}: {m}" for m in page.evaluate(_AUDIT)]


def sweep(page: Any, paths: list[str], findings: Findings) -> Findings:
    for path in paths:
        check_page(page, findings, path)
    return findings
