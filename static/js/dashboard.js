// The dashboard's charts (Chart.js, served from our static files), drawn from the numbers the
// page also lists in its tables. Without JavaScript the tables remain.
(function () {
  "use strict";

  var DAY = 86400;
  var palette = { won: "#2f5bd3", goal: "#9aa5b1", stage: "#8b5cf6", median: "#0e9f6e", p90: "#d97706" };

  // Numbers as the page's tables write them: the server says which separators and where the
  // currency goes for the page's language (Intl's Spanish would group 300.000, the tables 300 000).
  var style = { group: ",", decimal: ".", money_prefix: "", money_suffix: "" };

  function digits(value) {
    var whole = String(Math.abs(Math.round(value)));
    var grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, style.group);
    return (value < 0 ? "-" : "") + grouped;
  }

  function number(value) {
    return value === null ? "—" : digits(value);
  }

  function money(value) {
    return value === null ? "—" : style.money_prefix + digits(value) + style.money_suffix;
  }

  function moneyTooltip(context) {
    return context.dataset.label + ": " + money(context.parsed.y !== undefined && context.chart.options.indexAxis !== "y" ? context.parsed.y : context.parsed.x);
  }

  function bar(canvas, labels, datasets, options) {
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {}),
    });
  }

  function draw(data) {
    var pacing = document.getElementById("chart-pacing");
    if (pacing) {
      new window.Chart(pacing, {
        type: "line",
        data: {
          labels: data.pacing.labels,
          datasets: [
            { label: pacing.dataset.won || "Won", data: data.pacing.won, borderColor: palette.won, backgroundColor: palette.won, pointRadius: 0, borderWidth: 3, spanGaps: false },
            { label: pacing.dataset.goal || "Goal", data: data.pacing.goal, borderColor: palette.goal, borderDash: [6, 4], pointRadius: 0, borderWidth: 2 },
          ],
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: "index", intersect: false },
          plugins: { tooltip: { callbacks: { label: moneyTooltip } } },
          scales: { y: { beginAtZero: true, ticks: { callback: money } }, x: { ticks: { maxTicksLimit: 12 } } },
        },
      });
    }
    var stages = document.getElementById("chart-stages");
    if (stages) {
      bar(stages, data.stages.labels, [
        { label: stages.dataset.label || "Entered", data: data.stages.entered, backgroundColor: palette.stage },
      ], { plugins: { legend: { display: false } }, scales: { y: { ticks: { callback: number } } } });
    }
    var time = document.getElementById("chart-time");
    if (time) {
      var days = function (values) { return values.map(function (v) { return v === null ? null : v / DAY; }); };
      bar(time, data.time.labels, [
        { label: time.dataset.median || "Median", data: days(data.time.median), backgroundColor: palette.median },
        { label: time.dataset.p90 || "90%", data: days(data.time.p90), backgroundColor: palette.p90 },
      ], { scales: { y: { title: { display: true, text: time.dataset.unit || "days" } } } });
    }
    var sources = document.getElementById("chart-sources");
    if (sources) {
      bar(sources, data.sources.labels, [
        { label: sources.dataset.label || "Revenue", data: data.sources.revenue, backgroundColor: palette.won },
      ], { indexAxis: "y", plugins: { legend: { display: false }, tooltip: { callbacks: { label: moneyTooltip } } }, scales: { x: { ticks: { callback: money } } } });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      select.form.classList.add("js-live");
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    var given = document.getElementById("dashboard-number-style");
    if (given) {
      style = JSON.parse(given.textContent);
    }
    var source = document.getElementById("dashboard-charts");
    if (source && window.Chart) {
      draw(JSON.parse(source.textContent));
    }
  });
})();
