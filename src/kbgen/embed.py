"""``topics.js``: ``topics.json`` as a script, for the embeddable summary cards.

A page on another origin cannot read ``topics.json`` unless the host sends CORS headers,
which many static hosts do not; it can always run a script. ``topics.js`` stores the
document under the script's own URL, ``window.kbgenTopics[<url of topics.js>]``, which
``assets/kbgen/embed.js`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

EMBED_SCRIPT = "assets/kbgen/embed.js"
"""Where the site publishes the embeddable script."""


def topics_js(topics_json_text: str, redirects: Mapping[str, str] | None = None) -> str:
    """The ``topics.js`` script holding the given ``topics.json`` document.

    ``redirects`` (old slug → topic slug, the site's redirect pages) are added to it as
    ``redirects``, so that a link to ``/topics/lora/`` shows its topic's card too.
    """
    doc = json.loads(topics_json_text)
    if redirects:
        doc["redirects"] = dict(sorted(redirects.items()))
    # Re-encoded: valid JSON is a valid JS expression; the escapes keep `</script>` and the
    # line separators U+2028/9 from mattering wherever the text ends up.
    data = json.dumps(doc, ensure_ascii=True, separators=(",", ":"))
    data = data.replace("<", "\\u003c")
    return (
        f"(window.kbgenTopics = window.kbgenTopics || {{}})[document.currentScript.src] = {data};\n"
    )
