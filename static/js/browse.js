// Progressive enhancement of the findings and letters pages. Without JavaScript every facet
// and chip is a plain link and the form a plain GET. With it, the results are fetched and
// swapped in place, the URL is kept as a permalink, and the new result count and facet
// changes are announced through the aria-live region.
(function () {
  "use strict";
  var root = document.getElementById("browse");
  var live = document.getElementById("live-status");
  if (!root || !window.fetch || !window.history || !window.DOMParser) return;

  function describe(doc) {
    var count = doc.getElementById("result-count");
    var chips = doc.querySelectorAll(".chip");
    var text = count ? count.textContent.trim() : "";
    if (chips.length) {
      text += " Chosen: " + Array.prototype.map.call(chips, function (chip) {
        return chip.textContent.replace("×", "").trim();
      }).join(", ") + ".";
    }
    return text + " Filter counts updated.";
  }

  function load(url, push) {
    root.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("browse");
        if (!fresh) { window.location.href = url; return; }
        root.innerHTML = fresh.innerHTML;
        document.title = doc.title;
        if (push) window.history.pushState({}, "", url);
        if (live) live.textContent = describe(doc);
      })
      .catch(function () { window.location.href = url; })
      .finally(function () { root.removeAttribute("aria-busy"); });
  }

  root.addEventListener("click", function (event) {
    var link = event.target.closest("a.facet-value, a.chip, a.clear-all, .pagination a");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    var focusValue = link.classList.contains("facet-value") ? link.getAttribute("data-value") : null;
    var facet = link.closest("[data-facet]");
    var facetName = facet ? facet.getAttribute("data-facet") : null;
    load(link.href, true).then(function () {
      // Keep keyboard users where they were: on the same facet value, or on the results.
      var target = null;
      if (focusValue && facetName) {
        target = root.querySelector('[data-facet="' + facetName + '"] a[data-value="' + CSS.escape(focusValue) + '"]');
      }
      (target || document.getElementById("result-count")).focus({ preventScroll: !!target });
    });
  });

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "get") return;
    event.preventDefault();
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) {
      if (params.get(key) === "") params.delete(key);
    });
    load(window.location.pathname + "?" + params.toString(), true);
  });

  window.addEventListener("popstate", function () { load(window.location.href, false); });
})();
