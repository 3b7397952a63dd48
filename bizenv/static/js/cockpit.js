// The cockpit's clock and its full-screen button (Fullscreen API). Charts are drawn by charts.js.
(function () {
  "use strict";
  var WEEKDAYS = "日一二三四五六";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tick() {
    var el = document.getElementById("ck-clock");
    if (!el) return;
    var d = new Date();
    el.textContent = d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 星期" +
      WEEKDAYS.charAt(d.getDay()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
    var button = document.getElementById("ck-fullscreen");
    if (!button) return;
    if (!document.fullscreenEnabled) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      var done = document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen();
      if (done && done.catch) done.catch(function () { /* refused by the browser: stay as we are */ });
    });
    document.addEventListener("fullscreenchange", function () {
      button.textContent = document.fullscreenElement ? "退出全屏" : "全屏";
    });
  });
})();
