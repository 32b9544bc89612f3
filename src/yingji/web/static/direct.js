/* Direct reach (一键直达): the send form posts to the JSON API and opens the message's
   board; the region picker finds regions by name and adds their codes to the list. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var form = document.getElementById("direct-form");
  if (!form) return;

  function checked(name) {
    return Array.prototype.filter.call(form.elements[name] || [], function (box) { return box.checked; })
      .map(function (box) { return box.value; });
  }

  function codes() {
    return form.elements.region_codes.value.split(/[\s,，、]+/).filter(Boolean);
  }

  function body() {
    var minutes = form.elements.deadline_minutes.value.trim();
    return {
      text: form.elements.text.value.trim(),
      region_codes: codes(),
      roles: checked("roles"),
      layers: checked("layers").map(Number),
      channels: checked("channels"),
      deadline_minutes: minutes === "" ? null : Number(minutes),
      incident_id: form.elements.incident_id ? Number(form.elements.incident_id.value) : null
    };
  }

  function showError(err) {
    var box = form.querySelector("[data-role=error]");
    var message = err && err.message ? Y.pick(err.message) : String(err);
    if (err && Array.isArray(err.details)) {
      message += " " + err.details.map(function (d) { return d.field + ": " + Y.pick(d.reason); }).join("; ");
    }
    box.textContent = message;
    box.hidden = false;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    Y.api("/direct", { method: "POST", body: body() }).then(function (reply) {
      window.location.href = "/direct/" + reply.id;
    }).catch(function (err) {
      button.disabled = false;
      showError(err);
    });
  });

  // region picker: search by name, click a result to add its code
  var q = form.elements.region_q;
  var results = form.querySelector("[data-role=region-results]");
  var timer = null;
  if (q && results) {
    q.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = q.value.trim();
        results.innerHTML = "";
        if (text.length < 1) return;
        Y.api(Y.query("/regions", { q: text, limit: 10 })).then(function (page) {
          results.innerHTML = "";
          (page.items || []).forEach(function (r) {
            var b = document.createElement("button");
            b.type = "button";
            b.className = "badge";
            b.textContent = r.name + " " + r.code;
            b.addEventListener("click", function () {
              var list = codes();
              if (list.indexOf(r.code) < 0) list.push(r.code);
              form.elements.region_codes.value = list.join(", ");
            });
            results.appendChild(b);
          });
        });
      }, 250);
    });
  }
})();
