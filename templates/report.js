/* rinec-report page behaviour: charts, tables, the patient highlighter, navigation.
   Everything the page needs is in this file and the inline data; it makes no request. */
(function () {
  "use strict";
  var views = [];
  var tables = [];
  // Highlighter state: the chosen patients in the order chosen, their colours, the hidden ones.
  var chosen = [];
  var hidden = [];
  // Keyed by patient ids from the input: no prototype, so 'constructor' is a patient like any other.
  var colourOf = Object.create(null);
  // Okabe-Ito: a colour per chosen patient, told apart by colour-blind readers too.
  var HL_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#000000", "#F0E442"];
  // Rows a table keeps in the page for printing (beyond, the print says where the rest is).
  var PRINT_MAX = 2000;
  var keepFormulas = document.body.dataset.keepFormulas === "true";

  function payload(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  // ---------------------------------------------------------------- charts
  // Charts near the window are drawn at once, as they come near it. The others are drawn
  // one at a time once the reader has left the page alone for QUIET ms (a key, a click, the
  // wheel or a touch makes it wait again): the page answers its reader first, and every
  // chart is still drawn within seconds. Printing draws whatever is left at once: with the
  // library running (it runs once every packed spec is unpacked, loadVega), vega-embed draws
  // a chart in microtasks, so within the beforeprint event, before the browser lays the
  // paper out.
  var QUIET = 2000;

  function drawCharts(after) {
    var queue = Array.from(document.querySelectorAll(".rr-chart"));
    var finished = Promise.all(queue.map(function (el) { return new Promise(function (done) { el.rrDrawn = done; }); }));
    var near = [], busy = false, quiet = !window.IntersectionObserver, timer = null;
    function take(el) {
      var at = queue.indexOf(el);
      if (at !== -1) { queue.splice(at, 1); }
      return el;
    }
    function away(el) {  // how far from the window: those in it are drawn first
      var box = el.getBoundingClientRect();
      return box.bottom < 0 ? -box.bottom : Math.max(0, box.top - window.innerHeight);
    }
    function pump() {
      if (busy) { return; }
      if (near.length > 1) { near.sort(function (a, b) { return away(a) - away(b); }); }
      var el = near.length ? near.shift() : (quiet && queue.length ? take(queue[0]) : null);
      if (!el) { return; }
      busy = true;
      drawChart(el).then(function () { busy = false; idle(pump, { timeout: 250 }); });
    }
    function wait() {
      quiet = false;
      clearTimeout(timer);
      timer = setTimeout(function () { quiet = true; pump(); }, QUIET);
    }
    if (window.IntersectionObserver) {
      var seen = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting && queue.indexOf(entry.target) !== -1) { near.push(take(entry.target)); }
        });
        pump();
      }, { rootMargin: "100% 0px" });
      queue.forEach(function (el) { seen.observe(el); });
      ["keydown", "pointerdown", "wheel", "touchstart"].forEach(function (type) {
        window.addEventListener(type, function () { if (timer !== null) { wait(); } }, { passive: true, capture: true });
      });
    }
    function drawAll() {
      while (near.length) { drawChart(near.shift()); }
      while (queue.length) { drawChart(queue.shift()); }
      return finished;
    }
    window.addEventListener("beforeprint", drawAll);
    after.then(function () { if (quiet) { pump(); } else { wait(); } });
    // The library is unpacked soon whatever is in view, so that printing finds it running.
    idle(function () { loadVega().catch(function () { /* each chart says why */ }); }, { timeout: 1000 });
    return drawAll;
  }

  // Packed payloads (rinec_report/render.py packed): deflate-raw in base64, unpacked by
  // the browser natively (DecompressionStream), to a Blob. The one reader of every packed
  // block of the page: the chart library and the chart specs.
  function inflate(base64) {
    if (!window.DecompressionStream) {
      return Promise.reject(new Error("this browser cannot unpack the charts (it has no DecompressionStream; "
        + "current Chrome, Edge, Firefox and Safari have)"));
    }
    var text = atob(base64.trim()), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Response(stream).blob();
  }

  // Every chart spec comes packed (render.py _chart, type PACKED): all are unpacked at
  // once, with the library, and kept as JSON text by id (a chart drawn again with other
  // names parses it again). A spec that cannot be unpacked costs only its chart.
  var PACKED = "application/x-rinec-packed";
  var specs = Object.create(null);
  function unpackSpecs() {
    var blocks = Array.from(document.querySelectorAll('script[type="' + PACKED + '"]'));
    return Promise.all(blocks.map(function (block) {
      return inflate(block.textContent).then(function (blob) { return blob.text(); }).then(function (text) {
        specs[block.id] = text;
      }, function (err) { specs[block.id] = err; }).then(function () { block.remove(); });
    }));
  }

  function chartSpec(id) {
    var text = specs[id];
    if (text === undefined) { throw new Error("its data is missing from the page"); }
    if (text instanceof Error) { throw text; }
    return JSON.parse(text);
  }

  // The chart library comes packed (rinec_report/render.py vega_bundle): unpacked and run
  // once, after the page is on screen. It is run only once the specs are unpacked too, so
  // that when vegaEmbed exists every chart can be drawn in microtasks: printing draws
  // in its beforeprint event, which cannot wait for anything (drawCharts).
  var vegaLoading = null;
  function loadVega() {
    if (vegaLoading) { return vegaLoading; }
    vegaLoading = new Promise(function (done, fail) {
      var packed = document.getElementById("rr-vega");
      if (window.vegaEmbed) { unpackSpecs().then(done); return; }
      if (!packed) { fail(new Error("the chart library is missing from the page")); return; }
      Promise.all([inflate(packed.textContent), unpackSpecs()]).then(function (got) {
        var code = got[0];
        // Run from a blob: address (the page's own memory, no request leaves it), so that
        // the browser compiles the 900 KB off the main thread; inline if that is refused.
        var url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
        var script = document.createElement("script");
        function started() {
          URL.revokeObjectURL(url);
          packed.remove();  // 400 KB of text the page no longer needs
          if (window.vegaEmbed) { done(); } else { fail(new Error("the chart library did not start")); }
        }
        script.onload = started;
        script.onerror = function () {
          URL.revokeObjectURL(url);
          code.text().then(function (text) {
            var inline = document.createElement("script");
            inline.textContent = text;
            document.head.appendChild(inline);  // runs at once
            started();
          }, fail);
        };
        script.src = url;
        document.head.appendChild(script);
      }).catch(fail);
    });
    return vegaLoading;
  }

  // On a narrow page (a phone) every chart has its legends below the plot, in rows: the
  // page holds that config once (rinec_report/charts.py NARROW_LEGEND) and chooses once,
  // by the width of the first chart's box, so that all charts of the page agree.
  var narrowChoice;
  function narrowLegend(el) {
    if (narrowChoice === undefined) {
      var rule = document.getElementById("rr-narrow");
      rule = rule ? JSON.parse(rule.textContent) : null;
      narrowChoice = rule && el.clientWidth < rule.width ? rule.legend : null;
    }
    return narrowChoice;
  }

  function chartFailed(el, err) {
    el.classList.add("rr-chart-error");
    el.textContent = "This chart could not be drawn: " + err.message;
    el.dataset.rendered = "error";
    if (el.rrDrawn) { el.rrDrawn(); }
  }

  function drawChart(el) {
    if (el.rrStarted) { return el.rrStarted; }
    el.rrStarted = loadVega().then(function () {
      var spec = chartSpec(el.id + "-spec");
      var legend = narrowLegend(el);
      if (legend) {
        var config = Object.assign({}, spec.config);
        config.legend = Object.assign({}, config.legend, legend);
        spec.config = config;
      }
      el.rrNames = namesVersion;
      return embedChart(el, hasNames() ? renamedSpec(spec) : spec);
    }).catch(function (err) { chartFailed(el, err); });
    return el.rrStarted;
  }

  function embedChart(el, spec) {
    return window.vegaEmbed(el, spec, {
      renderer: el.dataset.renderer || "svg",
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: el.dataset.name,
      i18n: { PNG_ACTION: "Save as PNG", SVG_ACTION: "Save as SVG" }
    }).then(function (result) {
      views.push(result.view);
      el.rrView = result.view;
      nameMenu(el);
      el.dataset.rendered = "1";
      setSignals(result.view);
      if (el.rrDrawn) { el.rrDrawn(); }
    }).catch(function (err) { chartFailed(el, err); });
  }

  // Every chart at once, as SVG or PNG at a chosen scale (vega's view.toSVG / toImageURL),
  // one file each, named as the chart's own menu names it. Charts not drawn yet are drawn first.
  function initExport(drawAll) {
    var button = document.getElementById("rr-export-go");
    if (!button) { return; }
    var status = document.getElementById("rr-export-msg");
    button.addEventListener("click", function () {
      var format = document.getElementById("rr-export-format").value;
      var scale = Number(document.getElementById("rr-export-scale").value) || 1;
      status.textContent = "Drawing the charts\u2026";
      drawAll().then(function () {
        var charts = Array.from(document.querySelectorAll(".rr-chart")).filter(function (el) { return el.rrView; });
        var taken = Object.create(null);  // a section's second chart of one name is name-2
        return charts.reduce(function (done, el) {
          var base = el.dataset.name || el.id;
          taken[base] = (taken[base] || 0) + 1;
          var name = taken[base] > 1 ? base + "-" + taken[base] : base;
          return done.then(function () {
            return (format === "svg" ? el.rrView.toSVG(scale).then(function (svg) {
              return URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
            }) : el.rrView.toImageURL("png", scale)).then(function (url) {
              return save(url, name + "." + format);
            });
          });
        }, Promise.resolve()).then(function () {
          status.textContent = charts.length + " chart" + (charts.length === 1 ? "" : "s") + " saved as " + format.toUpperCase() + ".";
        });
      }).catch(function (err) { status.textContent = "The charts could not be saved: " + err.message; });
    });
  }

  function save(url, name) {
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    // The browser reads the file after this returns: the address is let go well after.
    setTimeout(function () { if (url.indexOf("blob:") === 0) { URL.revokeObjectURL(url); } a.remove(); }, 30000);
    // One file at a time: browsers drop downloads that come in a burst.
    return new Promise(function (done) { setTimeout(done, 150); });
  }

  function nameMenu(el) {
    // vega-embed's menu is a <details> whose <summary> holds only an icon.
    var summary = el.querySelector(".vega-actions") && el.querySelector("details > summary");
    if (summary) {
      var label = "Save the chart " + (el.dataset.label ? "\u201c" + el.dataset.label + "\u201d " : "") + "as SVG or PNG";
      summary.setAttribute("aria-label", label);
      summary.setAttribute("title", label);
    }
  }

  // The rewrite rinec_report/charts.py applies to every text of a chart spec:
  // Vega keeps values as keys of plain objects, and parses some as expressions.
  var OBJECT_KEYS = ["__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__",
    "__lookupSetter__", "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
    "toLocaleString", "toString", "valueOf"];

  function chartValue(v) {
    if (typeof v !== "string") { return v; }
    v = v.replace(/[\u2028\u2029]/g, " ");
    return OBJECT_KEYS.indexOf(v) >= 0 ? v + "\u200b" : v;
  }

  // A chart drawn with display names holds them in its data: the signals say them too.
  function signalValue(p) { return chartValue(display(p)); }

  function setSignals(view) {
    var colours = {};
    chosen.forEach(function (p) { colours[signalValue(p)] = colourOf[p]; });
    try {
      view.signal("rinec_patient", chosen.length ? chosen.map(signalValue) : null);
      view.signal("rinec_hidden", hidden.map(signalValue));
      view.signal("rinec_colors", colours);
      view.runAsync();
    } catch (e) {
      /* a chart without the parameters simply does not take part */
    }
  }

  // ---------------------------------------------------------------- tables
  function isNumber(v) { return typeof v === "number" && isFinite(v); }

  function show(v) {
    if (v === null || v === undefined) { return ""; }
    if (isNumber(v) && !Number.isInteger(v)) {
      return Math.abs(v) >= 0.001 || v === 0 ? String(Math.round(v * 1000) / 1000) : v.toExponential(2);
    }
    return String(v);
  }

  // An infinite number comes as the sign itself (JSON has none; rinec_report.render._rows).
  var INFINITE = { "\u221e": Infinity, "\u2212\u221e": -Infinity };
  function compare(a, b) {
    if (Object.prototype.hasOwnProperty.call(INFINITE, a)) { a = INFINITE[a]; }
    if (Object.prototype.hasOwnProperty.call(INFINITE, b)) { b = INFINITE[b]; }
    var an = a === null || a === undefined || a === "", bn = b === null || b === undefined || b === "";
    if (an || bn) { return an && bn ? 0 : (an ? 1 : -1); }
    if (typeof a === "number" && typeof b === "number") { return a === b ? 0 : (a < b ? -1 : 1); }
    return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
  }

  // A text cell a spreadsheet would run as a formula gets a leading apostrophe (the same
  // rule as the exported tables: rinec_report.write.neutralise).
  var FORMULA = /^[=@\t\r]|^[+\-](?![\d.eE%+\-\/ ]*$)/;
  function neutralise(s) {
    return !keepFormulas && FORMULA.test(s) ? "'" + s : s;
  }

  // The exported tables' quoting rule (rinec_report.delimited.CONTROL): a cell holding
  // the separator, a quote, any control character or a line/paragraph separator is quoted.
  var NEEDS_QUOTES = /[",\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (typeof v === "string") { s = neutralise(s); }
    return NEEDS_QUOTES.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function Table(el) {
    this.el = el;
    this.data = payload(el.id + "-data");
    this.sortCol = null;
    this.sortDir = 1;
    this.query = "";
    this.filterValues = Object.create(null);  // keyed by column names from the input
    this.page = 0;
    this.live = false;  // rows are made when the table comes near the window (or is printed)
    this.build();
  }

  // The first time a table comes near the window, its rows are made.
  Table.prototype.show = function () {
    if (!this.live) { this.live = true; this.render(); }
  };

  Table.prototype.build = function () {
    var self = this, d = this.data;
    var label = d.label ? " " + d.label : "";
    var tools = document.createElement("div");
    tools.className = "rr-table-tools";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "Search";
    search.setAttribute("aria-label", "Search the table" + label);
    search.addEventListener("input", function () { self.query = search.value.toLowerCase(); self.page = 0; self.render(); });
    tools.appendChild(search);
    d.filters.forEach(function (col) {
      var sel = document.createElement("select");
      sel.setAttribute("aria-label", "Filter by " + d.titles[col]);
      var all = document.createElement("option");
      all.value = ""; all.textContent = d.titles[col] + ": all";
      sel.appendChild(all);
      var values = Array.from(new Set(d.rows.map(function (r) { return show(r[col]); }))).sort(compare);
      values.forEach(function (v) {
        var o = document.createElement("option"); o.value = v; o.textContent = v; sel.appendChild(o);
      });
      sel.addEventListener("change", function () { self.filterValues[col] = sel.value; self.page = 0; self.render(); });
      tools.appendChild(sel);
    });
    var csv = document.createElement("button");
    csv.type = "button";
    csv.className = "rr-csv";
    csv.textContent = "Download CSV";
    // The accessible name starts with the visible words (WCAG 2.5.3, label in name).
    csv.setAttribute("aria-label", "Download CSV: " + (d.label || "table") + " (the rows shown)");
    csv.addEventListener("click", function () { self.download(); });
    tools.appendChild(csv);
    this.off = Object.create(null);  // the columns the reader took out of view, by index
    if (d.name === SUMMARY) { this.summaryTools(tools); }
    this.count = document.createElement("span");
    this.count.className = "rr-table-count";
    this.count.setAttribute("aria-live", "polite");
    tools.appendChild(this.count);
    this.el.appendChild(tools);

    var wrap = document.createElement("div");
    wrap.className = "rr-table-wrap";
    wrap.tabIndex = 0;  // a scrolling box must be reachable by keyboard
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", "Table" + label);
    var table = document.createElement("table");
    var thead = document.createElement("thead");
    var tr = document.createElement("tr");
    this.headers = d.titles.map(function (title, i) {
      var th = document.createElement("th");
      th.scope = "col";
      th.dataset.title = title;  // paper prints the title, not the button (see report.css)
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rr-sort";
      button.textContent = title;
      button.title = "Sort by " + title;
      button.addEventListener("click", function () {
        if (self.sortCol === i) { self.sortDir = -self.sortDir; } else { self.sortCol = i; self.sortDir = 1; }
        self.render();
      });
      th.appendChild(button);
      tr.appendChild(th);
      return th;
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    this.tbody = document.createElement("tbody");
    table.appendChild(this.tbody);
    wrap.appendChild(table);
    this.el.appendChild(wrap);
    this.pager = document.createElement("div");
    this.pager.className = "rr-pager";
    this.el.appendChild(this.pager);
    this.printNote = document.createElement("p");
    this.printNote.className = "rr-print-note";
    this.el.appendChild(this.printNote);
  };

  Table.prototype.visibleRows = function () {
    var self = this, d = this.data, q = this.query;
    var rows = d.rows.filter(function (r) {
      if (d.patient !== null && hidden.length && hidden.indexOf(String(r[d.patient])) !== -1) { return false; }
      for (var col in self.filterValues) {
        if (self.filterValues[col] && show(r[col]) !== self.filterValues[col]) { return false; }
      }
      if (!q) { return true; }
      return r.some(function (v) { return show(v).toLowerCase().indexOf(q) !== -1; })
        || (d.patient !== null && display(String(r[d.patient])).toLowerCase().indexOf(q) !== -1);
    });
    if (this.sortCol !== null) {
      var c = this.sortCol, dir = this.sortDir;
      var key = c === d.patient ? function (r) { return display(String(r[c])); } : function (r) { return r[c]; };
      rows = rows.slice().sort(function (a, b) { return dir * compare(key(a), key(b)); });
    }
    return rows;
  };

  // A SHA-256 digest (input files, pictures): whole on screen, its first 16 digits on paper.
  var DIGEST = /^[0-9a-f]{64}$/i;

  function longToken(text) {
    return text.length > 24 && /\S{25,}/.test(text);
  }

  Table.prototype.render = function () {
    if (!this.live && !printing) { return; }
    var self = this, d = this.data;
    var rows = this.visibleRows();
    var PAGE = d.pageSize || rows.length || 1;
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    if (this.page >= pages) { this.page = pages - 1; }
    this.headers.forEach(function (th, i) {
      if (i === self.sortCol) { th.setAttribute("aria-sort", self.sortDir > 0 ? "ascending" : "descending"); }
      else { th.removeAttribute("aria-sort"); }
    });
    // On screen only the current page's rows are made. For paper every row is (rows of
    // other pages hidden on screen), up to PRINT_MAX; past it only the current page.
    var from = this.page * PAGE, to = from + PAGE;
    var whole = rows.length <= PRINT_MAX;
    var all = printing && whole;
    var frag = document.createDocumentFragment();
    (all ? rows : rows.slice(from, to)).forEach(function (r, k) {
      var tr = document.createElement("tr");
      var at = all ? k : from + k;
      if (at < from || at >= to) { tr.className = "rr-off"; }
      if (d.patient !== null) {
        var pid = String(r[d.patient]);
        tr.dataset.patient = pid;
        if (colourOf[pid] && chosen.indexOf(pid) !== -1) {
          tr.classList.add("rr-hl");
          tr.style.setProperty("--hlc", colourOf[pid]);
        }
      }
      r.forEach(function (v, i) {
        var td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) { td.scope = "row"; }
        var text = show(v);
        if (i === d.patient && v !== null && hasNames()) {
          text = display(String(v));
          if (text !== String(v)) { td.title = String(v); }  // the id, on hover
        }
        td.textContent = text;
        if (isNumber(v)) { td.className = "rr-num"; }
        else if (DIGEST.test(text)) { td.className = "rr-long rr-digest"; }
        else if (longToken(text)) { td.className = "rr-long"; }
        else if (!/\s/.test(text)) { td.className = "rr-word"; }  // an id: never broken at its hyphens
        if (self.off[i]) { td.classList.add("rr-col-off"); }
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    this.tbody.replaceChildren(frag);
    var note = d.total > d.rows.length ? " (the page holds the first " + d.rows.length + " of " + d.total + "; the exported table has all)" : "";
    var gone = hidden.length && d.patient !== null ? " (hidden patients left out)" : "";
    this.count.textContent = rows.length + " of " + d.rows.length + " rows" + note + gone;
    var printed = whole ? rows.length : Math.min(PAGE, rows.length - from);
    this.printNote.textContent = printed === d.total
      ? "All " + d.total + " rows."
      : printed + " of " + d.total + " rows printed; all rows are in the report's data folder (" + d.name + ").";
    this.pager.replaceChildren();
    if (pages > 1) {
      var prev = document.createElement("button"), next = document.createElement("button"), label = document.createElement("span");
      prev.type = next.type = "button";
      prev.textContent = "Previous"; next.textContent = "Next";
      prev.setAttribute("aria-label", "Previous page"); next.setAttribute("aria-label", "Next page");
      prev.disabled = this.page === 0; next.disabled = this.page >= pages - 1;
      prev.addEventListener("click", function () { self.page -= 1; self.render(); });
      next.addEventListener("click", function () { self.page += 1; self.render(); });
      label.textContent = " page " + (this.page + 1) + " of " + pages + " ";
      this.pager.append(prev, label, next);
    }
  };

  // The patient summary (the core's own table) gets a column chooser and a copy to the
  // clipboard of the rows and columns shown, tab-separated (a spreadsheet pastes it as cells).
  var SUMMARY = "report_summary";

  Table.prototype.summaryTools = function (tools) {
    var self = this, d = this.data;
    var chooser = document.createElement("details");
    chooser.className = "rr-cols";
    var summary = document.createElement("summary");
    summary.textContent = "Columns";
    chooser.appendChild(summary);
    var box = document.createElement("fieldset");
    var legend = document.createElement("legend");
    legend.textContent = "Columns shown";
    box.appendChild(legend);
    d.titles.forEach(function (title, i) {
      if (i === 0) { return; }  // the patient column names the row
      var label = document.createElement("label");
      var check = document.createElement("input");
      check.type = "checkbox";
      check.checked = true;
      check.addEventListener("change", function () {
        if (check.checked) { delete self.off[i]; } else { self.off[i] = true; }
        self.headers[i].classList.toggle("rr-col-off", !check.checked);
        self.render();
      });
      label.append(check, " " + title);
      box.appendChild(label);
    });
    chooser.appendChild(box);
    tools.appendChild(chooser);
    var copy = document.createElement("button");
    copy.type = "button";
    copy.className = "rr-copy";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", "Copy: " + (d.label || "table") + " (the rows and columns shown)");
    var said = document.createElement("span");
    said.className = "rr-table-count";
    said.setAttribute("role", "status");
    copy.addEventListener("click", function () {
      var text = self.tsv();
      var done = function () { said.textContent = "Copied."; };
      var failed = function () { said.textContent = "The browser did not allow copying (a file opened from disk may not)."; };
      if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, failed); } else { failed(); }
    });
    tools.append(copy, said);
  };

  Table.prototype.tsv = function () {
    var self = this, d = this.data;
    function cell(v) { return (typeof v === "string" ? neutralise(show(v)) : show(v)).replace(/[\t\r\n]+/g, " "); }
    function row(r) { return r.filter(function (_, i) { return !self.off[i]; }).map(cell).join("\t"); }
    return [row(d.titles)].concat(this.visibleRows().map(row)).join("\n") + "\n";
  };

  Table.prototype.csv = function () {
    var d = this.data;
    var lines = [d.titles.map(csvCell).join(",")];  // the headers the reader sees
    this.visibleRows().forEach(function (r) { lines.push(r.map(csvCell).join(",")); });
    return lines.join("\r\n") + "\r\n";
  };

  Table.prototype.download = function () {
    var blob = new Blob([this.csv()], { type: "text/csv" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = this.data.name + ".csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  };

  // ---------------------------------------------------------------- highlighter
  function known() {
    var el = document.getElementById("rr-patients");
    return el ? JSON.parse(el.textContent) : [];
  }

  function assignColours() {
    var used = Object.create(null);
    Object.keys(colourOf).forEach(function (p) {
      if (chosen.indexOf(p) === -1) { delete colourOf[p]; } else { used[colourOf[p]] = true; }
    });
    chosen.forEach(function (p) {
      if (!colourOf[p]) {
        colourOf[p] = HL_COLOURS.filter(function (c) { return !used[c]; })[0] || HL_COLOURS[chosen.indexOf(p) % HL_COLOURS.length];
        used[colourOf[p]] = true;
      }
    });
  }

  function apply(updateUrl) {
    assignColours();
    views.forEach(setSignals);
    tables.forEach(function (t) { t.render(); });
    document.querySelectorAll(".rr-html [data-patient]").forEach(function (el) {
      var p = el.dataset.patient;
      var on = chosen.indexOf(p) !== -1;
      el.classList.toggle("rr-hl", on);
      if (on) { el.style.setProperty("--hlc", colourOf[p]); } else { el.style.removeProperty("--hlc"); }
      el.classList.toggle("rr-hidden", hidden.indexOf(p) !== -1);
    });
    drawChips();
    if (updateUrl) { writeUrl(); }
    // A plugin's own script follows the highlighter through this state and event
    // (docs/writing_plugins.md): the lists' fields are cleared once a patient is chosen.
    window.rinecHighlight = { chosen: chosen.slice(), hidden: hidden.slice() };
    document.dispatchEvent(new CustomEvent("rinec:highlight", { detail: window.rinecHighlight }));
  }

  function chip(p, kind) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "rr-chip rr-chip-" + kind;
    if (kind === "hl") { b.style.setProperty("--hlc", colourOf[p]); }
    b.textContent = (kind === "hide" ? "hidden: " : "") + display(p) + " \u00d7";
    b.setAttribute("aria-label", (kind === "hide" ? "Show " : "Stop highlighting ") + display(p));
    b.addEventListener("click", function () {
      if (kind === "hl") { chosen = chosen.filter(function (x) { return x !== p; }); }
      else { hidden = hidden.filter(function (x) { return x !== p; }); }
      apply(true);
    });
    return b;
  }

  function drawChips() {
    var box = document.getElementById("rr-chips");
    var clear = document.getElementById("rr-clear");
    var state = document.getElementById("rr-print-state");
    if (!box) { return; }
    box.replaceChildren.apply(box, chosen.map(function (p) { return chip(p, "hl"); })
      .concat(hidden.map(function (p) { return chip(p, "hide"); })));
    clear.hidden = !chosen.length && !hidden.length;
    var parts = [];
    if (chosen.length) { parts.push("Highlighted: " + chosen.map(display).join(", ")); }
    if (hidden.length) { parts.push("hidden from view (every count still includes them): " + hidden.map(display).join(", ")); }
    state.textContent = parts.join("; ") + (parts.length ? "." : "");
    state.hidden = !parts.length;
    drawHideNote();
  }

  // Hide is a view: the page still holds the hidden patients' data. The note says so and
  // gives the command that writes a report without them.
  function drawHideNote() {
    var note = document.getElementById("rr-hide-note");
    if (!note) { return; }
    note.hidden = !hidden.length;
    document.getElementById("rr-hide-command").textContent = hidden.length ? subsetCommand(hidden) : "";
  }

  function shellWord(text) {
    return /^[A-Za-z0-9_.,:@%+\/=-]+$/.test(text) ? text : "'" + text.replace(/'/g, "'\\''") + "'";
  }

  function subsetCommand(ids) {
    // An id with a comma (or starting with @) cannot be written in a comma list: a file
    // of ids, one a line, can hold any.
    var listable = ids.every(function (p) { return p.indexOf(",") === -1 && p.charAt(0) !== "@"; });
    if (!listable) { return "rinec-report RUN_DIR --exclude-patients @FILE   (FILE: the hidden ids, one a line)"; }
    return "rinec-report RUN_DIR --exclude-patients " + shellWord(ids.join(","));
  }

  // The state lives in the fragment (#highlight=P3,P5&hide=P1&theme=dark) so a link or a
  // reload keeps it.
  function readUrl() {
    var h = location.hash.replace(/^#/, "");
    if (!/^(highlight|hide|names|theme)=/.test(h)) { return false; }
    var ids = known();
    chosen = []; hidden = [];
    var given = Object.create(null);
    setTheme("");
    h.split("&").forEach(function (part) {
      var kv = part.split("="), list = (kv[1] || "").split(",").map(function (x) {
        try { return decodeURIComponent(x); } catch (e) { return x; }
      }).filter(function (x) { return x && (!ids.length || ids.indexOf(x) !== -1); });
      if (kv[0] === "highlight") { chosen = list; }
      if (kv[0] === "hide") { hidden = list; }
      if (kv[0] === "theme") { setTheme(kv[1]); }
      if (kv[0] === "names") { given = namesFromUrl(kv[1] || "", ids); }
    });
    setNames(given);
    return true;
  }

  function writeUrl() {
    var parts = [];
    if (chosen.length) { parts.push("highlight=" + chosen.map(encodeURIComponent).join(",")); }
    if (hidden.length) { parts.push("hide=" + hidden.map(encodeURIComponent).join(",")); }
    if (hasNames()) { parts.push("names=" + namesForUrl()); }
    if (theme()) { parts.push("theme=" + theme()); }
    var url = location.pathname + location.search + (parts.length ? "#" + parts.join("&") : "");
    try { history.replaceState(null, "", url); } catch (e) { /* file:// in some browsers */ }
  }

  // A closed <select> takes an arrow key or a typed letter as a choice (Chromium added P1
  // at ArrowDown, and P2-P5 could not be reached). As in the WAI-ARIA APG's select-only
  // combobox, the keys move the option shown without choosing it; Enter or Space chooses,
  // Escape goes back to the prompt. A pick from the open list (mouse, Alt+ArrowDown) still
  // chooses at once, through "change".
  var STEPS = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };

  function pickerKeys(select, choose) {
    var typed = "", typedAt = 0;
    select.addEventListener("keydown", function (ev) {
      var n = select.options.length, i = select.selectedIndex;
      if (ev.altKey || ev.ctrlKey || ev.metaKey || n < 2) { return; }
      if (STEPS[ev.key]) {
        ev.preventDefault();
        // Option 0 is the prompt ("add a patient..."): the keys move among the patients.
        select.selectedIndex = Math.min(n - 1, Math.max(1, i + STEPS[ev.key]));
      } else if ((ev.key === "Enter" || ev.key === " ") && i > 0 && !typed) {
        ev.preventDefault();
        choose(select.value);
      } else if (ev.key === "Escape" && i > 0) {
        ev.preventDefault();
        ev.stopPropagation();
        select.selectedIndex = 0;
      } else if (ev.key.length === 1 && ev.key !== " ") {
        // Type-ahead: the first patient whose id starts with the letters typed within a second.
        ev.preventDefault();
        typed = (ev.timeStamp - typedAt < 1000 ? typed : "") + ev.key.toLowerCase();
        typedAt = ev.timeStamp;
        for (var k = 1; k < n; k++) {
          if (select.options[k].text.toLowerCase().indexOf(typed) === 0) { select.selectedIndex = k; break; }
        }
        setTimeout(function () { if (ev.timeStamp === typedAt) { typed = ""; } }, 1000);
      }
    });
  }

  function picker(field, add) {
    if (!field) { return; }
    function choose(value) {
      // A typed id (large cohorts get a text field) must be a patient of the report.
      var ids = field.tagName === "INPUT" ? known() : null;
      if (value && (!ids || ids.indexOf(value) !== -1)) { add(value); }
      field.value = "";
      apply(true);
    }
    field.addEventListener("change", function () { choose(field.value); });
    if (field.tagName === "SELECT") { pickerKeys(field, choose); }
  }

  // A pattern picks patients by id: a glob (* any text, ? one character, the whole id) or a
  // regular expression between slashes with its flags (/^P[23]$/i). A bad one is a message.
  function patternTest(text) {
    var re = /^\/(.*)\/([imsu]*)$/.exec(text);
    if (re) {
      try { return { test: new RegExp(re[1], re[2]) }; } catch (e) { return { error: "Not a regular expression: " + e.message }; }
    }
    var glob = text.replace(/[.+^${}()|[\]\\\/]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return { test: new RegExp("^" + glob + "$") };
  }

  function initPattern() {
    var field = document.getElementById("rr-pattern");
    if (!field) { return; }
    var colour = document.getElementById("rr-pattern-colour");
    var message = document.getElementById("rr-pattern-msg");
    function go() {
      var text = field.value.trim();
      if (!text) { message.textContent = "Type a pattern first."; return; }
      var pattern = patternTest(text);
      if (pattern.error) { message.textContent = pattern.error; return; }
      var matched = known().filter(function (p) { return pattern.test.test(p) || pattern.test.test(display(p)); });
      matched.forEach(function (p) {
        if (chosen.indexOf(p) === -1) { chosen.push(p); }
        colourOf[p] = colour.value;
      });
      message.textContent = matched.length
        ? matched.length + " patient" + (matched.length === 1 ? "" : "s") + " highlighted."
        : "No patient matches " + text + ".";
      apply(true);
    }
    document.getElementById("rr-pattern-go").addEventListener("click", go);
    field.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); go(); } });
  }

  function initHighlighter() {
    initPattern();
    initNames();
    picker(document.getElementById("rr-patient"), function (p) { if (chosen.indexOf(p) === -1) { chosen.push(p); } });
    picker(document.getElementById("rr-hide"), function (p) { if (hidden.indexOf(p) === -1) { hidden.push(p); } });
    var copy = document.getElementById("rr-hide-copy");
    if (copy) {
      copy.addEventListener("click", function () {
        var text = document.getElementById("rr-hide-command").textContent;
        if (navigator.clipboard) { navigator.clipboard.writeText(text).catch(function () { /* file:// */ }); }
      });
    }
    var clear = document.getElementById("rr-clear");
    if (clear) { clear.addEventListener("click", function () { chosen = []; hidden = []; apply(true); }); }
    window.addEventListener("hashchange", function () { if (readUrl()) { apply(false); } });
    if (readUrl()) { apply(false); }
  }

  // ---------------------------------------------------------------- display names
  // A reader may give the patients names of their own (as MultiQC's "rename samples"): a
  // pasted list of id and name, or a replace over the ids. Every table, chart and
  // highlighter label then says the name; the ids stay the data (downloads, the command
  // that writes a subset, this file). Kept in the address: #names=P1:Case%20A,P2:Case%20B.
  var names = Object.create(null);  // id -> display name, keyed by ids from the input
  var namesVersion = 0;

  function display(p) {
    return Object.prototype.hasOwnProperty.call(names, p) ? names[p] : p;
  }

  function hasNames() {
    return Object.keys(names).length > 0;
  }

  function namesForUrl() {
    return Object.keys(names).map(function (p) {
      return encodeURIComponent(p) + ":" + encodeURIComponent(names[p]);
    }).join(",");
  }

  function namesFromUrl(text, ids) {
    var out = Object.create(null);
    text.split(",").forEach(function (pair) {
      var at = pair.indexOf(":");
      if (at < 1) { return; }
      var id, name;
      try { id = decodeURIComponent(pair.slice(0, at)); name = decodeURIComponent(pair.slice(at + 1)); } catch (e) { return; }
      if (name && (!ids.length || ids.indexOf(id) !== -1)) { out[id] = name; }
    });
    return out;
  }

  // One pair a line: id and name between a tab, else a comma, else the first spaces.
  function parseNames(text, ids) {
    var out = Object.create(null), unknown = [];
    text.split(/\r?\n/).forEach(function (line) {
      if (!line.trim()) { return; }
      var m = /^([^\t]*)\t(.*)$/.exec(line) || /^([^,]*),(.*)$/.exec(line) || /^\s*(\S+)\s+(.*)$/.exec(line);
      if (!m) { unknown.push(line.trim()); return; }
      var id = m[1].trim(), name = m[2].trim();
      if (ids.length && ids.indexOf(id) === -1) { unknown.push(id); return; }
      if (name) { out[id] = name; }
    });
    return { names: out, unknown: unknown };
  }

  // Replace over each patient's name (the listed one, else its id): plain text, every time
  // it occurs, or a regular expression between slashes with its flags ($1 its first group).
  function replaced(find, by, current, ids) {
    var re = /^\/(.*)\/([gimsu]*)$/.exec(find), test;
    if (re) {
      try { test = new RegExp(re[1], re[2]); } catch (e) { return { error: "Not a regular expression: " + e.message }; }
    }
    var out = Object.create(null);
    Object.keys(current).forEach(function (p) { out[p] = current[p]; });
    ids.forEach(function (p) {
      var from = Object.prototype.hasOwnProperty.call(current, p) ? current[p] : p;
      var to = test ? from.replace(test, by) : from.split(find).join(by);
      if (to !== from && to.trim()) { out[p] = to; }
    });
    return { names: out };
  }

  function setNames(given) {
    var same = Object.keys(given).length === Object.keys(names).length
      && Object.keys(given).every(function (p) { return names[p] === given[p]; });
    if (same) { return; }
    names = Object.create(null);
    Object.keys(given).forEach(function (p) { if (given[p] !== p) { names[p] = given[p]; } });
    namesVersion += 1;
    showNames();
  }

  // Every place a patient is named: tables (on their next drawing), the choosers, plugin
  // markup (a text that is the id, inside an element about that patient), the charts.
  var htmlIds = new WeakMap();  // a text node of plugin markup -> the id it said

  function showNames() {
    ["rr-patient", "rr-hide"].forEach(function (id) {
      var field = document.getElementById(id);
      if (!field || field.tagName !== "SELECT") { return; }
      Array.from(field.options).forEach(function (o) { if (o.value) { o.text = display(o.value); } });
    });
    document.querySelectorAll(".rr-html [data-patient]").forEach(function (el) {
      var p = el.dataset.patient;
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var was = htmlIds.get(node);
        if (was === undefined && node.data.trim() === p) { was = p; htmlIds.set(node, p); }
        if (was === p) { node.data = display(p); }
      }
    });
    document.querySelectorAll(".rr-chart").forEach(redrawNamed);
    var list = document.getElementById("rr-names-list");
    if (list) { list.value = Object.keys(names).map(function (p) { return p + "\t" + names[p]; }).join("\n"); }
  }

  // A chart already drawn (or being drawn) with other names is drawn again.
  function redrawNamed(el) {
    if (!el.rrStarted) { return; }  // not drawn yet: it will be drawn with the names
    el.rrStarted.then(function () {
      if (el.rrNames === namesVersion) { return; }
      if (el.rrView) {
        views.splice(views.indexOf(el.rrView), 1);
        el.rrView.finalize();
        el.rrView = null;
      }
      el.replaceChildren();
      el.classList.remove("rr-chart-error");
      el.rrStarted = null;
      drawChart(el);
    });
  }

  // A chart's data with the names: the fields its highlight tests read (rinec_patient,
  // rinec_hidden) hold patients; so does a list (a sort order, a domain) of ids only.
  var PATIENT_TEST = /indexof\(rinec_(?:patient|hidden), datum\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]\)/g;

  function renamedSpec(spec) {
    var fields = Object.create(null), byValue = Object.create(null);
    known().forEach(function (p) { byValue[chartValue(p)] = chartValue(display(p)); });
    function find(v) {
      if (typeof v === "string") {
        v.replace(PATIENT_TEST, function (_, a, b) {
          fields[(a !== undefined ? a : b).replace(/\\(.)/g, "$1")] = true;
          return _;
        });
      } else if (Array.isArray(v)) { v.forEach(find); } else if (v && typeof v === "object") {
        Object.keys(v).forEach(function (k) { find(v[k]); });
      }
    }
    find(spec);
    function isId(x) { return typeof x === "string" && Object.prototype.hasOwnProperty.call(byValue, x); }
    function walk(v) {
      if (Array.isArray(v)) {
        return v.length && v.every(isId) ? v.map(function (x) { return byValue[x]; }) : v.map(walk);
      }
      if (v && typeof v === "object") {
        // A data row: its patient, and any other of its texts that is that id (a row label).
        var mine = Object.create(null), keys = Object.keys(v), out = {};
        keys.forEach(function (k) { if (fields[k] && isId(v[k])) { mine[v[k]] = true; } });
        keys.forEach(function (k) { out[k] = typeof v[k] === "string" && mine[v[k]] ? byValue[v[k]] : walk(v[k]); });
        return out;
      }
      return v;
    }
    return walk(spec);
  }

  function initNames() {
    var apply_ = document.getElementById("rr-names-apply");
    if (!apply_) { return; }
    var list = document.getElementById("rr-names-list");
    var find = document.getElementById("rr-names-find");
    var by = document.getElementById("rr-names-with");
    var message = document.getElementById("rr-names-msg");
    apply_.addEventListener("click", function () {
      var ids = known();
      var parsed = parseNames(list.value, ids);
      var given = parsed.names;
      if (find.value) {
        var done = replaced(find.value, by.value, given, ids);
        if (done.error) { message.textContent = done.error; return; }
        given = done.names;
      }
      setNames(given);
      var seen = Object.create(null), twice = [];
      Object.keys(names).forEach(function (p) {
        if (seen[names[p]]) { twice.push(names[p]); }
        seen[names[p]] = true;
      });
      var n = Object.keys(names).length;
      message.textContent = (n ? n + " patient" + (n === 1 ? "" : "s") + " renamed." : "The ids are shown.")
        + (parsed.unknown.length ? " Not patients of this report: " + parsed.unknown.join(", ") + "." : "")
        + (twice.length ? " One name for several patients: " + twice.join(", ") + "." : "");
      apply(true);
    });
    document.getElementById("rr-names-reset").addEventListener("click", function () {
      setNames(Object.create(null));
      find.value = "";
      message.textContent = "The ids are shown.";
      apply(true);
    });
  }

  // ---------------------------------------------------------------- navigation
  function initNav() {
    var toggle = document.getElementById("rr-nav-toggle");
    var nav = document.getElementById("rr-sidebar");
    function setOpen(open) {
      document.body.classList.toggle("rr-nav-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    toggle.addEventListener("click", function () { setOpen(!document.body.classList.contains("rr-nav-open")); });
    var links = Array.from(nav.querySelectorAll("a"));
    links.forEach(function (a) {
      a.addEventListener("click", function (ev) {
        var target = document.getElementById(a.getAttribute("href").slice(1));
        setOpen(false);
        if (target && (chosen.length || hidden.length || hasNames() || theme())) {
          // Keep the highlighter's state in the address: scroll without changing it.
          ev.preventDefault();
          target.scrollIntoView();
        }
        if (target) {
          var h = target.querySelector("h2");
          if (h) { h.tabIndex = -1; h.focus({ preventScroll: true }); }
        }
      });
    });
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { setOpen(false); } });
    // The current section is marked in the navigation: the last one whose top has
    // passed a third of the window (read on scroll, at most once a frame).
    var sections = Array.from(document.querySelectorAll("section.rr-section"));
    var byId = {};
    links.forEach(function (a) { byId[a.getAttribute("href").slice(1)] = a; });
    var pending = false;
    function mark() {
      pending = false;
      var line = window.innerHeight / 3, current = sections[0];
      sections.forEach(function (sec) { if (sec.getBoundingClientRect().top <= line) { current = sec; } });
      links.forEach(function (a) {
        var on = current && byId[current.id] === a;
        a.classList.toggle("rr-active", on);
        if (on) { a.setAttribute("aria-current", "location"); } else { a.removeAttribute("aria-current"); }
      });
    }
    window.addEventListener("scroll", function () {
      if (!pending) { pending = true; window.requestAnimationFrame(mark); }
    }, { passive: true });
    mark();
  }

  // ---------------------------------------------------------------- theme
  // System, light or dark: the choice is kept in the address with the highlighter's.
  function theme() {
    return document.documentElement.dataset.theme || "";
  }

  function setTheme(value) {
    value = value === "light" || value === "dark" ? value : "";
    if (value) { document.documentElement.dataset.theme = value; } else { delete document.documentElement.dataset.theme; }
    var field = document.getElementById("rr-theme");
    if (field) { field.value = value; }
  }

  function initTheme() {
    var field = document.getElementById("rr-theme");
    if (!field) { return; }
    field.addEventListener("change", function () { setTheme(field.value); writeUrl(); });
  }

  // ---------------------------------------------------------------- accessibility
  // Landmarks need names of their own: a second "Table Genes" is "Table Genes (2)".
  function uniqueRegions() {
    var seen = Object.create(null);
    document.querySelectorAll("[role=region][aria-label]").forEach(function (el) {
      var label = el.getAttribute("aria-label");
      seen[label] = (seen[label] || 0) + 1;
      if (seen[label] > 1) { el.setAttribute("aria-label", label + " (" + seen[label] + ")"); }
    });
  }

  // The heading a box sits under: its own section's last heading before it.
  function headingOf(el) {
    for (var node = el; node && !node.classList.contains("rr-section"); node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[2-6]$/.test(prev.tagName)) { return prev.textContent.trim(); }
      }
    }
    var h2 = node && node.querySelector("h2");
    return h2 ? h2.textContent.trim() : "";
  }

  // A box that scrolls must be reachable by keyboard (WCAG 2.1.1): the boxes that overflow
  // at this width get tabindex=0 and a name; on a wider window they lose them again.
  var SCROLLERS = ".rr-code, .rr-scroll, .rr-chart, .rr-html, .rr-html div, .rr-html pre";

  function focusableScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      var over = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      var added = el.dataset.rrScroller;  // the attributes given here, to take back
      if (over && added === undefined && !el.hasAttribute("tabindex")) {
        var style = getComputedStyle(el);
        if (!/auto|scroll/.test(style.overflowX + " " + style.overflowY)) { return; }
        var mine = ["tabindex"];
        el.tabIndex = 0;
        if (!el.hasAttribute("role")) { el.setAttribute("role", "region"); mine.push("role"); }
        if (!el.hasAttribute("aria-label")) {
          el.setAttribute("aria-label", "Scrolling box: " + (headingOf(el) || "content"));
          mine.push("aria-label");
        }
        el.dataset.rrScroller = mine.join(" ");
      } else if (!over && added !== undefined) {
        added.split(" ").forEach(function (name) { el.removeAttribute(name); });
        delete el.dataset.rrScroller;
      }
    });
    uniqueRegions();
  }

  // A header cell with nothing in it (the corner of a plugin's grid) is no header: it
  // becomes a plain cell, so that no screen reader announces an empty column name.
  function emptyCorners() {
    document.querySelectorAll(".rr-html thead th").forEach(function (th) {
      if (th.textContent.trim() || th.querySelector("img, svg, [aria-label]")) { return; }
      var td = document.createElement("td");
      Array.from(th.attributes).forEach(function (a) { if (a.name !== "scope") { td.setAttribute(a.name, a.value); } });
      td.classList.add("rr-corner");
      td.append.apply(td, Array.from(th.childNodes));
      th.replaceWith(td);
    });
  }

  function initA11y() {
    emptyCorners();
    focusableScrollers();
    // Again when a box changes size: a chart drawn, a window resized.
    var pending = null;
    function later() {
      clearTimeout(pending);
      pending = setTimeout(focusableScrollers, 200);
    }
    window.addEventListener("resize", later);
    if (window.ResizeObserver) {
      var watch = new ResizeObserver(later);
      document.querySelectorAll(".rr-chart").forEach(function (el) { watch.observe(el); });
    }
  }

  // ---------------------------------------------------------------- page weight
  // Tables near the window get their rows at once (before the first paint when the page
  // opens: nothing moves under the reader), the others when they come near it or, one at a
  // time, when the browser is idle. Paper gets every table whole (beforeprint).
  var idle = window.requestIdleCallback || function (fn) { return setTimeout(fn, 16); };
  var printing = false;

  // Each table is made as soon as the parser has read it (the page calls this right after
  // its data): one near the top has its rows before anything is painted below it.
  function nearWindow(el, margin) {
    var box = el.getBoundingClientRect();
    return box.bottom > -margin && box.top < window.innerHeight + margin;
  }

  window.rinecTable = function (id) {
    var el = document.getElementById(id);
    if (!el || el.rrTable) { return; }
    el.rrTable = new Table(el);
    tables.push(el.rrTable);
    if (document.readyState === "loading" && nearWindow(el, 0)) { el.rrTable.show(); }
  };

  function initTables() {
    document.querySelectorAll(".rr-table").forEach(function (el) { window.rinecTable(el.id); });
    var margin = window.innerHeight * 1.5;
    var rest = tables.filter(function (t) {
      if (nearWindow(t.el, margin)) { t.show(); return false; }
      return !t.live;
    });
    if (window.IntersectionObserver) {
      var near = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) { near.unobserve(entry.target); entry.target.rrTable.show(); }
        });
      }, { rootMargin: margin + "px 0px" });
      rest.forEach(function (t) { near.observe(t.el); });
    }
    return new Promise(function (done) {
      function next() {
        var t = rest.shift();
        if (!t) { done(); return; }
        t.show();
        idle(next, { timeout: 250 });
      }
      idle(next, { timeout: 250 });
    });
  }

  function setPrinting(on) {
    if (printing === on) { return; }
    printing = on;
    tables.forEach(function (t) { t.render(); });
  }

  function init() {
    var tablesDone = initTables();
    window.addEventListener("beforeprint", function () { setPrinting(true); });
    window.addEventListener("afterprint", function () { setPrinting(false); });
    if (window.matchMedia) {
      var paper = window.matchMedia("print");
      var onPaper = function (m) { if (m.matches) { setPrinting(true); } };
      if (paper.addEventListener) { paper.addEventListener("change", onPaper); }
    }
    window.rinecTables = tables;  // for the page's own tests
    window.rinecViews = views;
    initNav();
    initTheme();
    initHighlighter();
    initA11y();
    if (document.querySelector(".rr-chart")) { initExport(drawCharts(tablesDone)); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
