// Runs the browse page's shipped query code (src/kbgen/templates/browse-query.js) under Node,
// for tests/test_search_index.py to compare with `kbgen search`.
// Usage: node run_browse_query.js LUNR_JS BROWSE_QUERY_JS BROWSE_INDEX_JSON QUERIES_JSON,
// where QUERIES_JSON holds [[text, [tag, ...]], ...]; prints the slugs found for each.
"use strict";
const fs = require("fs");
const [lunrPath, queryPath, indexPath, queriesPath] = process.argv.slice(2);
const lunr = require(lunrPath);
const {rank} = require(queryPath);
const data = JSON.parse(fs.readFileSync(indexPath, "utf8"));
const index = lunr.Index.load(data.index);
const slugs = data.topics.map((t) => t.slug).sort();
const tagsOf = Object.fromEntries(data.topics.map((t) => [t.slug, t.tags]));
const queries = JSON.parse(fs.readFileSync(queriesPath, "utf8"));
const found = queries.map(([text, tags]) =>
  rank(lunr, index, data.rules, slugs, text).filter((s) => tags.every((t) => tagsOf[s].includes(t))));
process.stdout.write(JSON.stringify(found));
