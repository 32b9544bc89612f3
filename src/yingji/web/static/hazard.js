/* Hazard pages: report a hazard, take a lifecycle step, add a photo — each posts to the
   JSON API and reloads, so the page always shows what the server now holds. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var NUMBERS = ["enterprise_id", "risk_point_id", "owner_person_id", "department_id", "funds_wan"];

  function values(form) {
    var body = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value !== "string" || value.trim() === "") return;
      body[key] = NUMBERS.indexOf(key) >= 0 ? Number(value) : value.trim();
    });
    return body;
  }

  function showError(form, err) {
    var box = form.querySelector("[data-role=error]");
    var text = err && err.message ? Y.pick(err.message) : String(err);
    if (err && Array.isArray(err.details)) {
      text += " " + err.details.map(function (d) { return d.field + ": " + Y.pick(d.reason); }).join("; ");
    }
    box.textContent = text;
    box.hidden = false;
  }

  function wire(form, send) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      send(form).then(function (reply) {
        window.location.href = reply && reply.id ? "/hazards/" + reply.id : window.location.href;
      }).catch(function (err) {
        button.disabled = false;
        showError(form, err);
      });
    });
  }

  var report = document.getElementById("report-form");
  if (report) {
    wire(report, function (form) { return Y.api("/hazards", { method: "POST", body: values(form) }); });
  }
  var id = Y.config.hazardId;
  document.querySelectorAll("form[data-action]").forEach(function (form) {
    wire(form, function () {
      return Y.api("/hazards/" + id + "/actions/" + form.dataset.action, { method: "POST", body: values(form) });
    });
  });
  var photo = document.getElementById("photo-form");
  if (photo) {
    wire(photo, function (form) {
      return Y.api("/hazards/" + id + "/photos", { method: "POST", body: new FormData(form) })
        .then(function () { return { id: id }; });
    });
  }
})();
