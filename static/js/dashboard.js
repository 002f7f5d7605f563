// The manager dashboard: draws the two Chart.js charts from the numbers the page already carries (json_script),
// adds "select all" to the stalled list and shows only the fields the chosen action needs.
// Without JavaScript the tables under each chart carry the same numbers and the action form shows every field.
(function () {
  "use strict";

  const COLOURS = ["#1d5bb8", "#1b6636", "#a1261b", "#7a4d00", "#4b2a84", "#175e55", "#b5446e", "#4f5a6b"];
  const charts = new Map();

  function chartData() {
    const node = document.getElementById("dashboard-chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(canvas, config) {
    const old = charts.get(canvas.dataset.chart);
    if (old) old.destroy();
    charts.set(canvas.dataset.chart, new window.Chart(canvas, config));
  }

  function attemptsChart(canvas, data) {
    draw(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map((set, i) => ({
          label: set.label,
          data: set.data,
          borderColor: COLOURS[i % COLOURS.length],
          backgroundColor: COLOURS[i % COLOURS.length],
          borderWidth: 2,
          pointRadius: data.labels.length > 31 ? 0 : 2,
          tension: 0.25,
        })),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, title: { display: true, text: "attempts" } }, x: { ticks: { maxTicksLimit: 10 } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  function persistenceChart(canvas, data) {
    draw(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Reached on this attempt (%)", data: data.share, backgroundColor: "#9ab3dc", order: 3 },
          {
            type: "line", label: "Your team: reached by then (%)", data: data.cumulative,
            borderColor: "#1d5bb8", backgroundColor: "#1d5bb8", borderWidth: 2, pointRadius: 3, order: 2,
          },
          {
            type: "line", label: "The studies: 48% on the 1st, 93% by the 6th", data: data.study, showLine: false,
            borderColor: "#1b6636", backgroundColor: "#1b6636", pointStyle: "rectRot", pointRadius: 7, order: 1,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { beginAtZero: true, max: 100, ticks: { callback: (v) => v + "%" } },
          x: { title: { display: true, text: "attempt" } },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  function drawCharts(root) {
    if (!window.Chart) return;
    const data = chartData();
    if (!data) return;
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      if (canvas.dataset.chart === "attempts") attemptsChart(canvas, data.attempts);
      if (canvas.dataset.chart === "persistence") persistenceChart(canvas, data.persistence);
    });
  }

  function enhanceActions(root) {
    const selectAll = root.querySelector("[data-select-all]");
    if (selectAll) {
      selectAll.hidden = false;
      const boxes = () => root.querySelectorAll("input[name='leads']");
      selectAll.addEventListener("change", () => boxes().forEach((box) => { box.checked = selectAll.checked; }));
    }
    const bulk = root.querySelector("[data-bulk]");
    if (!bulk) return;
    const action = bulk.querySelector("select[name='action']");
    const sync = () => bulk.querySelectorAll("[data-for]").forEach((field) => {
      field.hidden = field.dataset.for !== action.value;
    });
    action.addEventListener("change", sync);
    sync();
  }

  function init(root) {
    if (!root.querySelector) return;
    if (root.querySelector("canvas[data-chart]")) drawCharts(root);
    if (root.querySelector("[data-bulk], [data-select-all]")) enhanceActions(root);
  }

  // htmx.onLoad runs for the page and again for every swapped region (filters, paging, bulk actions).
  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", () => init(document));
  }
})();
