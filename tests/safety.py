"""What no HTML made from input may hold, and the hostile Markdown that tries to get it in."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

FORBIDDEN_TAGS = frozenset(
    {
        *("script", "iframe", "frame", "frameset", "object", "embed", "applet", "form"),
        *("input", "button", "textarea", "select", "base", "style", "link", "meta", "svg"),
        *("math", "template", "portal"),
    }
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "cite"}
)
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_SAFE_SCHEMES = {"http", "https", "mailto"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style" and not re.fullmatch(r"\s*text-align\s*:\s*\w+\s*;?\s*", value):
                self.found.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES:
                # Browsers drop tabs, newlines and leading controls before reading a scheme.
                plain = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(value)).lower()
                m = _SCHEME.match(plain)
                if m and m.group(1) not in _SAFE_SCHEMES:
                    self.found.append(f"<{tag} {name}={value!r}>")
                if tag == "img" and (m or plain.startswith("//")):
                    self.found.append(f"<img src={value!r}> (a request outside the site)")

    handle_startendtag = handle_starttag


def unsafe_markup(fragment: str) -> list[str]:
    """Every forbidden element, event handler, style or URL in ``fragment``."""
    scanner = _Scanner()
    scanner.feed(fragment)
    scanner.close()
    return scanner.found


HOSTILE_MARKDOWN: dict[str, str] = {
    # Raw HTML, inline and as blocks.
    "script": "a <script>alert('script')</script> b",
    "img-onerror": "<img src=x onerror=alert('img')>",
    "svg-onload": "<svg onload=alert('svg')><circle r=1></svg>",
    "svg-script": "<svg><script>alert('svg-script')</script></svg>",
    "svg-xlink": "<svg><a xlink:href=\"javascript:alert('xlink')\"><text>x</text></a></svg>",
    "iframe": "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "object-embed": "<object data=\"javascript:alert('o')\"></object><embed src=x.swf>",
    "form": "<form action=\"javascript:alert('form')\"><button>go</button></form>",
    "base": "<base href=\"javascript:alert('base')//\">[rel](x)",
    "style": "<style>body{display:none}</style>",
    "html-block": "<div>\n<script>alert('block')</script>\n</div>",
    "html-block-markdown": "<div markdown>\n[x](javascript:alert('md_in_html'))\n</div>",
    "details-ontoggle": "<details open ontoggle=alert('toggle')><summary>x</summary></details>",
    "comment-break-out": "<!--><script>alert('comment')</script>-->",
    "cdata": "<![CDATA[<script>alert('cdata')</script>]]>",
    "mutation": "<math><mtext><table><mglyph><style><img src=x onerror=alert('mx')>",
    "noscript": "<noscript><p title=\"</noscript><img src=x onerror=alert('ns')>\">",
    "meta-refresh": "<meta http-equiv=refresh content=\"0;url=javascript:alert('meta')\">",
    "a-javascript": "<a href=\"javascript:alert('a')\">a</a>",
    "a-entity": "<a href=\"&#106;avascript:alert('ae')\">a</a>",
    # Links and images.
    "link": "[click](javascript:alert('link'))",
    "link-case": "[click](JaVaScRiPt:alert('case'))",
    "link-entity": "[entity](java&#115;cript:alert('entity'))",
    "link-hex-entity": "[entity](&#x6A;avascript:alert('hex'))",
    "link-colon-entity": "[entity](javascript&colon;alert('colon'))",
    "link-tab-entity": "[tab](jav&#x09;ascript:alert('tab'))",
    "link-angle": "[angle](<javascript:alert('angle')>)",
    "link-space": "[space]( javascript:alert('space'))",
    "link-vbscript": "[vb](vbscript:msgbox('vb'))",
    "link-data": "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "link-title": '[t](https://example.com "x\\" onmouseover=alert(\'title\') y=\\"")',
    "link-in-emphasis": "***[x](javascript:alert('em'))***",
    "link-code-text": "[`code`](javascript:alert('code-text'))",
    "image": "![pic](javascript:alert('image'))",
    "image-data": "![pic](data:image/svg+xml,<svg onload=alert('d')>)",
    "image-remote": "![tracker](https://evil.example/pixel.png)",
    "autolink": "<javascript:alert('autolink')>",
    "autolink-upper": "<JAVASCRIPT:alert('upper')>",
    "autolink-vbscript": "<vbscript:msgbox('auto')>",
    "autolink-data": "<data:text/html,<script>alert('ad')</script>>",
    "bare-scheme": "javascript:alert('bare') and www.example.com",
    # Reference definitions wherever Markdown reads them.
    "ref": "[x]\n\n[x]: javascript:alert('ref')",
    "ref-quote": "[x]\n\n> [x]: javascript:alert('ref-quote')",
    "ref-nested-quote": "[x]\n\n> > > [x]: javascript:alert('nested')",
    "ref-list": "[x]\n\n- [x]: javascript:alert('ref-list')",
    "ref-deflist": "[x]\n\nTerm\n:   [x]: javascript:alert('ref-dl')",
    "ref-next-line": "[x]\n\n[x]:\n  javascript:alert('ref-next')",
    "ref-title": "[x][y]\n\n[y]: javascript:alert('ref-title') \"title\"",
    "ref-image": "![x][img]\n\n[img]: javascript:alert('ref-img')",
    # Code spans and fences.
    "backticks-uneven": "``a` <script>alert('ticks')</script>",
    "backticks-unclosed": "` `` <img src=x onerror=alert('ticks2')>",
    "fence-html": "```html\n<script>alert('fence')</script>\n```",
    "fence-unclosed": "~~~\n<script>alert('unclosed')</script>",
    "inlinehilite": "`#!html <script>alert('hilite')</script>`",
    # Extensions.
    "attr-list": "text\n{: onclick=\"alert('attr')\" }",
    "attr-list-link": (
        '[a](https://example.com){: onmouseover="alert(\'attr2\')" href="javascript:alert(1)" }'
    ),
    "attr-list-heading": "### Title {: onclick=alert('h') style=\"position:fixed\" }",
    "attr-list-image": "![x](missing.png){: onerror=\"alert('attr-img')\" }",
    "attr-list-class": "para\n{: .md-header #__search }",
    "footnote": "x[^1]\n\n[^1]: [y](javascript:alert('footnote'))",
    "footnote-label": (
        "x[^\"><img src=x onerror=alert('fl')>]\n\n[^\"><img src=x onerror=alert('fl')>]: n"
    ),
    "abbreviation": "*[HTML]: \" onmouseover=alert('abbr') x=\"\n\nHTML here",
    "admonition-title": "!!! note \"<img src=x onerror=alert('adm')>\"\n    body",
    "details-title": "??? \"<script>alert('det')</script>\"\n    body",
    "table": (
        "| <script>alert('t')</script> | b |\n|---|---|\n| [a](javascript:alert('cell')) | c |"
    ),
    "keys": "++ctrl+<script>alert('keys')</script>++",
    "math": "\\( <img src=x onerror=alert('math')> \\)",
    "math-href": (
        "\\( \\href{javascript:alert('katex')}{x} \\) \\[ \\url{javascript:alert('k2')} \\]"
    ),
    "critic": "{++<script>alert('critic')</script>++}",
    "tasklist": "- [x] <script>alert('task')</script>",
    "snippet": '--8<-- "/etc/passwd"',
    # Entities and template syntax are text.
    "entities": (
        "&lt;script&gt;alert('entities')&lt;/script&gt; &#60;img src=x onerror=alert(2)&#62;"
    ),
    "template": "{{ config }} {% for x in range(3) %}loop{% endfor %}",
    "headings": "# Page title\n## Section\nSetext\n===",
    "nested-quotes": "> > > > <script>alert('q')</script>\n> > [x](javascript:alert('q2'))",
}
"""Markdown, by case name, that tries to get script or markup into a page."""
