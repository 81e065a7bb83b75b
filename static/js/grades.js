// The national grades table sorts in place when a column head is clicked: the same order
// the server gives for ?sort= (each cell's data-key, ties by council name), and the address
// and the CSV link follow, so a reload or a download keeps the order. Without JavaScript the
// heads are plain links to ?sort=.
(function () {
  "use strict";
  var table = document.getElementById("national-grades");
  if (!table) return;
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var download = document.querySelector("a.download");

  function key(row, index) {
    var value = row.cells[index].getAttribute("data-key") || "";
    return /^\d+$/.test(value) ? Number(value) : value;
  }

  function compare(a, b) {
    if (typeof a === "string" && typeof b === "string") return a.localeCompare(b, "en-GB");
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function sortBy(index, descending) {
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var order = compare(key(a, index), key(b, index));
      if (descending) order = -order;
      return order || compare(key(a, 0), key(b, 0));
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function applied(column, descending) {
    var sort = (descending ? "-" : "") + column;
    heads.forEach(function (head) {
      var name = head.getAttribute("data-column");
      var link = head.querySelector("a");
      var arrow = head.querySelector(".sort-arrow");
      if (name === column) {
        head.setAttribute("aria-sort", descending ? "descending" : "ascending");
        link.setAttribute("href", "?sort=" + (descending ? name : "-" + name));
        arrow.textContent = descending ? " ▼" : " ▲";
      } else {
        head.setAttribute("aria-sort", "none");
        link.setAttribute("href", "?sort=" + name);
        arrow.textContent = "";
      }
    });
    table.setAttribute("data-sort", sort);
    if (download) download.setAttribute("href", download.pathname + "?sort=" + sort);
    history.replaceState(null, "", "?sort=" + sort);
  }

  heads.forEach(function (head, index) {
    var link = head.querySelector("a");
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      var wanted = new URLSearchParams(link.getAttribute("href").slice(1)).get("sort");
      var descending = wanted.charAt(0) === "-";
      sortBy(index, descending);
      applied(wanted.replace(/^-/, ""), descending);
    });
  });
})();
