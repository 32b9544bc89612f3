/* Import / export page: upload a file for a dry run, show its problems row by row, and
   import for real only after the user confirms a clean check. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var t = Y.t;
  var el = Y.el;

  var headers = Y.config.columns || {};

  /** Problems as {row, column, reason}; the API names fields, people know sheet headers. */
  function problems(kind, list) {
    var labels = headers[kind] || {};
    return (list || []).filter(function (p) { return p && typeof p === "object"; })
      .map(function (p) {
        return {
          row: p.row,
          column: Object.prototype.hasOwnProperty.call(labels, p.field) ? labels[p.field] : p.field,
          reason: Y.pick(p.reason || ""),
        };
      });
  }

  function rowCount(body) {
    if (!body) return 0;
    if (typeof body.rows === "number") return body.rows;
    if (typeof body.total === "number") return body.total;
    var n = 0;
    ["created", "updated", "unchanged"].forEach(function (k) {
      if (typeof body[k] === "number") n += body[k];
    });
    return n;
  }

  function problemTable(list) {
    var tbody = el("tbody");
    list.forEach(function (p) {
      tbody.appendChild(el("tr", { "data-testid": "import-error" },
        el("td", { text: p.row === undefined || p.row === null ? "" : String(p.row) }),
        el("td", { text: p.column === undefined || p.column === null ? "" : String(p.column) }),
        el("td", { text: p.reason })));
    });
    return el("div", { class: "scroll" }, el("table", { class: "table" },
      el("thead", null, el("tr", null,
        el("th", { text: t("data.row") }), el("th", { text: t("data.column") }),
        el("th", { text: t("data.reason") }))),
      tbody));
  }

  function counts(body) {
    if (!body || typeof body.created !== "number") return null;
    return el("p", { class: "muted", text: t("data.counts", {
      created: body.created, updated: body.updated || 0, unchanged: body.unchanged || 0 }) });
  }

  function setup(form) {
    var kind = form.dataset.kind;
    var out = form.querySelector(".io-result");
    var check = form.querySelector("button[type=submit]");
    var confirm = form.querySelector("[data-action=confirm]");
    var input = form.elements.file;

    function send(dryRun) {
      var file = input.files[0];
      if (!file) {
        out.textContent = "";
        out.appendChild(el("p", { class: "alert", text: t("data.no_file") }));
        return;
      }
      var data = new FormData();
      data.append("file", file);
      check.disabled = true;
      confirm.disabled = true;
      out.textContent = "";
      out.appendChild(el("p", { class: "muted", text: t(dryRun ? "data.checking" : "data.importing") }));
      var url = Y.query("/io/import/" + encodeURIComponent(kind), { dry_run: dryRun ? "true" : "false" });
      Y.api(url, { method: "POST", body: data }).then(function (body) {
        var list = problems(kind, body.errors);
        out.textContent = "";
        if (list.length) {
          out.appendChild(el("p", { class: "alert", text: t("data.check_failed", { n: list.length }) }));
          out.appendChild(problemTable(list));
          confirm.hidden = true;
        } else if (dryRun) {
          out.appendChild(el("p", { class: "alert ok", text: t("data.check_ok", { rows: rowCount(body) }) }));
          var c = counts(body);
          if (c) out.appendChild(c);
          if (body.ignored_columns && body.ignored_columns.length) {
            out.appendChild(el("p", { class: "muted",
              text: t("data.ignored", { columns: body.ignored_columns.join(t("common.list_sep")) }) }));
          }
          confirm.hidden = false;
        } else {
          out.appendChild(el("p", { class: "alert ok", text: t("data.done", { rows: rowCount(body) }) }));
          var c2 = counts(body);
          if (c2) out.appendChild(c2);
          confirm.hidden = true;
        }
      }).catch(function (err) {
        // A rejected file is a 422 listing every bad cell; show them as a table.
        var list = problems(kind, Array.isArray(err.details) ? err.details : []);
        out.textContent = "";
        out.appendChild(el("p", { class: "alert",
          text: list.length ? t("data.check_failed", { n: list.length }) : err.message }));
        if (list.length) out.appendChild(problemTable(list));
        confirm.hidden = true;
      }).then(function () {
        check.disabled = false;
        confirm.disabled = false;
      });
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      send(true);
    });
    confirm.addEventListener("click", function () { send(false); });
    input.addEventListener("change", function () {
      confirm.hidden = true;
      out.textContent = "";
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".io-form"), setup);
})();
