/* After-action review page: save the findings, add a corrective action, close one. Each
   form posts JSON to the API and reloads, so the page shows what the server now holds;
   the API's field errors land beside their fields, anything else in the form's alert. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var id = Y.config.incidentId;

  function clear(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (slot) {
      slot.hidden = true;
      slot.textContent = "";
    });
    var box = form.querySelector("[data-role=error]");
    if (box) { box.hidden = true; box.textContent = ""; }
  }

  function show(form, err) {
    var rest = [];
    (Array.isArray(err && err.details) ? err.details : []).forEach(function (d) {
      var name = String(d.field || "").replace(/^body\./, "");
      var slot = form.querySelector('[data-error-for="' + name + '"]');
      if (slot) {
        slot.textContent = Y.pick(d.reason);
        slot.hidden = false;
      } else {
        rest.push((name ? name + ": " : "") + Y.pick(d.reason));
      }
    });
    var box = form.querySelector("[data-role=error]");
    if (box) {
      var message = err && err.message ? err.message : String(err);
      box.textContent = rest.length ? message + " " + rest.join("; ") : message;
      box.hidden = false;
    }
  }

  function wire(form, send) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clear(form);
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      send(form).then(function () {
        window.location.reload();
      }).catch(function (err) {
        button.disabled = false;
        show(form, err);
      });
    });
  }

  function value(form, name) {
    var field = form.querySelector('[name="' + name + '"]');
    return field ? field.value.trim() : "";
  }

  var findings = document.getElementById("findings-form");
  if (findings) {
    wire(findings, function (form) {
      return Y.api("/incidents/" + id + "/review", { method: "PUT", body: { findings: value(form, "findings") } });
    });
  }

  var add = document.getElementById("action-form");
  if (add) {
    wire(add, function (form) {
      var body = { title: value(form, "title"), owner: value(form, "owner") };
      if (value(form, "due_on")) body.due_on = value(form, "due_on");
      return Y.api("/incidents/" + id + "/review/actions", { method: "POST", body: body });
    });
  }

  document.querySelectorAll("form[data-close]").forEach(function (form) {
    wire(form, function () {
      return Y.api("/review-actions/" + form.dataset.close + "/close", {
        method: "POST",
        body: { note: value(form, "note") },
      });
    });
  });
})();
