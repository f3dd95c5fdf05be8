// Zoom for the zone diagram (plant/_diagram.html). Without script the drawing still fits the column.
// The SVG is fitted to the frame's width by CSS; zooming sets its width to a multiple of that fitted width
// and keeps the point at the centre of the frame in place. Keys in the focused frame: + and - zoom, 0 fits.
(function () {
  "use strict";
  var STEP = 1.25, MIN = 0.25, MAX = 8;

  function setup(tools) {
    var frame = document.getElementById(tools.getAttribute("aria-controls"));
    var svg = frame && frame.querySelector("svg");
    if (!svg) { return; }
    var level = tools.querySelector("[data-zoom-level]");
    var zoom = 1, fitted = 0;

    function show(next) {
      next = Math.min(MAX, Math.max(MIN, next));
      if (zoom === 1) { fitted = svg.getBoundingClientRect().width; }
      var ratio = next / zoom;
      var centreX = frame.scrollLeft + frame.clientWidth / 2, centreY = frame.scrollTop + frame.clientHeight / 2;
      zoom = Math.abs(next - 1) < 0.001 ? 1 : next;
      if (zoom === 1) {
        svg.style.width = ""; svg.style.maxWidth = ""; frame.classList.remove("zoomed");
      } else {
        svg.style.width = Math.round(fitted * zoom) + "px"; svg.style.maxWidth = "none"; frame.classList.add("zoomed");
      }
      frame.scrollLeft = centreX * ratio - frame.clientWidth / 2;
      frame.scrollTop = centreY * ratio - frame.clientHeight / 2;
      level.textContent = zoom === 1 ? "fit to width" : "zoom " + Math.round(zoom * 100) + "%";
      frame.setAttribute("data-zoom", String(zoom));
    }

    var actions = {
      "in": function () { show(zoom * STEP); },
      "out": function () { show(zoom / STEP); },
      "fit": function () { show(1); }
    };
    tools.querySelectorAll("button[data-zoom]").forEach(function (button) {
      button.addEventListener("click", actions[button.getAttribute("data-zoom")]);
    });
    frame.addEventListener("keydown", function (event) {
      if (event.target !== frame || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var action = { "+": "in", "=": "in", "-": "out", "_": "out", "0": "fit" }[event.key];
      if (action) { event.preventDefault(); actions[action](); }
    });
    frame.setAttribute("data-zoom", "1");
    tools.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-diagram-tools]").forEach(setup);
  });
})();
