/* Quick report pages (灾情速报).
   The form: "use my position" fills longitude and latitude from the phone; the form is
   sent as multipart (figures, text, photos) to the API, whose field errors appear beside
   their fields; on success a message with the report's number, and the figures, text and
   photos are cleared for the next report (place and incident stay).
   The list: verify / send back from a report's row, then the page reloads so the queue,
   the totals and the conflicts all show the decision. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var t = Y.t;
  var errors = Y.formErrors;
  var busy = Y.busy;

  // --- the form ------------------------------------------------------------------------

  function setupForm(form) {
    var errs = errors(form);
    var sent = document.querySelector("[data-role=sent]");
    var submit = form.querySelector("button[type=submit]");
    var locate = form.querySelector("[data-role=locate]");
    var status = form.querySelector("[data-role=locate-status]");
    var lon = form.querySelector("input[name=lon]");
    var lat = form.querySelector("input[name=lat]");

    if (!("geolocation" in navigator)) {
      locate.hidden = true;
      status.textContent = t("quick.locate_unsupported");
    }
    locate.addEventListener("click", function () {
      status.textContent = t("quick.locating");
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          lon.value = pos.coords.longitude.toFixed(6);
          lat.value = pos.coords.latitude.toFixed(6);
          status.textContent = t("quick.located", { lon: lon.value, lat: lat.value });
          status.dataset.located = "1";
        },
        function () { status.textContent = t("quick.locate_failed"); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });

    /** Number fields the browser could not read (letters typed in) are flagged here: the
        browser would send them empty, which the API reads as 0. */
    function badNumbers() {
      var bad = false;
      form.querySelectorAll("input[type=number]").forEach(function (input) {
        if (input.validity && input.validity.badInput) {
          bad = errs.field(input.name, t("quick.not_number")) || bad;
        }
      });
      return bad;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errs.clear();
      if (sent) sent.hidden = true;
      if (badNumbers()) return;
      var body = new FormData(form);
      busy(submit, true);
      Y.api("/quick-reports", { method: "POST", body: body }).then(function (report) {
        busy(submit, false);
        form.querySelectorAll(".quick-figures input, textarea, input[type=file]").forEach(function (input) {
          input.value = "";
        });
        if (sent) {
          sent.textContent = t("quick.sent", { id: report.id, place: report.place });
          sent.dataset.id = report.id;
          sent.hidden = false;
          sent.scrollIntoView({ block: "nearest" });
        }
      }).catch(function (err) {
        busy(submit, false);
        errs.show(err);
      });
    });
  }

  // --- the list ------------------------------------------------------------------------

  function setupDecisions() {
    document.querySelectorAll("form[data-role=decide]").forEach(function (form) {
      var errs = errors(form);
      var listError = document.querySelector("[data-testid=quick-list-error]");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        errs.clear();
        var button = event.submitter || form.querySelector("button[data-action=verify]");
        var action = button.dataset.action === "reject" ? "reject" : "verify";
        var note = form.querySelector("input[name=note]").value.trim();
        if (action === "reject" && !note) {
          errs.field("note", t("quick.note_required"));
          return;
        }
        busy(button, true);
        Y.api("/quick-reports/" + form.dataset.id + "/" + action, {
          method: "POST",
          body: { note: note || null },
        }).then(function () {
          window.location.reload();
        }).catch(function (err) {
          busy(button, false);
          var onNote = (Array.isArray(err.details) ? err.details : []).some(function (d) {
            return String(d.field || "").replace(/^body\./, "") === "note";
          });
          if (onNote) errs.show(err);
          else if (listError) {
            listError.textContent = err.message;
            listError.hidden = false;
          }
        });
      });
    });
  }

  /** 立为事件: the township opens an incident from a report and goes to it. */
  function setupOpenIncident() {
    document.querySelectorAll("form[data-role=open-incident]").forEach(function (form) {
      var errs = errors(form);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        errs.clear();
        var button = form.querySelector("button");
        busy(button, true);
        Y.api("/quick-reports/" + form.dataset.id + "/incident", {
          method: "POST",
          body: { type_code: form.elements.type_code.value },
        }).then(function (incident) {
          window.location.href = "/incidents/" + incident.id;
        }).catch(function (err) {
          busy(button, false);
          errs.show(err);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("quick-form");
    if (form) setupForm(form);
    setupDecisions();
    setupOpenIncident();
  });
})();
