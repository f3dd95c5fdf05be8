// Fast answering: keyboard moves between rows and sets statuses; each change saves at once.
(function () {
  "use strict";
  var table = document.querySelector("table.answers");
  if (!table) { return; }
  var url = table.getAttribute("data-answer-url");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var keys = { "1": "met", "2": "partially_met", "3": "not_met", "4": "not_applicable", "0": "not_assessed" };
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var current = 0;

  function save(row) {
    var body = new URLSearchParams();
    body.append("slot", row.getAttribute("data-slot"));
    body.append("status", row.querySelector(".status-select").value);
    body.append("comment", row.querySelector(".comment-input").value);
    row.classList.add("st-saving");
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-CSRFToken": token, "HX-Request": "true" } })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
      .then(function (res) {
        row.classList.remove("st-saving");
        if (!res.ok) { window.alert(res.text); return; }
        row.className = "st-" + row.querySelector(".status-select").value;
        var progress = document.getElementById("progress");
        if (progress) { progress.textContent = res.text; }
      });
  }
  function focusRow(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].focus();
  }
  rows.forEach(function (row, i) {
    var select = row.querySelector(".status-select");
    var comment = row.querySelector(".comment-input");
    if (select) { select.addEventListener("change", function () { save(row); }); }
    if (comment) { comment.addEventListener("change", function () { save(row); }); }
    row.addEventListener("click", function () { current = i; });
  });
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var row = rows[current];
    if (ev.key === "j") { focusRow(current + 1); ev.preventDefault(); }
    else if (ev.key === "k") { focusRow(current - 1); ev.preventDefault(); }
    else if (ev.key === "x" && row) { var box = row.querySelector("input[type=checkbox]"); if (box) { box.checked = !box.checked; } }
    else if (keys.hasOwnProperty(ev.key) && row && row.querySelector(".status-select")) {
      var status = keys[ev.key];
      if (status === "not_applicable" && !row.querySelector(".comment-input").value) {
        var why = window.prompt("Why does this requirement not apply?");
        if (!why) { return; }
        row.querySelector(".comment-input").value = why;
      }
      row.querySelector(".status-select").value = status;
      save(row).then(function () { focusRow(current + 1); });
      ev.preventDefault();
    }
  });
  focusRow(0);
})();
