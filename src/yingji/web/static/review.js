/* After-action review page: save the findings, add a corrective action, close one. Each
   form posts JSON to the API and reloads, so the page shows what the server now holds;
   the API's field errors land beside their fields, anything else in the form's alert. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var id = Y.config.incidentId;

  function wire(form, send) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var errs = Y.formErrors(form);
      errs.clear();
      var button = form.querySelector("button[type=submit]");
      Y.busy(button, true);
      send(form).then(function () {
        window.location.reload();
      }).catch(function (err) {
        Y.busy(button, false);
        errs.show(err);
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
