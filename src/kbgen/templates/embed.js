// kbgen embed: a summary card for every link to a topic page of this knowledge base.
//
// Another site includes it as
//   <script src="https://kb.example.com/assets/kbgen/embed.js" defer></script>
// It loads the site's topics.js (a script, so no CORS header is needed), then shows the
// topic's title and summary when a reader hovers or focuses any link to
// <kb>/topics/<slug>/. Escape closes the card. Text from the data is set with textContent
// only: nothing in it can become markup.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var root = new URL("../../", script.src); // the script lives at <root>/assets/kbgen/
  var dataUrl = script.getAttribute("data-topics") || new URL("topics.js", root).href;
  var topics = null; // slug -> topic record
  var redirects = Object.create(null); // old slug -> topic slug (the redirect pages)
  var card = null;
  var current = null; // the link whose card is shown
  var hideTimer = 0;

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function slugOf(link) {
    var href = link.getAttribute("href");
    if (!href) return null;
    var url;
    try { url = new URL(href, document.baseURI); } catch (e) { return null; }
    if (url.origin !== root.origin || url.pathname.indexOf(root.pathname + "topics/") !== 0) {
      return null;
    }
    var m = /^([a-z0-9]+(?:-[a-z0-9]+)*)\/?(?:index\.html)?$/.exec(
      url.pathname.slice(root.pathname.length + "topics/".length));
    if (!m) return null;
    var slug = has(redirects, m[1]) ? redirects[m[1]] : m[1];
    return has(topics, slug) ? slug : null;
  }

  function linkOf(node) {
    while (node && node.nodeType === 1) {
      if (node.tagName === "A" && node.hasAttribute("href")) return node;
      node = node.parentNode;
    }
    return null;
  }

  function makeCard() {
    var style = document.createElement("style");
    style.textContent =
      ".kbgen-card{position:absolute;z-index:2147483000;max-width:22rem;padding:.6rem .8rem;" +
      "border:1px solid #8888;border-radius:.4rem;background:#fff;color:#222;" +
      "box-shadow:0 .2rem .8rem #0003;font:.85rem/1.4 system-ui,sans-serif;text-align:left}" +
      ".kbgen-card[hidden]{display:none}.kbgen-card strong{display:block;margin-bottom:.2rem}" +
      ".kbgen-card p{margin:0}.kbgen-card small{display:block;margin-top:.3rem;opacity:.7}" +
      "@media (prefers-color-scheme:dark){.kbgen-card{background:#222;color:#eee}}";
    document.head.appendChild(style);
    card = document.createElement("div");
    card.className = "kbgen-card";
    card.id = "kbgen-card";
    card.setAttribute("role", "tooltip");
    card.hidden = true;
    card.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    card.addEventListener("mouseleave", scheduleHide);
    document.body.appendChild(card);
  }

  function show(link, slug) {
    var topic = topics[slug];
    if (!card) makeCard();
    clearTimeout(hideTimer);
    if (current && current !== link) current.removeAttribute("aria-describedby");
    var title = document.createElement("strong");
    title.textContent = topic.title;
    var summary = document.createElement("p");
    summary.textContent = topic.summary || "";
    var parts = [title, summary];
    if (topic.aliases && topic.aliases.length) {
      var names = document.createElement("small");
      names.textContent = "Also: " + topic.aliases.join(", ");
      parts.push(names);
    }
    card.replaceChildren.apply(card, parts);
    card.hidden = false;
    var box = link.getBoundingClientRect();
    var left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - card.offsetWidth - 8));
    card.style.left = left + window.scrollX + "px";
    card.style.top = box.bottom + window.scrollY + 6 + "px";
    link.setAttribute("aria-describedby", card.id);
    current = link;
  }

  function hide() {
    clearTimeout(hideTimer);
    if (card) card.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 200);
  }

  function enter(event) {
    var link = linkOf(event.target);
    var slug = link && slugOf(link);
    if (slug) show(link, slug);
  }

  function leave(event) {
    var link = linkOf(event.target);
    if (link && link === current && !link.contains(event.relatedTarget)) scheduleHide();
  }

  function start(data) {
    topics = Object.create(null);
    (data && data.topics || []).forEach(function (t) {
      if (t && typeof t.slug === "string" && typeof t.title === "string") topics[t.slug] = t;
    });
    var moved = data && data.redirects;
    if (moved && typeof moved === "object") {
      Object.keys(moved).forEach(function (old) {
        if (typeof moved[old] === "string") redirects[old] = moved[old];
      });
    }
    document.addEventListener("mouseover", enter);
    document.addEventListener("focusin", enter);
    document.addEventListener("mouseout", leave);
    document.addEventListener("focusout", function (event) {
      if (linkOf(event.target) === current) hide();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && current) hide();
    });
  }

  // topics.js calls window.kbgenTopics[<its own URL>] = data.
  var loader = document.createElement("script");
  loader.src = dataUrl;
  loader.async = true;
  loader.onload = function () {
    var store = window.kbgenTopics || {};
    start(store[loader.src]);
  };
  document.head.appendChild(loader);
})();
