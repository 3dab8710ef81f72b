// The search engine of the header search and the browse page: the rules of
// kbgen/search_index.py, step for step as kbgen/search_query.py runs them (the tests run
// both on the same queries). It fetches only the index files a query needs.
(function (root) {
  "use strict";
  if (root.kbSearch) return; // loaded by the page and by mkdocs.yml: one copy is enough

  const WORD = /[\p{L}\p{N}]+/gu;
  const ENDINGS = [["ization", "iz"], ["isation", "is"], ["ing", ""], ["ed", ""]];
  const MAX_COMBINATIONS = 16;

  function words(text) {
    return text.toLowerCase().match(WORD) || [];
  }

  function stem(word) {
    if (!/^[a-z]+$/.test(word)) return word;
    if (word.endsWith("ies") && word.length > 4) word = word.slice(0, -3) + "y";
    else if (word.endsWith("s") && word.length > 3 && !/(ss|us|is)$/.test(word)) {
      word = word.slice(0, -1);
    }
    for (const [ending, put] of ENDINGS) {
      if (word.endsWith(ending) && word.length - ending.length + put.length >= 4) {
        return word.slice(0, -ending.length) + put;
      }
    }
    return word.endsWith("e") && word.length > 4 ? word.slice(0, -1) : word;
  }

  function shardFile(kind, key) {
    if (/^[a-z0-9]+$/.test(key)) return kind + key + ".json";
    const hex = Array.from(new TextEncoder().encode(key),
                           (b) => b.toString(16).padStart(2, "0")).join("");
    return kind + "_" + hex + ".json";
  }

  function deletions(word) {
    const out = new Set();
    for (let i = 0; i < word.length; i++) out.add(word.slice(0, i) + word.slice(i + 1));
    return out;
  }

  function osaDistance(a, b) {
    const rows = [Array.from({length: b.length + 1}, (_, j) => j)];
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      for (let j = 1; j <= b.length; j++) {
        const prev = rows[rows.length - 1];
        row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] !== b[j - 1]));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          row[j] = Math.min(row[j], rows[rows.length - 2][j - 2] + 1);
        }
      }
      rows.push(row);
    }
    return rows[rows.length - 1][b.length];
  }

  function decode(postings) {
    const out = new Map();
    for (const [weight, deltas] of Object.entries(postings)) {
      let doc = 0;
      for (const delta of deltas) {
        doc += delta;
        out.set(doc, Number(weight));
      }
    }
    return out;
  }

  function* product(lists, prefix = []) {
    if (prefix.length === lists.length) {
      yield prefix;
      return;
    }
    for (const item of lists[prefix.length]) yield* product(lists, [...prefix, item]);
  }

  // The bitmap of a tag's topics in tag-bitmaps.json (kbgen/search_tags.py's decode): {bits},
  // base64 of the bitmap itself, or {gaps}, base64 of LEB128 varints, the first topic's
  // number and then each one's difference to the one before.
  function bitmap(value) {
    const bytes = (b64) => Uint8Array.from(atob(b64 || ""), (c) => c.charCodeAt(0));
    if (!value || !Object.hasOwn(value, "gaps")) return bytes(value && value.bits);
    const docs = [];
    let doc = 0;
    let number = 0;
    let shift = 0;
    for (const byte of bytes(value.gaps)) {
      number += (byte & 127) * 2 ** shift;
      if (byte & 128) {
        shift += 7;
        continue;
      }
      doc += number;
      docs.push(doc);
      number = shift = 0;
    }
    const out = new Uint8Array(docs.length ? (docs[docs.length - 1] >> 3) + 1 : 0);
    for (const d of docs) out[d >> 3] |= 1 << (d & 7);
    return out;
  }

  // A key's own value in a parsed shard ("constructor" is a word, not Object's).
  const own = (object, key) => (Object.hasOwn(object, key) ? object[key] : undefined);

  const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

  // An engine over one index; `load(name)` resolves to a file of the index, parsed, or null.
  function Searcher(load) {
    const cache = new Map();
    const file = (name) => {
      if (!cache.has(name)) cache.set(name, Promise.resolve(load(name)));
      return cache.get(name);
    };
    let meta = null;
    let canonical = null;
    let stopWords = null;
    let shards = null;
    let packs = null;
    // A listed shard, from the pack whose run of names holds its name, or from its file.
    const shardData = async (name) => {
      const stem = name.slice(0, -5);
      let lo = 0;
      let hi = packs.length;
      while (lo < hi) { // the last pack whose first name is not after this one
        const mid = (lo + hi) >> 1;
        if (packs[mid][0] <= stem) lo = mid + 1;
        else hi = mid;
      }
      const pack = packs[lo - 1];
      if (pack && stem <= pack[1]) return own((await file("p" + pack[0] + ".json")) || {}, stem) || {};
      return (await file(name)) || {};
    };
    // A shard of the index; one that does not exist is empty (and never fetched).
    const shard = async (kind, key) => {
      const name = shardFile(kind, key);
      return shards.has(name.slice(0, -5)) ? shardData(name) : {};
    };

    async function ready() {
      if (meta) return meta;
      const m = await file("meta.json");
      canonical = new Map();
      for (const group of m.synonyms) {
        const first = words(group[0])[0];
        for (const w of group.slice(1)) if (!canonical.has(words(w)[0])) canonical.set(words(w)[0], first);
      }
      stopWords = new Set(m.stop_words);
      shards = new Set(m.shards.split(" "));
      packs = (m.packs || "").split(" ").filter(Boolean).map((p) => p.split(":"));
      meta = m;
      return m;
    }

    const terms = (text) => words(text).filter((w) => !stopWords.has(w))
      .map((w) => canonical.get(w) || w);

    function nameKeys(name) {
      const raw = words(name).map((w) => canonical.get(w) || w).join("");
      const stemmed = terms(name).map(stem).join("");
      return [raw, stemmed].filter((k) => k);
    }

    async function term(t) {
      const entries = await shard("t", t.slice(0, meta.prefix));
      const found = new Map();
      for (const [indexed, postings] of Object.entries(entries)) {
        let factor;
        if (indexed === t) factor = meta.exact;
        else if (t.length >= meta.prefix && indexed.startsWith(t)) factor = 1;
        else continue;
        for (const [doc, weight] of decode(postings)) {
          found.set(doc, Math.max(found.get(doc) || 0, weight * factor));
        }
      }
      return found;
    }

    // Topic → weight of one term among the body terms: in the shard of the longest listed
    // key that begins it (kbgen/search_body.py), matched whole.
    async function body(t) {
      const chars = Array.from(t);
      for (let n = chars.length; n >= Math.min(chars.length, meta.body_prefix); n--) {
        const name = shardFile("b", chars.slice(0, n).join(""));
        if (shards.has(name.slice(0, -5))) return decode(own(await shardData(name), t) || {});
      }
      return new Map();
    }

    // Topic → best weight of one term, in any field or the body.
    async function matches(t) {
      const [found, inBody] = await Promise.all([term(t), body(t)]);
      for (const [doc, weight] of found) inBody.set(doc, Math.max(inBody.get(doc) || 0, weight));
      return inBody;
    }

    async function names(keys) {
      const sorted = [...keys].sort(byCodePoint);
      const shards = await Promise.all(sorted.map((key) => shard("n", key.slice(0, meta.prefix))));
      const found = new Map();
      sorted.forEach((key, i) => {
        for (const [doc, weight] of decode(own(shards[i], key) || {})) {
          found.set(doc, Math.max(found.get(doc) || 0, weight));
        }
      });
      return found;
    }

    async function corrections(t) {
      if (t.length < meta.fuzzy_min) return [];
      const variants = [...new Set([t, ...deletions(t)])].sort(byCodePoint);
      const shards = await Promise.all(variants.map((v) => shard("f", v.slice(0, meta.fuzzy_prefix))));
      const found = new Set();
      variants.forEach((v, i) => { for (const s of own(shards[i], v) || []) found.add(s); });
      return [...found].filter((s) => s !== t && osaDistance(t, s) <= 1).sort(byCodePoint);
    }

    async function score(options, query) {
      const keys = new Set(nameKeys(query));
      let n = 0;
      for (const combo of product(options)) {
        if (n++ >= MAX_COMBINATIONS) break;
        keys.add(combo.join(""));
      }
      // Every shard the query needs is fetched at once; the scores do not depend on order.
      const [found, named] = await Promise.all([
        Promise.all(options.map((spellings) => Promise.all(spellings.map(matches)))),
        names(keys),
      ]);
      const perTerm = found.map((maps) => {
        const best = new Map();
        for (const map of maps) {
          for (const [doc, weight] of map) best.set(doc, Math.max(best.get(doc) || 0, weight));
        }
        return best;
      });
      const docs = new Set(named.keys());
      for (const doc of perTerm[0].keys()) {
        if (perTerm.every((b) => b.has(doc))) docs.add(doc);
      }
      const hits = [];
      for (const doc of docs) {
        let s = named.get(doc) || 0;
        for (const b of perTerm) s += b.get(doc) || 0;
        hits.push([s, doc]);
      }
      return hits.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    }

    // [score, topic number] of the topics matching `text`, best first.
    async function rank(text) {
      await ready();
      const ts = [...new Set(terms(text).map(stem))];
      if (!ts.length) {
        return text.trim() ? [] : Array.from({length: meta.count}, (_, i) => [0, i]);
      }
      const hits = await score(ts.map((t) => [t]), text);
      if (hits.length) return hits;
      const options = [];
      let fixedAny = false;
      const fixes = await Promise.all(ts.map(async (t) =>
        (await matches(t)).size ? [] : corrections(t)));
      ts.forEach((t, i) => {
        options.push(fixes[i].length ? fixes[i] : [t]);
        fixedAny = fixedAny || fixes[i].length > 0;
      });
      return fixedAny ? score(options, text) : [];
    }

    // Tag → bitmap of the topics carrying it (bit d & 7 of byte d >> 3 for topic d).
    let bitmaps = null;
    async function tagBitmaps() {
      if (!bitmaps) {
        const sets = (await file("tag-bitmaps.json")) || {};
        bitmaps = new Map(Object.entries(sets).map(([tag, value]) => [tag, bitmap(value)]));
      }
      return bitmaps;
    }

    // Which of the topic numbers `docs` carry every tag of `tags`.
    async function withTags(docs, tags) {
      if (!tags.length) return docs;
      const all = await tagBitmaps();
      const bits = tags.map((t) => all.get(t) || new Uint8Array(0));
      return docs.filter((d) => bits.every((b) => (b[d >> 3] >> (d & 7)) & 1));
    }

    // {number, slug, title, summary, tags, url, kind} of topic number `doc`; kind is
    // "disambiguation" for a page listing a shared name's topics (numbered after them).
    async function topic(doc) {
      await ready();
      const chunk = await file("d" + Math.floor(doc / meta.chunk) + ".json");
      const [slug, title, summary, tags] = chunk[doc % meta.chunk];
      const kind = doc < meta.count ? "topic" : "disambiguation";
      return {number: doc, slug, title, summary, tags, url: "topics/" + slug + "/", kind};
    }

    return {ready, rank, withTags, tagBitmaps, topic, file, corrections};
  }

  const api = {Searcher, words, stem, shardFile, osaDistance, bitmap};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.kbSearch = api;
})(this);
