/* kbgen page helpers on top of Material for MkDocs: no external requests, no libraries.
 * - The 404 page suggests the topics whose names are closest to the missing address,
 *   from the site's own topics.json.
 * - The Tags page opens the folded tag an address points to (tags/#tag:…).
 */
(function () {
  "use strict";

  /** Lower-case letters and digits of a name or an address, words joined by spaces. */
  function words(text) {
    return (text.normalize("NFKD").toLowerCase().match(/[a-z0-9]+/g) || []).join(" ");
  }

  /** Character bigrams of a string, counted. */
  function bigrams(text) {
    const grams = new Map();
    const s = " " + text + " ";
    for (let i = 0; i < s.length - 1; i++) {
      const g = s.slice(i, i + 2);
      grams.set(g, (grams.get(g) || 0) + 1);
    }
    return grams;
  }

  /** Dice similarity of two strings' bigrams: 1 for equal strings, 0 for nothing shared. */
  function similarity(a, b) {
    const x = bigrams(a), y = bigrams(b);
    let shared = 0, total = 0;
    for (const [g, n] of x) { shared += Math.min(n, y.get(g) || 0); total += n; }
    for (const n of y.values()) total += n;
    return total ? (2 * shared) / total : 0;
  }

  /** The topics closest to a missing address, best first. */
  function closest(path, topics, count) {
    // The last part of the address names the page (`topics/<slug>/`, `<slug>.html`).
    const segments = path.split("/").filter(Boolean).filter((s) => !/^index\.html?$/.test(s));
    let last = segments.length ? segments[segments.length - 1] : "";
    try { last = decodeURIComponent(last); } catch (e) { /* a stray %: keep it as typed */ }
    const wanted = words(last.replace(/\.html?$/, ""));
    if (!wanted) return [];
    return topics
      .map((t) => ({
        topic: t,
        score: Math.max(...[t.slug, t.title, ...t.aliases].map((n) => similarity(wanted, words(n)))),
      }))
      .filter((s) => s.score >= 0.3)
      .sort((a, b) => b.score - a.score || a.topic.title.localeCompare(b.topic.title))
      .slice(0, count)
      .map((s) => s.topic);
  }

  function suggest() {
    const box = document.querySelector(".kb-suggest[data-topics]");
    if (!box || box.dataset.done) return;
    box.dataset.done = "1";
    const index = new URL(box.dataset.topics, location.href);
    fetch(index)
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((data) => {
        const found = closest(location.pathname, data.topics, 5);
        if (!found.length) return;
        const list = box.querySelector("ul");
        for (const topic of found) {
          const item = document.createElement("li");
          const link = document.createElement("a");
          link.href = new URL(topic.url, index).href;
          link.textContent = topic.title; // text, never markup
          item.append(link);
          if (topic.summary) {
            const summary = document.createElement("span");
            summary.className = "kb-suggest__summary";
            summary.textContent = " " + topic.summary;
            item.append(summary);
          }
          list.append(item);
        }
        box.hidden = false;
      })
      .catch(() => {}); // without suggestions the page still offers the ways in
  }

  function openTargetedTag() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView();
    }
  }

  function onPage() {
    suggest();
    openTargetedTag();
  }

  window.addEventListener("hashchange", openTargetedTag);
  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(onPage); // Material's instant navigation: every page switch
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onPage);
  } else {
    onPage();
  }

  window.kbgenPages = { closest, similarity };
})();
