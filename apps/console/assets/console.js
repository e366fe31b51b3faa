// The console's only script of its own: the traffic chart (uPlot), refreshed every 10 s.
// No inline code anywhere: the page's CSP allows scripts from this origin only.
(function () {
  'use strict';
  var COLORS = { ANSWERED: '#34a853' };
  var PALETTE = ['#c62828', '#f0a500', '#2456d6', '#8e24aa', '#00897b', '#6d4c41', '#d81b60', '#546e7a'];
  var chart;
  var shownReasons = '';

  function colorOf(reason, i) {
    return COLORS[reason] || PALETTE[i % PALETTE.length];
  }

  function render(el, data) {
    var width = Math.max(320, el.clientWidth - 8);
    var rows = [data.at.map(function (ms) { return ms / 1000; })].concat(data.series);
    if (chart && shownReasons === data.reasons.join(',')) {
      chart.setData(rows);
      return;
    }
    if (chart) chart.destroy();
    el.textContent = '';
    shownReasons = data.reasons.join(',');
    var series = [{}].concat(data.reasons.map(function (reason, i) {
      return { label: reason, stroke: colorOf(reason, i), width: 2, points: { show: false } };
    }));
    chart = new window.uPlot({
      width: width,
      height: 240,
      series: series,
      scales: { y: { range: function (_u, _min, max) { return [0, Math.max(1, max)]; } } },
      axes: [{}, { label: 'calls per sample', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] }],
    }, rows, el);
  }

  function load(el) {
    fetch(el.dataset.src, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (data) {
        if (data.at.length === 0) {
          el.textContent = 'No samples yet: the first arrive within a sampling interval.';
          el.dataset.state = 'empty';
          return;
        }
        render(el, data);
        el.dataset.state = 'drawn';
        el.dataset.samples = String(data.at.length);
      })
      .catch(function (err) { el.textContent = 'Traffic unavailable: ' + err.message; el.dataset.state = 'error'; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var el = document.getElementById('traffic-chart');
    if (!el || !window.uPlot) return;
    load(el);
    setInterval(function () { load(el); }, 10000);
  });
})();
