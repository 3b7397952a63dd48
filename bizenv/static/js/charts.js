// Initialise every [data-chart] element from the JSON option emitted by json_script.
// A map chart names its GeoJSON with data-map-name / data-map-url; it is fetched once and registered.
// data-click-url drills down: __KEY__ is replaced by the clicked item's key (or its name).
// Charts follow their element's size (window resize, full screen, layout changes); charts whose element
// was swapped out by htmx are disposed.
(function () {
  "use strict";
  var mapsLoaded = {};
  var charts = [];

  function loadMap(name, url) {
    if (!name || !url) return Promise.resolve();
    if (!mapsLoaded[name]) {
      mapsLoaded[name] = fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error("地图数据加载失败：" + r.status); return r.json(); })
        .then(function (geo) { window.echarts.registerMap(name, geo); });
    }
    return mapsLoaded[name];
  }

  function prune() {
    charts = charts.filter(function (chart) {
      if (chart.getDom().isConnected) return true;
      chart.dispose();
      return false;
    });
  }

  function resizeAll() {
    prune();
    charts.forEach(function (chart) { chart.resize(); });
  }

  // True when some series holds a value (a number, or an item or pair with one).
  function hasData(option) {
    var series = [].concat(option.series || []);
    return series.some(function (s) {
      return [].concat(s.data || []).some(function (d) {
        var v = d !== null && typeof d === "object" && !Array.isArray(d) ? d.value : d;
        if (Array.isArray(v)) return v.some(function (x) { return typeof x === "number" && isFinite(x); });
        return typeof v === "number" && isFinite(v);
      });
    });
  }

  function initChart(el) {
    if (el.dataset.chartReady === "1" || !window.echarts) return;
    var source = document.getElementById(el.dataset.chart);
    if (!source) return;
    var option = JSON.parse(source.textContent);
    el.dataset.chartReady = "1";
    loadMap(el.dataset.mapName, el.dataset.mapUrl).then(function () {
      if (!el.isConnected) return;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      if (!hasData(option)) {
        // A chart the page drew without any value says so instead of showing empty axes.
        option.graphic = [{ type: "text", left: "center", top: "middle", silent: true,
          style: { text: el.dataset.emptyText || "暂无数据", fill: "#66737f", fontSize: 14 } }];
      }
      chart.setOption(option);
      charts.push(chart);
      el.dataset.chartRendered = "1";
      if (window.ResizeObserver) new window.ResizeObserver(function () { chart.resize(); }).observe(el);
      if (el.dataset.clickUrl) {
        chart.on("click", function (params) {
          var key = params.data && params.data.key ? params.data.key : params.name;
          if (key) window.location.href = el.dataset.clickUrl.replace("__KEY__", encodeURIComponent(key));
        });
      }
    }).catch(function (err) {
      el.textContent = err.message;
      el.classList.add("chart-error");
    });
  }

  function initAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(initChart);
  }

  window.addEventListener("resize", resizeAll);
  document.addEventListener("fullscreenchange", resizeAll);
  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  // An outerHTML swap settles on an element that is no longer in the page, so look at the whole page
  // (charts already drawn are skipped).
  document.addEventListener("htmx:afterSettle", function () { prune(); initAll(document); });
  window.bizenvCharts = { initAll: initAll, resizeAll: resizeAll };
})();
