/* Live inbox: new notices arrive by Server-Sent Events (/api/v1/notices/stream).
   Updates the unread badge beside the inbox menu entry on any page that loads this script,
   and on the inbox page adds each new notice at the top of the table. EventSource
   reconnects by itself and resumes after the last notice seen (Last-Event-ID). */
(function () {
  "use strict";
  if (!window.EventSource || !document.querySelector('[data-testid="nav-inbox"]')) return;
  var Y = window.Yingji;

  function badge(count) {
    var link = document.querySelector('[data-testid="nav-inbox"]');
    var el = link.querySelector('[data-testid="unread-badge"]');
    if (!el) {
      el = document.createElement("span");
      el.className = "badge unread";
      el.setAttribute("data-testid", "unread-badge");
      link.appendChild(document.createTextNode(" "));
      link.appendChild(el);
    }
    el.textContent = String(count);
    el.setAttribute("aria-label", Y.t("inbox.unread_badge", { count: count }));
    el.hidden = !count;
  }

  function row(notice) {
    var body = document.querySelector('[data-testid="notice-table"] tbody');
    if (!body || body.querySelector('[data-notice-id="' + notice.id + '"]')) return;
    var empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    var tr = document.createElement("tr");
    tr.className = "unread live";
    tr.setAttribute("data-testid", "notice-row");
    tr.setAttribute("data-notice-id", notice.id);
    var kind = document.createElement("td");
    var tag = document.createElement("span");
    tag.className = "badge notice-" + notice.kind;
    tag.textContent = Y.t("notice_kind." + notice.kind);
    kind.appendChild(tag);
    var title = document.createElement("td");
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    var strong = document.createElement("strong");
    strong.textContent = Y.pick(notice.title);
    summary.appendChild(strong);
    var text = document.createElement("p");
    text.className = "notice-body";
    text.textContent = notice.body;
    details.appendChild(summary);
    details.appendChild(text);
    title.appendChild(details);
    var when = document.createElement("td");
    when.textContent = new Date(notice.created_at).toLocaleString();
    var state = document.createElement("td");
    var unread = document.createElement("span");
    unread.className = "badge";
    unread.textContent = Y.t("inbox.unread");
    state.appendChild(unread);
    [kind, title, when, state].forEach(function (td) { tr.appendChild(td); });
    body.insertBefore(tr, body.firstChild);
  }

  var source = new EventSource("/api/v1/notices/stream");
  source.addEventListener("notice", function (event) {
    var notice = JSON.parse(event.data);
    badge(notice.unread);
    row(notice);
  });
})();
