// Runs the site's shipped search engine (src/kbgen/templates/search-query.js) under Node on
// an index folder, for the tests to compare with kbgen/search_query.py.
// Usage: node run_search_query.js SEARCH_QUERY_JS INDEX_DIR QUERIES_JSON, where QUERIES_JSON
// holds [[text, [tag, ...]], ...]; prints [[score, slug, kind], ...] for each query.
"use strict";
const fs = require("fs");
const path = require("path");
const [enginePath, indexDir, queriesPath] = process.argv.slice(2);
const {Searcher} = require(enginePath);
const load = (name) => {
  const file = path.join(indexDir, name);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : null;
};
(async () => {
  const searcher = Searcher(load);
  const out = [];
  for (const [text, tags] of JSON.parse(fs.readFileSync(queriesPath, "utf8"))) {
    const hits = await searcher.rank(text);
    const kept = new Set(await searcher.withTags(hits.map((h) => h[1]), tags));
    const found = [];
    for (const [score, doc] of hits) {
      if (kept.has(doc)) {
        const topic = await searcher.topic(doc);
        found.push([score, topic.slug, topic.kind]);
      }
    }
    out.push(found);
  }
  process.stdout.write(JSON.stringify(out));
})();
