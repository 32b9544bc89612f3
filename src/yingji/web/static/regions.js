/* The region tree (行政区划): starts at the user's region, loads children on expand, and
   searches names and codes inside the user's area. */
(function () {
  "use strict";
  var Y = window.Yingji;
  var t = Y.t;
  var el = Y.el;
  var cfg = Y.config;
  var GRID_LEVEL = 6;
  var SEARCH_LIMIT = 50;

  var tree = document.getElementById("region-tree");
  var form = document.getElementById("region-search");
  var results = document.getElementById("search-results");

  function links(region) {
    return el("span", { class: "links" },
      el("a", { href: Y.query("/", { code: region.code }), text: t("regions.on_map") }),
      el("a", { href: Y.query("/persons", { under: region.code }), text: t("regions.persons") }));
  }

  function label(region) {
    return [
      el("span", { class: "name", text: region.name }),
      el("small", { class: "muted", text: region.code + " · " + Y.levelName(region.level) }),
      links(region),
    ];
  }

  /** One tree item; its children load the first time it is expanded. */
  function item(region) {
    var li = el("li", { role: "treeitem", "aria-expanded": "false", "data-code": region.code,
      "data-testid": "tree-item" });
    var leaf = Number(region.level) >= GRID_LEVEL || region.child_count === 0;
    var twisty = el("button", {
      type: "button",
      class: "twisty" + (leaf ? " leaf" : ""),
      "aria-label": t("regions.expand"),
      "data-testid": "tree-toggle",
      text: "▸",
    });
    var node = el("div", { class: "node" }, twisty);
    label(region).forEach(function (n) { node.appendChild(n); });
    li.appendChild(node);
    var group = null;
    twisty.addEventListener("click", function () {
      var open = li.getAttribute("aria-expanded") === "true";
      if (open) {
        li.setAttribute("aria-expanded", "false");
        twisty.textContent = "▸";
        twisty.setAttribute("aria-label", t("regions.expand"));
        if (group) group.hidden = true;
        return;
      }
      li.setAttribute("aria-expanded", "true");
      twisty.textContent = "▾";
      twisty.setAttribute("aria-label", t("regions.collapse"));
      if (group) {
        group.hidden = false;
        return;
      }
      group = el("ul", { role: "group" }, el("li", { class: "muted", text: t("common.loading") }));
      li.appendChild(group);
      Y.api("/regions/" + encodeURIComponent(region.code) + "/children").then(function (body) {
        var children = Y.items(body);
        group.textContent = "";
        if (!children.length) {
          group.appendChild(el("li", { class: "muted", text: t("common.empty") }));
          twisty.classList.add("leaf");
        }
        children.forEach(function (child) { group.appendChild(item(child)); });
      }).catch(function (err) {
        group.textContent = "";
        group.appendChild(el("li", { class: "alert", text: err.message }));
        group = null;
      });
    });
    return li;
  }

  function search(q) {
    var box = results.querySelector(".results");
    box.textContent = "";
    if (!q) {
      results.hidden = true;
      return;
    }
    results.hidden = false;
    box.appendChild(el("p", { class: "muted", text: t("common.loading") }));
    var url = Y.query("/regions", { q: q, under: cfg.home.code, limit: SEARCH_LIMIT });
    Y.api(url).then(function (body) {
      var found = Y.items(body);
      box.textContent = "";
      if (!found.length) box.appendChild(el("p", { class: "muted", text: t("regions.no_results") }));
      found.forEach(function (region) {
        var row = el("div", { class: "node", "data-testid": "region-result" });
        label(region).forEach(function (n) { row.appendChild(n); });
        box.appendChild(row);
      });
      if (body && body.total > found.length) {
        box.appendChild(el("p", { class: "muted",
          text: t("regions.more", { shown: found.length, total: body.total }) }));
      }
    }).catch(function (err) {
      box.textContent = "";
      box.appendChild(el("p", { class: "alert", text: err.message }));
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = form.elements.q.value.trim();
    history.replaceState(null, "", q ? Y.query(location.pathname, { q: q }) : location.pathname);
    search(q);
  });

  // The root is the user's own region, opened one level.
  Y.api("/regions/" + encodeURIComponent(cfg.home.code)).catch(function () { return cfg.home; })
    .then(function (home) {
      tree.textContent = "";
      var root = item(home);
      tree.appendChild(root);
      root.querySelector(".twisty").click();
    });
  if (cfg.q) search(cfg.q);
})();
