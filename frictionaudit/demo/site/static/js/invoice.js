// Nordlys Energi – the invoice page: draws the cost-per-day chart.
//
// PLANTED (E101): the page never defines window.nordlysChart, so reading
// `config.series` below throws an uncaught TypeError on every page load
// ("Cannot read properties of undefined (reading 'series')").
var config = window.nordlysChart;
var days = config.series.map(function (point) {
  return point.day + ": kr " + point.cost;
});
document.getElementById("cost-chart").textContent = days.join(", ");
