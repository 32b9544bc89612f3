/* One-page response flows (一页纸应急响应流程图) and tasks.
   Flow editor: a steps table built from the page config; rows are added, removed and moved;
   the whole flow is sent as JSON (POST new, PUT = a new version) and the API's errors land
   beside the field of the right row (details carry row = step index and field).
   Flow page: retire / reactivate. Tasks (the incident page's panel and /tasks): status
   buttons, a progress form with attachments (multipart), an ad hoc task form.
   Loaded by several pages and by a partial, so it binds once. */
(function () {
  "use strict";
  if (window.__yingjiFlows) return;
  window.__yingjiFlows = true;
  var Y = window.Yingji;
  var cfg = Y.config;
  var errors = Y.formErrors;
  var busy = Y.busy;

  /** Show the responsible input matching the who-kind select, hide and disable the others. */
  function whoSwitch(scope) {
    var kind = scope.querySelector("[data-role=who-kind]");
    if (!kind) return;
    function apply() {
      scope.querySelectorAll("[data-who]").forEach(function (el) {
        var on = el.dataset.who === kind.value;
        el.hidden = !on;
        var input = el.matches("input, select") ? el : el.querySelector("input, select");
        if (input) input.disabled = !on;
      });
    }
    kind.addEventListener("change", apply);
    apply();
  }

  /** The responsible fields of a step or task form as the API wants them. */
  function whoBody(scope) {
    var kind = scope.querySelector("[data-role=who-kind]").value;
    var out = {};
    if (kind === "organisation") {
      var org = scope.querySelector("[name=organisation_id]").value;
      if (org) out.organisation_id = Number(org);
    } else if (kind === "role") {
      out.role = scope.querySelector("[name=role]").value;
    } else {
      var ref = scope.querySelector("[name=person_ref]").value.trim();
      if (/^#?\d{1,9}$/.test(ref)) out.person_id = Number(ref.replace("#", ""));
      else if (ref) out.person_mobile = ref;
    }
    if (!Object.keys(out).length) out.organisation_id = null;
    return out;
  }

  function codes(text) {
    return String(text || "").split(/[,，、;；\s]+/).filter(function (s) { return s; });
  }

  // --- flow editor -------------------------------------------------------------------------

  var form = document.getElementById("flow-form");
  if (form) setupEditor(form);

  function setupEditor(form) {
    var body = form.querySelector("[data-role=steps]");
    var rowTemplate = document.getElementById("flow-step-row");
    var errs = errors(form, function (i) { return body.children[i] || null; });
    var setup = (cfg.flowEditor || {});

    function renumber() {
      Array.prototype.forEach.call(body.children, function (tr, i) {
        tr.querySelector("[data-role=num]").textContent = String(i + 1);
        tr.dataset.row = String(i);
      });
    }

    function addRow(step) {
      var tr = rowTemplate.content.firstElementChild.cloneNode(true);
      step = step || {};
      tr.querySelector("[name=min_level]").value = String(step.min_level || 4);
      var kind = step.person_id ? "person" : step.role ? "role" : "organisation";
      if (!step.person_id && !step.role && !step.organisation_id && !step.action) kind = "role";
      tr.querySelector("[data-role=who-kind]").value = kind;
      if (step.organisation_id) tr.querySelector("[name=organisation_id]").value = String(step.organisation_id);
      if (step.role) tr.querySelector("[name=role]").value = step.role;
      if (step.person_id) tr.querySelector("[name=person_ref]").value = String(step.person_id);
      tr.querySelector("[name=action]").value = step.action || "";
      tr.querySelector("[name=minutes]").value = step.minutes ? String(step.minutes) : "";
      tr.querySelector("[name=type_codes]").value = (step.type_codes || []).join(", ");
      tr.querySelector("[data-role=remove]").addEventListener("click", function () {
        tr.remove();
        renumber();
      });
      tr.querySelector("[data-role=up]").addEventListener("click", function () {
        if (tr.previousElementSibling) body.insertBefore(tr, tr.previousElementSibling);
        renumber();
      });
      body.appendChild(tr);
      whoSwitch(tr);
      renumber();
      return tr;
    }

    (setup.steps || []).forEach(addRow);
    form.querySelector("[data-role=add-step]").addEventListener("click", function () {
      var last = body.lastElementChild;
      var tr = addRow({ min_level: last ? Number(last.querySelector("[name=min_level]").value) : 4 });
      tr.querySelector("[name=action]").focus();
    });

    function collect() {
      var out = {
        code: form.querySelector("[name=code]").value.trim(),
        name: form.querySelector("[name=name]").value.trim(),
        region_code: form.querySelector("[name=region_code]").value.trim(),
        type_codes: Array.prototype.map.call(
          form.querySelectorAll("[name=type_codes]:checked"), function (c) { return c.value; }),
        steps: [],
      };
      Array.prototype.forEach.call(body.children, function (tr) {
        var minutes = tr.querySelector("[name=minutes]").value.trim();
        out.steps.push(Object.assign({
          min_level: Number(tr.querySelector("[name=min_level]").value),
          action: tr.querySelector("[name=action]").value.trim(),
          minutes: minutes === "" ? null : Number(minutes),
          type_codes: codes(tr.querySelector("[name=type_codes]").value),
        }, whoBody(tr)));
      });
      return out;
    }

    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errs.clear();
      busy(button, true);
      Y.api(form.dataset.api, { method: form.dataset.method, body: collect() }).then(function (saved) {
        window.location.href = "/flows/" + saved.id;
      }).catch(function (err) {
        busy(button, false);
        errs.show(err);
      });
    });
  }

  // --- flow page: retire / reactivate ---------------------------------------------------------

  document.querySelectorAll("[data-role=flow-retire], [data-role=flow-activate]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (b.dataset.confirm && !window.confirm(b.dataset.confirm)) return;
      var retire = b.dataset.role === "flow-retire";
      var path = "/flows/" + b.dataset.id + (retire ? "" : "/activate");
      busy(b, true);
      Y.api(path, { method: retire ? "DELETE" : "POST" }).then(function () {
        window.location.reload();
      }).catch(function (err) {
        busy(b, false);
        var box = b.parentNode.querySelector("[data-role=error]");
        if (box) { box.textContent = err.message; box.hidden = false; }
      });
    });
  });

  // --- tasks -----------------------------------------------------------------------------------

  document.querySelectorAll("[data-role=task-status]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (b.dataset.confirm && !window.confirm(b.dataset.confirm)) return;
      busy(b, true);
      Y.api("/tasks/" + b.dataset.task + "/updates", {
        method: "POST",
        body: { status: b.dataset.status },
      }).then(function () {
        window.location.reload();
      }).catch(function (err) {
        busy(b, false);
        var item = b.closest("[data-task]");
        var box = item && item.querySelector("[data-role=error]");
        if (box) { box.textContent = err.message; box.hidden = false; }
        else window.alert(err.message);
      });
    });
  });

  document.querySelectorAll("form.ft-update-form").forEach(function (f) {
    var errs = errors(f);
    var button = f.querySelector("button[type=submit]");
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errs.clear();
      var data = new FormData();
      var text = f.querySelector("[name=text]").value.trim();
      if (text) data.append("text", text);
      Array.prototype.forEach.call(f.querySelector("[name=files]").files, function (file) {
        data.append("files", file, file.name);
      });
      busy(button, true);
      Y.api("/tasks/" + f.dataset.task + "/updates", { method: "POST", body: data }).then(function () {
        window.location.reload();
      }).catch(function (err) {
        busy(button, false);
        errs.show(err);
      });
    });
  });

  document.querySelectorAll("form.ft-new").forEach(function (f) {
    var errs = errors(f);
    var button = f.querySelector("button[type=submit]");
    whoSwitch(f);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errs.clear();
      var minutes = f.querySelector("[name=minutes]").value.trim();
      var payload = Object.assign({
        title: f.querySelector("[name=title]").value.trim(),
        minutes: minutes === "" ? null : Number(minutes),
      }, whoBody(f));
      busy(button, true);
      Y.api("/incidents/" + f.dataset.incident + "/tasks", { method: "POST", body: payload })
        .then(function () { window.location.reload(); })
        .catch(function (err) {
          busy(button, false);
          errs.show(err);
        });
    });
  });

})();
