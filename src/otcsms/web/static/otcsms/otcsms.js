// Progressive enhancement only: every page works without it.
(function () {
  "use strict";
  function localTimes(root) {
    // Timestamps are rendered in UTC; show the reader's local time in the tooltip.
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) { el.title = d.toLocaleString() + " (your time)"; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    document.querySelectorAll("select[data-reload-param]").forEach(function (el) {
      // the choices further down depend on this one (a site's zones): reload the page with it chosen
      el.addEventListener("change", function () {
        var url = new URL(window.location.href);
        url.searchParams.set(el.getAttribute("data-reload-param"), el.value);
        window.location.assign(url.toString());
      });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
    document.querySelectorAll("select[data-raci]").forEach(function (el) {
      el.addEventListener("change", function () {
        el.closest("td").className = "raci-" + (el.value || "none");
      });
    });
  });
  document.addEventListener("htmx:afterSwap", function (ev) { localTimes(ev.target); });
})();
