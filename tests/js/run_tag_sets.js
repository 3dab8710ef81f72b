// Decodes tag sets of tag-bitmaps.json with the site's search engine
// (src/kbgen/templates/search-query.js), for the tests to compare with kbgen/search_tags.py.
// Usage: node run_tag_sets.js SEARCH_QUERY_JS SETS_JSON, where SETS_JSON holds a list of
// encoded sets; prints the list of their bitmaps, each as an array of bytes.
"use strict";
const fs = require("fs");
const [enginePath, setsPath] = process.argv.slice(2);
const {bitmap} = require(enginePath);
const sets = JSON.parse(fs.readFileSync(setsPath, "utf8"));
process.stdout.write(JSON.stringify(sets.map((value) => Array.from(bitmap(value)))));
