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

  // PLANTED (P104): a banner is put in above the invoices a moment after the page has shown, with
  // no space kept for it, so everything below jumps down while the customer reads.
  setTimeout(function () {
    var banner = document.createElement("aside");
    banner.className = "card notice";
    banner.style.minHeight = "360px";
    banner.innerHTML = "<h2>Save with a fixed price</h2><p>Lock your price for 12 months.</p>";
    var first = document.querySelector("main section");
    if (first) {
      first.parentNode.insertBefore(banner, first);
    }
  }, 300);
})();
