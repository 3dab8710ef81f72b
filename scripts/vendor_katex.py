"""Refresh the KaTeX that kbgen ships inside every site (``src/kbgen/templates/katex/``).

Run after changing the version in ``scripts/katex/package.json``::

    python3 scripts/vendor_katex.py

It installs the locked package with ``npm ci`` and copies the minified script and style
sheet, the WOFF2 fonts and the license. The style sheet keeps only the WOFF2 sources of each
font (every browser the site supports reads WOFF2), so it names no file that is not shipped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scripts" / "katex"
TARGET = ROOT / "src" / "kbgen" / "templates" / "katex"
_OTHER_FORMATS = re.compile(r',url\(fonts/[\w-]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


def main() -> None:
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=PACKAGE, check=True
    )
    dist = PACKAGE / "node_modules" / "katex" / "dist"
    version = json.loads((dist.parent / "package.json").read_text(encoding="utf-8"))["version"]
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET / "fonts").mkdir(parents=True)
    shutil.copy(dist / "katex.min.js", TARGET / "katex.min.js")
    css = (dist / "katex.min.css").read_text(encoding="utf-8")
    (TARGET / "katex.min.css").write_text(_OTHER_FORMATS.sub("", css), encoding="utf-8")
    for font in sorted((dist / "fonts").glob("*.woff2")):
        shutil.copy(font, TARGET / "fonts" / font.name)
    shutil.copy(dist.parent / "LICENSE", TARGET / "LICENSE")
    (TARGET / "VERSION").write_text(version + "\n", encoding="utf-8")
    print(f"KaTeX {version} -> {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
