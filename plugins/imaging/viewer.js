/* rinec-report imaging plugin: thumbnails, the image viewer (zoom, pan, annotations,
   keyboard), and the patient highlighter's filter. Self-contained: the section's
   markup carries the data (one JSON block with every image as a data URI). */
(function () {
  "use strict";
  if (window.rriImaging) { return; }  // the script is inlined once per section: run once
  var images = {};
  var viewer = null;
  var state = null;  // {root, buttons, index, scale, x, y, fit}

  function collect() {
    document.querySelectorAll("script.rri-data").forEach(function (el) {
      var data = JSON.parse(el.textContent);
      Object.keys(data).forEach(function (k) { images[k] = data[k]; });
    });
    document.querySelectorAll("img[data-thumb]").forEach(function (img) {
      var d = images[img.getAttribute("data-thumb")];
      // The thumbnail is the display image scaled into the box, unless it has its own bytes.
      if (d) { img.src = d.thumb || d.src; }
    });
  }

  // ---------------------------------------------------------------- paper
  // A thumbnail drawn from its display image would go into a PDF with all the display
  // image's pixels (Chromium stores a picture's decoded pixels): 4.0 MB for the example,
  // against 1.6 MB with thumbnails of their own. For paper each is drawn once more, on a
  // canvas of the thumbnail's own size (its box: width and height), which the print rules
  // show in its place; a panorama's middle cut as object-fit: cover cuts it on screen.
  // Drawn in beforeprint, before the browser lays the paper out, as the charts are.
  function paper() {
    document.querySelectorAll("img.rri-thumb").forEach(function (img) {
      var d = images[img.getAttribute("data-thumb")];
      var w = +img.getAttribute("width"), h = +img.getAttribute("height");
      var nw = img.naturalWidth, nh = img.naturalHeight;
      if (!d || d.thumb || !img.complete || nw <= w || img.classList.contains("rri-on-paper")) { return; }
      var scratch = document.createElement("canvas");
      scratch.width = w;
      scratch.height = h;
      var ctx = scratch.getContext("2d", { willReadFrequently: true });
      ctx.imageSmoothingQuality = "high";
      var k = Math.max(w / nw, h / nh), sw = w / k, sh = h / k;  // cover: the middle
      ctx.drawImage(img, (nw - sw) / 2, (nh - sh) / 2, sw, sh, 0, 0, w, h);
      // Its pixels, not the drawing: printed, a canvas replays its drawing operations,
      // which would put the whole display image into the PDF again.
      var canvas = document.createElement("canvas");
      canvas.className = "rri-paper";
      canvas.width = w;
      canvas.height = h;
      canvas.setAttribute("aria-hidden", "true");
      canvas.getContext("2d").putImageData(ctx.getImageData(0, 0, w, h), 0, 0);
      img.after(canvas);
      img.classList.add("rri-on-paper");
    });
  }

  // ---------------------------------------------------------------- annotations toggle
  function setAnnotations(on) {
    document.querySelectorAll(".rri-ann-toggle").forEach(function (box) { box.checked = on; });
    document.documentElement.classList.toggle("rri-hide-ann", !on);
  }

  // ---------------------------------------------------------------- highlighter
  // The gallery shows the highlighted patients' pictures only, while any is highlighted.
  function filter(state) {
    var chosen = state && state.chosen && state.chosen.length ? state.chosen : null;
    document.querySelectorAll(".rri [data-patient]").forEach(function (el) {
      if (el.classList.contains("rri-fig")) { return; }
      el.hidden = !!chosen && chosen.indexOf(el.getAttribute("data-patient")) === -1;
    });
  }

  // ---------------------------------------------------------------- the viewer
  function build() {
    viewer = document.createElement("div");
    viewer.className = "rri-viewer";
    viewer.hidden = true;
    viewer.setAttribute("role", "dialog");
    viewer.setAttribute("aria-modal", "true");
    viewer.setAttribute("aria-label", "Image viewer");
    viewer.innerHTML =
      '<div class="rri-bar"><span class="rri-caption"></span><span class="rri-count"></span>' +
      '<button type="button" data-act="prev" title="Previous image (Left arrow)">&#8592;</button>' +
      '<button type="button" data-act="next" title="Next image (Right arrow)">&#8594;</button>' +
      '<button type="button" data-act="out" title="Zoom out (-)">&minus;</button>' +
      '<span class="rri-zoom">100%</span>' +
      '<button type="button" data-act="in" title="Zoom in (+)">+</button>' +
      '<button type="button" data-act="reset" title="Fit (0)">Fit</button>' +
      '<label><input type="checkbox" class="rri-ann-toggle" checked> Annotations (A)</label>' +
      '<span class="rri-stack" hidden><label>Slice <input type="range" class="rri-slice" min="0" max="0" ' +
      'value="0" aria-label="Slice (Up and Down arrows, mouse wheel)"></label> <span class="rri-slice-label">' +
      '</span> <select class="rri-preset" aria-label="Window preset"></select></span>' +
      '<button type="button" data-act="close" title="Close (Esc)">Close</button></div>' +
      '<div class="rri-stage"><div class="rri-canvas"><img class="rri-base" alt="">' +
      '<div class="rri-tiles"></div><div class="rri-overlay"></div></div></div>';
    document.body.appendChild(viewer);
    viewer.addEventListener("click", function (e) {
      var act = e.target.closest("[data-act]");
      if (!act) { return; }
      var a = act.getAttribute("data-act");
      if (a === "prev") { step(-1); } else if (a === "next") { step(1); }
      else if (a === "in") { zoomBy(1.5); } else if (a === "out") { zoomBy(1 / 1.5); }
      else if (a === "reset") { fitView(); } else if (a === "close") { close(); }
    });
    var stage = viewer.querySelector(".rri-stage");
    stage.addEventListener("wheel", function (e) {
      e.preventDefault();
      // In a stack the wheel moves through the slices (Ctrl+wheel, a pinch, still zooms).
      if (state.data && state.data.stack && !e.ctrlKey) { moveSlice(e.deltaY > 0 ? 1 : -1); return; }
      var r = stage.getBoundingClientRect();
      zoomBy(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    viewer.querySelector(".rri-slice").addEventListener("input", function (e) {
      state.slice = parseInt(e.target.value, 10) || 0;
      showSlice();
    });
    viewer.querySelector(".rri-preset").addEventListener("change", function (e) {
      state.preset = parseInt(e.target.value, 10) || 0;
      showSlice();
    });
    var drag = null;
    stage.addEventListener("pointerdown", function (e) {
      drag = { x: e.clientX, y: e.clientY, sx: state.x, sy: state.y };
      stage.setPointerCapture(e.pointerId);
      stage.classList.add("rri-dragging");
    });
    stage.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      state.x = drag.sx + e.clientX - drag.x;
      state.y = drag.sy + e.clientY - drag.y;
      apply();
    });
    function end() { drag = null; stage.classList.remove("rri-dragging"); }
    stage.addEventListener("pointerup", end);
    stage.addEventListener("pointercancel", end);
  }

  function open(root, button) {
    if (!viewer) { build(); }
    var buttons = Array.prototype.filter.call(root.querySelectorAll(".rri-open"), visible);
    state = { root: root, buttons: buttons, index: Math.max(0, buttons.indexOf(button)), opener: button };
    viewer.hidden = false;
    document.documentElement.classList.add("rri-viewing");
    show();
    viewer.querySelector("[data-act=close]").focus();
  }

  function visible(el) { return !el.closest("[hidden]"); }

  function show() {
    var button = state.buttons[state.index];
    var d = images[button.getAttribute("data-img")];
    state.data = d;
    viewer.querySelector(".rri-caption").textContent = d.caption;
    viewer.querySelector(".rri-count").textContent = (state.index + 1) + " of " + state.buttons.length;
    var canvas = viewer.querySelector(".rri-canvas");
    // The canvas has the physical aspect (a pixel's height over its width, from the
    // DICOM pixel spacing); tiles and annotations are placed in the original's grid.
    state.cw = d.w;
    state.ch = d.h * (d.aspect || 1);
    canvas.style.width = state.cw + "px";
    canvas.style.height = state.ch + "px";
    var base = viewer.querySelector(".rri-base");
    base.src = d.src || d.thumb;
    // A panorama's thumbnail is its middle part: placed there when it stands in for the image.
    var part = !d.src && d.thumb_crop;
    base.style.position = part ? "absolute" : "";
    base.style.left = part ? (100 * part[0]) + "%" : "";
    base.style.top = part ? (100 * part[1]) + "%" : "";
    base.style.width = part ? (100 * (part[2] - part[0])) + "%" : "";
    base.style.height = part ? (100 * (part[3] - part[1])) + "%" : "";
    base.alt = d.caption;
    var tiles = viewer.querySelector(".rri-tiles");
    tiles.replaceChildren();
    (d.tiles || []).forEach(function (t) {
      var img = document.createElement("img");
      img.style.left = (100 * t[0] / d.w) + "%";
      img.style.top = (100 * t[1] / d.h) + "%";
      img.style.width = (100 * t[2] / d.w) + "%";
      img.style.height = (100 * t[3] / d.h) + "%";
      img.alt = "";
      img.src = t[4];
      tiles.appendChild(img);
    });
    setupStack(d);
    var overlay = viewer.querySelector(".rri-overlay");
    overlay.replaceChildren();
    var svg = button.querySelector("svg.rri-ann");
    if (svg) {
      svg = svg.cloneNode(true);
      svg.setAttribute("viewBox", "0 0 " + d.w + " " + d.h);  // the thumbnail's may be a part
      overlay.appendChild(svg);
    }
    fitView();
  }

  // ---------------------------------------------------------------- a DICOM series' stack
  function setupStack(d) {
    var box = viewer.querySelector(".rri-stack");
    box.hidden = !d.stack;
    viewer.removeAttribute("data-slice");
    if (!d.stack) { return; }
    state.slice = d.stack.key;
    state.preset = 0;
    var slider = viewer.querySelector(".rri-slice");
    slider.max = String(d.stack.slices.length - 1);
    slider.value = String(state.slice);
    var select = viewer.querySelector(".rri-preset");
    select.replaceChildren();
    d.stack.presets.forEach(function (name, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = name;  // from the file: text, never markup
      select.appendChild(option);
    });
    select.hidden = d.stack.presets.length < 2;
    showSlice();
  }

  function moveSlice(delta) {
    var n = state.data.stack.slices.length;
    state.slice = Math.min(Math.max(state.slice + delta, 0), n - 1);
    viewer.querySelector(".rri-slice").value = String(state.slice);
    showSlice();
  }

  function showSlice() {
    var d = state.data, stack = d.stack;
    var s = stack.slices[state.slice];
    var key = state.slice === stack.key;
    var base = viewer.querySelector(".rri-base");
    // The key slice in its first window is the display image, at full size; every other
    // slice (or preset) is the stack's smaller one, stretched to the same canvas.
    base.src = key && state.preset === 0 ? (d.src || d.thumb) : s[2][Math.min(state.preset, s[2].length - 1)];
    // The annotations were drawn on the key slice only.
    viewer.querySelector(".rri-overlay").style.visibility = key ? "" : "hidden";
    var label = "slice " + (state.slice + 1) + " of " + stack.slices.length + " (no. " + s[0] + ")";
    if (s[1] !== null && s[1] !== undefined) { label += " \u00b7 " + s[1] + " mm"; }
    if (key) { label += " \u00b7 key slice"; }
    viewer.querySelector(".rri-slice-label").textContent = label;
    viewer.setAttribute("data-slice", String(state.slice));
  }

  function fitView() {
    var stage = viewer.querySelector(".rri-stage").getBoundingClientRect();
    state.fit = Math.min(stage.width / state.cw, stage.height / state.ch);
    state.scale = state.fit;
    state.x = (stage.width - state.cw * state.scale) / 2;
    state.y = (stage.height - state.ch * state.scale) / 2;
    apply();
  }

  function zoomBy(factor, cx, cy) {
    var stage = viewer.querySelector(".rri-stage").getBoundingClientRect();
    if (cx === undefined) { cx = stage.width / 2; cy = stage.height / 2; }
    // Keep the point under the cursor still; from the fitted view up to 32 times it.
    var next = Math.min(Math.max(state.scale * factor, state.fit), state.fit * 32);
    var k = next / state.scale;
    state.x = cx - (cx - state.x) * k;
    state.y = cy - (cy - state.y) * k;
    state.scale = next;
    apply();
  }

  function apply() {
    var canvas = viewer.querySelector(".rri-canvas");
    canvas.style.transform = "translate(" + state.x + "px," + state.y + "px) scale(" + state.scale + ")";
    viewer.querySelector(".rri-zoom").textContent = Math.round(100 * state.scale / state.fit) + "%";
    viewer.setAttribute("data-zoom", (state.scale / state.fit).toFixed(3));
  }

  function step(delta) {
    var n = state.buttons.length;
    state.index = (state.index + delta + n) % n;
    show();
  }

  function close() {
    viewer.hidden = true;
    document.documentElement.classList.remove("rri-viewing");
    if (state && state.opener) { state.opener.focus(); }
  }

  function onKey(e) {
    if (!viewer || viewer.hidden || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = e.key;
    var stack = state.data && state.data.stack;
    // On the slider or the preset list, the arrows are theirs.
    if (e.target.closest && e.target.closest(".rri-stack") && k.indexOf("Arrow") === 0) { return; }
    if (stack && (k === "ArrowUp" || k === "ArrowDown")) { moveSlice(k === "ArrowDown" ? 1 : -1); }
    else if (stack && (k === "PageUp" || k === "PageDown")) {
      moveSlice((k === "PageDown" ? 1 : -1) * Math.max(1, Math.round(stack.slices.length / 10)));
    }
    else if (k === "Escape") { close(); }
    else if (k === "ArrowRight") { step(1); }
    else if (k === "ArrowLeft") { step(-1); }
    else if (k === "+" || k === "=") { zoomBy(1.5); }
    else if (k === "-" || k === "_") { zoomBy(1 / 1.5); }
    else if (k === "0") { fitView(); }
    else if (k === "a" || k === "A") { setAnnotations(document.documentElement.classList.contains("rri-hide-ann")); }
    else { return; }
    e.preventDefault();
  }

  function init() {
    collect();
    document.addEventListener("click", function (e) {
      var button = e.target.closest(".rri-open");
      if (button) { open(button.closest(".rri"), button); }
    });
    document.addEventListener("change", function (e) {
      if (e.target.classList && e.target.classList.contains("rri-ann-toggle")) { setAnnotations(e.target.checked); }
    });
    document.addEventListener("keydown", onKey);
    window.addEventListener("beforeprint", paper);
    document.addEventListener("rinec:highlight", function (e) { filter(e.detail); });
    filter(window.rinecHighlight);
  }

  window.rriImaging = { images: images };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
