// The faceted browse page (/browse/): tag facets with counts, a text filter, state in the URL.
// Searches the chunked index of kbgen/search_index.py with search-query.js, the engine of
// the header search too: only the files a query needs are fetched.
// Material's instant navigation swaps pages without reloading and re-runs this script, so
// it mounts once per #kb-browse element, on direct load and on every page swap.
(function () {
  "use strict";
  if (window.kbBrowse) {
    window.kbBrowse.mount(); // re-run by instant navigation: the code is already here
    return;
  }

  const PAGE = 20; // results rendered at a time; "Show more" adds the next page
  const FACETS = "Tags (topics must have every tag selected)";
  let data = null; // the engine, tags and bitmaps, kept across instant navigations
  let view = null; // the mounted page: {root, state, els}
  let asked = 0; // the latest render; an older one that finishes later is dropped

  // ---- Search (kbgen/search_index.py's rules, run by search-query.js) ------------------

  // Topic numbers matching the state, best first, and the facet counts among them.
  async function results(state) {
    const hits = await data.engine.rank(state.q);
    const found = await data.engine.withTags(hits.map((h) => h[1]), state.tags);
    const counts = {};
    for (const tag of data.tagOrder) {
      const bits = data.bitmaps[tag];
      let n = 0;
      for (const d of found) n += (bits[d >> 3] >> (d & 7)) & 1;
      counts[tag] = n;
    }
    return {found, counts};
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
    // On a phone the facets fold away under their summary; wider, they start open.
    const fold = el("details", {className: "kb-browse__fold",
                                open: window.matchMedia("(min-width: 45em)").matches}, [
      el("summary", {className: "kb-browse__fold-summary",
                     textContent: FACETS}),
      el("fieldset", {className: "kb-browse__tags"},
         [el("legend", {textContent: FACETS}), facets]),
    ]);
    const form = el("form", {className: "kb-browse__form"}, [
      el("label", {htmlFor: input.id, className: "kb-browse__label",
                   textContent: "Filter by name, tag or words of the text"}),
      input,
      fold,
    ]);
    form.setAttribute("role", "search");
    form.addEventListener("submit", (e) => e.preventDefault());
    root.replaceChildren(form, status, list, more);
    return {input, boxes, status, list, more, fold};
  }

  // A result: the title, the one-sentence summary, and tag chips linking to the Tags page.
  function resultItem(topic) {
    const link = el("a", {href: data.root + topic.url, textContent: topic.title});
    const item = el("li", {className: "kb-browse__result"}, [el("h2", {}, [link])]);
    item.dataset.slug = topic.slug;
    if (topic.summary) item.append(el("p", {textContent: topic.summary}));
    if (topic.tags.length) {
      const tags = el("ul", {className: "kb-browse__topic-tags"});
      tags.setAttribute("aria-label", "Tags");
      for (const tag of topic.tags) {
        const href = data.root + "tags/#" + encodeURI(data.anchors[tag] || "");
        tags.append(el("li", {}, [el("a", {href, textContent: data.tags[tag] || tag})]));
      }
      item.append(tags);
    }
    return item;
  }

  async function showMore(v) {
    const mine = asked;
    const next = v.found.slice(v.shown, v.shown + PAGE);
    v.shown += next.length;
    v.root.dataset.kbBusy = "1";
    const topics = await Promise.all(next.map((d) => data.engine.topic(d)));
    if (mine !== asked) return;
    v.els.list.append(...topics.map(resultItem));
    const left = v.found.length - v.shown;
    v.els.more.hidden = left <= 0;
    v.els.more.textContent = `Show ${Math.min(left, PAGE)} more (${left} not shown)`;
    delete v.root.dataset.kbBusy;
  }

  async function render(v) {
    const mine = ++asked;
    const {state, els} = v;
    v.root.dataset.kbBusy = "1";
    const {found, counts} = await results(state);
    if (mine !== asked) return;
    v.found = found;
    for (const [tag, f] of Object.entries(els.boxes)) {
      const n = counts[tag] || 0;
      f.box.checked = state.tags.includes(tag);
      f.box.disabled = n === 0 && !f.box.checked; // a selected tag can always be cleared
      f.count.textContent = String(n);
      f.label.classList.toggle("kb-browse__facet--empty", f.box.disabled);
    }
    if (els.input.value !== state.q) els.input.value = state.q;
    const n = v.found.length;
    // A shared name's disambiguation page (numbered past the topics) leads the results
    // but is not counted among the topics.
    const pages = v.found.filter((d) => d >= data.count).length;
    const counted = n - pages;
    const also = pages === 1 ? " and a disambiguation page" : ` and ${pages} disambiguation pages`;
    // The ticked tags are named, for a phone whose facets are folded away too.
    const names = state.tags.map((t) => data.tags[t]);
    const tagged = names.length
      ? ` tagged ${names.length > 1 ? names.slice(0, -1).join(", ") + " and " : ""}${names.at(-1)}`
      : "";
    els.status.textContent = (counted === 1 ? "1 topic" : `${counted} topics`) + tagged
      + (pages ? also : "");
    const summary = els.fold.querySelector("summary");
    summary.textContent = FACETS + (names.length ? `: ${names.length} selected` : "");
    v.shown = 0;
    // Each result is shown as soon as it and those before it are in (their chunks load in
    // parallel); the last results stay until the first new one replaces them.
    const first = v.found.slice(0, PAGE).map((d) => data.engine.topic(d));
    if (!first.length) els.list.replaceChildren();
    for (const [i, pending] of first.entries()) {
      const item = resultItem(await pending);
      if (mine !== asked) return;
      if (i > 0) {
        els.list.append(item);
        continue;
      }
      els.list.replaceChildren(item);
      const html = document.documentElement.dataset;
      html.kbBrowseShown = html.kbBrowseShown || String(Math.round(performance.now()));
    }
    v.shown = first.length;
    const left = v.found.length - v.shown;
    els.more.hidden = left <= 0;
    els.more.textContent = `Show ${Math.min(left, PAGE)} more (${left} not shown)`;
    delete v.root.dataset.kbBusy;
  }

  // ---- Loading and mounting ------------------------------------------------------------

  // The engine is search-query.js, loaded by every page for the header search.
  let loading = null;
  function load(root) {
    if (!loading) {
      const started = performance.now();
      const base = new URL(root.dataset.index, location.href);
      const engine = window.kbSearch.Searcher((name) =>
        fetch(new URL(name, base)).then((r) => {
          if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
          return r.json();
        }));
      loading = Promise.all([engine.ready(), engine.tagBitmaps()]).then(([meta, sets]) => {
        const names = Object.fromEntries(meta.tags.map(([t, name]) => [t, name]));
        const anchors = Object.fromEntries(meta.tags.map(([t, , anchor]) => [t, anchor]));
        const tagOrder = Object.keys(names).sort((a, b) => names[a].localeCompare(names[b]));
        const bitmaps = Object.fromEntries(tagOrder.map((t) => [t, sets.get(t) || new Uint8Array(0)]));
        data = {engine, tags: names, anchors, tagOrder, bitmaps, base, root: "", count: meta.count};
        data.timing = {load: performance.now() - started};
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
      return render(v);
    }).then(() => {
      if (!view || view.root !== root) return;
      const now = performance.now();
      // performance.now() counts from the navigation: on a direct load this is the time from
      // page load to first results; after an instant navigation `mount` is the part we own.
      const index = data.base.href;
      window.kbBrowseTiming = {
        fromNavigation: Math.round(now), mount: Math.round(now - started),
        load: Math.round(data.timing.load), // meta.json and tag-bitmaps.json, on the first visit
        bytes: performance.getEntriesByType("resource").filter((e) => e.name.startsWith(index))
          .reduce((n, e) => n + e.encodedBodySize, 0),
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
