// Nordlys Energi – the invoice list: usage chart and personal tips.
(function () {
  "use strict";

  // PLANTED (E102): the page never gets chart settings (no data-settings attribute),
  // and this script reports it with console.error.
  var chart = document.getElementById("usage-chart");
  var settings = chart ? chart.getAttribute("data-settings") : null;
  if (!settings) {
    console.error("Could not load usage chart settings");
  }

  // PLANTED (N101): /api/recommendations always answers HTTP 500. The page copes with it
  // quietly (no exception, no console call of its own) and shows a fallback text.
  var tips = document.getElementById("recommendations");
  fetch("/api/recommendations", { headers: { Accept: "application/json" } })
    .then(function (response) {
      // Read the whole body even for an error, so the request completes normally.
      return response.json().then(function (data) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return data;
      });
    })
    .then(function (data) {
      tips.textContent = data.tips.join(" ");
    })
    .catch(function () {
      tips.textContent = "Tips are not available right now.";
    });
})();
