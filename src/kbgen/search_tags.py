"""The tags' topic sets in the search index (``tag-bitmaps.json``).

Each tag maps to whichever of two encodings of the numbers of its topics is shorter:

- ``{"bits": B}``: ``B`` is the base64 of a bitmap, bit ``i % 8`` of byte ``i // 8`` set
  when topic ``i`` carries the tag (a byte per 8 topics of the knowledge base);
- ``{"gaps": G}``: ``G`` is the base64 of the numbers in increasing order, the first
  and then each one's difference to the one before, as unsigned LEB128 varints (7 bits
  per byte, the high bit set on every byte but a number's last): a byte or two per topic
  carrying the tag.

So the file costs at most a few bytes for each tag a topic carries, however many tags
the knowledge base has: a bitmap for each of 200 tags of 10,000 topics would be 330 KB.
``search-query.js`` decodes both to the same bitmap, step for step as :func:`decode`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["decode", "encode", "tag_sets"]


def tag_sets(tags_of: Sequence[Iterable[str]], tags: Iterable[str]) -> dict[str, dict]:
    """Each of ``tags`` → the encoding of the topics carrying it; ``tags_of[i]`` are the
    tags of topic ``i``."""
    carrying: dict[str, list[int]] = {t: [] for t in tags}
    for i, own in enumerate(tags_of):
        for t in own:
            if t in carrying:
                carrying[t].append(i)
    return {t: encode(docs, len(tags_of)) for t, docs in carrying.items()}


def encode(docs: Iterable[int], count: int) -> dict[str, str]:
    """The shorter encoding of the topic numbers ``docs`` among ``count`` topics."""
    ordered = sorted(set(docs))
    if ordered and not 0 <= ordered[0] <= ordered[-1] < count:
        raise ValueError(f"topic numbers must lie in 0..{count - 1}")
    gaps, last = bytearray(), 0
    for doc in ordered:
        gap, last = doc - last, doc
        while gap > 127:
            gaps.append(gap & 127 | 128)
            gap >>= 7
        gaps.append(gap)
    if len(gaps) < (count + 7) // 8:
        return {"gaps": base64.b64encode(bytes(gaps)).decode()}
    return {"bits": base64.b64encode(_bitmap(ordered, (count + 7) // 8)).decode()}


def decode(value: Mapping[str, str]) -> bytes:
    """The bitmap of an encoded set (long enough for its last topic)."""
    if "gaps" not in value:
        return base64.b64decode(value.get("bits", ""))
    docs, doc, number, shift = [], 0, 0, 0
    for byte in base64.b64decode(value["gaps"]):
        number |= (byte & 127) << shift
        if byte & 128:
            shift += 7
            continue
        doc += number
        docs.append(doc)
        number = shift = 0
    return _bitmap(docs, docs[-1] // 8 + 1 if docs else 0)


def _bitmap(docs: Iterable[int], size: int) -> bytes:
    bits = bytearray(size)
    for doc in docs:
        bits[doc // 8] |= 1 << (doc % 8)
    return bytes(bits)
