/* Rescue resources pages (救援力量与物资).
   Registries: the add forms post JSON to the API and reload the list; the API's field errors
   appear next to their fields; a small map picks the location with a click. Teams change
   status from their row. Warehouses receive stock from their card.
   Dispatch board: needs are ranked by the API (arrival minutes per candidate, the picked
   ones checked); the checked teams are sent one order each, the checked materials one order
   per warehouse; orders move through their states from their row and the list refreshes
   in place. Coverage map: the API's banded layer, uncovered areas outlined, the stations as
   dots, and the summary table. Maps set data-ready ("1" or "error") when drawn. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var cfg = Y.config;
  var t = Y.t;
  var FLASH = "yingji.resources.flash";
  var baseMap = Y.map.base;
  var outline = Y.map.outline;
  var errors = Y.formErrors;
  var busy = Y.busy;

  // --- shared helpers --------------------------------------------------------------------

  /** A code's text (a skill, a team kind, an equipment type), or the code as typed. */
  function codeLabel(group, code) {
    var key = "resources." + group + "." + code;
    var text = t(key);
    return text === key ? null : text;
  }

  /** Empty required fields and text typed into number fields, flagged before sending. */
  function badInput(form, errs) {
    var bad = false;
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.disabled) return;
      if (input.validity && input.validity.badInput) {
        bad = errs.field(input.name, t("resources.not_number")) || bad;
      } else if (input.required && !String(input.value).trim()) {
        bad = errs.field(input.name, t("resources.required")) || bad;
      }
    });
    return bad;
  }

  /** The form's fields as the API wants them: numbers, lists, dates; empty ones left out. */
  function formBody(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.disabled || input.type === "submit" || input.type === "button") return;
      var raw = String(input.value).trim();
      if (raw === "" && !input.hasAttribute("data-keep-empty")) return;
      var type = input.dataset.type;
      if (type === "number") out[input.name] = Number(raw);
      else if (type === "list") {
        out[input.name] = raw.split(/[,，、\s]+/).filter(function (s) { return s; });
      } else out[input.name] = raw;
    });
    return out;
  }

  function flashLater(text) {
    try { window.sessionStorage.setItem(FLASH, text); } catch (e) { /* private mode */ }
  }

  function showFlash() {
    var text = null;
    try {
      text = window.sessionStorage.getItem(FLASH);
      window.sessionStorage.removeItem(FLASH);
    } catch (e) { return; }
    if (!text) return;
    var tabs = document.querySelector(".res-tabs");
    if (!tabs) return;
    var note = Y.el("p", { class: "alert ok", role: "status", "data-testid": "resources-flash", text: text });
    tabs.parentNode.insertBefore(note, tabs.nextSibling);
  }

  showFlash();

  // --- registry forms: add a team or a warehouse, receive stock -----------------------------

  document.querySelectorAll("form.res-form").forEach(function (form) {
    var errs = errors(form);
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errs.clear();
      if (badInput(form, errs)) return;
      busy(button, true);
      Y.api(form.dataset.api, { method: "POST", body: formBody(form) }).then(function () {
        flashLater(t("resources.saved"));
        window.location.reload();
      }).catch(function (err) {
        busy(button, false);
        errs.show(err);
      });
    });
  });

  // --- pick-on-map for the location fields ------------------------------------------------

  document.querySelectorAll("[data-role=pick-map]").forEach(function (box) {
    var grid = box.closest(".res-form-grid");
    var form = grid && grid.querySelector("form");
    if (form && window.L) Y.map.picker(box, form);
  });

  // --- team status from the row -----------------------------------------------------------

  document.querySelectorAll("select[data-role=team-status]").forEach(function (select) {
    var cell = select.parentNode;
    var rowError = cell.querySelector("[data-role=row-error]");
    select.addEventListener("change", function () {
      var wanted = select.value;
      select.disabled = true;
      rowError.hidden = true;
      Y.api("/resources/teams/" + select.dataset.id + "/status", {
        method: "POST", body: { status: wanted },
      }).then(function (team) {
        var badge = cell.querySelector("[data-status]");
        badge.dataset.status = team.status;
        badge.className = "badge res-status status-" + team.status;
        badge.textContent = select.options[select.selectedIndex].textContent;
        select.dataset.current = team.status;
        select.disabled = false;
      }).catch(function (err) {
        select.value = select.dataset.current;
        select.disabled = false;
        rowError.textContent = err && err.message ? err.message : String(err);
        rowError.hidden = false;
      });
    });
  });

  // --- dispatch orders: move to the next state ----------------------------------------------

  /** Re-read the orders section from the server, so states, buttons and history agree. */
  function refreshOrders() {
    var current = document.getElementById("orders");
    if (!current) return Promise.resolve();
    return fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin", headers: { Accept: "text/html" },
    }).then(function (res) { return res.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("orders");
      if (fresh) current.replaceWith(document.importNode(fresh, true));
    });
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("button[data-role=advance]");
    if (!button) return;
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    var box = document.querySelector("[data-role=orders-error]");
    button.disabled = true;
    Y.api("/resources/dispatch/orders/" + button.dataset.order + "/state", {
      method: "POST", body: { state: button.dataset.state },
    }).then(refreshOrders).catch(function (err) {
      button.disabled = false;
      if (box) {
        box.textContent = err && err.message ? err.message : String(err);
        box.hidden = false;
      }
    });
  });

  // --- dispatch board: needs, ranking, sending ----------------------------------------------

  var dispatchForm = document.getElementById("dispatch-form");
  if (dispatchForm) setupDispatch(dispatchForm);

  function setupDispatch(form) {
    var errs = errors(form);
    var needsBody = form.querySelector("[data-role=needs]");
    var template = document.getElementById("need-row");
    var rankBox = document.querySelector("[data-role=rank]");
    var rankList = rankBox.querySelector("[data-role=rank-list]");
    var log = rankBox.querySelector("[data-role=send-log]");
    var sendTeams = rankBox.querySelector("[data-role=send-teams]");
    var sendMaterials = rankBox.querySelector("[data-role=send-materials]");
    var sendEquipment = rankBox.querySelector("[data-role=send-equipment]");
    var rankButton = form.querySelector("button[type=submit]");
    var materialNames = (cfg.dispatch && cfg.dispatch.materials) || {};
    var incident = null;
    var served = (cfg.dispatch && cfg.dispatch.incident) || null;
    if (served) {  // opened from an incident: its place and title, its orders
      form.elements.lon.value = String(served.lon);
      form.elements.lat.value = String(served.lat);
      form.elements.title.value = served.title;
    }
    var incidentId = served ? served.id : null;

    function needRows() { return needsBody.querySelectorAll("[data-role=need]"); }

    function bindRow(row) {
      var kind = row.querySelector("[data-role=need-kind]");
      var what = row.querySelector("[data-role=need-what]");
      kind.addEventListener("change", function () { what.setAttribute("list", "dl-" + kind.value); });
      what.setAttribute("list", "dl-" + kind.value);
      row.querySelector("[data-role=need-remove]").addEventListener("click", function () {
        if (needRows().length > 1) row.remove();
      });
    }

    needRows().forEach(bindRow);
    form.querySelector("[data-role=need-add]").addEventListener("click", function () {
      var row = template.content.firstElementChild.cloneNode(true);
      needsBody.appendChild(row);
      bindRow(row);
      row.querySelector("[data-role=need-what]").focus();
    });

    function needs() {
      return Array.prototype.map.call(needRows(), function (row) {
        return {
          kind: row.querySelector("[data-role=need-kind]").value,
          what: row.querySelector("[data-role=need-what]").value.trim(),
          amount: Number(row.querySelector("[data-role=need-amount]").value || 0),
        };
      });
    }

    function needLabel(need) {
      var what = need.what;
      if (!what) what = t("resources.need.any_team");
      else if (need.kind === "material") what = materialNames[what] || what;
      else if (need.kind === "equipment") what = codeLabel("etype", what) || what;
      else what = codeLabel("skill", what) || codeLabel("kind", what) || what;
      return t("resources.need." + need.kind) + " · " + what + " × " + Y.formatNumber(need.amount, need.amount % 1 ? 1 : 0);
    }

    /** Spread a material or equipment need over its checked places, soonest first. */
    function spread(block) {
      var left = Number(block.dataset.amount);
      block.querySelectorAll("tr[data-role=share]").forEach(function (tr) {
        var box = tr.querySelector("input[type=checkbox]");
        var take = tr.querySelector("input[data-role=take]");
        if (!box.checked || box.disabled) { take.value = ""; return; }
        var here = Math.min(left, Number(tr.dataset.available));
        take.value = here > 0 ? String(Math.round(here * 1000) / 1000) : "";
        left -= Math.max(here, 0);
      });
    }

    function candidateRow(need, cand, picked) {
      var check = Y.el("input", {
        type: "checkbox", "data-role": "pick", "data-id": String(cand.id),
        "aria-label": cand.name, checked: picked,
      });
      var shared = cand.kind !== "team";
      var amount = cand.kind === "team" ? t("resources.dispatch.one_team")
        : Y.formatNumber(cand.available, cand.available % 1 ? 1 : 0);
      var tr = Y.el("tr", {
        "data-kind": cand.kind, "data-id": String(cand.id), "data-available": String(cand.available),
        "data-what": need.what, class: picked ? "picked" : null,
        "data-role": shared ? "share" : null,
      },
      Y.el("td", {}, check),
      Y.el("td", { "data-label": t("resources.code") }, Y.el("code", { text: cand.code })),
      Y.el("td", { "data-label": t("resources.name"), text: cand.name }),
      Y.el("td", { class: "num", "data-label": t("resources.dispatch.minutes"), text: t("resources.minutes", { n: Y.formatNumber(cand.minutes, 1) }) }),
      Y.el("td", { class: "num", "data-label": t("resources.dispatch.available"), text: amount }));
      if (shared) {
        tr.appendChild(Y.el("td", { "data-label": t("resources.dispatch.take") },
          Y.el("input", {
            type: "number", min: "0", step: cand.kind === "equipment" ? "1" : "any",
            max: String(cand.available), "data-role": "take", class: "res-take",
            "aria-label": t("resources.dispatch.take"),
          })));
      }
      return tr;
    }

    function renderRank(results) {
      rankList.textContent = "";
      results.forEach(function (r, i) {
        var picked = {};
        (r.picked || []).forEach(function (c) { picked[c.kind + ":" + c.id] = true; });
        var shown = (r.candidates || []).slice();
        (r.picked || []).forEach(function (c) {
          if (!shown.some(function (s) { return s.kind === c.kind && s.id === c.id; })) shown.push(c);
        });
        var head = Y.el("tr", {},
          Y.el("th", { text: t("resources.dispatch.pick") }),
          Y.el("th", { text: t("resources.code") }),
          Y.el("th", { text: t("resources.name") }),
          Y.el("th", { class: "num", text: t("resources.dispatch.minutes") }),
          Y.el("th", { class: "num", text: t("resources.dispatch.available") }),
          r.need.kind !== "team" ? Y.el("th", { text: t("resources.dispatch.take") }) : null);
        var body = Y.el("tbody", {});
        shown.forEach(function (c) { body.appendChild(candidateRow(r.need, c, Boolean(picked[c.kind + ":" + c.id]))); });
        if (!shown.length) {
          body.appendChild(Y.el("tr", { class: "empty" }, Y.el("td", { colspan: "6", text: t("resources.dispatch.no_candidates") })));
        }
        var block = Y.el("div", {
          class: "res-need-result", "data-need": String(i), "data-kind": r.need.kind,
          "data-amount": String(r.need.amount), "data-testid": "need-result-" + i,
        },
        Y.el("h4", {}, needLabel(r.need), " ",
          Y.el("span", { class: "badge " + (r.met ? "ok" : "overdue"), text: t(r.met ? "resources.dispatch.met" : "resources.dispatch.unmet") })),
        r.need.kind === "equipment" ? Y.el("p", { class: "muted small", text: t("resources.dispatch.equipment_hint") }) : null,
        Y.el("table", { class: "table res-candidates" }, Y.el("thead", {}, head), body));
        rankList.appendChild(block);
        if (r.need.kind !== "team") {
          spread(block);
          block.addEventListener("change", function (ev) {
            if (ev.target.dataset.role === "pick") {
              ev.target.closest("tr").classList.toggle("picked", ev.target.checked);
              spread(block);
            }
          });
        } else {
          block.addEventListener("change", function (ev) {
            if (ev.target.dataset.role === "pick") ev.target.closest("tr").classList.toggle("picked", ev.target.checked);
          });
        }
      });
      rankBox.hidden = false;
      rankBox.dataset.ready = "1";
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errs.clear();
      var bad = false;
      ["lon", "lat"].forEach(function (name) {
        var input = form.elements[name];
        if (input.validity && input.validity.badInput) bad = errs.field(name, t("resources.not_number")) || bad;
        else if (!input.value.trim()) bad = errs.field(name, t("resources.required")) || bad;
      });
      if (bad) return;
      var body = {
        lon: Number(form.elements.lon.value),
        lat: Number(form.elements.lat.value),
        mode: form.elements.mode.value,
        needs: needs(),
      };
      busy(rankButton, true);
      Y.api("/resources/dispatch/rank", { method: "POST", body: body }).then(function (results) {
        busy(rankButton, false);
        incident = { lon: body.lon, lat: body.lat, mode: body.mode };
        log.textContent = "";
        renderRank(results);
      }).catch(function (err) {
        busy(rankButton, false);
        errs.show(err, function (i) { return needRows()[i] || null; });
      });
    });

    function title() {
      var text = form.elements.title.value.trim();
      errs.clear();
      if (!text) {
        errs.field("title", t("resources.required"));
        form.elements.title.focus();
      }
      return text;
    }

    function note(ok, text) {
      log.appendChild(Y.el("li", { class: ok ? "ok" : "failed", text: (ok ? "✓ " : "✗ ") + text }));
    }

    function failure(err) { return err && err.message ? err.message : String(err); }

    /** Run the calls one after another (each is its own transaction on the server). */
    function inTurn(jobs) {
      return jobs.reduce(function (chain, job) { return chain.then(job); }, Promise.resolve());
    }

    sendTeams.addEventListener("click", function () {
      var text = title();
      if (!text || !incident) return;
      var seen = {};
      var rows = [];
      rankList.querySelectorAll("tr[data-kind=team]").forEach(function (tr) {
        var box = tr.querySelector("input[data-role=pick]");
        if (box.checked && !box.disabled && !seen[tr.dataset.id]) {
          seen[tr.dataset.id] = true;
          rows.push(tr);
        }
      });
      if (!rows.length) { note(false, t("resources.dispatch.nothing_picked")); return; }
      busy(sendTeams, true);
      inTurn(rows.map(function (tr) {
        var name = tr.children[2].textContent;
        return function () {
          return Y.api("/resources/dispatch/teams", {
            method: "POST",
            body: { team_id: Number(tr.dataset.id), lon: incident.lon, lat: incident.lat, title: text, mode: incident.mode, incident_id: incidentId },
          }).then(function (order) {
            note(true, t("resources.dispatch.sent_team", { name: name, code: order.code, eta: Y.formatNumber(order.eta_minutes, 1) }));
            rankList.querySelectorAll('tr[data-kind=team][data-id="' + tr.dataset.id + '"] input[data-role=pick]').forEach(function (b) {
              b.checked = false;
              b.disabled = true;
              b.closest("tr").classList.add("sent");
            });
          }).catch(function (err) { note(false, name + ": " + failure(err)); });
        };
      })).then(refreshOrders).then(function () { busy(sendTeams, false); });
    });

    sendEquipment.addEventListener("click", function () {
      var text = title();
      if (!text || !incident) return;
      var rows = [];
      rankList.querySelectorAll("tr[data-kind=equipment]").forEach(function (tr) {
        var box = tr.querySelector("input[data-role=pick]");
        var units = Math.floor(Number(tr.querySelector("input[data-role=take]").value || 0));
        if (box.checked && !box.disabled && units > 0) rows.push({ tr: tr, units: units });
      });
      if (!rows.length) { note(false, t("resources.dispatch.nothing_picked")); return; }
      busy(sendEquipment, true);
      inTurn(rows.map(function (row) {
        var name = row.tr.children[2].textContent;
        return function () {
          return Y.api("/resources/dispatch/equipment", {
            method: "POST",
            body: { equipment_id: Number(row.tr.dataset.id), units: row.units, lon: incident.lon, lat: incident.lat, title: text, mode: incident.mode, incident_id: incidentId },
          }).then(function (order) {
            note(true, t("resources.dispatch.sent_equipment", { name: name, units: row.units, code: order.code, eta: Y.formatNumber(order.eta_minutes, 1) }));
            var box = row.tr.querySelector("input[data-role=pick]");
            box.checked = false;
            box.disabled = true;
            row.tr.classList.add("sent");
          }).catch(function (err) { note(false, name + ": " + failure(err)); });
        };
      })).then(refreshOrders).then(function () { busy(sendEquipment, false); });
    });

    sendMaterials.addEventListener("click", function () {
      var text = title();
      if (!text || !incident) return;
      var byStore = {};
      var names = {};
      var order = [];
      rankList.querySelectorAll("tr[data-kind=material]").forEach(function (tr) {
        var box = tr.querySelector("input[data-role=pick]");
        var take = Number(tr.querySelector("input[data-role=take]").value || 0);
        if (!box.checked || box.disabled || !(take > 0)) return;
        var id = tr.dataset.id;
        if (!byStore[id]) { byStore[id] = {}; names[id] = tr.children[2].textContent; order.push(id); }
        byStore[id][tr.dataset.what] = (byStore[id][tr.dataset.what] || 0) + take;
      });
      if (!order.length) { note(false, t("resources.dispatch.nothing_picked")); return; }
      busy(sendMaterials, true);
      inTurn(order.map(function (id) {
        var items = Object.keys(byStore[id]).map(function (code) {
          return { material_code: code, quantity: byStore[id][code] };
        });
        return function () {
          return Y.api("/resources/dispatch/materials", {
            method: "POST",
            body: { warehouse_id: Number(id), items: items, lon: incident.lon, lat: incident.lat, title: text, mode: incident.mode, incident_id: incidentId },
          }).then(function (res) {
            note(true, t("resources.dispatch.sent_materials", { name: names[id], code: res.code, eta: Y.formatNumber(res.eta_minutes, 1) }));
            rankList.querySelectorAll('tr[data-kind=material][data-id="' + id + '"] input[data-role=pick]').forEach(function (b) {
              b.checked = false;
              b.disabled = true;
              b.closest("tr").classList.add("sent");
            });
          }).catch(function (err) { note(false, names[id] + ": " + failure(err)); });
        };
      })).then(refreshOrders).then(function () { busy(sendMaterials, false); });
    });
  }

  // --- road network: upload or clear, then show the page again ------------------------------

  var roadsForm = document.getElementById("roads-form");
  if (roadsForm) setupRoads(roadsForm);

  function setupRoads(form) {
    var errs = errors(form);
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errs.clear();
      if (!form.elements.file.files.length) { errs.field("file", t("resources.required")); return; }
      busy(button, true);
      Y.api("/resources/roads", { method: "POST", body: new FormData(form) })
        .then(function () { window.location.reload(); })
        .catch(function (err) { busy(button, false); errs.show(err); });
    });
    var clear = form.querySelector("[data-role=roads-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        if (!window.confirm(clear.dataset.confirm)) return;
        Y.api("/resources/roads", { method: "DELETE" })
          .then(function () { window.location.reload(); })
          .catch(function (err) { errs.show(err); });
      });
    }
  }

  // --- coverage map -------------------------------------------------------------------------

  var coverageBox = document.getElementById("coverage-map");
  if (coverageBox && window.L && cfg.coverage) setupCoverage(coverageBox, cfg.coverage);

  function setupCoverage(box, settings) {
    var form = document.getElementById("coverage-form");
    var errs = errors(form);
    var button = form.querySelector("button[type=submit]");
    var status = document.querySelector("[data-role=map-status]");
    var legend = document.querySelector("[data-role=legend]");
    var legendRows = legend.querySelector("[data-role=legend-rows]");
    var summary = document.querySelector("[data-role=summary]");
    var map = baseMap(box, { zoomSnap: 0.25 });
    map.setView(cfg.pickCentre || [30.0, 107.5], cfg.pickCentre ? 8 : 5);
    var drawn = L.layerGroup().addTo(map);
    var fitted = false;
    outline(map, box);

    function params() {
      var kinds = [];
      form.querySelectorAll("input[name=kinds]:checked").forEach(function (c) { kinds.push(c.value); });
      return { mode: form.elements.mode.value, thresholds: form.elements.thresholds.value.trim(), kinds: kinds };
    }

    function pageUrl(p) {
      var q = new URLSearchParams();
      q.set("mode", p.mode);
      q.set("thresholds", p.thresholds);
      p.kinds.forEach(function (k) { q.append("kinds", k); });
      return window.location.pathname + "?" + q.toString();
    }

    function setStatus(text, failed) {
      status.textContent = text;
      status.classList.toggle("error", Boolean(failed));
      status.classList.toggle("map-status", Boolean(failed));
    }

    function cellStyle(feature) {
      var p = feature.properties || {};
      if (p.uncovered) {
        return { color: "#5a0012", weight: 1.4, opacity: 0.9, dashArray: "3 2", fillColor: p.color, fillOpacity: 0.75 };
      }
      return { color: p.color, weight: 0.3, opacity: 0.6, fillColor: p.color, fillOpacity: 0.5 };
    }

    function tip(p) {
      var parts = [p.minutes === null || p.minutes === undefined
        ? t("resources.coverage.unreachable")
        : t("resources.minutes", { n: Y.formatNumber(p.minutes, 1) })];
      if (p.population !== undefined) parts.push(t("resources.coverage.people", { n: Y.formatNumber(p.population) }));
      if (p.uncovered) parts.push(t("resources.coverage.uncovered"));
      return parts.join(" · ");
    }

    function drawLegend(rows) {
      legendRows.textContent = "";
      (rows || []).forEach(function (b, i) {
        var last = i >= rows.length - 2;  // beyond the largest threshold, and unreachable
        legendRows.appendChild(Y.el("div", { "data-band": b.band },
          Y.el("span", { class: "swatch" + (last ? " uncovered" : ""), style: "background:" + b.color }),
          Y.pick(b.label)));
      });
      legend.hidden = !(rows && rows.length);
    }

    function pct(share) {
      return Y.formatNumber((share || 0) * 100, 1) + "%";
    }

    function drawSummary(rows) {
      summary.textContent = "";
      (rows || []).forEach(function (r) {
        var risk = r.risk_covered !== undefined && r.risk_covered !== null;
        summary.appendChild(Y.el("tr", { "data-minutes": String(r.minutes) },
          Y.el("td", { class: "num", "data-label": t("resources.coverage.threshold"), text: t("resources.minutes", { n: Y.formatNumber(r.minutes, r.minutes % 1 ? 1 : 0) }) }),
          Y.el("td", { class: "num", "data-label": t("resources.coverage.pop_covered"), text: Y.formatNumber(r.population_covered) }),
          Y.el("td", { class: "num uncovered", "data-label": t("resources.coverage.pop_uncovered"), text: Y.formatNumber(r.population_uncovered) }),
          Y.el("td", { class: "num", "data-label": t("resources.coverage.share"), text: pct(r.share) }),
          Y.el("td", { class: "num", "data-label": t("resources.coverage.points"), text: Y.formatNumber(r.points_covered) + " / " + Y.formatNumber(r.points_total) }),
          Y.el("td", { class: "num", "data-label": t("resources.coverage.risk_covered"), text: risk ? Y.formatNumber(r.risk_covered) : t("common.dash") }),
          Y.el("td", { class: "num", "data-label": t("resources.coverage.risk_uncovered"), text: risk ? Y.formatNumber(r.risk_uncovered) : t("common.dash") })));
      });
      if (!rows || !rows.length) {
        summary.appendChild(Y.el("tr", { class: "empty" }, Y.el("td", { colspan: "7", text: t("common.empty") })));
      }
    }

    function draw(reply) {
      drawn.clearLayers();
      var layer = reply.layer || { type: "FeatureCollection", features: [] };
      var features = layer.features || [];
      var renderer = features.length > 3000 ? L.canvas() : undefined;
      var covered = [];
      var uncovered = [];
      features.forEach(function (f) { ((f.properties || {}).uncovered ? uncovered : covered).push(f); });
      var options = {
        style: cellStyle,
        renderer: renderer,
        pointToLayer: function (feature, latlng) {
          // a demand point's size grows with the people it stands for
          var people = Number((feature.properties || {}).population) || 0;
          var radius = Math.min(14, 3 + Math.sqrt(people) / 60);
          return L.circleMarker(latlng, Object.assign({ radius: radius, renderer: renderer }, cellStyle(feature)));
        },
        onEachFeature: function (feature, lyr) { lyr.bindTooltip(tip(feature.properties || {}), { sticky: true }); },
      };
      // uncovered on top, so the gaps are never hidden under covered neighbours
      var low = L.geoJSON({ type: "FeatureCollection", features: covered }, options).addTo(drawn);
      var high = L.geoJSON({ type: "FeatureCollection", features: uncovered }, options).addTo(drawn);
      var stations = (reply.stations || []).map(function (s) {
        return L.circleMarker([s.lat, s.lon], {
          radius: 6, color: "#0f2c4c", weight: 2, fillColor: "#fff", fillOpacity: 1, className: "res-station",
        }).bindTooltip((s.name || "") + (s.code ? " · " + s.code : "")).addTo(drawn);
      });
      drawLegend(layer.legend);
      drawSummary(reply.summary);
      var bounds = L.latLngBounds([]);
      if (covered.length) bounds.extend(low.getBounds());
      if (uncovered.length) bounds.extend(high.getBounds());
      stations.forEach(function (m) { bounds.extend(m.getLatLng()); });
      if (bounds.isValid() && !fitted) {
        map.fitBounds(bounds, { padding: [12, 12], animate: false });
        fitted = true;
      }
      box.dataset.features = String(features.length);
      box.dataset.uncovered = String(uncovered.length);
      box.dataset.stations = String(stations.length);
      setStatus(t("resources.coverage.drawn", { stations: stations.length, points: features.length, uncovered: uncovered.length }));
    }

    function load() {
      errs.clear();
      var p = params();
      if (!p.thresholds) {
        errs.field("thresholds", t("resources.required"));
        return;
      }
      busy(button, true);
      box.dataset.ready = "";
      setStatus(t("resources.coverage.computing"));
      var query = Y.query(settings.api, { mode: p.mode, thresholds: p.thresholds, kinds: p.kinds.join(",") });
      Y.api(query).then(function (reply) {
        busy(button, false);
        draw(reply);
        window.history.replaceState(null, "", pageUrl(p));
        box.dataset.ready = "1";
      }).catch(function (err) {
        busy(button, false);
        errs.show(err);
        drawSummary([]);
        setStatus(t("resources.coverage.failed"), true);
        box.dataset.ready = "error";
      });
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      load();
    });
    load();
  }
})();
