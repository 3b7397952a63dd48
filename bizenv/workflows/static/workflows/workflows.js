// 任务督办 pages: a progress slider follows its number box (and back), also in bodies swapped in by htmx.
(function () {
  "use strict";

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!el || !el.dataset) return;
    var other = el.dataset.syncWith && document.getElementById(el.dataset.syncWith);
    if (other) other.value = el.value;
  });
})();
