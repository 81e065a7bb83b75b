// Reached from a search without a finding anchor: bring the first matching finding into view.
(function () {
  "use strict";
  if (window.location.hash) return;
  var first = document.querySelector(".findings li.is-match");
  if (first) first.scrollIntoView({ block: "center" });
})();
