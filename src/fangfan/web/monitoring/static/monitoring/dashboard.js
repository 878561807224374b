/* 监测总览: draws the charts from the numbers the page carries in
 * <script type="application/json" id="monitoring-dashboard-data"> (Django's json_script).
 * Every number is also in the table beside its chart, so the page reads without this. */
(function () {
  "use strict";

  var COLOURS = {
    red: "#b42318",
    orange: "#dd6b20",
    blue: "#2f6fad",
    teal: "#2c7a7b",
    grey: "#9aa5b1",
    green: "#2f855a"
  };
  var COUNT_AXIS = { beginAtZero: true, ticks: { precision: 0 } };

  function readData() {
    var element = document.getElementById("monitoring-dashboard-data");
    return element ? JSON.parse(element.textContent) : null;
  }

  function options(extra) {
    var result = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } }
    };
    Object.keys(extra || {}).forEach(function (key) { result[key] = extra[key]; });
    return result;
  }

  function draw(name, config) {
    var canvas = document.querySelector('canvas[data-chart="' + name + '"]');
    if (canvas) {
      // eslint-disable-next-line no-new
      new window.Chart(canvas, config);
    }
  }

  function bars(labels, datasets, extra) {
    return { type: "bar", data: { labels: labels, datasets: datasets }, options: options(extra) };
  }

  function start() {
    var data = readData();
    if (!data || !window.Chart) {
      return;
    }
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    var stacked = { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } };
    draw("categories", bars(data.categories.labels, [
      { label: "监测中", data: data.categories.monitoring, backgroundColor: COLOURS.red },
      { label: "已提出风险消除", data: data.categories.proposed, backgroundColor: COLOURS.orange },
      { label: "风险已消除", data: data.categories.eliminated, backgroundColor: COLOURS.green }
    ], { scales: stacked }));
    draw("risks", bars(data.risks.labels, [
      { label: "户数", data: data.risks.values, backgroundColor: COLOURS.blue }
    ], {
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: { x: COUNT_AXIS, y: { ticks: { autoSkip: false } } }
    }));
    draw("stages", bars(data.stages.labels, [{
      label: "户数",
      data: data.stages.values,
      backgroundColor: [COLOURS.orange, COLOURS.red, COLOURS.teal, COLOURS.green]
    }], { plugins: { legend: { display: false } }, scales: { y: COUNT_AXIS } }));
    draw("months", {
      type: "line",
      data: {
        labels: data.months.labels,
        datasets: [
          { label: "新识别纳入监测（控增量）", data: data.months.identified, borderColor: COLOURS.red, backgroundColor: COLOURS.red },
          { label: "风险消除（减存量）", data: data.months.eliminated, borderColor: COLOURS.green, backgroundColor: COLOURS.green }
        ]
      },
      options: options({ scales: { y: COUNT_AXIS } })
    });
    if (data.children.labels.length) {
      draw("children", bars(data.children.labels, [
        { label: "监测中", data: data.children.monitored, backgroundColor: COLOURS.red },
        { label: "风险已消除", data: data.children.eliminated, backgroundColor: COLOURS.green },
        { label: "无帮扶措施户", data: data.children.withoutMeasures, backgroundColor: COLOURS.orange },
        { label: "回访超期", data: data.children.overdue, backgroundColor: COLOURS.grey }
      ], { scales: { y: COUNT_AXIS } }));
    }
    document.body.classList.add("charts-drawn");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
