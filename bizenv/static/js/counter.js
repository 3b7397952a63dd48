// Live character counters: a field with data-counter="ID" shows "已输入 N 字，最多 M 字" in #ID as the user types
// (M from the field's maxlength). Works for fields swapped in by htmx too.
(function () {
  "use strict";

  function update(field) {
    var target = document.getElementById(field.dataset.counter);
    if (!target) return;
    var count = Array.from(field.value || "").length;
    var max = parseInt(field.getAttribute("maxlength") || "0", 10);
    target.textContent = "已输入 " + count + " 字" + (max ? "，最多 " + max + " 字" : "");
    target.classList.toggle("over", max > 0 && count > max);
  }

  document.addEventListener("input", function (event) {
    if (event.target && event.target.dataset && event.target.dataset.counter) update(event.target);
  });

  function initAll() {
    document.querySelectorAll("[data-counter]").forEach(update);
  }

  document.addEventListener("DOMContentLoaded", initAll);
  document.addEventListener("htmx:afterSettle", initAll);
})();
