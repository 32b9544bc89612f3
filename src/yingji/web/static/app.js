/* Shared helpers for the page scripts: the locale's strings, page config, API calls.
   Loaded on every page before the page's own script; exposes window.Yingji. */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : {};
  }

  var strings = readJson("yingji-i18n");
  var config = readJson("yingji-config");

  /** The string for key with {name} placeholders filled from values. */
  function t(key, values) {
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (values) {
      text = text.replace(/\{(\w+)\}/g, function (m, name) {
        return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
      });
    }
    return text;
  }

  /** The half of a "中文 / English" server message for this page's language. */
  function pick(message) {
    var text = String(message || "");
    var at = text.indexOf(" / ");
    if (at < 0) return text;
    return config.locale === "en" ? text.slice(at + 3) : text.slice(0, at);
  }

  /** An API error carrying the server's {error: {code, message, details}} body. */
  function ApiError(status, body) {
    var err = (body && body.error) || {};
    this.name = "ApiError";
    this.status = status;
    this.code = err.code || "http_" + status;
    this.message = err.message ? pick(err.message) : t("common.error") + " (" + status + ")";
    this.details = err.details;
  }
  ApiError.prototype = Object.create(Error.prototype);

  /** Call the JSON API with the session cookie; unsafe methods send the CSRF header. */
  function api(path, options) {
    options = options || {};
    var method = (options.method || "GET").toUpperCase();
    var headers = { Accept: "application/json" };
    if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = config.csrf;
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (options.body instanceof FormData) {
      init.body = options.body;
    } else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetch(config.api + path, init).then(function (res) {
      if (res.status === 401) {
        window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      }
      var type = res.headers.get("Content-Type") || "";
      var parsed = type.indexOf("json") >= 0 ? res.json() : res.text();
      return parsed.then(function (body) {
        if (!res.ok) throw new ApiError(res.status, body);
        return body;
      });
    });
  }

  /** Build "/path?k=v" from an object, skipping empty values. */
  function query(path, params) {
    var parts = [];
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      if (v !== undefined && v !== null && v !== "") {
        parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
      }
    });
    return parts.length ? path + "?" + parts.join("&") : path;
  }

  /** A DOM element: el("a", {href: "/"}, "text", child, ...). Text is never parsed as HTML. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function formatNumber(value, digits) {
    if (value === undefined || value === null || value === "") return t("common.dash");
    var locale = config.locale === "en" ? "en-US" : "zh-CN";
    return Number(value).toLocaleString(locale, {
      minimumFractionDigits: digits || 0,
      maximumFractionDigits: digits || 0,
    });
  }

  function levelName(level) {
    return t("level." + level);
  }

  /** Items of a list answer, whether the API sent {items: [...]} or a bare array. */
  function items(body) {
    if (Array.isArray(body)) return body;
    if (body && Array.isArray(body.items)) return body.items;
    if (body && Array.isArray(body.children)) return body.children;
    return [];
  }

  // --- forms ---------------------------------------------------------------------------------

  /** A field name from the API ("body.lon", "query.thresholds", "body.incident.lon") as the
      form names it ("lon", "thresholds"). */
  function fieldName(raw) {
    return String(raw || "").replace(/^(body|query)\./, "").replace(/^incident\./, "");
  }

  /** Error display for one form (or any box with data-error-for slots and a data-role=error
      box). ``show(err)`` puts each API detail beside its field, inside ``rowScope(i)`` when
      the detail names a row (a need, a flow step), and the rest with the message in the
      box; ``field(name, reason)`` flags one field from the page's own checks. */
  function formErrors(scope, rowScope) {
    var box = scope.querySelector("[data-role=error]");

    function clear() {
      if (box) { box.hidden = true; box.textContent = ""; }
      scope.querySelectorAll("[data-error-for]").forEach(function (el) {
        el.hidden = true;
        el.textContent = "";
      });
      scope.querySelectorAll("[aria-invalid]").forEach(function (el) {
        el.removeAttribute("aria-invalid");
      });
    }

    /** Show reason under the field; false when there is no slot for it. */
    function field(name, reason, within) {
      var slot = (within || scope).querySelector('[data-error-for="' + name + '"]');
      if (!slot) return false;
      slot.textContent = slot.textContent ? slot.textContent + "; " + reason : reason;
      slot.hidden = false;
      var input = slot.parentNode && slot.parentNode.querySelector("[name]");
      if (input) input.setAttribute("aria-invalid", "true");
      return true;
    }

    function show(err, rows) {
      var inRow = rows || rowScope;
      var rest = [];
      (Array.isArray(err && err.details) ? err.details : []).forEach(function (d) {
        var name = fieldName(d.field);
        var reason = pick(d.reason);
        var within = typeof d.row === "number" && inRow ? inRow(d.row) : null;
        if (!field(name, reason, within || undefined)) rest.push((name ? name + ": " : "") + reason);
      });
      var text = err && err.message ? err.message : String(err);
      if (box) {
        box.textContent = rest.length ? text + " " + rest.join("; ") : text;
        box.hidden = false;
      }
    }

    function message(text) {
      if (!box) return;
      box.textContent = text;
      box.hidden = false;
    }

    return { clear: clear, field: field, show: show, message: message };
  }

  /** A button that says it is working (its data-busy text) and cannot be pressed twice. */
  function busy(button, on) {
    if (!button) return;
    if (!button.dataset.idle) button.dataset.idle = button.textContent;
    button.disabled = on;
    button.textContent = on ? (button.dataset.busy || button.dataset.idle) : button.dataset.idle;
  }

  // --- maps (Leaflet, loaded by the pages that draw one) -------------------------------------

  var PLAIN = { color: "#7b8a9a", weight: 1, fillColor: "#f7f9fb", fillOpacity: 0.6 };

  /** A Leaflet map in ``box``: base tiles only when configured (offline: a plain
      background), kept sized to its box. */
  function baseMap(box, options) {
    var map = L.map(box, Object.assign({ attributionControl: Boolean(config.tiles) }, options || {}));
    if (config.tiles) L.tileLayer(config.tiles, { maxZoom: 18 }).addTo(map);
    else box.classList.add("no-tiles");
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(box);
    }
    return map;
  }

  /** The user's own area as orientation on a plain background; clicks pass through. */
  function outline(map, box) {
    return api("/regions/geojson").then(function (fc) {
      var layer = L.geoJSON(fc, { style: PLAIN, interactive: false }).addTo(map);
      layer.bringToBack();
      if (fc.features && fc.features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      return layer;
    }).catch(function () {
      if (box) box.dataset.outline = "error";
      return null;
    });
  }

  /** Pick a place with a click: fills the form's lon/lat fields and follows them when typed.
      ``options.marker(latlng)`` draws the mark (a red dot by default); ``options.digits``
      rounds the coordinates. Sets box.dataset.picked and, once drawn, dataset.ready. */
  function picker(box, form, options) {
    options = options || {};
    var digits = options.digits || 5;
    var map = baseMap(box, { zoomSnap: 0.25 });
    var centre = config.pickCentre || options.centre || [30.0, 107.5];
    map.setView(centre, config.pickCentre ? 7 : options.zoom || 5);
    var marker = null;
    var details = box.closest("details");
    if (details) {
      details.addEventListener("toggle", function () { if (details.open) map.invalidateSize(); });
    }
    var draw = options.marker || function (latlng) {
      return L.circleMarker(latlng, {
        radius: 8, color: "#fff", weight: 2, fillColor: "#c8102e", fillOpacity: 1,
      });
    };

    function place(lat, lon) {
      if (!marker) marker = draw([lat, lon]).addTo(map);
      else marker.setLatLng([lat, lon]);
    }

    map.on("click", function (ev) {
      var lat = ev.latlng.lat;
      var lon = L.Util.wrapNum(ev.latlng.lng, [-180, 180], true);
      form.elements.lat.value = lat.toFixed(digits);
      form.elements.lon.value = lon.toFixed(digits);
      place(lat, lon);
      box.dataset.picked = form.elements.lon.value + "," + form.elements.lat.value;
    });

    ["lat", "lon"].forEach(function (name) {
      form.elements[name].addEventListener("change", function () {
        var lat = parseFloat(form.elements.lat.value);
        var lon = parseFloat(form.elements.lon.value);
        if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
          place(lat, lon);
          map.panTo([lat, lon]);
        }
      });
    });

    outline(map, box).then(function () { box.dataset.ready = "1"; });
    return map;
  }

  // Phone menu toggle.
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("main-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  });

  window.Yingji = {
    t: t,
    pick: pick,
    config: config,
    api: api,
    query: query,
    el: el,
    formatNumber: formatNumber,
    levelName: levelName,
    items: items,
    ApiError: ApiError,
    map: { base: baseMap, outline: outline, picker: picker, PLAIN: PLAIN },
    formErrors: formErrors,
    fieldName: fieldName,
    busy: busy,
  };
})();
