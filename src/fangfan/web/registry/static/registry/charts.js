/* 防返 dashboards: draws the charts from the numbers the page carries in
 * <script type="application/json" id="dashboard-data"> (Django's json_script).
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
  var TYPE_COLOURS = [COLOURS.blue, COLOURS.orange, COLOURS.grey, COLOURS.teal];

  function readData() {
    var element = document.getElementById("dashboard-data");
    return element ? JSON.parse(element.textContent) : null;
  }

  function commonOptions(extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } }
    };
    Object.keys(extra || {}).forEach(function (key) { options[key] = extra[key]; });
    return options;
  }

  function draw(canvas, config) {
    if (canvas) {
      // eslint-disable-next-line no-new
      new window.Chart(canvas, config);
    }
  }

  function typesChart(canvas, types) {
    draw(canvas, {
      type: "bar",
      data: {
        labels: types.labels,
        datasets: [
          { label: "户数", data: types.households, backgroundColor: COLOURS.blue },
          { label: "人数", data: types.people, backgroundColor: COLOURS.teal }
        ]
      },
      options: commonOptions({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
    });
  }

  function categoriesChart(canvas, categories) {
    draw(canvas, {
      type: "bar",
      data: {
        labels: categories.labels,
        datasets: [
          { label: "否决项", data: categories.veto, backgroundColor: COLOURS.red },
          { label: "其他", data: categories.other, backgroundColor: COLOURS.orange }
        ]
      },
      options: commonOptions({
        indexAxis: "y",
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked: true, ticks: { autoSkip: false } }
        }
      })
    });
  }

  function changeChart(canvas, change) {
    draw(canvas, {
      type: "bar",
      data: {
        labels: change.labels,
        datasets: [{
          label: "问题条数",
          data: change.values,
          backgroundColor: [COLOURS.red, COLOURS.orange, COLOURS.green]
        }]
      },
      options: commonOptions({
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      })
    });
  }

  function childrenChart(canvas, children) {
    draw(canvas, {
      type: "bar",
      data: {
        labels: children.labels,
        datasets: [
          { label: "户数", data: children.households, backgroundColor: COLOURS.grey },
          { label: "有问题户", data: children.withFindings, backgroundColor: COLOURS.orange },
          { label: "有否决项户", data: children.withVeto, backgroundColor: COLOURS.red }
        ]
      },
      options: commonOptions({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
    });
  }

  function start() {
    var data = readData();
    if (!data || !window.Chart) {
      return;
    }
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    var find = function (name) { return document.querySelector('canvas[data-chart="' + name + '"]'); };
    typesChart(find("types"), data.types);
    categoriesChart(find("categories"), data.categories);
    changeChart(find("change"), data.change);
    if (data.children.labels.length) {
      childrenChart(find("children"), data.children);
    }
    document.body.classList.add("charts-drawn");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
