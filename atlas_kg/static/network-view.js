// The interactive view of `atlas-kg export --format html|map`: sigma.js network and d3-geo map.
// Data comes from the JSON blocks of the page; every data string is written as text
// (textContent, attributes), never parsed as HTML. `window.atlasView` is for tests.
(function () {
  "use strict";
  var V = window.AtlasVendor;
  var data = JSON.parse(document.getElementById("atlas-data").textContent);
  var world = JSON.parse(document.getElementById("atlas-world").textContent);
  var view = (window.atlasView = { ready: false, layout: "none", data: data });
  var SVGNS = "http://www.w3.org/2000/svg";
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#393b79", "#637939", "#843c39"];
  var OTHER = "#b8b8b8";
  var FADED = "#e4e4e4";

  function $(id) { return document.getElementById(id); }

  // el("a", {href: x}, "text", child...): attributes as attributes, strings as text nodes.
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, String(attrs[k]));
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // Only http(s) IRIs become links (no javascript: or data: URLs from data).
  function link(href, text) {
    if (typeof href === "string" && /^https?:\/\//i.test(href)) {
      return el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, text);
    }
    return el("span", {}, text);
  }

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function number(v) {
    if (typeof v !== "number") return v === undefined || v === null ? "" : String(v);
    if (Number.isInteger(v)) return v.toLocaleString("en");
    return Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en") : v.toPrecision(4);
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // -- tabs ---------------------------------------------------------------------------
  var mapDrawn = false;
  function showTab(name) {
    $("tab-network").setAttribute("aria-selected", String(name === "network"));
    $("tab-map").setAttribute("aria-selected", String(name === "map"));
    $("network").hidden = name !== "network";
    $("network-controls").hidden = name !== "network";
    $("map").hidden = name !== "map";
    $("map-controls").hidden = name !== "map";
    if (name === "map" && !mapDrawn) { drawMap(); mapDrawn = true; }
    if (name === "network" && renderer) { renderer.resize(); renderer.refresh(); }
    view.tab = name;
  }
  $("tab-network").addEventListener("click", function () { showTab("network"); });
  $("tab-map").addEventListener("click", function () { showTab("map"); });
  view.showTab = showTab;

  // -- side panel ---------------------------------------------------------------------
  function partnershipList(indexes) {
    var max = 300;
    var list = el("ol", { id: "partnership-list" });
    indexes.slice(0, max).forEach(function (i) {
      var p = data.partnerships[i];
      var who = p.french.concat(p.foreign).join(" – ");
      list.appendChild(el("li", { "data-iri": p.iri },
        link(p.iri, p.title), " ",
        el("span", { class: "muted" }, [p.year, p.status, p.countries.join(", ")].filter(Boolean).join(" · ")),
        el("br"), el("span", { class: "muted" }, who),
        p.url ? el("span", {}, " ", link(p.url, "[Atlas page]")) : null));
    });
    var box = el("div", {}, el("h3", {}, "Partnerships (" + indexes.length + ")"), list);
    if (indexes.length > max) box.appendChild(el("p", { class: "muted" }, "… and " + (indexes.length - max) + " more"));
    return box;
  }

  function showNode(id) {
    var panel = $("panel");
    clear(panel);
    if (id === null) return;
    var n = nodesById[id];
    panel.appendChild(el("h2", { id: "panel-title" }, n.label));
    panel.appendChild(el("p", {}, (data.kinds[n.kind] || { label: n.kind }).label,
      n.country ? " · " + n.country : "", el("br"), link(n.id, n.id)));
    var table = el("table", {});
    data.metrics.concat(["community", "component", "first_year"]).forEach(function (m) {
      if (n[m] !== undefined) table.appendChild(el("tr", {}, el("td", {}, m.replace(/_/g, " ")), el("td", {}, m === "first_year" ? String(n[m]) : number(n[m]))));
    });
    panel.appendChild(table);
    panel.appendChild(partnershipList(n.p || []));
  }

  function showCountry(c) {
    var panel = $("panel");
    clear(panel);
    panel.appendChild(el("h2", { id: "panel-title" }, c.label));
    panel.appendChild(el("p", {}, number(c.partnerships) + " partnerships · " + number(c.funding) + " EUR",
      el("br"), link(c.iri, c.iri)));
    var indexes = c.p.map(function (iri) { return pIndex[iri]; }).filter(function (i) { return i !== undefined; });
    panel.appendChild(partnershipList(indexes));
  }

  var pIndex = {};
  data.partnerships.forEach(function (p, i) { pIndex[p.iri] = i; });

  // -- network ------------------------------------------------------------------------
  var graph = null, renderer = null, layout = null;
  var nodesById = {};
  var state = { colorBy: "kind", sizeBy: null, year: null, selected: null, neighbours: null };
  var colors = {};

  function paletteFor(key) {
    var counts = {};
    data.nodes.forEach(function (n) { var v = n[key]; if (v !== undefined) counts[v] = (counts[v] || 0) + 1; });
    var top = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
    var map = {};
    top.slice(0, PALETTE.length).forEach(function (v, i) { map[v] = PALETTE[i]; });
    return { map: map, entries: top.slice(0, PALETTE.length).map(function (v) { return [v, map[v], counts[v]]; }), more: top.length > PALETTE.length };
  }

  function colorOf(n) {
    if (state.colorBy === "kind") return (data.kinds[n.kind] || { color: OTHER }).color;
    var key = state.colorBy === "country" ? "country" : "community";
    return colors[key].map[n[key]] || OTHER;
  }

  function applyStyle() {
    var metric = state.sizeBy;
    var max = 0;
    data.nodes.forEach(function (n) { if (typeof n[metric] === "number" && n[metric] > max) max = n[metric]; });
    data.nodes.forEach(function (n) {
      var v = typeof n[metric] === "number" ? n[metric] : 0;
      graph.mergeNodeAttributes(n.id, { size: 2 + 14 * Math.sqrt(max > 0 ? v / max : 0), color: colorOf(n) });
    });
    drawLegend();
    if (renderer) renderer.refresh();
  }

  function drawLegend() {
    var box = $("legend");
    clear(box);
    var entries;
    if (state.colorBy === "kind") {
      var present = {};
      data.nodes.forEach(function (n) { present[n.kind] = true; });
      entries = Object.keys(present).map(function (k) { return [(data.kinds[k] || { label: k }).label, (data.kinds[k] || { color: OTHER }).color]; });
    } else {
      var pal = colors[state.colorBy === "country" ? "country" : "community"];
      entries = pal.entries.map(function (e) { return [(state.colorBy === "community" ? "community " : "") + e[0], e[1]]; });
      if (pal.more) entries.push(["other", OTHER]);
    }
    entries.forEach(function (e) {
      box.appendChild(el("div", {}, el("span", { class: "swatch", style: "background:" + e[1] }), e[0]));
    });
  }

  function visible(n) {
    return state.year === null || (n.first_year !== undefined && n.first_year <= state.year);
  }

  function select(id) {
    state.selected = id;
    state.neighbours = id === null ? null : new Set(graph.neighbors(id));
    showNode(id);
    if (id !== null) {
      var d = renderer.getNodeDisplayData(id);
      var ratio = Math.min(renderer.getCamera().getState().ratio, graph.order > 300 ? 0.3 : 1);
      if (d) renderer.getCamera().animate({ x: d.x, y: d.y, ratio: ratio }, { duration: 300 });
    }
    renderer.refresh();
    view.selected = id;
  }
  view.select = function (id) { select(id); };

  // ForceAtlas2 in a web worker, bounded: a fixed number of iterations (fewer on large
  // graphs) and 20 s at most. The worker iterates once per message; positions reach the
  // graph (and the screen) every 25 iterations only, so drawing never slows the layout.
  var layoutRun = 0;
  function startLayout() {
    if (layout) { layout.terminate(); layout = null; }
    var run = ++layoutRun;
    var n = graph.order;
    var status = $("status");
    if (n < 2) { view.layout = "done"; return; }
    var H = V.fa2Helpers;
    var settings = Object.assign({}, V.fa2Defaults, V.forceAtlas2.inferSettings(graph));
    settings.barnesHutOptimize = n > 1500;
    var maxIterations = n > 8000 ? 150 : n > 2000 ? 300 : 500;
    var done = 0;
    var started = Date.now();
    function finish(how) {
      if (layout) { layout.terminate(); layout = null; }
      view.layout = "done";
      view.layoutIterations = done;
      status.textContent = "layout: " + how + " (" + done + " iterations, " + ((Date.now() - started) / 1000).toFixed(1) + " s)";
      renderer.refresh();
    }
    var matrices = H.graphToByteArrays(graph, function (e, attr) { return attr.weight || 1; });
    try {
      layout = H.createWorker(V.fa2WorkerFunction);
    } catch (err) {
      // No web worker (a browser refusing blob: workers): a short synchronous run.
      done = n > 3000 ? 0 : 60;
      if (done) V.forceAtlas2.assign(graph, { iterations: done, settings: settings });
      finish(done ? "synchronous" : "skipped");
      return;
    }
    layout.addEventListener("message", function (event) {
      if (run !== layoutRun) return;
      var nodes = new Float32Array(event.data.nodes);
      done += 1;
      var last = done >= maxIterations || Date.now() - started > 20000;
      if (last || done % 25 === 0) H.assignLayoutChanges(graph, nodes, null);
      if (last) { finish(done >= maxIterations ? "done" : "stopped after 20 s"); return; }
      layout.postMessage({ settings: settings, nodes: nodes.buffer }, [nodes.buffer]);
    });
    layout.addEventListener("error", function () { finish("failed"); });
    view.layout = "running";
    status.textContent = "layout: running…";
    layout.postMessage({ settings: settings, nodes: matrices.nodes.buffer, edges: matrices.edges.buffer },
      [matrices.nodes.buffer, matrices.edges.buffer]);
  }

  function setupNetwork() {
    graph = new V.Graph({ type: "undirected", multi: false });
    data.nodes.forEach(function (n) {
      nodesById[n.id] = n;
      graph.addNode(n.id, { x: n.x, y: n.y, label: n.label, size: 3, color: OTHER });
    });
    data.edges.forEach(function (e) {
      var a = data.nodes[e[0]].id, b = data.nodes[e[1]].id;
      if (!graph.hasEdge(a, b)) graph.addEdge(a, b, { weight: e[2], year: e[3], size: Math.min(1 + Math.log(e[2]), 4), color: "#cfcfcf" });
    });
    colors.country = paletteFor("country");
    colors.community = paletteFor("community");

    var sizeBy = $("size-by");
    data.metrics.forEach(function (m) { sizeBy.appendChild(el("option", { value: m }, m.replace(/_/g, " "))); });
    state.sizeBy = data.metrics.indexOf("degree") >= 0 ? "degree" : data.metrics[0];
    sizeBy.value = state.sizeBy;
    applyStyle();

    renderer = new V.Sigma(graph, $("sigma"), {
      itemSizesReference: "screen", // sizes in pixels, whatever the layout's scale
      allowInvalidContainer: true, // the layout may update the graph while the map tab hides it
      hideEdgesOnMove: graph.size > 20000,
      labelRenderedSizeThreshold: 8,
      zIndex: true,
      nodeReducer: function (id, attrs) {
        var n = nodesById[id];
        var res = Object.assign({}, attrs);
        if (!visible(n)) { res.hidden = true; return res; }
        if (state.selected !== null) {
          if (id === state.selected) { res.highlighted = true; res.zIndex = 2; }
          else if (state.neighbours.has(id)) { res.zIndex = 1; }
          else { res.color = FADED; res.label = ""; res.zIndex = 0; }
        }
        return res;
      },
      edgeReducer: function (id, attrs) {
        var res = Object.assign({}, attrs);
        var ends = graph.extremities(id);
        if (!visible(nodesById[ends[0]]) || !visible(nodesById[ends[1]]) ||
            (state.year !== null && attrs.year !== null && attrs.year !== undefined && attrs.year > state.year)) {
          res.hidden = true;
        } else if (state.selected !== null && ends.indexOf(state.selected) < 0) {
          res.hidden = true;
        } else if (state.selected !== null) {
          res.color = "#555";
        }
        return res;
      }
    });
    view.graph = graph;
    view.renderer = renderer;
    renderer.on("clickNode", function (e) { select(e.node); });
    renderer.on("clickStage", function () { select(null); });

    $("color-by").addEventListener("change", function (e) { state.colorBy = e.target.value; applyStyle(); });
    sizeBy.addEventListener("change", function (e) { state.sizeBy = e.target.value; applyStyle(); });
    $("relayout").addEventListener("click", startLayout);

    var years = data.nodes.map(function (n) { return n.first_year; }).filter(function (y) { return y !== undefined; });
    var slider = $("year");
    if (years.length) {
      var lo = Math.min.apply(null, years), hi = Math.max.apply(null, years);
      slider.min = lo; slider.max = hi; slider.value = hi; slider.step = 1;
      $("year-label").textContent = hi + " (all)";
      slider.addEventListener("input", function () {
        var y = Number(slider.value);
        state.year = y >= hi ? null : y;
        $("year-label").textContent = state.year === null ? hi + " (all)" : String(y);
        renderer.refresh();
      });
    } else {
      slider.disabled = true;
    }
    setupSearch();
    startLayout();
  }

  function setupSearch() {
    var input = $("search"), box = $("search-results");
    var keys = data.nodes.map(function (n) { return fold(n.label); });
    function matches(q) {
      var out = [];
      for (var i = 0; i < keys.length && out.length < 20; i++) if (keys[i].indexOf(q) >= 0) out.push(data.nodes[i]);
      return out;
    }
    function choose(n) { box.hidden = true; input.value = n.label; select(n.id); }
    input.addEventListener("input", function () {
      var q = fold(input.value.trim());
      clear(box);
      if (!q) { box.hidden = true; return; }
      var found = matches(q);
      found.forEach(function (n) {
        var b = el("button", { type: "button", "data-id": n.id }, n.label, " ",
          el("span", { class: "muted" }, (data.kinds[n.kind] || { label: n.kind }).label + (n.country ? ", " + n.country : "")));
        b.addEventListener("click", function () { choose(n); });
        box.appendChild(b);
      });
      if (!found.length) box.appendChild(el("div", { class: "muted" }, "no match"));
      box.hidden = false;
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var found = matches(fold(input.value.trim()));
        if (found.length) choose(found[0]);
      } else if (e.key === "Escape") { box.hidden = true; }
    });
  }

  // -- map ----------------------------------------------------------------------------
  var mapPaths = {};
  function drawMap() {
    var holder = $("map-svg");
    clear(holder);
    var features = V.feature(world, world.objects.countries).features.filter(function (f) { return f.id !== "010"; });
    var byNumeric = {}, byName = {};
    data.map.countries.forEach(function (c) {
      if (c.numeric) byNumeric[c.numeric] = c;
      if (c.world_name) byName[c.world_name] = c;
    });
    var width = Math.max(holder.clientWidth || 900, 400), height = Math.round(width * 0.5);
    var projection = V.geoNaturalEarth1().fitSize([width, height], { type: "FeatureCollection", features: features });
    var path = V.geoPath(projection);
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    var metric = $("map-metric").value;
    var tooltip = $("tooltip");
    features.forEach(function (f) {
      var c = byNumeric[f.id] || byName[f.properties.name] || null;
      var p = document.createElementNS(SVGNS, "path");
      p.setAttribute("d", path(f) || "");
      p.setAttribute("fill", c ? c.fill[metric] : data.map.no_data);
      p.setAttribute("data-name", f.properties.name);
      if (c) {
        p.setAttribute("data-alpha2", c.alpha2);
        mapPaths[c.alpha2] = { path: p, feature: f };
        p.style.cursor = "pointer";
        p.addEventListener("click", function () { showCountry(c); });
      }
      p.addEventListener("mousemove", function (e) {
        clear(tooltip);
        tooltip.appendChild(el("strong", {}, c ? c.label : f.properties.name));
        if (c) {
          tooltip.appendChild(el("div", {}, number(c.partnerships) + " partnerships · " + number(c.funding) + " EUR"));
          c.p.slice(0, 5).forEach(function (iri) {
            var q = data.partnerships[pIndex[iri]];
            if (q) tooltip.appendChild(el("div", { class: "muted", style: "color:#ddd" }, "• " + q.title));
          });
          if (c.p.length > 5) tooltip.appendChild(el("div", {}, "… click for all " + c.p.length));
        } else {
          tooltip.appendChild(el("div", {}, "no partnership"));
        }
        tooltip.style.left = e.clientX + 14 + "px";
        tooltip.style.top = e.clientY + 14 + "px";
        tooltip.style.display = "block";
      });
      p.addEventListener("mouseleave", function () { tooltip.style.display = "none"; });
      svg.appendChild(p);
    });
    holder.appendChild(svg);
    var legend = $("map-legend");
    clear(legend);
    legend.appendChild(el("span", {}, metric === "funding" ? "EUR:" : "partnerships:"));
    (data.map.legend[metric] || []).forEach(function (s) {
      legend.appendChild(el("span", { class: "box", style: "background:" + s.color }));
      legend.appendChild(el("span", {}, number(s.value)));
    });
    legend.appendChild(el("span", { class: "box", style: "background:" + data.map.no_data }));
    legend.appendChild(el("span", {}, "none"));
    view.mapPath = path;
  }
  $("map-metric").addEventListener("change", function () { drawMap(); });

  // A point inside a country's shape, in page coordinates (for tests and tooltips).
  view.mapPoint = function (alpha2) {
    var entry = mapPaths[alpha2];
    if (!entry) return null;
    var svg = entry.path.ownerSVGElement;
    var box = svg.getBoundingClientRect();
    var k = box.width / Number(svg.getAttribute("width"));
    var c = view.mapPath.centroid(entry.feature);
    var candidates = [[c[0], c[1]]];
    var b = view.mapPath.bounds(entry.feature);
    for (var i = 1; i < 12; i++) for (var j = 1; j < 12; j++) {
      candidates.push([b[0][0] + (b[1][0] - b[0][0]) * i / 12, b[0][1] + (b[1][1] - b[0][1]) * j / 12]);
    }
    for (var t = 0; t < candidates.length; t++) {
      var x = box.left + candidates[t][0] * k, y = box.top + candidates[t][1] * k;
      if (document.elementFromPoint(x, y) === entry.path) return { x: x, y: y, fill: entry.path.getAttribute("fill") };
    }
    return null;
  };

  // -- start --------------------------------------------------------------------------
  $("panel").appendChild(el("p", { class: "muted" }, data.meta.description));
  data.meta.notes.forEach(function (note) { $("panel").appendChild(el("p", { class: "muted" }, note)); });
  if (data.mode === "map") {
    $("tab-network").hidden = true;
    $("tab-map").hidden = true;
    showTab("map");
  } else {
    setupNetwork();
    showTab("network");
  }
  view.ready = true;
})();
