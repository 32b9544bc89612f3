/* Earthquake assessment pages (地震速判).
   List page: the form posts the event to the JSON API and opens the result; a small map
   picks the epicentre with a click (boundaries of the user's area on a plain background,
   base tiles only when configured); the API's field errors appear next to their fields.
   Result page: the isoseismals coloured by intensity, the affected counties as clickable
   outlines and the epicentre; the "call the VII+ townships" button opens the live board.
   The maps set data-ready ("1", or "error") when drawn, for scripts driving the page. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var cfg = Y.config;
  var t = Y.t;
  var ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ";
  var baseMap = Y.map.base;

  function roman(n) {
    return n >= 1 && n <= ROMAN.length ? ROMAN.charAt(n - 1) : String(n);
  }

  /** The epicentre as a red star (an inline SVG: no image files, no CDN). */
  function epicentre(latlng) {
    var icon = L.divIcon({
      className: "quake-epicentre",
      html: '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path d="M12 1.8l3.1 6.6 7.2.9-5.3 5 1.4 7.1L12 17.9l-6.4 3.5 1.4-7.1-5.3-5 7.2-.9z"/></svg>',
      iconSize: [24, 24],
      iconAnchor: [12, 12],
    });
    return L.marker(latlng, { icon: icon, keyboard: false, title: t("quake.epicentre") });
  }

  // --- the form ------------------------------------------------------------------------------

  var form = document.getElementById("quake-form");
  if (form) setupForm(form);

  function setupForm(form) {
    var errorBox = form.querySelector("[data-role=error]");
    var button = form.querySelector("button[type=submit]");
    var idleLabel = button.textContent;
    var REQUIRED = ["lat", "lon", "magnitude", "depth_km"];
    var OPTIONAL = ["strike", "rupture_length_km"];

    function value(name) { return form.elements[name].value.trim(); }

    function body() {
      var out = {
        lat: Number(value("lat")),
        lon: Number(value("lon")),
        magnitude: Number(value("magnitude")),
        magnitude_type: value("magnitude_type"),
        depth_km: Number(value("depth_km")),
        model: value("model"),
      };
      OPTIONAL.forEach(function (name) {
        if (value(name) !== "") out[name] = Number(value(name));
      });
      if (value("name") !== "") out.name = value("name");
      return out;
    }

    function clearErrors() {
      errorBox.hidden = true;
      errorBox.textContent = "";
      form.querySelectorAll("[data-error-for]").forEach(function (el) {
        el.hidden = true;
        el.textContent = "";
      });
      form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    }

    /** Show ``reason`` under the field ``name``; false when the form has no such field. */
    function fieldError(name, reason) {
      var slot = form.querySelector('[data-error-for="' + name + '"]');
      if (!slot) return false;
      slot.textContent = slot.textContent ? slot.textContent + "; " + reason : reason;
      slot.hidden = false;
      if (form.elements[name]) form.elements[name].setAttribute("aria-invalid", "true");
      return true;
    }

    function showError(err) {
      var rest = [];
      (Array.isArray(err && err.details) ? err.details : []).forEach(function (d) {
        var name = String(d.field || "").replace(/^body\./, "");
        var reason = Y.pick(d.reason);
        if (!fieldError(name, reason)) rest.push((name ? name + ": " : "") + reason);
      });
      var message = err && err.message ? err.message : String(err);
      errorBox.textContent = rest.length ? message + " " + rest.join("; ") : message;
      errorBox.hidden = false;
    }

    /** Empty required fields and text typed into number fields, flagged before sending. */
    function invalidInput() {
      var bad = false;
      REQUIRED.concat(OPTIONAL).forEach(function (name) {
        var input = form.elements[name];
        if (input.validity && input.validity.badInput) {
          bad = fieldError(name, t("quake.not_number")) || bad;
        } else if (REQUIRED.indexOf(name) >= 0 && value(name) === "") {
          bad = fieldError(name, t("quake.required")) || bad;
        }
      });
      return bad;
    }

    function busy(on) {
      button.disabled = on;
      button.textContent = on ? button.dataset.busy : idleLabel;
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearErrors();
      if (invalidInput()) return;
      busy(true);
      Y.api("/quake/assessments", { method: "POST", body: body() }).then(function (reply) {
        window.location.href = "/quake/" + reply.id;
      }).catch(function (err) {
        busy(false);
        showError(err);
      });
    });

    var box = document.getElementById("quake-pick-map");
    if (box && window.L) {
      Y.map.picker(box, form, { marker: epicentre, digits: 4, centre: [34, 105], zoom: 4 });
    }
  }

  // --- one assessment ------------------------------------------------------------------------

  var mapBox = document.getElementById("quake-map");
  if (mapBox && window.L && cfg.quake) setupResultMap(mapBox, cfg.quake);

  function setupResultMap(box, q) {
    var map = baseMap(box, { zoomSnap: 0.25 });
    var status = document.querySelector("[data-role=map-status]");
    map.setView(q.epicentre, 8);

    function zoneStyle(feature) {
      var i = feature.properties.intensity;
      return {
        color: "#8c2d04", weight: 0.8, opacity: 0.7,
        fillColor: q.colours[String(Math.min(i, 12))] || "#eef1f5", fillOpacity: 0.6,
      };
    }

    function popup(p) {
      function row(label, text) {
        return [Y.el("dt", { text: label }), Y.el("dd", { text: text })];
      }
      var facts = Y.el("dl", { class: "facts" });
      [
        row(t("quake.max_intensity"), roman(p.max_intensity)),
        row(t("quake.population_vi"), Y.formatNumber(p.population)),
        row(t("quake.county_deaths"), Y.formatNumber(p.deaths)),
      ].forEach(function (pair) { facts.appendChild(pair[0]); facts.appendChild(pair[1]); });
      return Y.el("div", { class: "map-popup" },
        Y.el("strong", { text: p.name + (p.parent ? " · " + p.parent : "") }), facts);
    }

    var countyStyle = { color: "#263238", weight: 1.2, opacity: 0.9, fill: true, fillOpacity: 0 };

    Promise.all([Y.api(q.isoseismals), Y.api(q.counties)]).then(function (found) {
      var zones = L.geoJSON(found[0], { style: zoneStyle, interactive: false }).addTo(map);
      var counties = L.geoJSON(found[1], {
        style: function () { return countyStyle; },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          lyr.bindPopup(function () { return popup(p); });
          lyr.bindTooltip(p.name, { sticky: true });
          lyr.on({
            mouseover: function () { lyr.setStyle({ weight: 2.5, color: "#0f2c4c" }); },
            mouseout: function () { lyr.setStyle(countyStyle); },
          });
        },
      }).addTo(map);
      counties.eachLayer(function (lyr) {
        var el = lyr.getElement && lyr.getElement();
        if (el) el.classList.add("county-" + lyr.feature.properties.adcode);
      });
      epicentre(q.epicentre).addTo(map);
      var bounds = L.latLngBounds([q.epicentre, q.epicentre]);
      if (found[0].features && found[0].features.length) bounds.extend(zones.getBounds());
      if (found[1].features && found[1].features.length) bounds.extend(counties.getBounds());
      if (bounds.isValid() && !bounds.getNorthEast().equals(bounds.getSouthWest())) {
        map.fitBounds(bounds, { padding: [12, 12], animate: false });
      }
      focusFromTable(map, counties, box);
      box.dataset.zones = String((found[0].features || []).length);
      box.dataset.counties = String((found[1].features || []).length);
      box.dataset.ready = "1";
    }).catch(function (err) {
      if (status) {
        status.textContent = t("quake.map_failed") + (err && err.message ? ": " + err.message : "");
        status.classList.add("map-status", "error");
      }
      epicentre(q.epicentre).addTo(map);
      box.dataset.ready = "error";
    });
  }

  /** A county's name in the table shows it on the map with its popup. */
  function focusFromTable(map, counties, box) {
    var byCode = {};
    counties.eachLayer(function (lyr) { byCode[lyr.feature.properties.adcode] = lyr; });
    document.querySelectorAll("a[data-focus]").forEach(function (link) {
      var lyr = byCode[link.dataset.focus];
      if (!lyr) return;
      link.addEventListener("click", function (ev) {
        ev.preventDefault();
        box.scrollIntoView({ block: "center" });
        map.fitBounds(lyr.getBounds(), { padding: [24, 24], maxZoom: 10, animate: false });
        lyr.openPopup(lyr.getBounds().getCenter());
      });
    });
  }

  var callButton = document.getElementById("quake-call");
  if (callButton && cfg.quake) {
    var callError = document.querySelector("[data-role=call-error]");
    var callLabel = callButton.textContent;
    callButton.addEventListener("click", function () {
      if (callButton.dataset.confirm && !window.confirm(callButton.dataset.confirm)) return;
      callButton.disabled = true;
      callButton.textContent = callButton.dataset.busy || callLabel;
      callError.hidden = true;
      Y.api(cfg.quake.call, { method: "POST", body: {} }).then(function (reply) {
        window.location.href = reply.board_url;
      }).catch(function (err) {
        callButton.disabled = false;
        callButton.textContent = callLabel;
        var reasons = Array.isArray(err && err.details) ? err.details.map(function (d) {
          return Y.pick(d.reason);
        }) : [];
        callError.textContent = (err && err.message ? err.message : String(err)) +
          (reasons.length ? " (" + reasons.join("; ") + ")" : "");
        callError.hidden = false;
      });
    });
  }
})();
