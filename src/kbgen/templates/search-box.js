// The header search (templates/overrides/partials/search.html): as a reader types, the
// best topics by the one ranking of search-query.js, each with its summary and tags.
// Nothing is fetched before the first keystroke; then only the index files a query needs.
(function () {
  "use strict";
  if (window.kbSearchBox) return;
  const SHOWN = 12; // results in the dropdown; the browse page lists the rest
  const script = document.currentScript;
  const assets = new URL(".", script ? script.src : location.href); // .../assets/kbgen/
  const siteRoot = new URL("../../", assets);
  let searcher = null;

  function engine() {
    if (!searcher) {
      searcher = window.kbSearch.Searcher((name) =>
        fetch(new URL("search/" + name, assets)).then((r) => {
          if (r.status === 404) return null; // no topic has a term with this key
          if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
          return r.json();
        }));
    }
    return searcher;
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) node.append(child);
    return node;
  }

  function item(topic, tagNames) {
    const article = el("article", {className: "md-search-result__article md-typeset"}, [
      el("h1", {textContent: topic.title}),
    ]);
    if (topic.summary) article.append(el("p", {className: "kb-search__summary",
                                               textContent: topic.summary}));
    if (topic.tags.length) {
      article.append(el("nav", {className: "md-tags"}, topic.tags.map((t) =>
        el("span", {className: "md-tag", textContent: tagNames[t] || t}))));
    }
    const link = el("a", {className: "md-search-result__link",
                          href: new URL(topic.url, siteRoot).href}, [article]);
    link.dataset.slug = topic.slug;
    return el("li", {className: "md-search-result__item"}, [link]);
  }

  function mount(box) {
    const form = box.querySelector("form");
    const input = box.querySelector("[data-kb-search-input]");
    const meta = box.querySelector("[data-kb-search-meta]");
    const list = box.querySelector("[data-kb-search-results]");
    const toggle = document.getElementById("__search");
    let asked = 0; // the latest query; an older one that finishes later is dropped
    let selected = -1;

    const open = (on) => {
      if (toggle && toggle.checked !== on) {
        toggle.checked = on;
        toggle.dispatchEvent(new Event("change"));
      }
    };

    async function run() {
      const text = input.value;
      const mine = ++asked;
      if (!text.trim()) {
        list.replaceChildren();
        meta.textContent = "Type to search the topics";
        return;
      }
      const started = performance.now();
      const s = engine();
      const m = await s.ready();
      const hits = await s.rank(text);
      const topics = await Promise.all(hits.slice(0, SHOWN).map((h) => s.topic(h[1])));
      if (mine !== asked) return;
      const tagNames = Object.fromEntries(m.tags.map(([t, name]) => [t, name]));
      list.replaceChildren(...topics.map((t) => item(t, tagNames)));
      selected = -1;
      const n = hits.length;
      meta.replaceChildren(n === 0 ? "No matching topics" : n === 1 ? "1 matching topic"
                           : `${n} matching topics`);
      if (n > SHOWN) {
        const all = new URL("browse/", siteRoot);
        all.searchParams.set("q", text);
        meta.append(" · ", el("a", {href: all.href, textContent: `all ${n} on Browse`}));
      }
      window.kbSearchTiming = {query: text, ms: Math.round(performance.now() - started)};
      box.dataset.kbSearchDone = text;
    }

    function move(by) {
      const links = [...list.querySelectorAll("a")];
      if (!links.length) return;
      selected = (selected + by + links.length) % links.length;
      links[selected].focus();
    }

    input.addEventListener("input", () => { run().catch((e) => {
      meta.textContent = "Search failed: " + e.message;
      console.error(e);
    }); });
    input.addEventListener("focus", () => open(true));
    form.addEventListener("reset", () => setTimeout(run, 0));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const first = list.querySelector("a");
      if (first) location.href = first.href;
    });
    box.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") move(1);
      else if (e.key === "ArrowUp") move(-1);
      else if (e.key === "Escape") {
        open(false);
        input.blur();
      } else return;
      e.preventDefault();
    });
    if (toggle) toggle.addEventListener("change", () => { if (toggle.checked) input.focus(); });
    document.addEventListener("keydown", (e) => {
      const t = e.target;
      const typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "/" || e.key === "s" || e.key === "f") {
        e.preventDefault();
        open(true);
        input.focus();
        input.select();
      }
    });
  }

  const box = document.querySelector("[data-kb-search]");
  if (box) mount(box);
  window.kbSearchBox = {engine, siteRoot};
})();
