// The faceted browse page (/browse/): tag facets with counts, a text filter, state in the URL.
// Searches the lunr index prebuilt by kbgen/search_index.py with lunr.js, by the query rules
// in that module's docstring, as browse-query.js implements them.
// Material's instant navigation swaps pages without reloading and re-runs this script, so
// it mounts once per #kb-browse element, on direct load and on every page swap.
(function () {
  "use strict";
  if (window.kbBrowse) {
    window.kbBrowse.mount(); // re-run by instant navigation: the code is already here
    return;
  }

  const PAGE = 50; // results rendered at a time; "Show more" adds the next page
  let data = null; // the loaded index, kept across instant navigations
  let view = null; // the mounted page: {root, state, els}

  // ---- Search (rules 1-5 of search_index.py) -------------------------------------------

  // Slugs matching the text, best first, before the tag filter (browse-query.js).
  function rank(text) {
    return window.kbBrowseQuery.rank(lunr, data.index, data.rules, data.slugs, text);
  }

  function results(state) {
    return rank(state.q)
      .map((slug) => data.bySlug[slug])
      .filter((t) => state.tags.every((tag) => t.tags.includes(tag)));
  }

  // ---- State <-> URL -------------------------------------------------------------------

  function readUrl(search) {
    const params = new URLSearchParams(search);
    const wanted = params.getAll("tag");
    // Known tags only, in facet order, so every state has one canonical URL.
    return {tags: data.tagOrder.filter((t) => wanted.includes(t)), q: params.get("q") || ""};
  }

  function urlOf(state) {
    const params = new URLSearchParams();
    for (const tag of state.tags) params.append("tag", tag);
    if (state.q) params.set("q", state.q);
    const search = params.toString();
    return location.pathname + (search ? "?" + search : "") + location.hash;
  }

  // Facet clicks push a history entry; a burst of typing pushes one and then replaces it,
  // so Back undoes a whole word rather than a letter.
  let typing = false;
  function commit(state, how) {
    const url = urlOf(state);
    const current = location.pathname + location.search + location.hash;
    if (how === "type" && typing) history.replaceState(history.state, "", url);
    else if (url !== current) history.pushState({kbBrowse: true}, "", url);
    typing = how === "type";
  }

  // ---- DOM -----------------------------------------------------------------------------

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) node.append(child);
    return node;
  }

  function build(root) {
    const id = (name) => "kb-browse-" + name;
    const input = el("input", {type: "search", id: id("q"), autocomplete: "off",
                               spellcheck: false, placeholder: "Words of a name or summary"});
    const facets = el("div", {className: "kb-browse__facets"});
    const boxes = {};
    for (const tag of data.tagOrder) {
      const box = el("input", {type: "checkbox", value: tag, id: id("tag-" + tag)});
      const count = el("span", {className: "kb-browse__count"});
      const label = el("label", {className: "kb-browse__facet", htmlFor: box.id},
                       [box, el("span", {textContent: data.tags[tag]}), count]);
      boxes[tag] = {box, count, label};
      facets.append(label);
    }
    const status = el("p", {className: "kb-browse__status", id: id("status")});
    status.setAttribute("role", "status");
    const list = el("ol", {className: "kb-browse__results"});
    list.setAttribute("aria-labelledby", status.id);
    const more = el("button", {type: "button", className: "kb-browse__more md-button",
                               hidden: true});
    const form = el("form", {className: "kb-browse__form"}, [
      el("label", {htmlFor: input.id, className: "kb-browse__label",
                   textContent: "Filter by title, alias or summary"}),
      input,
      el("fieldset", {className: "kb-browse__tags"},
         [el("legend", {textContent: "Tags (topics must have every tag selected)"}), facets]),
    ]);
    form.setAttribute("role", "search");
    form.addEventListener("submit", (e) => e.preventDefault());
    root.replaceChildren(form, status, list, more);
    return {input, boxes, status, list, more};
  }

  function resultItem(topic) {
    const link = el("a", {href: data.root + topic.url, textContent: topic.title});
    const item = el("li", {className: "kb-browse__result"}, [el("h2", {}, [link])]);
    item.dataset.slug = topic.slug;
    if (topic.aliases.length) {
      item.append(el("p", {className: "kb-browse__aliases",
                           textContent: "Also: " + topic.aliases.join(", ")}));
    }
    if (topic.tags.length) {
      const tags = el("ul", {className: "kb-browse__topic-tags"});
      tags.setAttribute("aria-label", "Tags");
      for (const tag of topic.tags) tags.append(el("li", {textContent: data.tags[tag] || tag}));
      item.append(tags);
    }
    if (topic.summary) item.append(el("p", {textContent: topic.summary}));
    return item;
  }

  function showMore(v) {
    const next = v.found.slice(v.shown, v.shown + PAGE);
    v.els.list.append(...next.map(resultItem));
    v.shown += next.length;
    const left = v.found.length - v.shown;
    v.els.more.hidden = left <= 0;
    v.els.more.textContent = `Show ${Math.min(left, PAGE)} more (${left} not shown)`;
  }

  function render(v) {
    const {state, els} = v;
    v.found = results(state);
    // A facet's count is how many topics of the current results carry its tag.
    const counts = {};
    for (const topic of v.found) for (const tag of topic.tags) counts[tag] = (counts[tag] || 0) + 1;
    for (const [tag, f] of Object.entries(els.boxes)) {
      const n = counts[tag] || 0;
      f.box.checked = state.tags.includes(tag);
      f.box.disabled = n === 0 && !f.box.checked; // a selected tag can always be cleared
      f.count.textContent = String(n);
      f.label.classList.toggle("kb-browse__facet--empty", f.box.disabled);
    }
    if (els.input.value !== state.q) els.input.value = state.q;
    const n = v.found.length;
    els.status.textContent = n === 1 ? "1 topic" : `${n} topics`;
    els.list.replaceChildren();
    v.shown = 0;
    showMore(v);
  }

  // ---- Loading and mounting ------------------------------------------------------------

  // lunr.js is loaded by the page; when instant navigation re-inserts both scripts, make sure
  // it has run before the index is read.
  function lunrLoaded() {
    if (window.lunr) return Promise.resolve();
    const tag = document.querySelector('script[src*="lunr.js"]');
    if (!tag) return Promise.reject(new Error("the page does not load lunr.js"));
    return new Promise((resolve, reject) => {
      tag.addEventListener("load", resolve);
      tag.addEventListener("error", () => reject(new Error("lunr.js did not load")));
    });
  }

  let loading = null;
  function load(root) {
    if (!loading) {
      const url = new URL(root.dataset.index, location.href);
      const started = performance.now();
      loading = Promise.all([fetch(url).then((r) => {
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        return r.json();
      }), lunrLoaded()]).then(([json]) => {
        const fetched = performance.now();
        const bySlug = {};
        for (const t of json.topics) bySlug[t.slug] = t;
        const tagOrder = Object.keys(json.tags)
          .sort((a, b) => json.tags[a].localeCompare(json.tags[b]));
        data = {index: lunr.Index.load(json.index), rules: json.rules, tags: json.tags,
                tagOrder, bySlug, slugs: json.topics.map((t) => t.slug).sort(), root: ""};
        data.timing = {fetch: fetched - started, load: performance.now() - fetched};
      }).catch((err) => {
        loading = null; // let a later visit try again
        throw err;
      });
    }
    return loading;
  }

  // Material opens its own search on any page whose URL has ?q= (its shared search links),
  // then drops q from the URL when that search closes. Here q is ours: close it, keep q.
  function closeMaterialSearch() {
    const toggle = document.querySelector('input[data-md-toggle="search"]');
    if (!toggle || !toggle.checked) return;
    const search = location.search;
    toggle.checked = false;
    toggle.dispatchEvent(new Event("change"));
    const field = document.querySelector('[data-md-component="search-query"]');
    if (field) {
      field.value = "";
      field.blur();
    }
    if (location.search !== search) {
      history.replaceState(history.state, "", location.pathname + search + location.hash);
    }
  }

  function mount() {
    const root = document.getElementById("kb-browse");
    if (!root || root.dataset.kbMounted) return;
    root.dataset.kbMounted = "1";
    const started = performance.now();
    if (new URLSearchParams(location.search).has("q")) closeMaterialSearch();
    load(root).then(() => {
      if (!root.isConnected) return; // navigated away while loading
      data.root = root.dataset.root || "";
      const v = {root, state: readUrl(location.search), els: build(root), found: [], shown: 0};
      view = v;
      history.replaceState(history.state, "", urlOf(v.state)); // drop unknown tags
      typing = false;
      v.els.input.addEventListener("input", () => {
        v.state = {tags: v.state.tags, q: v.els.input.value};
        commit(v.state, "type");
        render(v);
      });
      for (const [tag, f] of Object.entries(v.els.boxes)) {
        f.box.addEventListener("change", () => {
          const tags = data.tagOrder.filter((t) => t === tag ? f.box.checked
                                                             : v.state.tags.includes(t));
          v.state = {tags, q: v.state.q};
          commit(v.state, "facet");
          render(v);
        });
      }
      v.els.more.addEventListener("click", () => showMore(v));
      render(v);
      const now = performance.now();
      // performance.now() counts from the navigation: on a direct load this is the time from
      // page load to first results; after an instant navigation `mount` is the part we own.
      window.kbBrowseTiming = {
        fromNavigation: Math.round(now), mount: Math.round(now - started),
        // Of the first load only (the index is kept across instant navigations): download
        // and JSON parse, then lunr.Index.load.
        fetchJson: Math.round(data.timing.fetch), indexLoad: Math.round(data.timing.load),
        bytes: performance.getEntriesByName(new URL(root.dataset.index, location.href).href)
          .map((e) => e.encodedBodySize)[0],
      };
      document.documentElement.dataset.kbBrowseReady = String(Math.round(now));
    }).catch((err) => {
      const text = "The topic index could not be loaded: " + err.message;
      root.replaceChildren(el("p", {className: "kb-browse__error", textContent: text}));
      console.error(err);
    });
  }

  // Back and Forward within the page: the URL is the state.
  window.addEventListener("popstate", () => {
    if (!view || !view.root.isConnected) return;
    typing = false;
    view.state = readUrl(location.search);
    render(view);
  });

  window.kbBrowse = {mount};
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(() => mount());
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
