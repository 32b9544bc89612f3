/* Live board (叫应看板): polls the board API every few seconds and redraws the figures,
   the tables, the regions on the map coloured by confirmation rate, and the cumulative
   timeline as inline SVG (no chart library, no CDN). */
(function () {
  "use strict";
  var Y = window.Yingji;
  var config = Y.config;
  var LINES = { sent: "#1565c0", delivered: "#00897b", confirmed: "#2e7d32", escalated: "#c62828" };
  var SVG = "http://www.w3.org/2000/svg";
  var layer = null;
  var rows = {};

  function num(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString(); }
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function secs(v) { return v === null || v === undefined ? "—" : Math.round(v) + " s"; }
  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text === null || text === undefined ? "" : String(text);
    return div.innerHTML;
  }
  function levelName(level) { return Y.t("direct.layer." + level); }

  function colour(rate) {
    if (rate === null || rate === undefined) return "#b0bec5";
    if (rate < 0.5) return "#c62828";
    if (rate < 0.8) return "#ef6c00";
    if (rate < 0.95) return "#f9a825";
    return "#2e7d32";
  }

  function figure(path, data) {
    return path.split(".").reduce(function (o, k) { return o ? o[k] : undefined; }, data);
  }

  function setFigures(b) {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var key = el.dataset.figure;
      var value = key.indexOf(".") >= 0 ? figure(key, b) : b.totals[key];
      var kind = el.dataset.kind;
      el.textContent = kind === "rate" ? pct(value) : kind === "seconds" ? secs(value) : num(value);
    });
    var updated = document.querySelector("[data-role=updated]");
    if (updated) updated.textContent = clock(b.now, { second: "2-digit" });
  }

  function figureCells(r) {
    return "<td class=num>" + num(r.targeted) + "</td><td class=num>" + num(r.sent) +
      "</td><td class=num>" + num(r.delivered) + "</td><td class=num>" + num(r.confirmed) +
      "</td><td class=num>" + pct(r.confirm_rate) + "</td><td class=\"num" + (r.unanswered ? " warn" : "") +
      "\">" + num(r.unanswered) + "</td><td class=num>" + num(r.escalated) + "</td><td class=\"num" +
      (r.failed ? " warn" : "") + "\">" + num(r.failed) + "</td>";
  }

  function fill(name, items, cols, row) {
    var body = document.querySelector("tbody[data-table=" + name + "]");
    if (!body) return;
    body.innerHTML = items.length
      ? items.map(row).join("")
      : "<tr class=empty><td colspan=" + cols + ">" + esc(Y.t("board.none")) + "</td></tr>";
  }

  // times read as the server writes them: the installation's zone, 24-hour
  function clock(iso, extra) {
    var options = { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: config.timeZone };
    for (var k in extra || {}) options[k] = extra[k];
    return new Date(iso).toLocaleTimeString("zh-CN", options);
  }
  function time(iso) { return iso ? clock(iso) : ""; }

  function setTables(b) {
    fill("by_layer", b.by_layer, 9, function (r) {
      return "<tr><td>" + esc(Y.pick(r.label)) + "</td>" + figureCells(r) + "</tr>";
    });
    fill("by_region", b.by_region, 9, function (r) {
      return "<tr><td>" + esc(Y.pick(r.name)) + " <small class=muted>" + esc(r.code) + "</small></td>" + figureCells(r) + "</tr>";
    });
    fill("unanswered", b.unanswered, 7, function (r) {
      return "<tr><td>" + esc(r.person) + "</td><td class=tel>" + esc(r.mobile) + "</td><td>" + esc(r.region) +
        " <small class=muted>" + esc(r.region_code) + "</small></td><td>" + esc(levelName(r.layer)) + "</td><td>" +
        esc(time(r.deadline_at)) + "</td><td class=num>" + r.redials + "</td><td>" + esc(Y.t("board.state." + r.state)) + "</td></tr>";
    });
    fill("escalations", b.escalations.items, 5, function (r) {
      var about = r.about.map(function (a) { return a.name; }).join("、");
      return "<tr" + (r.overdue ? " class=overdue" : "") + "><td>" + r.round + "</td><td>" + esc(r.person) + "</td><td>" +
        esc(r.region) + "</td><td>" + esc(about) + "</td><td>" + esc(Y.t("board.state." + r.state)) + "</td></tr>";
    });
    fill("channels", b.channels, 7, function (r) {
      return "<tr><td>" + esc(Y.t("board.channel." + r.channel)) + "</td><td class=num>" + num(r.total) + "</td>" +
        ["pending", "sent", "delivered", "failed", "cancelled"].map(function (k) {
          return "<td class=num>" + num(r[k] || 0) + "</td>";
        }).join("") + "</tr>";
    });
  }

  // --- timeline ------------------------------------------------------------------------------

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function drawTimeline(b) {
    var svg = document.getElementById("board-timeline");
    if (!svg) return;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var empty = document.querySelector("[data-role=timeline-empty]");
    if (empty) empty.hidden = b.timeline.length > 0;
    if (!b.timeline.length) return;
    var W = 640, H = 240, L = 48, R = 12, T = 10, B = 28;
    var start = Date.parse(b.subject.started_at);
    var first = Date.parse(b.timeline[0].minute);
    var t0 = Math.min(start, first);
    var t1 = Math.max(Date.parse(b.now), Date.parse(b.timeline[b.timeline.length - 1].minute) + 60000);
    var totals = {};
    var series = {};
    Object.keys(LINES).forEach(function (k) { totals[k] = 0; series[k] = []; });
    b.timeline.forEach(function (m) {
      var at = Date.parse(m.minute) + 60000;
      Object.keys(LINES).forEach(function (k) {
        if (m[k]) { totals[k] += m[k]; series[k].push([at, totals[k]]); }
      });
    });
    var top = Math.max(1, b.totals.targeted, totals.sent);
    function x(t) { return L + (W - L - R) * (t - t0) / Math.max(t1 - t0, 60000); }
    function y(v) { return T + (H - T - B) * (1 - v / top); }
    [0, 0.5, 1].forEach(function (f) {
      el("line", { x1: L, x2: W - R, y1: y(top * f), y2: y(top * f), "class": "grid" }, svg);
      el("text", { x: L - 6, y: y(top * f) + 4, "text-anchor": "end" }, svg).textContent = Math.round(top * f);
    });
    el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, "class": "axis" }, svg);
    el("text", { x: L, y: H - 8 }, svg).textContent = time(new Date(t0).toISOString());
    el("text", { x: W - R, y: H - 8, "text-anchor": "end" }, svg).textContent = time(new Date(t1).toISOString());
    Object.keys(LINES).forEach(function (k) {
      if (!series[k].length) return;
      var pts = [[x(t0), y(0)]];
      var last = 0;
      series[k].forEach(function (p) { pts.push([x(p[0]), y(last)]); pts.push([x(p[0]), y(p[1])]); last = p[1]; });
      pts.push([x(t1), y(last)]);
      el("polyline", {
        points: pts.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "),
        stroke: LINES[k], "class": "line", "data-series": k
      }, svg);
    });
  }

  // --- map -----------------------------------------------------------------------------------

  var map = null;
  function setupMap() {
    var box = document.getElementById("board-map");
    if (!box || !window.L) return;
    map = window.L.map(box, { attributionControl: Boolean(config.tiles) });
    if (config.tiles) window.L.tileLayer(config.tiles, { maxZoom: 18 }).addTo(map);
    map.setView([30, 107], 6);
    Y.api(config.boardGeo).then(function (fc) {
      layer = window.L.geoJSON(fc, { style: style, onEachFeature: bind }).addTo(map);
      layer.eachLayer(function (lyr) {
        if (groupLevel !== null && lyr.feature.properties.level < groupLevel) lyr.bringToBack();
      });
      if (fc.features && fc.features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      box.dataset.regions = String(fc.features ? fc.features.length : 0);
    }).catch(function () { box.dataset.regions = "error"; });
  }

  var groupLevel = null;

  function style(feature) {
    var r = rows[feature.properties.code];
    if (groupLevel !== null && feature.properties.level < groupLevel) {
      // a region above the grouping level (a county's own persons): outline only, so it
      // does not cover the townships drawn inside it
      return { color: colour(r ? r.confirm_rate : null), weight: 2, dashArray: "5 4", fillOpacity: 0 };
    }
    return { color: "#37474f", weight: 1, fillOpacity: 0.6, fillColor: colour(r ? r.confirm_rate : null) };
  }

  function tip(feature) {
    var r = rows[feature.properties.code] || {};
    return esc(feature.properties.name) + "<br>" + esc(Y.t("board.confirmed")) + " " + num(r.confirmed) +
      " / " + num(r.asked) + " (" + pct(r.confirm_rate) + ")<br>" + esc(Y.t("board.unanswered")) + " " + num(r.unanswered);
  }

  function bind(feature, lyr) { lyr.bindTooltip(function () { return tip(feature); }); }

  function colourMap(b) {
    groupLevel = b.region_level;
    rows = {};
    b.by_region.forEach(function (r) { rows[r.code] = r; });
    if (layer) layer.setStyle(style);
  }

  // --- polling -------------------------------------------------------------------------------

  function render(b) {
    setFigures(b);
    setTables(b);
    colourMap(b);
    drawTimeline(b);
  }

  function poll() {
    Y.api(config.boardApi).then(function (b) {
      document.querySelectorAll(".live-dot").forEach(function (d) { d.classList.remove("stale"); });
      render(b);
    }).catch(function () {
      document.querySelectorAll(".live-dot").forEach(function (d) { d.classList.add("stale"); });
    }).then(function () {
      window.setTimeout(poll, (config.pollSeconds || 5) * 1000);
    });
  }

  var initial = document.getElementById("board-data");
  var data = initial ? JSON.parse(initial.textContent) : null;
  if (data) { colourMap(data); drawTimeline(data); }
  setupMap();
  window.setTimeout(poll, (config.pollSeconds || 5) * 1000);
})();
