/* The dashboard's charts: each <canvas data-chart="id"> is drawn with the vendored Chart.js
   from the JSON in <script id="id" type="application/json">, then marked data-drawn="true".
   No animation when the reader asks for reduced motion; text as large as the page's. */
(function () {
  "use strict";

  // Dark enough on white for graphics (3:1 or more), and told apart by more than hue.
  var COLOURS = ["#1f4e9c", "#a4161a", "#1b5e20", "#6a3d9a", "#8a4b08", "#00606b", "#4a4a4a", "#b0306a"];

  function pageFontSize() {
    var size = parseFloat(window.getComputedStyle(document.documentElement).fontSize);
    return isNaN(size) ? 16 : Math.round(size * 0.8125);
  }

  function numbers(values) {
    return values.map(function (value) {
      return value === null ? null : Number(value);
    });
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || !window.Chart) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var kind = canvas.dataset.kind;
    var stacked = kind === "stacked";
    var reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var datasets = spec.datasets.map(function (set, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: set.label,
        data: numbers(set.data),
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: kind === "line" ? 3 : 0,
        pointRadius: kind === "line" ? 4 : 0,
        pointStyle: ["circle", "rect", "triangle", "rectRot", "star", "cross"][index % 6],
        spanGaps: false
      };
    });
    var unit = spec.unit || "";
    var ticks = {
      color: "#1a1a1a",
      callback: function (value) {
        return value + unit;
      }
    };
    if (spec.whole) {
      ticks.precision = 0;
    }
    var valueAxis = { beginAtZero: true, stacked: stacked, ticks: ticks, grid: { color: "#c8c8c8" } };
    if (spec.max) {
      valueAxis.max = spec.max;
    }
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: reduce ? false : { duration: 300 },
        maintainAspectRatio: false,
        responsive: true,
        scales: {
          x: { stacked: stacked, ticks: { color: "#1a1a1a", autoSkip: true, maxRotation: 60 }, grid: { display: false } },
          y: valueAxis
        },
        plugins: {
          legend: {
            display: datasets.length > 1,
            position: "bottom",
            labels: {
              color: "#1a1a1a",
              boxWidth: 14,
              usePointStyle: true,
              padding: 12,
              font: { size: pageFontSize() + 1 }
            }
          },
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = context.parsed.y;
                return context.dataset.label + ": " + (value === null ? "—" : value + unit);
              }
            }
          }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }

  function drawAll() {
    if (window.Chart) {
      window.Chart.defaults.font.size = pageFontSize();
      window.Chart.defaults.color = "#1a1a1a";
    }
    document.querySelectorAll("figure.chart canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
