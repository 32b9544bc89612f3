/* Warning pages: publish, update or cancel a warning and import a CAP file — each posts to
   the JSON API and goes to the warning's page — and draw a warning's area on a small map. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0" };

  function text(form, name) {
    var field = form.elements[name];
    return field && field.value.trim() !== "" ? field.value.trim() : null;
  }

  function when(form, name) {
    var value = text(form, name);
    return value ? new Date(value).toISOString() : null;
  }

  function warningBody(form) {
    var codes = (text(form, "region_codes") || "").split(/[\s,，、]+/).filter(Boolean);
    var body = {
      category: text(form, "category"),
      level: Number(text(form, "level")),
      stage: text(form, "stage"),
      key_period: form.elements.key_period.checked,
      area_desc: text(form, "area_desc"),
      area: { region_codes: codes },
      valid_from: when(form, "valid_from"),
      valid_until: when(form, "valid_until"),
      authority: text(form, "authority"),
      headline: text(form, "headline"),
      description: text(form, "description"),
      instruction: text(form, "instruction")
    };
    if (form.dataset.replaces) body.replaces = Number(form.dataset.replaces);
    return body;
  }

  function showError(form, err) {
    var box = form.querySelector("[data-role=error]");
    var message = err && err.message ? Y.pick(err.message) : String(err);
    if (err && Array.isArray(err.details)) {
      message += " " + err.details.map(function (d) { return d.field + ": " + Y.pick(d.reason); }).join("; ");
    }
    box.textContent = message;
    box.hidden = false;
  }

  function wire(form, send) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      send(form).then(function (reply) {
        window.location.href = reply && reply.id ? "/warnings/" + reply.id : window.location.href;
      }).catch(function (err) {
        button.disabled = false;
        showError(form, err);
      });
    });
  }

  var create = document.getElementById("warning-form");
  if (create) {
    wire(create, function (form) { return Y.api("/warnings", { method: "POST", body: warningBody(form) }); });
  }
  var cap = document.getElementById("cap-form");
  if (cap) {
    wire(cap, function (form) { return Y.api("/warnings/cap", { method: "POST", body: new FormData(form) }); });
  }
  var id = Y.config.warningId;
  var cancel = document.getElementById("cancel-form");
  if (cancel) {
    wire(cancel, function () { return Y.api("/warnings/" + id + "/cancel", { method: "POST" }); });
  }

  var area = Y.config.warningArea;
  var box = document.getElementById("warning-map");
  if (area && box && window.L) {
    var colour = COLOURS[Y.config.warningLevel] || "#c62828";
    var map = window.L.map(box, { attributionControl: Boolean(Y.config.tiles) });
    if (Y.config.tiles) window.L.tileLayer(Y.config.tiles, { maxZoom: 18 }).addTo(map);
    // Fit the view before drawing: a circle needs a map with a view to project itself.
    var bounds = window.L.latLngBounds([]);
    var rings = (area.polygons || []).map(function (ring) {
      return ring.map(function (p) { return [p[1], p[0]]; });
    });
    rings.forEach(function (ring) { bounds.extend(ring); });
    (area.circles || []).forEach(function (c) {
      bounds.extend(window.L.latLng(c[1], c[0]).toBounds(c[2] * 2000));
    });
    map.fitBounds(bounds, { padding: [12, 12] });
    rings.forEach(function (ring) {
      window.L.polygon(ring, { color: colour, weight: 2 }).addTo(map);
    });
    (area.circles || []).forEach(function (c) {
      window.L.circle([c[1], c[0]], { radius: c[2] * 1000, color: colour, weight: 2 }).addTo(map);
    });
  }
})();
