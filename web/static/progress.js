// Draws the progress charts from the JSON block the page carries (no inline script: the CSP forbids it).
(function () {
  "use strict";
  var COLORS = { silent: "#2f6f9f", crying: "#6a5acd", prank: "#b26a00", suicidal: "#b3261e",
                 advice: "#2e7d4f", other: "#687083" };

  function draw() {
    var node = document.getElementById("progress-data");
    if (!node || typeof Chart === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    var datasets = Object.keys(data.series).map(function (type) {
      return { label: data.type_labels[type] || type, data: data.series[type], spanGaps: true,
               borderColor: COLORS[type] || "#444", backgroundColor: COLORS[type] || "#444", tension: 0.2 };
    });
    window.hotlineCharts = {
      scores: new Chart(document.getElementById("scores-chart"), {
        type: "line", data: { labels: data.labels, datasets: datasets },
        options: { animation: false, scales: { y: { min: 0, max: 100, title: { display: true, text: data.score_label } } } }
      }),
      skills: new Chart(document.getElementById("skills-chart"), {
        type: "bar",
        data: { labels: data.skills.map(function (s) { return s.label; }),
                datasets: [{ label: data.turns_label, data: data.skills.map(function (s) { return s.count; }),
                             backgroundColor: data.skills.map(function (s) { return s.negative ? "#b3261e" : "#2f6f9f"; }) }] },
        options: { animation: false, indexAxis: "y", plugins: { legend: { display: false } } }
      })
    };
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
