// Initialise every [data-chart] element from the JSON option emitted by json_script.
// A map chart names its GeoJSON with data-map-name / data-map-url; it is fetched once and registered.
(function () {
  "use strict";
  var mapsLoaded = {};

  function loadMap(name, url) {
    if (!name || !url) return Promise.resolve();
    if (!mapsLoaded[name]) {
      mapsLoaded[name] = fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error("地图数据加载失败：" + r.status); return r.json(); })
        .then(function (geo) { window.echarts.registerMap(name, geo); });
    }
    return mapsLoaded[name];
  }

  function initChart(el) {
    if (el.dataset.chartReady === "1" || !window.echarts) return;
    var source = document.getElementById(el.dataset.chart);
    if (!source) return;
    var option = JSON.parse(source.textContent);
    el.dataset.chartReady = "1";
    loadMap(el.dataset.mapName, el.dataset.mapUrl).then(function () {
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.dataset.chartRendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
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

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { initAll(evt.target); });
  window.bizenvCharts = { initAll: initAll };
})();
