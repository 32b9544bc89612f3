/* Inspection pages: start an inspection, and the phone form that saves every answer, note,
   photo and GPS fix through the JSON API as soon as it is given. Uses window.Yingji. */
(function () {
  "use strict";
  var Y = window.Yingji;

  function showError(box, err) {
    if (!box) return;
    var text = err && err.message ? err.message : Y.t("common.error");
    var details = (err && err.details) || [];
    if (Array.isArray(details) && details.length) {
      text += "：" + details.map(function (d) {
        return (d.item_code ? d.item_code + " " : "") + (d.field || "") + " " + Y.pick(d.reason || "");
      }).join("；");
    }
    box.textContent = text;
    box.hidden = false;
  }

  function numberOrNull(value) {
    var text = String(value || "").trim();
    return text === "" ? null : Number(text);
  }

  // --- new inspection ---------------------------------------------------------------------

  function setupNew(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var body = {
        template_id: Number(data.get("template_id")),
        kind: data.get("kind"),
        enterprise_id: numberOrNull(data.get("enterprise_id")),
        risk_point_id: numberOrNull(data.get("risk_point_id")),
        unannounced: data.get("unannounced") === "true",
        note: data.get("note") || null,
      };
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      Y.api("/inspections", { method: "POST", body: body })
        .then(function (inspection) {
          window.location.href = "/inspections/" + inspection.id + "/form";
        })
        .catch(function (err) {
          button.disabled = false;
          showError(form.querySelector("[data-role=error]"), err);
        });
    });
  }

  // --- the phone form ---------------------------------------------------------------------

  function setupForm(form) {
    var id = Y.config.inspectionId;
    var base = "/inspections/" + id;
    var position = document.getElementById("position");
    var lonInput = position.querySelector("input[name=lon]");
    var latInput = position.querySelector("input[name=lat]");
    var positionStatus = position.querySelector("[data-role=status]");
    var progress = document.querySelector("[data-role=progress]");

    function here() {
      var lon = numberOrNull(lonInput.value);
      var lat = numberOrNull(latInput.value);
      return lon === null || lat === null ? null : { lon: lon, lat: lat };
    }

    function updateProgress() {
      var done = form.querySelectorAll(".item-card.answered").length;
      progress.textContent = Y.t("inspections.progress", { done: done, total: progress.dataset.total });
    }

    function save(card, entry) {
      var status = card.querySelector("[data-role=status]");
      status.textContent = "…";
      status.classList.remove("error");
      return Y.api(base + "/results", { method: "PUT", body: { results: [entry] } })
        .then(function () {
          status.textContent = Y.t("inspections.saved");
        })
        .catch(function (err) {
          status.classList.add("error");
          showError(status, err);
          throw err;
        });
    }

    function setResult(card, result) {
      var entry = { item_code: card.dataset.item, result: result };
      var fix = here();
      if (fix) { entry.lon = fix.lon; entry.lat = fix.lat; }
      save(card, entry).then(function () {
        card.querySelectorAll(".result-button").forEach(function (b) {
          b.setAttribute("aria-pressed", b.dataset.result === result ? "true" : "false");
        });
        card.classList.remove("result-pass", "result-fail", "result-na");
        card.classList.add("answered", "result-" + result);
        updateProgress();
      }).catch(function () {});
    }

    function upload(card, input) {
      var file = input.files && input.files[0];
      if (!file) return;
      var status = card.querySelector("[data-role=status]");
      var data = new FormData();
      data.append("file", file, file.name || "photo.jpg");
      var fix = here();
      if (fix) { data.append("lon", fix.lon); data.append("lat", fix.lat); }
      status.textContent = "…";
      Y.api(base + "/items/" + encodeURIComponent(card.dataset.item) + "/photos", {
        method: "POST", body: data,
      }).then(function (photo) {
        card.querySelector("[data-role=photos]").appendChild(
          Y.el("img", { src: photo.url, alt: photo.filename, loading: "lazy" }));
        status.textContent = Y.t("inspections.saved");
        input.value = "";
      }).catch(function (err) {
        status.classList.add("error");
        showError(status, err);
        input.value = "";
      });
    }

    form.querySelectorAll(".item-card").forEach(function (card) {
      card.querySelectorAll(".result-button").forEach(function (button) {
        button.addEventListener("click", function () { setResult(card, button.dataset.result); });
      });
      var note = card.querySelector("textarea[name=note]");
      note.addEventListener("change", function () {
        save(card, { item_code: card.dataset.item, note: note.value }).catch(function () {});
      });
      var photo = card.querySelector("input[name=photo]");
      photo.addEventListener("change", function () { upload(card, photo); });
    });

    function savePosition() {
      var fix = here();
      if (!fix) { positionStatus.textContent = Y.t("inspections.no_gps"); return; }
      Y.api(base + "/results", { method: "PUT", body: { results: [], lon: fix.lon, lat: fix.lat } })
        .then(function () { positionStatus.textContent = Y.t("inspections.position_saved"); })
        .catch(function (err) { showError(positionStatus, err); });
    }

    function locate() {
      if (!navigator.geolocation) { positionStatus.textContent = Y.t("inspections.no_gps"); return; }
      positionStatus.textContent = Y.t("inspections.locating");
      navigator.geolocation.getCurrentPosition(function (pos) {
        lonInput.value = pos.coords.longitude.toFixed(6);
        latInput.value = pos.coords.latitude.toFixed(6);
        savePosition();
      }, function () {
        positionStatus.textContent = Y.t("inspections.no_gps");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }

    position.querySelector("[data-action=locate]").addEventListener("click", locate);
    position.querySelector("[data-action=save-position]").addEventListener("click", savePosition);
    if (!here()) locate();

    var finishButton = document.querySelector("[data-action=finish]");
    var finishError = document.querySelector("[data-role=finish-error]");
    finishButton.addEventListener("click", function () {
      if (!window.confirm(Y.t("inspections.finish_confirm"))) return;
      finishButton.disabled = true;
      form.querySelectorAll(".item-card.missing").forEach(function (c) { c.classList.remove("missing"); });
      Y.api(base + "/finish", { method: "POST" })
        .then(function () { window.location.href = "/inspections/" + id; })
        .catch(function (err) {
          finishButton.disabled = false;
          showError(finishError, err);
          (err.details || []).forEach(function (d) {
            var card = d.item_code && form.querySelector('.item-card[data-item="' + d.item_code + '"]');
            if (card) card.classList.add("missing");
          });
          var first = form.querySelector(".item-card.missing");
          if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var newForm = document.getElementById("inspection-new");
    if (newForm) setupNew(newForm);
    var form = document.getElementById("inspection-form");
    if (form) setupForm(form);
  });
})();
