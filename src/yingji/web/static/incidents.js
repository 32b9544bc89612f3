/* Incident command pages (事件、值班值守).
   Every form with data-api posts its fields as JSON to the API (numbers as numbers, a local
   date-time with the browser's offset, empty fields left out) and reloads, or opens the new
   incident; the API's field errors appear beside their fields. The call form sends an
   incident with the call when "this is an incident" is ticked. Level buttons declare, raise,
   lower or end the response. Reporting deadlines count down every half minute. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var t = Y.t;

  /** A datetime-local value ("2026-07-01T10:30") as ISO 8601 with this browser's offset. */
  function withOffset(local) {
    var when = new Date(local);
    if (isNaN(when.getTime())) return local;
    var minutes = -when.getTimezoneOffset();
    var sign = minutes >= 0 ? "+" : "-";
    var abs = Math.abs(minutes);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return local + (local.length === 16 ? ":00" : "") + sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  /** The fields of ``scope`` (those inside ``except`` left out) as the API takes them. */
  function values(scope, except) {
    var out = {};
    scope.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (input) {
      if (except && except.contains(input)) return;
      var raw = input.value.trim();
      if (raw === "") return;
      var type = input.dataset.type;
      if (type === "number") out[input.name] = Number(raw);
      else if (type === "local-time") out[input.name] = withOffset(raw);
      else out[input.name] = raw;
    });
    return out;
  }

  document.querySelectorAll("form.inc-form[data-api]").forEach(function (form) {
    var extra = form.querySelector("[data-role=incident-fields]");
    var toggle = form.querySelector("[data-role=is-incident]");
    if (toggle && extra) {
      toggle.addEventListener("change", function () { extra.hidden = !toggle.checked; });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var errs = Y.formErrors(form);
      errs.clear();
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
      var body = values(form, extra);
      if (extra && toggle && toggle.checked) body.incident = values(extra);
      var button = form.querySelector("button[type=submit]");
      Y.busy(button, true);
      Y.api(form.dataset.api, { method: form.dataset.method || "POST", body: body }).then(function (res) {
        if (form.dataset.then === "open" && res && res.id) window.location.href = "/incidents/" + res.id;
        else window.location.reload();
      }).catch(function (err) {
        Y.busy(button, false);
        errs.show(err);
      });
    });
  });

  // --- response level ------------------------------------------------------------------------

  var levels = document.querySelector("[data-role=levels]");
  var cfg = Y.config.incident;
  if (levels && cfg) {
    var levelError = document.querySelector("[data-role=level-error]");
    levels.querySelectorAll("button[data-level]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
        var reason = levels.querySelector("[name=reason]").value.trim();
        var level = button.dataset.level ? Number(button.dataset.level) : null;
        button.disabled = true;
        Y.api("/incidents/" + cfg.id + "/level", { method: "POST", body: { level: level, reason: reason || null } })
          .then(function () { window.location.reload(); })
          .catch(function (err) {
            button.disabled = false;
            levelError.textContent = err && err.message ? err.message : String(err);
            levelError.hidden = false;
          });
      });
    });
  }

  // --- countdowns ----------------------------------------------------------------------------

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".inc-due[data-due]").forEach(function (badge) {
      var state = badge.dataset.state;
      if (state !== "due" && state !== "overdue") return;
      var minutes = Math.round((Date.parse(badge.dataset.due) - now) / 60000);
      var text = minutes >= 0 ? t("incident.minutes_left", { n: minutes }) : t("incident.minutes_over", { n: -minutes });
      badge.querySelector("[data-role=countdown]").textContent = text;
      badge.classList.toggle("due-overdue", minutes < 0);
      badge.classList.toggle("due-due", minutes >= 0);
    });
  }
  tick();
  window.setInterval(tick, 30000);

  // --- pick the place on a map -----------------------------------------------------------------

  document.querySelectorAll("[data-role=pick-map]").forEach(function (box) {
    var grid = box.closest(".inc-form-grid");
    var form = grid && grid.querySelector("form");
    if (form && window.L) Y.map.picker(box, form);
  });
})();
