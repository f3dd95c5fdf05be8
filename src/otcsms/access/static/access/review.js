// Going through hundreds of grants: j/k move, c confirms, r revokes (the reason is typed in the row's comment,
// Enter saves, Esc cancels), e edits the comment. The cursor moves on at once; saves go out one at a time,
// oldest first, and each row says queued, saving, saved or failed (with the server's words).
(function () {
  "use strict";
  var table = document.querySelector("table.review");
  if (!table) { return; }
  var url = table.getAttribute("data-decide-url");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var token = tokenInput ? tokenInput.value : "";
  var statusLine = document.getElementById("save-status");
  var progress = document.getElementById("progress");
  var rows = Array.prototype.map.call(table.querySelectorAll("tbody tr[data-item]"), function (el, index) {
    return { el: el, index: index, item: el.getAttribute("data-item"), label: el.getAttribute("data-label"),
             may: el.getAttribute("data-may") === "1", comment: el.querySelector(".comment-input"),
             state: el.querySelector(".save-text"), cell: el.querySelector("td.decision"), askingWhy: false };
  });
  var queue = [];
  var busy = false;
  var current = 0;
  var LABELS = { confirmed: "Confirmed", revoked: "Revoked" };

  function show(row, state, text) {
    row.el.setAttribute("data-save-state", state);
    if (row.state) { row.state.textContent = state + (text ? ": " + text : ""); }
  }

  function announce(text) { if (statusLine) { statusLine.textContent = text; } }

  function focusRow(index) {
    if (!rows.length) { return; }
    rows[current].el.setAttribute("tabindex", "-1");
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].el.setAttribute("tabindex", "0");
    rows[current].el.focus();
  }

  function decide(row, decision) {
    if (!row.may) { announce(row.label + ": you are not its reviewer."); return; }
    if (row.el.getAttribute("data-decision") === "revoked") { announce(row.label + ": already revoked."); return; }
    if (decision === "revoked" && !(row.comment && row.comment.value.trim())) { askWhy(row); return; }
    row.el.setAttribute("data-decision", decision);
    row.el.className = "decision-" + decision;
    if (row.cell) { row.cell.textContent = LABELS[decision]; }
    queue.push({ row: row, decision: decision, comment: row.comment ? row.comment.value : "" });
    show(row, "queued");
    pump();
    focusRow(row.index + 1);
  }

  function askWhy(row) {
    if (!row.comment) { return; }
    row.askingWhy = true;
    row.comment.setAttribute("placeholder", "Why revoke? Enter saves, Esc cancels");
    current = row.index;
    row.comment.focus();
    announce(row.label + ": why is it revoked? Type the reason, Enter saves, Escape cancels.");
  }

  function pump() {
    if (busy) { return; }
    var job = queue.shift();
    if (!job) { announce(document.querySelector("[data-save-state=failed]") ? "Some rows were not saved." : "All decisions saved."); return; }
    busy = true;
    show(job.row, "saving");
    var body = new URLSearchParams();
    body.append("item", job.row.item);
    body.append("decision", job.decision);
    body.append("comment", job.comment);
    fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                 headers: { "X-CSRFToken": token, "HX-Request": "true" } })
      .then(function (response) {
        if (response.type === "opaqueredirect") { return { ok: false, text: "signed out: sign in again" }; }
        return response.text().then(function (text) { return { ok: response.ok, text: text }; });
      }, function () { return { ok: false, text: "no connection to the server" }; })
      .then(function (result) {
        busy = false;
        if (result.ok) { show(job.row, "saved"); if (progress) { progress.textContent = result.text; } }
        else { show(job.row, "failed", result.text); }
        pump();
      });
  }

  rows.forEach(function (row) {
    row.el.addEventListener("click", function () { current = row.index; });
    if (!row.comment) { return; }
    row.comment.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        if (row.askingWhy) {
          if (!row.comment.value.trim()) { announce("A reason is needed to revoke (Esc cancels)."); return; }
          row.askingWhy = false;
          decide(row, "revoked");
        } else { focusRow(row.index); }
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        row.askingWhy = false;
        row.comment.removeAttribute("placeholder");
        focusRow(row.index);
      }
    });
  });

  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "textarea" || tag === "select" || target.isContentEditable ||
      (tag === "input" && ["checkbox", "radio", "button", "submit"].indexOf(target.type) < 0);
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented || typing(ev.target)) { return; }
    var row = rows[current];
    if (ev.key === "j" || ev.key === "ArrowDown") { focusRow(current + 1); }
    else if (ev.key === "k" || ev.key === "ArrowUp") { focusRow(current - 1); }
    else if (ev.key === "c" && row) { decide(row, "confirmed"); }
    else if (ev.key === "r" && row) { decide(row, "revoked"); }
    else if (ev.key === "e" && row && row.comment) { row.comment.focus(); }
    else { return; }
    ev.preventDefault();
  });

  window.addEventListener("beforeunload", function (ev) {
    if (busy || queue.length) { ev.preventDefault(); ev.returnValue = ""; }
  });
  focusRow(0);
})();
