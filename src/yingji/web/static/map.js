/* The map page (一张图): boundaries of the current region's children, coloured by population.
   Click a region for its facts; "drill down" shows its children; the breadcrumb goes back up.
   Overlays load what is in view (bbox), again after each pan or zoom: risk points (风险点) and
   enterprises (企业) coloured by level / grade, and open hazards (未整改隐患, off until switched
   on) coloured by hazard grade; each asks for at most OVERLAY_LIMIT features and a hint says
   "zoom in" when more lie in view. A layers control switches them on and off.
   Sets window.yingjiMapReady to the number of boundaries drawn after each load,
   window.yingjiLayers to {riskPoints, enterprises, hazards} once the overlays have loaded,
   and window.yingjiMap to the Leaflet map. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var t = Y.t;
  var cfg = Y.config;
  var el = Y.el;

  var RAMP = ["#eaf2fa", "#c6dbef", "#93bfe0", "#5596cb", "#2a6aa8"];
  var BASE_STYLE = { color: "#264b73", weight: 1.2, opacity: 0.9, fillOpacity: 0.75 };
  var LABEL_LIMIT = 80;
  var GRID_LEVEL = 6;
  var OVERLAY_LIMIT = 1000;
  /** Risk level / enterprise grade colours: 重大 red, 较大 orange, 一般 yellow, 低 blue
      (the same as the risk API's colour_hex). */
  var LEVELS = ["major", "large", "general", "low"];
  var LEVEL_HEX = { major: "#e53935", large: "#fb8c00", general: "#fdd835", low: "#1e88e5" };
  var UNKNOWN_HEX = "#9e9e9e";
  /** Hazard grades as the hazards API colours them (colour_hex): 重大 red, 一般 orange,
      not yet graded grey. */
  var HAZARD_GRADES = ["major", "general", "unconfirmed"];
  var HAZARD_HEX = { major: "#e53935", general: "#fb8c00", unconfirmed: UNKNOWN_HEX };
  var MOVE_DELAY_MS = 300; // a pan or zoom settles before the overlays are asked again

  var mapEl = document.getElementById("map");
  var statusEl = document.querySelector("[data-testid=map-status]");
  var crumbEl = document.querySelector("[data-testid=breadcrumb]");
  var panel = document.getElementById("region-panel");
  var legendEl = document.querySelector("[data-testid=legend]");
  var hintEl = document.querySelector("[data-testid=map-hint]");

  var map = L.map(mapEl, {
    zoomSnap: 0.25,
    attributionControl: Boolean(cfg.tiles),
    preferCanvas: false, // SVG paths: crisp boundaries, and the browser test looks for them
  }).setView([30, 105], 5);
  if (cfg.tiles) {
    L.tileLayer(cfg.tiles, { maxZoom: 18 }).addTo(map);
  }
  window.yingjiMap = map; // for scripts driving the page (the browser tests pan and zoom)

  // The overlays get their own panes, above the boundaries and outside the overlay pane
  // (whose paths are the boundaries, as the browser tests count them).
  map.createPane("risk-points").style.zIndex = 450;
  map.createPane("enterprises").style.zIndex = 460;
  map.createPane("hazards").style.zIndex = 470;
  var riskLayer = L.featureGroup().addTo(map);
  var enterpriseLayer = L.featureGroup().addTo(map);
  var hazardLayer = L.featureGroup(); // off until switched on: a busy layer in a big view
  var overlays = {};
  overlays[t("map.layer.risk_points")] = riskLayer;
  overlays[t("map.layer.enterprises")] = enterpriseLayer;
  overlays[t("map.layer.hazards")] = hazardLayer;
  L.control.layers(null, overlays, {
    position: "topleft",
    collapsed: mapEl.clientWidth > 0 && mapEl.clientWidth < 600, // a phone: tap to open
  }).addTo(map);

  var layer = null;
  var selected = null;
  var trail = []; // [{code, name, level}] from the user's region down to the one shown
  var loadSeq = 0;
  var overlaySeq = 0;
  var lastBox = null; // the bbox the overlays were last asked for
  var moveTimer = null;
  var overlayNote = ""; // "图层加载失败" after a failed overlay, kept through status changes
  var statusText = "";
  var statusError = false;

  function renderStatus() {
    statusEl.textContent = overlayNote && !statusError ? statusText + " · " + overlayNote : statusText;
    statusEl.classList.toggle("error", statusError);
  }

  function setStatus(text, isError) {
    statusText = text;
    statusError = Boolean(isError);
    renderStatus();
  }

  /** Class limits for the fill colours: quantiles when there are enough regions, so a few
      huge districts do not wash out the rest; equal steps for a handful of regions. */
  function breaks(values) {
    var sorted = values.filter(function (v) { return v !== null && v !== undefined; })
      .sort(function (a, b) { return a - b; });
    if (sorted.length < 2 || sorted[0] === sorted[sorted.length - 1]) return [];
    var out = [];
    var i;
    if (sorted.length < RAMP.length * 3) {
      var lo = sorted[0];
      var step = (sorted[sorted.length - 1] - lo) / RAMP.length;
      for (i = 1; i < RAMP.length; i++) out.push(Math.round(lo + step * i));
    } else {
      for (i = 1; i < RAMP.length; i++) {
        out.push(sorted[Math.floor((i * sorted.length) / RAMP.length)]);
      }
    }
    return out.filter(function (v, k) { return k === 0 || v > out[k - 1]; });
  }

  function colour(value, limits) {
    if (value === null || value === undefined || !limits.length) return RAMP[1];
    var i = 0;
    while (i < limits.length && value >= limits[i]) i++;
    return RAMP[Math.round((i * (RAMP.length - 1)) / limits.length)];
  }

  function drawLevelLegend() {
    var box = el("div", { class: "legend-levels", "data-testid": "legend-levels" },
      el("strong", { text: t("map.layer.levels") }));
    LEVELS.forEach(function (level) {
      box.appendChild(el("div", null,
        el("span", { class: "swatch", style: "background:" + LEVEL_HEX[level] }),
        t("risk_level." + level)));
    });
    legendEl.appendChild(box);
  }

  function drawHazardLegend() {
    var box = el("div", { class: "legend-levels legend-hazards", "data-testid": "legend-hazards" },
      el("strong", { text: t("map.layer.hazards") }));
    HAZARD_GRADES.forEach(function (grade) {
      box.appendChild(el("div", null,
        el("span", { class: "swatch round", style: "background:" + HAZARD_HEX[grade] }),
        t("map.hazard." + grade)));
    });
    box.hidden = !map.hasLayer(hazardLayer);
    legendEl.appendChild(box);
  }

  function drawLegend(limits) {
    legendEl.textContent = "";
    if (!limits.length) {
      drawLevelLegend();
      drawHazardLegend();
      legendEl.hidden = false;
      return;
    }
    legendEl.appendChild(el("strong", { text: t("map.legend") }));
    var lower = null;
    for (var i = 0; i <= limits.length; i++) {
      var upper = i < limits.length ? limits[i] : null;
      var fill = RAMP[Math.round((i * (RAMP.length - 1)) / limits.length)];
      var label = lower === null ? "< " + Y.formatNumber(upper)
        : upper === null ? "≥ " + Y.formatNumber(lower)
        : Y.formatNumber(lower) + " – " + Y.formatNumber(upper);
      legendEl.appendChild(
        el("div", null, el("span", { class: "swatch", style: "background:" + fill }), label)
      );
      lower = upper;
    }
    drawLevelLegend();
    drawHazardLegend();
    legendEl.hidden = false;
  }

  function drawBreadcrumb() {
    crumbEl.textContent = "";
    trail.forEach(function (region, i) {
      if (i > 0) crumbEl.appendChild(el("span", { class: "sep", "aria-hidden": "true", text: "›" }));
      if (i === trail.length - 1) {
        crumbEl.appendChild(el("span", { class: "current", "aria-current": "location", text: region.name }));
      } else {
        crumbEl.appendChild(el("a", {
          href: "#",
          "data-code": region.code,
          text: region.name,
          onclick: function (ev) {
            ev.preventDefault();
            trail = trail.slice(0, i + 1);
            show();
          },
        }));
      }
    });
  }

  function rememberPlace(code) {
    var url = code === cfg.home.code ? location.pathname : location.pathname + "?code=" + encodeURIComponent(code);
    history.replaceState(null, "", url);
  }

  function featureStyle(limits) {
    return function (feature) {
      var p = feature.properties;
      return L.extend({}, BASE_STYLE, {
        fillColor: colour(p.population, limits),
        className: "region region-" + p.code, // lets tests and styles find one region
      });
    };
  }

  function select(featureLayer) {
    if (selected && layer && layer.hasLayer(selected)) layer.resetStyle(selected);
    selected = featureLayer;
    featureLayer.setStyle({ color: "#c8102e", weight: 3 });
    featureLayer.bringToFront();
    openPanel(featureLayer.feature.properties);
  }

  function fillPanel(region) {
    panel.querySelector("[data-field=name]").textContent = region.name;
    panel.querySelector("[data-field=code]").textContent = region.code;
    panel.querySelector("[data-field=level]").textContent = Y.levelName(region.level);
    panel.querySelector("[data-field=population]").textContent = Y.formatNumber(region.population);
    panel.querySelector("[data-field=area]").textContent =
      region.area_km2 === undefined || region.area_km2 === null
        ? t("common.dash")
        : Y.formatNumber(region.area_km2, 1) + " " + t("common.km2");
  }

  function openPanel(props) {
    var region = { code: props.code, name: props.name, level: props.level,
      population: props.population, area_km2: props.area_km2 };
    panel.dataset.code = region.code;
    panel.dataset.name = region.name;
    panel.dataset.level = region.level;
    fillPanel(region);
    var drill = panel.querySelector("[data-action=drill]");
    drill.hidden = Number(region.level) >= GRID_LEVEL;
    panel.querySelector("[data-link=persons]").href = Y.query("/persons", { under: region.code });
    panel.querySelector("[data-link=assignments]").href = Y.query("/assignments", { under: region.code });
    panel.hidden = false;
  }

  function closePanel() {
    panel.hidden = true;
    if (selected && layer && layer.hasLayer(selected)) layer.resetStyle(selected);
    selected = null;
  }

  /** Features to draw: a region without a boundary (a grid given as a point) is drawn as
      a dot at its centroid; one with neither is left out. */
  function withPoints(features) {
    return features.filter(function (f) {
      var p = f.properties;
      if (!f.geometry && p.centroid_lon !== null && p.centroid_lon !== undefined) {
        f.geometry = { type: "Point", coordinates: [p.centroid_lon, p.centroid_lat] };
      }
      return Boolean(f.geometry);
    });
  }

  /** Show a region's name only where it fits inside the region at this zoom, so small
      urban districts do not pile their labels on each other; zooming in reveals them. */
  function fitLabels() {
    if (!layer) return;
    layer.eachLayer(function (lyr) {
      var tip = lyr.getTooltip();
      if (!tip || !tip.options.permanent) return;
      if (!lyr.getBounds) {
        lyr.openTooltip();
        return;
      }
      var b = lyr.getBounds();
      var ne = map.latLngToContainerPoint(b.getNorthEast());
      var sw = map.latLngToContainerPoint(b.getSouthWest());
      var width = Math.abs(ne.x - sw.x);
      var height = Math.abs(sw.y - ne.y);
      var needed = String(lyr.feature.properties.name).length * 12 + 6;
      if (width * 0.8 >= needed && height >= 22) lyr.openTooltip();
      else lyr.closeTooltip();
    });
  }

  /** A popup's content: a title, label/value rows and an optional link, built as nodes (no
      HTML strings). */
  function popup(title, rows, link) {
    var dl = el("dl", { class: "facts" });
    rows.forEach(function (row) {
      dl.appendChild(el("dt", { text: row[0] }));
      dl.appendChild(el("dd", { text: row[1] === undefined || row[1] === null || row[1] === ""
        ? t("common.dash") : String(row[1]) }));
    });
    var box = el("div", { class: "map-popup" }, el("strong", { text: title }), dl);
    if (link) box.appendChild(el("a", { class: "popup-link", href: link[0], text: link[1] }));
    return box;
  }

  /** Points: a solid dot with a dark ring; areas: the level's colour, half filled. (The
      GeoJSON layer applies this to circle markers too, after pointToLayer.) */
  function riskStyle(feature) {
    var hex = feature.properties.colour_hex || UNKNOWN_HEX;
    var point = feature.geometry && feature.geometry.type === "Point";
    return { pane: "risk-points", color: point ? "#3a3a3a" : hex, weight: point ? 1.5 : 2,
      opacity: 0.95, fillColor: hex, fillOpacity: point ? 0.95 : 0.35,
      className: "risk-point risk-" + feature.properties.level };
  }

  function drawRiskPoints(fc) {
    var features = ((fc && fc.features) || []).filter(function (f) {
      var p = f.properties || {};
      if (!f.geometry && p.lon !== null && p.lon !== undefined) {
        f.geometry = { type: "Point", coordinates: [p.lon, p.lat] };
      }
      return Boolean(f.geometry);
    });
    riskLayer.clearLayers();
    L.geoJSON(features, {
      pane: "risk-points",
      style: riskStyle,
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, L.extend(riskStyle(feature), { radius: 7 }));
      },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties;
        var level = cfg.locale === "en" ? t("risk_level." + p.level) : p.level_label || p.level;
        lyr.bindTooltip(p.name, { sticky: true });
        lyr.bindPopup(popup(p.name, [
          [t("common.code"), p.code],
          [t("map.risk.category"), p.category_name || p.category],
          [t("map.risk.level"), level],
          [t("map.risk.threatened"), Y.formatNumber(p.threatened_people)],
        ]));
      },
    }).eachLayer(function (lyr) { riskLayer.addLayer(lyr); });
    return features.length;
  }

  function drawEnterprises(page) {
    var items = ((page && page.items) || []).filter(function (e) {
      return e.lon !== null && e.lon !== undefined && e.lat !== null && e.lat !== undefined;
    });
    enterpriseLayer.clearLayers();
    items.forEach(function (e) {
      var hex = LEVEL_HEX[e.risk_grade] || UNKNOWN_HEX;
      var icon = L.divIcon({
        className: "enterprise-marker grade-" + e.risk_grade,
        html: '<span style="background:' + hex + '"></span>',
        iconSize: [12, 12],
        iconAnchor: [6, 6],
        popupAnchor: [0, -6],
      });
      L.marker([e.lat, e.lon], { icon: icon, pane: "enterprises", title: e.name, keyboard: false })
        .bindPopup(popup(e.name, [
          [t("enterprises.industry"), e.industry],
          [t("enterprises.risk_grade"), t("grade." + e.risk_grade)],
          [t("enterprises.credit_code"), e.credit_code],
        ]))
        .addTo(enterpriseLayer);
    });
    return items.length;
  }

  function drawHazards(fc) {
    var features = ((fc && fc.features) || []).filter(function (f) { return Boolean(f.geometry); });
    hazardLayer.clearLayers();
    L.geoJSON(features, {
      pane: "hazards",
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        var grade = p.grade || "unconfirmed";
        // A larger dot with a heavy ring: hazards sit on risk points of the same colours.
        return L.circleMarker(latlng, {
          pane: "hazards", radius: 8, color: "#1b1b1b", weight: 3, opacity: 1,
          fillColor: p.colour_hex || HAZARD_HEX[grade] || UNKNOWN_HEX, fillOpacity: 0.95,
          className: "hazard hazard-" + grade,
        });
      },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties;
        lyr.bindTooltip(p.title, { sticky: true });
        lyr.bindPopup(popup(p.title, [
          [t("common.code"), p.code],
          [t("map.hazard.grade"), p.grade_label || t("map.hazard.unconfirmed")],
          [t("map.hazard.state"), p.state_label],
          [t("map.hazard.place"), p.enterprise_name || p.risk_point_name || p.region_name],
          [t("map.hazard.deadline"), p.deadline],
        ], ["/hazards/" + encodeURIComponent(feature.id), t("map.hazard.open")]));
      },
    }).eachLayer(function (lyr) { hazardLayer.addLayer(lyr); });
    return features.length;
  }

  /** The view as ``west,south,east,north`` (outward-rounded, clamped to lon/lat ranges), or
      null when the map has no size yet. */
  function viewBox() {
    var b = map.getBounds();
    function down(v, lim) { return Math.max(-lim, Math.floor(v * 1e5) / 1e5); }
    function up(v, lim) { return Math.min(lim, Math.ceil(v * 1e5) / 1e5); }
    var box = [down(b.getWest(), 180), down(b.getSouth(), 90), up(b.getEast(), 180), up(b.getNorth(), 90)];
    if (!(box[0] < box[2]) || !(box[1] < box[3])) return null;
    return box.join(",");
  }

  function showHint(totals) {
    var lines = [];
    totals.forEach(function (item) {
      if (item.total > item.shown) {
        lines.push(t("map.zoom_hint", { layer: item.label,
          shown: Y.formatNumber(item.shown), total: Y.formatNumber(item.total) }));
      }
    });
    hintEl.textContent = lines.join(" · ");
    hintEl.hidden = !lines.length;
  }

  /** Load the overlays that are switched on for the current view; ``force`` asks again even
      if the view has not changed (a new region, a layer switched on). A failed one is left
      empty and noted in the status. */
  function loadOverlays(force) {
    clearTimeout(moveTimer);
    var box = viewBox();
    if (!box || (!force && box === lastBox)) return Promise.resolve();
    lastBox = box;
    var seq = ++overlaySeq;
    window.yingjiLayers = null;
    var failed = false;
    function load(group, label, path, params, draw) {
      if (!map.hasLayer(group)) {
        group.clearLayers(); // switched off: nothing stale when it comes back on
        return Promise.resolve({ label: label, shown: 0, total: 0 });
      }
      params.bbox = box;
      params.limit = OVERLAY_LIMIT;
      return Y.api(Y.query(path, params)).then(function (body) {
        if (seq !== overlaySeq) return null;
        return { label: label, shown: draw(body), total: (body && body.total) || 0 };
      }, function () {
        failed = true;
        if (seq !== overlaySeq) return null;
        return { label: label, shown: draw(null), total: 0 };
      });
    }
    return Promise.all([
      load(riskLayer, t("map.layer.risk_points"), "/risk-points", { format: "geojson" }, drawRiskPoints),
      load(enterpriseLayer, t("map.layer.enterprises"), "/enterprises", {}, drawEnterprises),
      load(hazardLayer, t("map.layer.hazards"), "/hazards",
        { format: "geojson", open: "true" }, drawHazards),
    ]).then(function (results) {
      if (seq !== overlaySeq) return;
      overlayNote = failed ? t("map.layer.failed") : "";
      renderStatus();
      showHint(results);
      window.yingjiLayers = {
        riskPoints: results[0].shown, enterprises: results[1].shown, hazards: results[2].shown,
      };
    });
  }

  /** After a pan or zoom, once the map has settled. */
  function overlaysLater() {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(function () { loadOverlays(false); }, MOVE_DELAY_MS);
  }

  function show() {
    var current = trail[trail.length - 1];
    var seq = ++loadSeq;
    drawBreadcrumb();
    closePanel();
    rememberPlace(current.code);
    setStatus(t("common.loading"));
    return Y.api(Y.query("/regions/geojson", { parent_code: current.code })).then(function (fc) {
      if (seq !== loadSeq) return; // a newer click won
      var features = withPoints((fc && fc.features) || []);
      if (layer) map.removeLayer(layer);
      var limits = breaks(features.map(function (f) { return f.properties.population; }));
      layer = L.geoJSON(features, {
        style: featureStyle(limits),
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 7 });
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          if (features.length <= LABEL_LIMIT) {
            lyr.bindTooltip(p.name, { permanent: true, direction: "center", className: "region-label" });
          } else {
            lyr.bindTooltip(p.name, { sticky: true });
          }
          lyr.on({
            click: function () { select(lyr); },
            mouseover: function () { if (lyr !== selected) lyr.setStyle({ weight: 2.5, color: "#0f2c4c" }); },
            mouseout: function () { if (lyr !== selected) layer.resetStyle(lyr); },
          });
        },
      }).addTo(map);
      drawLegend(limits);
      if (features.length) {
        // No animation: the layer is in its final place when yingjiMapReady is set.
        map.fitBounds(layer.getBounds(), { padding: [16, 16], animate: false });
        fitLabels();
        setStatus(t("map.count", { n: features.length }));
      } else {
        setStatus(t("map.no_children"));
      }
      loadOverlays(true); // the new region's view (fitBounds may not have moved the map)
      mapEl.dataset.features = String(features.length);
      window.yingjiMapReady = features.length;
    }).catch(function (err) {
      if (seq !== loadSeq) return;
      setStatus(t("map.load_failed") + ": " + err.message, true);
      loadOverlays(true);
      window.yingjiMapReady = 0;
    });
  }

  map.on("zoomend", fitLabels);
  map.on("moveend", overlaysLater);
  function toggleHazardLegend(ev) {
    var box = legendEl.querySelector("[data-testid=legend-hazards]");
    if (ev.layer === hazardLayer && box) box.hidden = !map.hasLayer(hazardLayer);
  }
  map.on("overlayadd", function (ev) {
    toggleHazardLegend(ev);
    loadOverlays(true); // a layer switched on is filled for the current view
  });
  map.on("overlayremove", toggleHazardLegend);
  if (window.ResizeObserver) {
    // The phone menu and window resizes change the map's size; Leaflet must be told.
    new ResizeObserver(function () { map.invalidateSize(); }).observe(mapEl);
  }
  panel.querySelector("[data-action=close]").addEventListener("click", closePanel);
  panel.querySelector("[data-action=drill]").addEventListener("click", function () {
    trail.push({ code: panel.dataset.code, name: panel.dataset.name, level: Number(panel.dataset.level) });
    show();
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") closePanel();
  });

  /** The trail from the user's region down to ``code`` (for ?code= links and reloads). */
  function trailTo(code) {
    return Y.api("/regions/" + encodeURIComponent(code)).then(function (region) {
      var chain = (region.ancestors || []).concat([region]);
      var start = chain.findIndex(function (r) { return r.code === cfg.home.code; });
      if (start < 0) return [cfg.home];
      return chain.slice(start).map(function (r) {
        return { code: r.code, name: r.name, level: r.level };
      });
    });
  }

  var wanted = new URLSearchParams(location.search).get("code");
  if (wanted && wanted !== cfg.home.code) {
    trailTo(wanted).then(function (found) { trail = found; }, function () { trail = [cfg.home]; })
      .then(show);
  } else {
    trail = [cfg.home];
    show();
  }
})();
