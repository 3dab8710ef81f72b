// Formulas: renders the math that pymdownx.arithmatex (generic mode) marks with
// `.arithmatex`, with the KaTeX shipped in the site. KaTeX loads only on a page that has
// math, and runs again after each of Material's instant page changes.
(function () {
  "use strict";
  var base = document.currentScript.src.replace(/[^/]*$/, "");
  var loading = null;

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var css = document.createElement("link");
        css.rel = "stylesheet";
        css.href = base + "katex/katex.min.css";
        document.head.appendChild(css);
        var js = document.createElement("script");
        js.src = base + "katex/katex.min.js";
        js.onload = resolve;
        js.onerror = reject;
        document.head.appendChild(js);
      });
    }
    return loading;
  }

  function render() {
    var nodes = document.querySelectorAll(".arithmatex:not([data-kb-math])");
    if (!nodes.length) return;
    load().then(function () {
      nodes.forEach(function (node) {
        var display = node.tagName === "DIV";
        var tex = node.textContent.trim().replace(/^\\[([]/, "").replace(/\\[)\]]$/, "");
        // trust: false (the default) keeps \href, \url and \html* from making links or markup.
        window.katex.render(tex, node, {
          displayMode: display,
          throwOnError: false,
          strict: "ignore",
          trust: false,
          maxSize: 20,
          maxExpand: 200,
        });
        node.setAttribute("data-kb-math", "");
      });
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(render);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
