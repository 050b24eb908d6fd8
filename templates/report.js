/* rinec-report page behaviour: charts, tables, the patient highlighter.
   Everything the page needs is in this file and the inline data; it makes no request. */
(function () {
  "use strict";
  var views = [];
  var tables = [];
  var chosenPatient = null;

  function payload(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  // ---------------------------------------------------------------- charts
  function drawCharts() {
    var embed = window.vegaEmbed;
    document.querySelectorAll(".rr-chart").forEach(function (el) {
      var spec = payload(el.id + "-spec");
      embed(el, spec, {
        renderer: el.dataset.renderer || "svg",
        actions: { export: true, source: false, compiled: false, editor: false },
        downloadFileName: el.dataset.name
      }).then(function (result) {
        views.push(result.view);
        el.dataset.rendered = "1";
        if (chosenPatient !== null) { setSignal(result.view, chosenPatient); }
      }).catch(function (err) {
        el.classList.add("rr-chart-error");
        el.textContent = "This chart could not be drawn: " + err.message;
        el.dataset.rendered = "error";
      });
    });
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

  function setSignal(view, value) {
    try {
      view.signal("rinec_patient", chartValue(value)).runAsync();
    } catch (e) {
      /* a chart without the parameter simply does not take part */
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

  function compare(a, b) {
    var an = a === null || a === undefined || a === "", bn = b === null || b === undefined || b === "";
    if (an || bn) { return an && bn ? 0 : (an ? 1 : -1); }
    if (isNumber(a) && isNumber(b)) { return a - b; }
    return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
  }

  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function Table(el) {
    this.el = el;
    this.data = payload(el.id + "-data");
    this.sortCol = null;
    this.sortDir = 1;
    this.query = "";
    this.filterValues = Object.create(null);  // keyed by column names from the input
    this.page = 0;
    this.build();
    this.render();
  }

  Table.prototype.build = function () {
    var self = this, d = this.data;
    var tools = document.createElement("div");
    tools.className = "rr-table-tools";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "Search";
    search.setAttribute("aria-label", "Search the table");
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
    csv.textContent = "Download CSV";
    csv.addEventListener("click", function () { self.download(); });
    tools.appendChild(csv);
    this.count = document.createElement("span");
    this.count.className = "rr-table-count";
    tools.appendChild(this.count);
    this.el.appendChild(tools);

    var wrap = document.createElement("div");
    wrap.className = "rr-table-wrap";
    var table = document.createElement("table");
    var thead = document.createElement("thead");
    var tr = document.createElement("tr");
    this.headers = d.titles.map(function (title, i) {
      var th = document.createElement("th");
      th.textContent = title;
      th.title = "Sort by " + title;
      th.addEventListener("click", function () {
        if (self.sortCol === i) { self.sortDir = -self.sortDir; } else { self.sortCol = i; self.sortDir = 1; }
        self.render();
      });
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
  };

  Table.prototype.visibleRows = function () {
    var self = this, d = this.data, q = this.query;
    var rows = d.rows.filter(function (r) {
      for (var col in self.filterValues) {
        if (self.filterValues[col] && show(r[col]) !== self.filterValues[col]) { return false; }
      }
      if (!q) { return true; }
      return r.some(function (v) { return show(v).toLowerCase().indexOf(q) !== -1; });
    });
    if (this.sortCol !== null) {
      var c = this.sortCol, dir = this.sortDir;
      rows = rows.slice().sort(function (a, b) { return dir * compare(a[c], b[c]); });
    }
    return rows;
  };

  Table.prototype.render = function () {
    var self = this, d = this.data;
    var rows = this.visibleRows();
    var PAGE = d.pageSize || rows.length || 1;
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    if (this.page >= pages) { this.page = pages - 1; }
    this.headers.forEach(function (th, i) {
      if (i === self.sortCol) { th.setAttribute("aria-sort", self.sortDir > 0 ? "ascending" : "descending"); }
      else { th.removeAttribute("aria-sort"); }
    });
    var frag = document.createDocumentFragment();
    rows.slice(this.page * PAGE, (this.page + 1) * PAGE).forEach(function (r) {
      var tr = document.createElement("tr");
      if (d.patient !== null && chosenPatient !== null && String(r[d.patient]) === chosenPatient) {
        tr.className = "rr-hl";
      }
      r.forEach(function (v) {
        var td = document.createElement("td");
        td.textContent = show(v);
        if (isNumber(v)) { td.className = "rr-num"; }
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    this.tbody.replaceChildren(frag);
    var note = d.total > d.rows.length ? " (the page holds the first " + d.rows.length + " of " + d.total + "; the exported table has all)" : "";
    this.count.textContent = rows.length + " of " + d.rows.length + " rows" + note;
    this.pager.replaceChildren();
    if (pages > 1) {
      var prev = document.createElement("button"), next = document.createElement("button"), label = document.createElement("span");
      prev.type = next.type = "button";
      prev.textContent = "Previous"; next.textContent = "Next";
      prev.disabled = this.page === 0; next.disabled = this.page >= pages - 1;
      prev.addEventListener("click", function () { self.page -= 1; self.render(); });
      next.addEventListener("click", function () { self.page += 1; self.render(); });
      label.textContent = " page " + (this.page + 1) + " of " + pages + " ";
      this.pager.append(prev, label, next);
    }
  };

  Table.prototype.download = function () {
    var d = this.data;
    var lines = [d.columns.map(csvCell).join(",")];
    this.visibleRows().forEach(function (r) { lines.push(r.map(csvCell).join(",")); });
    var blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = d.name + ".csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  };

  // ---------------------------------------------------------------- highlighter
  function choosePatient(value) {
    chosenPatient = value === "" ? null : value;
    views.forEach(function (v) { setSignal(v, chosenPatient); });
    tables.forEach(function (t) { t.render(); });
  }

  function init() {
    document.querySelectorAll(".rr-table").forEach(function (el) { tables.push(new Table(el)); });
    var select = document.getElementById("rr-patient");
    if (select) { select.addEventListener("change", function () { choosePatient(select.value); }); }
    if (window.vegaEmbed) { drawCharts(); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
