// The browse page's query rules (rules 1-4 of kbgen/search_index.py's docstring), shared by
// browse.js in the browser and by the tests, which run it under Node and compare its
// results with `kbgen search`.
(function (root) {
  "use strict";

  // Rule 1: lower-case, split, trim, drop stop words, stem, drop repeats.
  function queryTerms(lunr, text) {
    const out = [];
    for (const word of text.toLowerCase().split(/[\s\-]+/)) {
      let token = lunr.trimmer(new lunr.Token(word));
      if (!token.toString()) continue;
      token = lunr.stopWordFilter(token);
      if (!token) continue;
      const term = lunr.stemmer(token).toString();
      if (!out.includes(term)) out.push(term);
    }
    return out;
  }

  // Rules 2-4: the slugs matching the text, best first; every slug for an empty text.
  function rank(lunr, index, rules, allSlugs, text) {
    const terms = queryTerms(lunr, text);
    if (!terms.length) return text.trim() ? [] : allSlugs;
    const key = text.toLowerCase().replace(/[^a-z0-9]/g, "");
    const hits = index.query((q) => {
      for (const t of terms) {
        q.term(t, {fields: rules.text_fields, usePipeline: false, boost: 1,
                   wildcard: lunr.Query.wildcard.TRAILING,
                   presence: lunr.Query.presence.REQUIRED});
        q.term(t, {fields: rules.text_fields, usePipeline: false, boost: rules.exact_boost});
      }
      if (key) q.term(key, {fields: rules.name_fields, usePipeline: false, boost: 1});
    });
    return hits
      .map((h) => [Math.round(h.score * 1000), h.ref])
      .sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
      .map((h) => h[1]);
  }

  const api = {queryTerms, rank};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.kbBrowseQuery = api;
})(this);
