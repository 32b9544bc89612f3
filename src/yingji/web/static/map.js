/* The map page (一张图): boundaries of the current region's children, coloured by population.
   Click a region for its facts; "drill down" shows its children; the breadcrumb goes back up.
   Sets window.yingjiMapReady to the number of features drawn after each load. */
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

  var mapEl = document.getElementById("map");
  var statusEl = document.querySelector("[data-testid=map-status]");
  var crumbEl = document.querySelector("[data-testid=breadcrumb]");
  var panel = document.getElementById("region-panel");
  var legendEl = document.querySelector("[data-testid=legend]");

  var map = L.map(mapEl, {
    zoomSnap: 0.25,
    attributionControl: Boolean(cfg.tiles),
    preferCanvas: false, // SVG paths: crisp boundaries, and the browser test looks for them
  }).setView([30, 105], 5);
  if (cfg.tiles) {
    L.tileLayer(cfg.tiles, { maxZoom: 18 }).addTo(map);
  }

  var layer = null;
  var selected = null;
  var trail = []; // [{code, name, level}] from the user's region down to the one shown
  var loadSeq = 0;

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("error", Boolean(isError));
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

  function drawLegend(limits) {
    legendEl.textContent = "";
    if (!limits.length) {
      legendEl.hidden = true;
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
      mapEl.dataset.features = String(features.length);
      window.yingjiMapReady = features.length;
    }).catch(function (err) {
      if (seq !== loadSeq) return;
      setStatus(t("map.load_failed") + ": " + err.message, true);
      window.yingjiMapReady = 0;
    });
  }

  map.on("zoomend", fitLabels);
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
