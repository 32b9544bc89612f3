/* The incident's one map (一张图): every layer of /api/v1/incidents/{id}/map in its own
   pane (population at the bottom, the incident on top), toggled from the layer list, which
   shows each layer's count in the box and its legend. Clicking a feature opens its details.
   A Server-Sent Events stream says which layers a new timeline event changed; those are
   reloaded, and the live indicator shows when. Panning beyond the loaded box reloads the
   place-bound layers for the new view.
   Sets window.yingjiOneMap = {map, ready, loaded: {layer: features drawn}, counts,
   reloads, layerCount(), featureCount()} for scripts driving the page (the browser test). */
(function () {
  "use strict";
  var Y = window.Yingji;
  var t = Y.t;
  var el = Y.el;
  var cfg = Y.config;
  var om = cfg.onemap;
  var MOVE_DELAY_MS = 400;
  var UNKNOWN_HEX = "#9e9e9e";

  var mapEl = document.getElementById("onemap");
  var statusEl = document.querySelector("[data-testid=map-status]");
  var liveEl = document.querySelector("[data-testid=onemap-live]");
  var listEl = document.querySelector("[data-testid=onemap-layers]");

  var map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: Boolean(cfg.tiles) })
    .setView(om.point, 11);
  if (cfg.tiles) L.tileLayer(cfg.tiles, { maxZoom: 18 }).addTo(map);

  var specs = {};
  var groups = {};
  var stale = {};
  // One pane per layer, bottom first; the shapes of point layers (the incident's perimeter,
  // a risk area) get a pane above the area layers but below every point, so a perimeter
  // drawn over the forces never takes their clicks.
  var z = 401;
  om.layers.forEach(function (layer, i) {
    specs[layer.key] = layer;
    var previous = om.layers[i - 1];
    if (layer.kind !== "area" && previous && previous.kind === "area") {
      map.createPane("om-shapes").style.zIndex = String(z);
      z += 4;
    }
    map.createPane("om-" + layer.key).style.zIndex = String(z);
    z += 4;
    groups[layer.key] = L.featureGroup();
    stale[layer.key] = true;
  });
  if (!map.getPane("om-shapes")) map.createPane("om-shapes").style.zIndex = String(z);

  var state = {
    map: map, ready: false, loaded: {}, counts: {}, reloads: 0,
    /** Every Leaflet layer on the map (groups and renderers included). */
    layerCount: function () {
      var n = 0;
      map.eachLayer(function () { n++; });
      return n;
    },
    /** The layers on the map that draw a feature. */
    featureCount: function () {
      var n = 0;
      map.eachLayer(function (lyr) { if (lyr.feature) n++; });
      return n;
    },
  };
  window.yingjiOneMap = state;

  var box = null; // [west, south, east, north] the layers were read for
  var lastEvent = 0;
  var moveTimer = null;
  var failed = {};

  function checkbox(key) {
    return listEl.querySelector("input[data-layer='" + key + "']");
  }

  function isOn(key) {
    var input = checkbox(key);
    return Boolean(input && input.checked);
  }

  /** The box as ``west,south,east,north``, rounded outward so it still holds the view. */
  function boxParam() {
    if (!box) return undefined;
    var down = function (v) { return Math.floor(v * 1e5) / 1e5; };
    var up = function (v) { return Math.ceil(v * 1e5) / 1e5; };
    return [down(box[0]), down(box[1]), up(box[2]), up(box[3])].join(",");
  }

  // --- formatting -------------------------------------------------------------------------

  function when(iso) {
    if (!iso) return t("common.dash");
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString(cfg.locale === "en" ? "en-GB" : "zh-CN",
      { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }

  function num(v, digits) { return Y.formatNumber(v, digits); }

  /** A popup: a title, label/value rows (blank values shown as a dash) and links. */
  function popup(title, rows, links) {
    var dl = el("dl", { class: "facts" });
    rows.forEach(function (row) {
      if (row === null) return;
      var v = row[1];
      dl.appendChild(el("dt", { text: row[0] }));
      dl.appendChild(el("dd", { text: v === undefined || v === null || v === "" ? t("common.dash") : String(v) }));
    });
    var node = el("div", { class: "map-popup onemap-popup", "data-testid": "onemap-popup" },
      el("strong", { text: title }), dl);
    (links || []).forEach(function (link) {
      node.appendChild(el("a", { class: "popup-link", href: link[0], text: link[1] }));
    });
    return node;
  }

  function label(prefix, code) {
    if (code === null || code === undefined || code === "") return t("common.dash");
    var key = prefix + code;
    var text = t(key);
    return text === key ? String(code) : text;
  }

  function figures(p) {
    return [
      [t("onemap.fig.dead"), num(p.dead)],
      [t("onemap.fig.missing"), num(p.missing)],
      [t("onemap.fig.injured"), num(p.injured)],
      [t("onemap.fig.trapped"), num(p.trapped)],
      [t("onemap.fig.affected"), num(p.affected)],
    ];
  }

  // --- one builder per layer: style, marker and popup ---------------------------------------

  function densityFill(density) {
    if (density === null || density === undefined) return om.densityRamp[0];
    var i = 0;
    while (i < om.densityBreaks.length && density >= om.densityBreaks[i]) i++;
    return om.densityRamp[i];
  }

  /** A dot; its class names the layer and the feature ("om-teams om-teams-12"). */
  function dot(key, feature, latlng, extra) {
    var cls = "om-feature om-" + key + " om-" + key + "-" + String(feature.id).replace(/\W/g, "");
    return L.circleMarker(latlng, L.extend({
      pane: "om-" + key, radius: 7, color: "#263238", weight: 1.5, opacity: 1,
      fillColor: om.hex[key], fillOpacity: 0.95, className: cls,
    }, extra || {}));
  }

  function icon(key, latlng, html, size) {
    return L.marker(latlng, {
      pane: "om-" + key, keyboard: false,
      icon: L.divIcon({
        className: "om-feature om-icon om-" + key, html: html,
        iconSize: [size, size], iconAnchor: [size / 2, size / 2], popupAnchor: [0, -size / 2],
      }),
    });
  }

  var LAYERS = {
    population: {
      style: function (f) {
        return { color: "#264b73", weight: 1, opacity: 0.8, fillOpacity: 0.45,
          fillColor: densityFill(f.properties.density), className: "om-feature om-population" };
      },
      popup: function (p) {
        return popup(p.name, [
          [t("common.population"), num(p.population)],
          [t("common.area"), p.area_km2 === null ? null : num(p.area_km2, 1) + " " + t("common.km2")],
          [t("onemap.density"), p.density === null ? null : num(p.density, 1) + " " + t("onemap.per_km2")],
        ]);
      },
    },
    warning_areas: {
      style: function (f) {
        var hex = f.properties.colour_hex || UNKNOWN_HEX;
        return { color: hex, weight: 2, dashArray: "6 4", fillColor: hex, fillOpacity: 0.12,
          className: "om-feature om-warning_areas" };
      },
      popup: function (p, f) {
        return popup(p.headline, [
          [t("onemap.warning.level"), label("warning_level.", p.level)],
          [t("onemap.warning.category"), label("warning_category.", p.category)],
          [t("onemap.warning.stage"), label("warning_stage.", p.stage)],
          [t("onemap.warning.area"), p.area_desc],
          [t("onemap.warning.until"), when(p.valid_until)],
        ], [["/warnings/" + encodeURIComponent(f.id), t("onemap.open_warning")]]);
      },
    },
    isoseismals: {
      style: function (f) {
        return { color: "#8d5a00", weight: 1, opacity: 0.9, fillColor: f.properties.colour_hex,
          fillOpacity: 0.35, className: "om-feature om-isoseismals" };
      },
      popup: function (p) {
        return popup(t("onemap.intensity", { roman: p.roman || p.intensity }), [
          [t("common.area"), num(p.area_km2, 1) + " " + t("common.km2")],
        ], [["/quake/" + encodeURIComponent(p.assessment_id), t("onemap.open_quake")]]);
      },
    },
    risk_points: {
      style: function (f) {
        var hex = f.properties.colour_hex || UNKNOWN_HEX;
        return { color: "#3a3a3a", weight: 1.5, fillColor: hex, fillOpacity: 0.9,
          className: "om-feature om-risk_points" };
      },
      point: function (f, latlng) {
        return dot("risk_points", f, latlng, { radius: 6, fillColor: f.properties.colour_hex || UNKNOWN_HEX });
      },
      popup: function (p) {
        return popup(p.name, [
          [t("common.code"), p.code],
          [t("map.risk.category"), cfg.locale === "en" ? p.category : p.category_name],
          [t("map.risk.level"), label("risk_level.", p.level)],
          [t("map.risk.threatened"), num(p.threatened_people)],
        ]);
      },
    },
    hazards: {
      point: function (f, latlng) {
        return dot("hazards", f, latlng, { radius: 7, color: "#1b1b1b", weight: 3,
          fillColor: f.properties.colour_hex || UNKNOWN_HEX });
      },
      popup: function (p, f) {
        return popup(p.title, [
          [t("common.code"), p.code],
          [t("map.hazard.grade"), p.grade ? label("map.hazard.", p.grade) : t("map.hazard.unconfirmed")],
          [t("map.hazard.state"), p.state_label],
          [t("map.hazard.place"), p.enterprise_name || p.risk_point_name || p.region_name],
          [t("map.hazard.deadline"), p.deadline],
        ], [["/hazards/" + encodeURIComponent(f.id), t("map.hazard.open")]]);
      },
    },
    warehouses: {
      point: function (f, latlng) {
        return icon("warehouses", latlng, '<span class="om-square"></span>', 16);
      },
      popup: function (p) {
        var s = p.stock || {};
        var rows = [
          [t("onemap.warehouse.level"), label("resources.level.", p.level)],
          [t("onemap.warehouse.materials"), num(s.materials)],
          [t("onemap.warehouse.value"), t("onemap.yuan", { value: num(s.value_yuan) })],
          [t("onemap.warehouse.expiry"), s.next_expiry],
        ];
        (s.top || []).forEach(function (line) {
          rows.push([line.material, num(line.quantity) + " " + line.unit]);
        });
        return popup(p.name, rows, [["/resources/warehouses?q=" + encodeURIComponent(p.code), t("onemap.open_resources")]]);
      },
    },
    equipment: {
      point: function (f, latlng) { return dot("equipment", f, latlng, { radius: 5 }); },
      popup: function (p) {
        return popup(p.name, [
          [t("common.code"), p.code],
          [t("onemap.equipment.type"), label("resources.etype.", p.type)],
          [t("onemap.equipment.free"), num(p.free_units) + " / " + num(p.quantity)],
          [t("common.status"), label("resources.status.", p.status)],
          [t("onemap.equipment.team"), p.team_name],
        ]);
      },
    },
    teams: {
      point: function (f, latlng) {
        return dot("teams", f, latlng, { radius: 8, weight: 3,
          color: om.teamHex[f.properties.status] || UNKNOWN_HEX });
      },
      popup: function (p) {
        return popup(p.name, [
          [t("common.code"), p.code],
          [t("onemap.team.kind"), label("resources.kind.", p.kind)],
          [t("common.status"), label("resources.status.", p.status)],
          [t("onemap.team.size"), num(p.size)],
          [t("onemap.team.skills"), (p.skills || []).map(function (s) { return label("resources.skill.", s); })
            .join(t("common.list_sep"))],
          [t("onemap.team.phone"), p.contact_phone],
        ], [["/resources/teams?q=" + encodeURIComponent(p.code), t("onemap.open_resources")]]);
      },
    },
    quick_reports: {
      point: function (f, latlng) {
        return icon("quick_reports", latlng,
          '<span class="om-diamond status-' + String(f.properties.status).replace(/\W/g, "") + '"></span>', 16);
      },
      popup: function (p) {
        return popup(p.place, [
          [t("common.status"), label("onemap.quick_status.", p.status)],
          [t("onemap.quick.reporter"), p.reporter],
          [t("onemap.quick.at"), when(p.at)],
        ].concat(figures(p)).concat([
          [t("onemap.quick.evacuated"), num(p.evacuated)],
          [t("onemap.quick.houses"), num(p.houses_collapsed) + " / " + num(p.houses_damaged)],
          [t("onemap.quick.text"), p.text],
        ]));
      },
    },
    dispatch: {
      style: function () {
        return { color: om.hex.dispatch, weight: 3, opacity: 0.9, dashArray: "8 6",
          className: "om-feature om-dispatch" };
      },
      point: function (f, latlng) { return dot("dispatch", f, latlng, { radius: 6 }); },
      popup: function (p) {
        return popup(p.title, [
          [t("common.code"), p.code],
          [t("onemap.dispatch.what"), p.equipment || p.team || p.warehouse],
          [t("onemap.dispatch.units"), p.units],
          [t("common.status"), label("resources.state.", p.state)],
          [t("onemap.dispatch.eta"), p.eta_minutes === null ? null : t("onemap.minutes", { n: num(p.eta_minutes) })],
        ], [["/resources/dispatch", t("onemap.open_dispatch")]]);
      },
    },
    incident: {
      style: function () {
        return { color: om.hex.incident, weight: 2.5, dashArray: "4 4", fillColor: om.hex.incident,
          fillOpacity: 0.08, className: "om-feature om-perimeter" };
      },
      point: function (f, latlng) {
        return icon("incident", latlng, '<span class="om-pulse"></span><span class="om-core"></span>', 26);
      },
      popup: function (p) {
        if (p.part === "perimeter") return popup(p.title, [[t("onemap.perimeter"), p.code]]);
        var tasks = p.tasks || {};
        var name = cfg.locale === "en" ? p.type_name_en : p.type_name_zh;
        var fig = p.figures || {};
        return popup(p.title, [
          [t("onemap.incident.type"), name],
          [t("common.status"), label("onemap.status.", p.status)],
          [t("onemap.incident.level"), p.response_level ? t("onemap.level_value", { level: p.response_level_roman }) : null],
          [t("onemap.incident.grade"), p.grade ? t("onemap.grade_value", { grade: p.grade_roman }) : null],
          [t("onemap.incident.occurred"), when(p.occurred_at)],
        ].concat(figures(fig)).concat([
          [t("onemap.incident.tasks"), t("onemap.tasks_value", {
            open: num((tasks.open || 0) + (tasks.in_progress || 0)), done: num(tasks.done || 0),
            overdue: num(tasks.overdue || 0) })],
        ]), [[om.page, t("onemap.open_incident")]]);
      },
    },
  };

  // --- loading ------------------------------------------------------------------------------

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("error", Boolean(isError));
  }

  function showCount(key) {
    var node = listEl.querySelector("[data-testid=count-" + key + "]");
    if (!node) return;
    var total = state.counts[key];
    var shown = state.loaded[key];
    if (total === undefined) {
      node.textContent = "…";
    } else if (shown !== undefined && isOn(key) && shown < total) {
      node.textContent = t("onemap.shown_of", { shown: num(shown), total: num(total) });
    } else {
      node.textContent = num(total);
    }
    node.dataset.count = total === undefined ? "" : String(total);
  }

  function draw(key, fc) {
    var spec = LAYERS[key];
    var group = groups[key];
    group.clearLayers();
    var features = ((fc && fc.features) || []).filter(function (f) { return Boolean(f.geometry); });
    var shapes = [];
    var rest = [];
    features.forEach(function (f) {
      var area = /Polygon$/.test(f.geometry.type) && specs[key].kind !== "area";
      (area ? shapes : rest).push(f);
    });
    function add(list, pane) {
      L.geoJSON(list, {
        pane: pane,
        style: spec.style,
        pointToLayer: spec.point || function (f, latlng) { return dot(key, f, latlng); },
        onEachFeature: function (feature, lyr) {
          lyr.bindPopup(function () { return spec.popup(feature.properties, feature); }, { maxWidth: 320 });
          var name = feature.properties.name || feature.properties.title || feature.properties.place;
          if (name) lyr.bindTooltip(String(name), { sticky: true });
        },
      }).eachLayer(function (lyr) { group.addLayer(lyr); });
    }
    add(shapes, "om-shapes");
    add(rest, "om-" + key);
    state.loaded[key] = features.length;
    stale[key] = false;
    showCount(key);
    return features.length;
  }

  function loadLayer(key) {
    if (!isOn(key)) {
      stale[key] = true;
      return Promise.resolve(0);
    }
    return Y.api(Y.query(om.api + "/" + key, { bbox: specs[key].in_box ? boxParam() : undefined }))
      .then(function (fc) {
        delete failed[key];
        return draw(key, fc);
      }, function () {
        failed[key] = true;
        return 0;
      });
  }

  function loadCounts() {
    return Y.api(Y.query(om.api + "/layers", { bbox: boxParam() })).then(function (body) {
      box = body.bbox;
      body.layers.forEach(function (layer) { state.counts[layer.key] = layer.count; showCount(layer.key); });
      return body;
    });
  }

  function summary() {
    var drawn = 0;
    Object.keys(groups).forEach(function (key) { if (isOn(key)) drawn += state.loaded[key] || 0; });
    var broken = Object.keys(failed).length;
    setStatus(t("onemap.loaded", { n: num(drawn) }) + (broken ? " · " + t("onemap.load_failed") : ""), broken > 0);
  }

  /** Reload ``keys`` (their counts first), drawing those switched on. */
  function refresh(keys) {
    return loadCounts().then(function () {
      return Promise.all(keys.map(loadLayer));
    }).then(summary, function (err) {
      setStatus(t("onemap.load_failed") + ": " + err.message, true);
    });
  }

  // --- toggles, panning -------------------------------------------------------------------

  listEl.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches || !input.matches("input[data-layer]")) return;
    var key = input.dataset.layer;
    var legend = listEl.querySelector("[data-legend=" + key + "]");
    if (legend) legend.hidden = !input.checked;
    if (input.checked) {
      map.addLayer(groups[key]);
      (stale[key] ? loadLayer(key) : Promise.resolve()).then(function () { showCount(key); summary(); });
    } else {
      map.removeLayer(groups[key]);
      showCount(key);
      summary();
    }
  });

  /** After a pan or zoom that shows more than the loaded box, read the view instead. */
  map.on("moveend", function () {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(function () {
      if (!box || !state.ready) return;
      var view = map.getBounds();
      var loaded = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
      if (loaded.contains(view)) return;
      box = viewBox(0.1);
      refresh(Object.keys(specs).filter(function (k) { return specs[k].in_box; }));
    }, MOVE_DELAY_MS);
  });

  if (window.ResizeObserver) {
    new ResizeObserver(function () { map.invalidateSize(); }).observe(mapEl);
  }

  // --- live updates -----------------------------------------------------------------------

  function live(stateName, text) {
    liveEl.dataset.state = stateName;
    liveEl.querySelector("[data-role=text]").textContent = text;
  }

  function connect() {
    if (!window.EventSource) {
      live("off", t("onemap.live.unsupported"));
      return;
    }
    var source = new EventSource(Y.query(om.stream, { after: lastEvent }));
    source.addEventListener("ready", function () { live("on", t("onemap.live.on")); });
    source.addEventListener("changed", function (ev) {
      var data = JSON.parse(ev.data);
      lastEvent = data.last_event_id;
      var events = data.events || [];
      var latest = events.length ? events[events.length - 1] : null;
      refresh(data.layers).then(function () {
        state.reloads += 1;
        var at = when(new Date().toISOString());
        live("updated", t("onemap.live.updated", { at: at }) + (latest ? " · " + latest.text : ""));
      });
    });
    source.onerror = function () { live("retry", t("onemap.live.retry")); };
  }

  // --- start ------------------------------------------------------------------------------

  Object.keys(groups).forEach(function (key) { if (isOn(key)) map.addLayer(groups[key]); });
  setStatus(t("common.loading"));
  /** The map's view as a box (clamped to lon/lat ranges). */
  function viewBox(pad) {
    var b = pad ? map.getBounds().pad(pad) : map.getBounds();
    return [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90),
      Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)];
  }

  // The API's default box around the incident frames the map; the layers are then read
  // for the whole view, so the first pan inside it needs no reload.
  loadCounts().then(function (body) {
    lastEvent = body.last_event_id;
    map.fitBounds([[box[1], box[0]], [box[3], box[2]]], { animate: false });
    box = viewBox(0);
    return refresh(Object.keys(specs));
  }).then(function () {
    state.ready = true;
    connect();
  }, function (err) {
    setStatus(t("onemap.load_failed") + ": " + err.message, true);
    state.ready = true;
  });
})();
