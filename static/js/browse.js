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

  // The filters fold away on a small screen (one "Filters" control above the results) and
  // stay open beside the results on a wide one; a reader's own choice is kept across loads.
  var small = window.matchMedia ? window.matchMedia("(max-width: 50rem)") : null;
  function filters() { return root.querySelector("[data-filters]"); }
  function setFiltersOpen(open) {
    var details = filters();
    if (details) details.open = open;
  }
  setFiltersOpen(!(small && small.matches));
  if (small && small.addEventListener) {
    small.addEventListener("change", function (event) { setFiltersOpen(!event.matches); });
  }

  // Typing in a long facet's "Find" box narrows its list at once; chosen values stay.
  // (Without JavaScript the box is submitted and the server narrows the list the same way.)
  function folded(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  root.addEventListener("input", function (event) {
    var box = event.target.closest("[data-narrow]");
    if (!box) return;
    var list = root.querySelector('[data-facet="' + box.getAttribute("data-narrow") + '"]');
    var status = document.getElementById(box.getAttribute("aria-describedby"));
    if (!list) return;
    var wanted = folded(box.value);
    var shown = 0;
    var hidden = 0;
    list.querySelectorAll("li").forEach(function (item) {
      var label = item.querySelector(".facet-label");
      var keep = !wanted || item.querySelector(".is-selected") ||
        (label && folded(label.textContent).indexOf(wanted) !== -1);
      item.hidden = !keep;
      if (keep) { shown += 1; } else { hidden += 1; }
    });
    if (status) status.textContent = wanted ? shown + " shown, " + hidden + " hidden." : "";
  });

  function load(url, push) {
    var details = filters();
    var filtersOpen = details ? details.open : true;
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
        setFiltersOpen(filtersOpen);
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
    var narrow = form.querySelector("[data-narrow]");
    load(window.location.pathname + "?" + params.toString(), true).then(function () {
      // A "Find" box keeps the focus, so the reader goes on to the values it left.
      var box = narrow && document.getElementById(narrow.id);
      if (box) box.focus();
    });
  });

  window.addEventListener("popstate", function () { load(window.location.href, false); });
})();
