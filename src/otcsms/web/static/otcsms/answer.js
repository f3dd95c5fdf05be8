// Fast answering. A key acts on the row under the cursor and the cursor moves on at once; the save
// goes into a queue that sends one request at a time, oldest first, so the server sees the changes in
// the order they were made and each row's latest value is the one stored. Every row says whether its
// latest value is queued, saving, saved or failed (with the server's words and a Retry button).
// "g" opens or closes the current row's guidance panel. A row's owner select saves through the same queue.
(function () {
  "use strict";
  var table = document.querySelector("table.answers");
  if (!table) { return; }
  var url = table.getAttribute("data-answer-url");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var token = tokenInput ? tokenInput.value : "";
  var statusLine = document.getElementById("save-status");
  // Notes to the person answering (a reason is needed, no guidance here) have their own line: a save that
  // finishes rewrites the save status, and must not wipe a prompt the person has not read yet.
  var noteLine = document.getElementById("answer-note");
  var progress = document.getElementById("progress");
  var bulkForm = document.getElementById("bulk");
  var KEYS = { "1": "met", "2": "partially_met", "3": "not_met", "4": "not_applicable", "0": "not_assessed" };
  var STATE_TEXT = { queued: "queued", saving: "saving…", saved: "saved", failed: "failed" };
  var STATE_BADGE = { queued: "badge warn", saving: "badge warn", saved: "badge ok", failed: "badge delete" };
  // A lost connection or a server error may pass: try again after these pauses before showing "failed".
  // A refusal (4xx) is final: the row shows the server's reason at once.
  var RETRY_PAUSES_MS = [400, 1500];
  var rows = Array.prototype.map.call(table.querySelectorAll("tbody tr"), makeRow);
  var queue = [];      // rows with changes waiting to be sent, oldest first
  var inflight = null; // the one row whose save is on its way
  var whenIdle = [];   // callbacks for the moment nothing is queued or in flight
  var current = 0;

  function makeRow(el, index) {
    var comment = el.querySelector(".comment-input");
    return {
      el: el, index: index, slot: el.getAttribute("data-slot"), label: el.getAttribute("data-label") || "",
      select: el.querySelector(".status-select"), comment: comment, owner: el.querySelector(".owner-select"),
      stateText: el.querySelector(".save-text"), retry: el.querySelector(".save-retry"),
      want: {},        // fields changed and not yet sent: {status: "...", comment: "..."}
      queued: false,
      failed: "",      // the server's reason when the last save failed
      comment0: comment ? comment.value : "",  // the comment as last sent or loaded: what Esc restores
      status0: el.querySelector(".status-select") ? el.querySelector(".status-select").value : "",
      askingWhy: false // "4" pressed on a row without a comment: waiting for the reason
    };
  }

  // --- the save queue -------------------------------------------------------------------------------

  function change(row, fields) {
    Object.keys(fields).forEach(function (name) { row.want[name] = fields[name]; });
    if ("comment" in fields) { row.comment0 = fields.comment; }
    if ("status" in fields) { row.status0 = fields.status; }
    row.failed = "";
    enqueue(row);
  }

  function enqueue(row) {
    if (!Object.keys(row.want).length) { return; }
    if (!row.queued) { row.queued = true; queue.push(row); }
    show(row, row === inflight ? "saving" : "queued");
    pump();
  }

  function pump() {
    if (inflight) { return; }
    var row = queue.shift();
    if (!row) { summarise(); runIdle(); return; }
    row.queued = false;
    var fields = row.want;
    row.want = {};
    inflight = row;
    show(row, "saving");
    send(row, fields, 0);
  }

  function send(row, fields, attempt) {
    var body = new URLSearchParams();
    body.append("slot", row.slot);
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRFToken": token, "HX-Request": "true" }
    }).then(function (response) {
      if (response.type === "opaqueredirect") {
        return { ok: false, again: false, text: "you are signed out: sign in again in another tab, then retry" };
      }
      return response.text().then(function (text) {
        var plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
        return {
          ok: response.ok, again: response.status >= 500 || response.status === 429,
          text: plain ? text : "the server answered " + response.status
        };
      });
    }, function () {
      return { ok: false, again: true, text: "no connection to the server" };
    }).then(function (result) {
      if (!result.ok && result.again && attempt < RETRY_PAUSES_MS.length) {
        // The same fields again, before anything newer: the order the server sees does not change.
        window.setTimeout(function () { send(row, fields, attempt + 1); }, RETRY_PAUSES_MS[attempt]);
        return;
      }
      finish(row, fields, result);
    });
  }

  function finish(row, fields, result) {
    inflight = null;
    if (result.ok) {
      if (progress && result.text) { progress.textContent = result.text; }
      if (fields.status && fields.status !== "not_assessed") { ownAnswer(row); }
      show(row, row.queued ? "queued" : "saved");
    } else {
      // Keep what failed so Retry (or the next change to this row) sends it, unless the same field
      // has changed since: the newest value wins.
      Object.keys(fields).forEach(function (name) { if (!(name in row.want)) { row.want[name] = fields[name]; } });
      if (row.queued) {
        show(row, "queued");
      } else {
        row.failed = result.text;
        show(row, "failed");
      }
    }
    pump();
  }

  // A row that inherited its answer has one of its own once a status is saved on it.
  function ownAnswer(row) {
    if (!row.el.classList.contains("inherited")) { return; }
    row.el.classList.remove("inherited");
    Array.prototype.forEach.call(row.el.querySelectorAll(".inherited-note, button.override"), function (el) {
      el.remove();
    });
  }

  function retryFailed() {
    rows.forEach(function (row) { if (row.failed) { row.failed = ""; enqueue(row); } });
  }

  function pending() { return queue.length + (inflight ? 1 : 0); }
  function failedRows() { return rows.filter(function (row) { return row.failed; }); }

  function runIdle() {
    var callbacks = whenIdle;
    whenIdle = [];
    callbacks.forEach(function (callback) { callback(); });
  }

  // --- what the page shows --------------------------------------------------------------------------

  function show(row, state) {
    row.el.setAttribute("data-save-state", state);
    if (row.stateText) {
      row.stateText.textContent = STATE_TEXT[state] + (state === "failed" ? ": " + row.failed : "");
      row.stateText.className = "save-text " + STATE_BADGE[state];
    }
    if (row.retry) {
      // The stylesheet gives buttons a display, which beats the hidden attribute: set both.
      row.retry.hidden = state !== "failed";
      row.retry.style.display = state === "failed" ? "" : "none";
    }
    summarise();
  }

  function summarise() {
    if (!statusLine) { return; }
    var waiting = pending();
    var failed = failedRows();
    var text = waiting ? "Saving " + waiting + " row" + (waiting === 1 ? "" : "s") + "…" : "All changes saved.";
    if (failed.length) {
      text = (waiting ? text + " " : "") + failed.length + " row" + (failed.length === 1 ? "" : "s") +
        " not saved (" + failed[0].label + ": " + failed[0].failed + "): press r or Retry.";
    }
    if (!waiting && !failed.length && !table.querySelector("tr[data-save-state]")) { text = ""; }
    if (statusLine.textContent !== text) { statusLine.textContent = text; }
  }

  function announce(text) {
    if (noteLine) { noteLine.textContent = text; }
  }

  function paint(row) {
    if (!row.select) { return; }
    Array.prototype.slice.call(row.el.classList).forEach(function (name) {
      if (name.indexOf("st-") === 0) { row.el.classList.remove(name); }
    });
    row.el.classList.add("st-" + row.select.value);
  }

  function focusRow(index) {
    if (!rows.length) { return; }
    rows[current].el.setAttribute("tabindex", "-1");
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].el.setAttribute("tabindex", "0");  // roving tabindex: Tab comes back to this row
    rows[current].el.focus();
    announce("");  // a note is about the row it was made on
  }

  // --- answering --------------------------------------------------------------------------------------

  function setStatus(row, status) {
    if (!row.select) { return; }
    if (status === "not_applicable" && !row.comment.value.trim()) { askWhy(row); return; }
    row.select.value = status;
    paint(row);
    change(row, { status: status });
    focusRow(row.index + 1);
  }

  function askWhy(row) {
    // Not applicable needs a reason: type it in the row's comment, Enter saves both, Esc cancels.
    row.askingWhy = true;
    row.comment.setAttribute("placeholder", "Why does it not apply? Enter saves, Esc cancels");
    current = row.index;
    row.comment.focus();
    announce(row.label + ": why does it not apply? Type the reason, Enter saves, Escape cancels.");
  }

  function endAsking(row) {
    row.askingWhy = false;
    row.comment.removeAttribute("placeholder");
  }

  function commitComment(row, moveOn) {
    var text = row.comment.value;
    if (row.askingWhy) {
      if (!text.trim()) { announce(row.label + ": a reason is needed for not applicable (Esc cancels)."); return false; }
      endAsking(row);
      row.select.value = "not_applicable";
      paint(row);
      change(row, { status: "not_applicable", comment: text });
    } else if (text !== row.comment0) {
      change(row, { comment: text });
    }
    focusRow(moveOn ? row.index + 1 : row.index);
    return true;
  }

  function cancelComment(row) {
    endAsking(row);
    row.comment.value = row.comment0;
    focusRow(row.index);
  }

  rows.forEach(function (row) {
    row.el.addEventListener("click", function () { if (current !== row.index) { focusRowQuietly(row.index); } });
    if (row.retry) { row.retry.addEventListener("click", function () { row.failed = ""; enqueue(row); }); }
    if (row.owner) { row.owner.addEventListener("change", function () { change(row, { owner: row.owner.value }); }); }
    if (row.select) {
      row.select.addEventListener("change", function () {
        var status = row.select.value;
        if (status === "not_applicable" && !row.comment.value.trim()) {
          row.select.value = row.status0;
          askWhy(row);
          return;
        }
        paint(row);
        change(row, { status: status });
      });
    }
    if (row.comment) {
      row.comment.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); commitComment(row, row.askingWhy); }
        else if (ev.key === "Escape") { ev.preventDefault(); cancelComment(row); }
      });
      // Leaving the field by mouse or Tab keeps what was typed (a reason typed for "4" still counts).
      row.comment.addEventListener("blur", function () {
        if (row.askingWhy && !row.comment.value.trim()) { endAsking(row); return; }
        if (row.askingWhy || row.comment.value !== row.comment0) {
          var wasAsking = row.askingWhy;
          endAsking(row);
          if (wasAsking) {
            row.select.value = "not_applicable";
            paint(row);
            change(row, { status: "not_applicable", comment: row.comment.value });
          } else {
            change(row, { comment: row.comment.value });
          }
        }
      });
    }
  });

  // The row's guidance (a <details> in its title cell) opens and closes without moving the cursor. The text
  // is on the page once per requirement (<template id="guidance-text-ID">) and copied into a panel when it is
  // first opened, its ids made unique to the row.
  function fillGuidance(panel) {
    if (panel.getAttribute("data-filled")) { return; }
    var source = document.getElementById("guidance-text-" + panel.getAttribute("data-guidance"));
    if (!source) { return; }
    var copy = source.content.cloneNode(true);
    var row = panel.closest("tr");
    var suffix = "-" + (row ? row.getAttribute("data-slot") : "").replace(":", "-");
    Array.prototype.forEach.call(copy.querySelectorAll("[id]"), function (el) { el.id += suffix; });
    Array.prototype.forEach.call(copy.querySelectorAll("[aria-labelledby]"), function (el) {
      el.setAttribute("aria-labelledby", el.getAttribute("aria-labelledby") + suffix);
    });
    panel.appendChild(copy);
    panel.setAttribute("data-filled", "true");
  }

  document.addEventListener("toggle", function (ev) {
    var target = ev.target;
    if (target.matches && target.matches("details.guidance-panel")) { fillGuidance(target); }
  }, true);

  function toggleGuidance(row) {
    var panel = row.el.querySelector("details.guidance-panel");
    if (!panel) { announce(row.label + ": no guidance for this requirement."); return; }
    fillGuidance(panel);
    panel.open = !panel.open;
  }

  function focusRowQuietly(index) {
    rows[current].el.setAttribute("tabindex", "-1");
    current = index;
    rows[current].el.setAttribute("tabindex", "0");
  }

  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) { return true; }
    return tag === "input" && ["checkbox", "radio", "button", "submit"].indexOf(target.type) < 0;
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented || typing(ev.target)) { return; }
    var row = rows[current];
    if (ev.key === "j" || ev.key === "ArrowDown") { focusRow(current + 1); }
    else if (ev.key === "k" || ev.key === "ArrowUp") { focusRow(current - 1); }
    else if (ev.key === "x" && row) {
      var box = row.el.querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
    }
    else if (ev.key === "c" && row && row.comment) { row.comment.focus(); row.comment.select(); }
    else if (ev.key === "g" && row) { toggleGuidance(row); }
    else if (ev.key === "r") { retryFailed(); }
    else if (ev.key === "/") {
      var filter = document.querySelector("#answer-filters select");
      if (filter) { filter.focus(); }
    }
    else if (KEYS.hasOwnProperty(ev.key) && row) { setStatus(row, KEYS[ev.key]); }
    else { return; }
    ev.preventDefault();  // also keeps "4" out of the comment field it just focused
  });

  // Work not yet stored is not lost silently: leaving the page asks first.
  window.addEventListener("beforeunload", function (ev) {
    if (pending() || failedRows().length) { ev.preventDefault(); ev.returnValue = ""; }
  });

  // A bulk change waits for the row saves already queued, so it lands after them, as it was made.
  if (bulkForm) {
    bulkForm.addEventListener("submit", function (ev) {
      if (!pending()) { return; }
      ev.preventDefault();
      announce("Applying to the selected rows once " + pending() + " queued saves are done…");
      whenIdle.push(function () { bulkForm.submit(); });
    });
  }

  focusRow(0);
})();
