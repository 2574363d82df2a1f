/* geozones map page: parcels (escaped popups), click anywhere, draw and check, search, the
 * opening view, contour labels that never overlap, and the legend.
 *
 * Every answer about the rules comes from GeozonesEval (geozones_eval.js, the pure evaluator
 * that the test suite runs under node against Python), or, on a page served by `geozones serve`
 * (GZ.service set), draw-and-check's from the service's check process (the Python engine),
 * the evaluator answering only when the service cannot; this file only draws, reads input and
 * shows answers.
 * Everything shown in a popup or panel goes through esc(): attribute values are data, never
 * markup. Texts (GZ.t) come from geozones/text/messages in the map's language.
 */
(function () {
  "use strict";
  var EV = window.GeozonesEval;
  L.Control.Scale.mergeOptions({ imperial: false });  // the scale bar in metres only (before folium adds it)

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // GCJ-02 basemaps: the map shows GCJ-02 positions; undo the shift (offset grid computed by
  // coordTransform in Python) before measuring.
  function offsetAt(lat, lon) {
    var g = GZ.gcj, fx = (lon - g.lon0) / g.step, fy = (lat - g.lat0) / g.step;
    var i = Math.min(Math.max(Math.floor(fx), 0), g.nx - 2), j = Math.min(Math.max(Math.floor(fy), 0), g.ny - 2);
    var tx = Math.min(Math.max(fx - i, 0), 1), ty = Math.min(Math.max(fy - j, 0), 1);
    function at(a, b) { return g.d[b * g.nx + a]; }
    var out = [0, 0];
    for (var k = 0; k < 2; k++) {
      out[k] = (1 - tx) * (1 - ty) * at(i, j)[k] + tx * (1 - ty) * at(i + 1, j)[k] +
               (1 - tx) * ty * at(i, j + 1)[k] + tx * ty * at(i + 1, j + 1)[k];
    }
    return out;  // [dlon, dlat]
  }

  function mapToWgs(lat, lon) {
    if (!GZ.gcj) { return [lat, lon]; }
    var wl = lon, wa = lat;
    for (var k = 0; k < 3; k++) { var o = offsetAt(wa, wl); wl = lon - o[0]; wa = lat - o[1]; }
    return [wa, wl];
  }

  /** A GeoJSON geometry drawn on the basemap, in WGS84 (GCJ-02 shift undone). */
  function geometryToWgs(g) {
    function pt(c) { var w = mapToWgs(c[1], c[0]); return [w[1], w[0]]; }
    function walk(c, depth) { return depth === 0 ? pt(c) : c.map(function (x) { return walk(x, depth - 1); }); }
    var depth = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 }[g.type];
    return { type: g.type, coordinates: walk(g.coordinates, depth) };
  }

  // Several stations (geozones map --stations): GZ.network holds one page configuration per
  // station; every answer then comes from EV.checkAll / EV.heightAtAll (each station in its own
  // frame, the worst verdict and the lowest permitted height governing).
  function stationCfg(id) {
    var hit = null;
    (GZ.network || []).forEach(function (c) { if (c.station_id === id) { hit = c; } });
    return hit;
  }

  function stationName(id) { var c = stationCfg(id); return c ? c.name : id; }

  function zoneLabel(r) {
    var c = GZ.network && r.station ? stationCfg(r.station) : null;
    var names = c ? c.zone_names : GZ.t.zones;
    return names[r.zone] || r.zone;
  }

  /** Several stations: which station governs, which are in reach, or that none is. */
  function networkLine(r) {
    if (!GZ.network) { return null; }
    if (!r.station) {
      var near = r.nearest || {};
      return esc(GZ.t.no_station.replace("{name}", stationName(near.station))
        .replace("{km}", near.D === null || near.D === undefined ? "—" : (near.D / 1000).toFixed(1)));
    }
    return esc(GZ.t.station_governing) + ": <b>" + esc(stationName(r.station)) + "</b>" +
      (r.stations.length > 1 ? " · " + esc(GZ.t.stations_in_reach) + ": " +
        esc(r.stations.map(stationName).join(", ")) : "");
  }

  function heightAt(lat, lon, kind) {
    return GZ.network ? EV.heightAtAll(GZ.network, lat, lon, kind || "building")
      : EV.heightAt(GZ, lat, lon, kind || "building");
  }

  /** The approval notice (Art. 14, 15.1) of a result or parcel: "inside" (written consent) or
   *  "maybe" (wind unknown: ask the authority, the upwind general zone's reach [m]); "" else. */
  function consentHtml(c, reach) {
    if (!c || !GZ.t.consent[c]) { return ""; }
    var text = GZ.t.consent[c].replace("{upwind}", reach === null || reach === undefined ? "—"
      : Number(reach).toLocaleString("en-US", { maximumFractionDigits: 2 }));
    return '<div class="gz-consent gz-consent-' + esc(c) + '">' + esc(text) + "</div>";
  }

  function fmt(v) { return v === null || v === undefined || isNaN(v) ? "—" : Number(v).toFixed(2) + " " + GZ.t.unit; }

  function clickPopup(latlng) {
    var w = mapToWgs(latlng.lat, latlng.lng), h = heightAt(w[0], w[1], "building");
    var lines = [
      "<b>" + esc(GZ.t.permitted) + ": " + esc(h.allowed === null ? GZ.t.unlimited : fmt(h.allowed)) + "</b>",
      esc(GZ.t.rule) + ": " + esc(h.rule ? h.rule + " (" + h.article + ")" +
        (h.ruleStation ? " — " + stationName(h.ruleStation) : "") : GZ.t.none),
      esc(GZ.t.zone) + ": " + esc(zoneLabel(h)),
      esc(GZ.t.distance) + ": " + esc(fmt(h.D)) + (h.inSun ? " · " + esc(GZ.t.sun) : "")
    ];
    var net = networkLine(h);
    if (net) { lines.push(net); }
    return '<div class="gz-click">' + lines.join("<br>") + consentHtml(h.consent, h.consentReach) + "</div>";
  }

  function parcelPopup(p) {
    var own = p.st ? stationCfg(p.st) : null;
    var reach = (own || GZ).zones ? (own || GZ).zones.general_upwind : null;
    var rules = (p.r || "").split(",").filter(Boolean).map(function (id) {
      return esc(id) + (GZ.articles[id] ? " — " + esc(GZ.articles[id]) : "");
    });
    return '<div class="gz-parcel"><b>' + esc(p.n) + "</b><br>" +
      esc(GZ.t.verdict) + ": " + esc(GZ.t.verdicts[p.v] || p.v) + "<br>" +
      esc(GZ.t.height) + ": " + esc(fmt(p.h)) + "<br>" +
      esc(GZ.t.permitted) + ": " + esc(p.mh === null ? GZ.t.unlimited : fmt(p.mh)) + "<br>" +
      esc(GZ.t.exceedance) + ": " + esc(fmt(p.ex)) +
      (p.st ? "<br>" + esc(GZ.t.station_governing) + ": " + esc(stationName(p.st)) : "") +
      (rules.length ? "<br>" + esc(GZ.t.rules) + ":<br>" + rules.join("<br>") : "") +
      (p.s && p.s !== "ok" ? "<br>" + esc(p.s) : "") + consentHtml(p.c, reach) + "</div>";
  }

  /** Parcel style by verdict: Okabe-Ito colours, and fail also by a heavy dark outline and
   *  review by a dashed dark-amber one, so the verdict reads without colour too and stands
   *  out against the band fills. */
  function parcelStyle(v) {
    var c = GZ.colors[v] || "#777";
    var s = { color: c, weight: 1, fillColor: c, fillOpacity: 0.55 };
    if (v === "fail") { s.color = "#000"; s.weight = 2.5; }
    if (v === "review") { s.color = GZ.review_outline; s.weight = 2.5; s.dashArray = "4 3"; }
    return s;
  }

  /** Drawn proposals: a colour of their own (GZ.drawn_style), whatever their verdict (the
   *  panel and the popup say it), so a drawing never reads as a screened parcel or a zone. */
  function drawnStyle() {
    var s = {};
    Object.keys(GZ.drawn_style).forEach(function (k) { s[k] = GZ.drawn_style[k]; });
    return s;
  }

  // One canvas, in the parcels pane above the zones, draws the parcels, the drawings and the
  // station markers: a canvas takes every click over it, so one canvas for all that is clickable.
  var topRenderer = null;
  function renderer() {
    if (!topRenderer) { topRenderer = L.canvas({ padding: 0.5, pane: GZ.panes.parcels.name }); }
    return topRenderer;
  }

  // --- contour labels: a greedy placement that never lets two overlap ------------------------
  function placeLabels(map, group) {
    var placed = [], size = map.getSize();
    GZ.labels.forEach(function (lab) {
      var shown = null;
      for (var k = 0; k < lab.at.length && !shown; k++) {
        var p = map.latLngToContainerPoint(lab.at[k]);
        var w = 8 + 7 * String(lab.h).length, h = 14;
        var box = [p.x - w / 2 - 2, p.y - h / 2 - 1, p.x + w / 2 + 2, p.y + h / 2 + 1];
        if (box[2] < 0 || box[3] < 0 || box[0] > size.x || box[1] > size.y) { continue; }
        var clash = placed.some(function (b) { return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]; });
        if (!clash) { shown = lab.at[k]; placed.push(box); }
      }
      if (shown) {
        if (!lab.marker) {
          lab.marker = L.marker(shown, { interactive: false, keyboard: false, icon: L.divIcon({
            className: "", iconSize: null,
            html: '<div class="gz-label" style="color:' + esc(lab.color) + '">' + esc(lab.h) + "</div>" }) });
        }
        lab.marker.setLatLng(shown);
        if (!group.hasLayer(lab.marker)) { group.addLayer(lab.marker); }
      } else if (lab.marker && group.hasLayer(lab.marker)) {
        group.removeLayer(lab.marker);
      }
    });
  }

  // --- draw and check -----------------------------------------------------------------------
  // A drawing's coordinates go to the evaluator and the service unrounded (toGeoJSON(false)):
  // Leaflet's default, 6 decimals, moves a vertex by up to 0.1 m.
  function checkLayer(layer) {
    var props = layer.gz;
    var geometry = geometryToWgs(layer.toGeoJSON(false).geometry);
    var r = GZ.network ? EV.checkAll(GZ.network, geometry, props.kind, props.height)
      : EV.check(GZ, geometry, props.kind, props.height);
    r.geometry = geometry;
    props.result = r;
    return r;
  }

  function resultHtml(r, kind) {
    var c = [];
    (function walk(x) { if (typeof x[0] === "number") { c.push(x); } else { x.forEach(walk); } })(r.geometry.coordinates);
    var inPilot = (GZ.pilots || []).filter(function (p) {
      return c.some(function (x) { return x[0] >= p.bbox[0] && x[0] <= p.bbox[2] && x[1] >= p.bbox[1] && x[1] <= p.bbox[3]; });
    });
    var rows = [
      '<div class="gz-verdict gz-v-' + esc(r.verdict) + '">' + esc(GZ.t.verdicts[r.verdict] || r.verdict) + "</div>",
      esc(GZ.t.permitted) + ": <b>" + esc(r.maxHeight === null ? GZ.t.unlimited : fmt(r.maxHeight)) + "</b>",
      esc(GZ.t.exceedance) + ": " + esc(fmt(r.exceedance)),
      esc(GZ.t.distance) + ": " + esc(fmt(r.D)) + (r.inSun ? " · " + esc(GZ.t.sun) : ""),
      esc(GZ.t.zone) + ": " + esc(zoneLabel(r)) + " · " + esc(GZ.t.kinds[kind] || kind)
    ];
    var net = networkLine(r);
    if (net) { rows.push(net); }
    var rules = r.findings.map(function (f) {
      var own = f.station ? stationCfg(f.station) : null;
      var q = (own ? own.quotes : GZ.quotes)[f.id] || ["", ""];
      return '<li class="gz-f-' + esc(f.outcome) + '"><b>' + esc(GZ.t.verdicts[f.outcome] || f.outcome) + "</b> " +
        (own ? esc(own.name) + ": " : "") + esc(f.id) + " — " + esc(f.article) +
        (f.allowed !== null ? " · " + esc(GZ.t.permitted) + " " + esc(fmt(f.allowed)) : "") +
        '<br><span class="gz-quote">“' + esc(q[0]) + "”</span>" +
        (q[1] ? '<br><span class="gz-quote-tr">' + esc(q[1]) + "</span>" : "") + "</li>";
    });
    return rows.join("<br>") + consentHtml(r.consent, r.consentReach) +
      '<div class="gz-rules-head">' + esc(GZ.t.rules) + ":</div>" +
      (rules.length ? "<ul>" + rules.join("") + "</ul>" : "<div>" + esc(GZ.t.no_rules) + "</div>") +
      (inPilot.length ? '<div class="gz-note">' + esc(GZ.t.pilot_note) + "</div>" : "");
  }

  // --- the service's answer (a served page: GZ.service) --------------------------------------
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
  }

  function num(v, digits) {
    return Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  /** The sun figures of the service's answer (`sunshine`), the rows `geozones check` prints. */
  function sunRows(s) {
    if (!s) { return []; }
    var head = esc(GZ.t.sun_blocked) + ": ";
    if (s.covers_recorder) { return [head + esc(GZ.t.sun_covers)]; }
    if (!s.sun_blocked_min_per_year) { return [head + esc(GZ.t.sun_none)]; }
    return [head + esc(fill(GZ.t.sun_blocked_value, { minutes: num(s.sun_blocked_min_per_year, 0),
                                                      hours: num(s.sunshine_loss_h_per_year, 2) })),
            esc(fill(GZ.t.sun_when, { first: s.first_date, last: s.last_date, days: s.days, earliest: s.earliest_time,
                                      latest: s.latest_time, month: s.worst_month }))];
  }

  function findingHtml(f) {
    var quote = f.quote_zh || f.quote, tr = GZ.lang !== "zh" && f.quote_en && f.quote_en !== quote ? f.quote_en : "";
    return '<li class="gz-f-' + esc(f.severity) + '"><b>' + esc(GZ.t.verdicts[f.severity] || f.severity) + "</b> " +
      (f.station ? esc(stationName(f.station)) + ": " : "") + esc(f.rule) + " — " + esc(f.article) +
      (f.allowed_height_m !== null && f.allowed_height_m !== undefined
        ? " · " + esc(GZ.t.permitted) + " " + esc(fmt(f.allowed_height_m)) : "") +
      (f.message ? "<br>" + esc(f.message) : "") +
      (quote ? '<br><span class="gz-quote">“' + esc(quote) + "”</span>" : "") +
      (tr ? '<br><span class="gz-quote-tr">' + esc(tr) + "</span>" : "") + "</li>";
  }

  /** The service's answer (the JSON of `geozones check --json`), headed as the engine's. */
  function serviceHtml(doc, kind) {
    var rows = [
      '<div class="gz-engine">' + esc(GZ.t.engine) + "</div>",
      '<div class="gz-verdict gz-v-' + esc(doc.verdict) + '">' + esc(GZ.t.verdicts[doc.verdict] || doc.verdict) + "</div>",
      esc(GZ.t.permitted) + ": <b>" + esc(doc.max_height_m === null ? GZ.t.unlimited : fmt(doc.max_height_m)) + "</b>",
      esc(GZ.t.exceedance) + ": " + esc(fmt(doc.exceedance_m)),
      esc(GZ.t.distance) + ": " + esc(fmt(doc.distance_m)) + (doc.in_sun_sector ? " · " + esc(GZ.t.sun) : ""),
      esc(GZ.t.zone) + ": " + esc(zoneLabel({ zone: doc.zone, station: doc.station })) + " · " +
        esc(GZ.t.kinds[doc.kind || kind] || doc.kind || kind)
    ].concat(sunRows(doc.sunshine));
    var findings = (doc.findings || []).concat(doc.pilot && doc.pilot.findings ? doc.pilot.findings : []);
    var notices = (doc.notices || []).map(function (n) { return "<li>" + esc(n) + "</li>"; });
    return rows.join("<br>") +
      '<div class="gz-rules-head">' + esc(GZ.t.rules) + ":</div>" +
      (findings.length ? "<ul>" + findings.map(findingHtml).join("") + "</ul>" : "<div>" + esc(GZ.t.no_rules) + "</div>") +
      (notices.length ? '<div class="gz-rules-head">' + esc(GZ.t.notices) + ':</div><ul class="gz-notices">' +
        notices.join("") + "</ul>" : "");
  }

  /** POST one drawing to the check process: a promise of the answer (the JSON of
   *  `geozones check --json`), rejected with a sentence in the page's language: the detail of
   *  the service's exception document, or that the service cannot be reached. The session
   *  cookie (a token-guarded server) goes along by itself: same origin. */
  function askService(geometry, gz) {
    var inputs = { footprint: geometry, crs: "EPSG:4326", kind: gz.kind || "building", lang: GZ.lang };
    if (gz.height !== null && gz.height !== undefined) { inputs.height_m = gz.height; }
    var sep = GZ.service.check.indexOf("?") < 0 ? "?" : "&";
    return fetch(GZ.service.check + sep + "lang=" + encodeURIComponent(GZ.lang), {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ inputs: inputs })
    }).then(function (res) {
      return res.text().then(function (text) {
        var doc = null;
        try { doc = JSON.parse(text); } catch (e) { doc = null; }
        if (res.ok && doc && doc.verdict) { return doc; }
        throw { detail: (doc && (doc.detail || doc.description)) || res.status + " " + res.statusText };
      });
    }).catch(function (e) {
      throw (e && typeof e.detail === "string") ? e.detail : GZ.t.engine_unreachable;
    });
  }

  function drawControl(map, drawn) {
    var panel = L.control({ position: "topleft" });
    panel.onAdd = function () {
      var div = L.DomUtil.create("div", "gz-panel gz-draw");
      var kinds = Object.keys(GZ.t.kinds).map(function (k) {
        return '<option value="' + esc(k) + '">' + esc(GZ.t.kinds[k]) + "</option>";
      }).join("");
      div.classList.add("gz-collapsed");
      div.innerHTML = '<button type="button" class="gz-panel-head gz-toggle">' + esc(GZ.t.draw_title) + "</button>" +
        '<div class="gz-draw-body"><div class="gz-hint">' + esc(GZ.t.draw_hint) + "</div>" +
        "<label>" + esc(GZ.t.kind) + ' <select id="gz-kind">' + kinds + "</select></label> " +
        "<label>" + esc(GZ.t.height) + ' <input id="gz-height" type="number" min="0" step="0.1" style="width:5em"> ' +
        esc(GZ.t.unit) + "</label>" +
        '<div id="gz-result"></div>' +
        '<button type="button" id="gz-export">' + esc(GZ.t.export) + "</button> " +
        '<button type="button" id="gz-clear">' + esc(GZ.t.clear) + "</button></div>";
      div.querySelector(".gz-toggle").addEventListener("click", function () { div.classList.toggle("gz-collapsed"); });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    panel.addTo(map);
    var panelDiv = panel.getContainer();
    var kindBox = document.getElementById("gz-kind"), heightBox = document.getElementById("gz-height");
    var out = document.getElementById("gz-result");
    function readInputs() {
      var h = parseFloat(heightBox.value);
      return { kind: kindBox.value || "building", height: isNaN(h) || h < 0 ? null : h };
    }
    var current = null, asked = 0;   // asked: the latest request; an older answer arriving late is not shown
    function shown(layer, html, r, mine) {
      layer.gz.html = html;
      if (layer.isPopupOpen && layer.isPopupOpen()) { layer.getPopup().setContent('<div class="gz-drawn">' + html + "</div>"); }
      if (mine === asked) { out.innerHTML = html; window.geozones.lastCheck = r; }
      return r;
    }
    function show(layer) {
      var mine = ++asked, kind = layer.gz.kind;
      layer.setStyle && layer.setStyle(drawnStyle());
      layer.bindPopup(function () { return '<div class="gz-drawn">' + layer.gz.html + "</div>"; }, { maxWidth: 380 });
      if (!GZ.service) { var r = checkLayer(layer); return shown(layer, resultHtml(r, kind), r, mine); }
      var geometry = geometryToWgs(layer.toGeoJSON(false).geometry);
      shown(layer, '<div class="gz-engine-asking">' + esc(GZ.t.engine_asking) + "</div>", null, mine);
      window.geozones.asking = (window.geozones.asking || 0) + 1;
      return askService(geometry, layer.gz).then(function (doc) {
        doc.geometry = geometry;
        doc.source = "service";
        layer.gz.result = doc;
        return shown(layer, serviceHtml(doc, kind), doc, mine);
      }, function (detail) {
        var r = checkLayer(layer);
        r.source = "offline";
        r.serviceError = detail;
        return shown(layer, '<div class="gz-engine-failed">' + esc(fill(GZ.t.engine_failed, { detail: detail })) +
                     "</div>" + resultHtml(r, kind), r, mine);
      }).then(function (r) { window.geozones.asking -= 1; return r; });
    }
    function recheck() { if (current) { var i = readInputs(); current.gz.kind = i.kind; current.gz.height = i.height; show(current); } }
    kindBox.addEventListener("change", recheck);
    heightBox.addEventListener("input", recheck);
    map.on(L.Draw.Event.CREATED, function (e) {
      var layer = e.layer;
      layer.gz = readInputs();
      panelDiv.classList.remove("gz-collapsed");
      drawn.addLayer(layer);
      current = layer;
      show(layer);
      layer.on("click", function () {
        current = layer; kindBox.value = layer.gz.kind;
        heightBox.value = layer.gz.height === null ? "" : layer.gz.height;
        show(layer);
      });
    });
    document.getElementById("gz-clear").addEventListener("click", function () {
      drawn.clearLayers(); current = null; out.innerHTML = ""; asked += 1;
    });
    document.getElementById("gz-export").addEventListener("click", function () {
      var blob = new Blob([JSON.stringify(exportDrawing(drawn), null, 1)], { type: "application/geo+json" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "geozones-drawing.geojson";
      document.body.appendChild(a); a.click(); document.body.removeChild(a);
    });
    var shape = drawnStyle();
    shape.renderer = renderer();
    var point = drawnStyle();
    point.renderer = renderer();
    point.radius = 7;
    map.addControl(new L.Control.Draw({
      position: "topleft",
      draw: { polyline: { shapeOptions: shape },
              polygon: { allowIntersection: false, showArea: false, shapeOptions: shape },
              rectangle: { showArea: false, shapeOptions: shape },
              circle: false, marker: false, circlemarker: point },
      edit: false
    }));
  }

  /** The drawn proposals as GeoJSON (WGS84), each with its kind, height and the answer (the
   *  service's, `answered_by: "service"`, or the page's own, `"page"`). */
  function exportDrawing(drawn) {
    var features = [];
    drawn.eachLayer(function (layer) {
      var r = layer.gz.result || checkLayer(layer);
      if (r.source === "service") {
        features.push({ type: "Feature", geometry: r.geometry, properties: {
          kind: layer.gz.kind, height_m: layer.gz.height, verdict: r.verdict, zone: r.zone,
          distance_m: r.distance_m, sun_distance_m: r.sun_distance_m, max_height_m: r.max_height_m,
          exceedance_m: r.exceedance_m,
          rules: (r.findings || []).map(function (f) { return f.rule + " (" + f.article + "): " + f.severity; }).join("; "),
          station: r.station, consent: r.consent || null, answered_by: "service" } });
        return;
      }
      var props = { answered_by: "page",
        kind: layer.gz.kind, height_m: layer.gz.height, verdict: r.verdict, zone: r.zone,
        distance_m: r.D, sun_distance_m: r.sunD, max_height_m: r.maxHeight, exceedance_m: r.exceedance,
        rules: r.findings.map(function (f) {
          return (f.station ? f.station + ": " : "") + f.id + " (" + f.article + "): " + f.outcome;
        }).join("; "),
        station: GZ.network ? r.station : GZ.station_id, consent: r.consent || null };
      if (GZ.network) { props.stations = r.stations.join(","); }
      features.push({ type: "Feature", geometry: r.geometry, properties: props });
    });
    return { type: "FeatureCollection", features: features };
  }

  // --- search ----------------------------------------------------------------------------------
  function featureBounds(f) {
    var lats = [], lons = [];
    (function walk(c) { if (typeof c[0] === "number") { lons.push(c[0]); lats.push(c[1]); } else { c.forEach(walk); } })(f.geometry.coordinates);
    return L.latLngBounds([Math.min.apply(null, lats), Math.min.apply(null, lons)],
                          [Math.max.apply(null, lats), Math.max.apply(null, lons)]);
  }

  function searchControl(map) {
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "gz-panel gz-search");
      var names = GZ_PARCELS.features.length <= 5000 ? GZ_PARCELS.features.map(function (f) {
        return '<option value="' + esc(f.properties.n) + '">';
      }).join("") : "";
      div.innerHTML = '<input id="gz-q" type="search" list="gz-names" placeholder="' + esc(GZ.t.search) + '">' +
        '<datalist id="gz-names">' + names + '</datalist><span id="gz-q-msg"></span>';
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    ctl.addTo(map);
    var box = document.getElementById("gz-q"), msg = document.getElementById("gz-q-msg");
    function find(q) {
      q = q.trim();
      if (!q) { return null; }
      var lower = q.toLowerCase(), exact = null, partial = null;
      GZ_PARCELS.features.forEach(function (f) {
        var n = String(f.properties.n);
        if (!exact && n === q) { exact = f; }
        if (!partial && n.toLowerCase().indexOf(lower) >= 0) { partial = f; }
      });
      return exact || partial;
    }
    function go() {
      var f = find(box.value);
      msg.textContent = f ? "" : " " + GZ.t.not_found;
      if (!f) { return; }
      map.fitBounds(featureBounds(f), { maxZoom: 17, animate: false });
      var hit = null;
      if (window.geozones.parcels) {
        window.geozones.parcels.eachLayer(function (l) { if (l.feature === f || l.feature.properties === f.properties) { hit = l; } });
      }
      if (hit) { hit.openPopup(); }
      else { L.popup().setLatLng(featureBounds(f).getCenter()).setContent(parcelPopup(f.properties)).openOn(map); }
      window.geozones.found = f.properties.n;
    }
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(); } });
    box.addEventListener("change", go);
    window.geozones.search = function (q) { box.value = q; go(); };
  }

  // --- opening view: fit the parcels, and say when they lie in several places ---------------
  function legendPadding() {  // keep the parcels clear of the legend (right) and the places note (bottom)
    var el = document.querySelector(".gz-legend");
    return [el ? el.offsetWidth + 20 : 20, 20];
  }

  function openingView(map) {
    var groups = GZ.groups || [];
    var start = GZ.view;
    if (groups.length) { start = groups[0].bounds; }
    if (groups.length > 1) {  // a note with a button per place, at the top of the legend panel
      var div = document.createElement("div");
      div.className = "gz-places";
      div.innerHTML = "<b>" + esc(GZ.t.places) + "</b>" + groups.map(function (g, i) {
        return '<div><button type="button" data-i="' + i + '">' + esc(GZ.t.show) + "</button> " + esc(g.label) + "</div>";
      }).join("");
      div.querySelectorAll("button").forEach(function (b) {
        b.addEventListener("click", function () {
          map.fitBounds(groups[+b.getAttribute("data-i")].bounds,
                        { paddingTopLeft: [60, 20], paddingBottomRight: legendPadding(), animate: false });
        });
      });
      var legend = document.getElementById("gz-legend");
      legend.insertBefore(div, legend.firstChild);
    }
    map.fitBounds(start, { paddingTopLeft: [60, 20], paddingBottomRight: legendPadding(), animate: false });
    keepStationsClear(map);
  }

  /** Pan the view so that no station marker in view lies under the legend (top right). */
  function keepStationsClear(map) {
    var el = document.querySelector(".gz-legend");
    if (!el) { return; }
    var box = map.getContainer().getBoundingClientRect(), lb = el.getBoundingClientRect(), size = map.getSize();
    var left = lb.left - box.left - 40, bottom = lb.bottom - box.top + 16, dx = 0;
    (GZ.network || [GZ]).forEach(function (c) {
      var p = map.latLngToContainerPoint(c.station.shown);
      if (p.x > left && p.x < size.x && p.y > 0 && p.y < bottom) { dx = Math.max(dx, p.x - left); }
    });
    if (dx > 0) { map.panBy([dx, 0], { animate: false }); }
  }

  function legendControl(map) {
    var ctl = L.control({ position: "topright" });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "gz-panel gz-legend");
      div.id = "gz-legend";
      // the legend's HTML was built and escaped in Python (geozones/maps.py)
      div.innerHTML = '<button type="button" class="gz-legend-toggle" title="' + esc(GZ.t.legend) + '">' +
        esc(GZ.t.legend) + "</button>" + '<div class="gz-legend-body">' + GZ.legend + "</div>";
      if (map.getSize().x < GZ.legend_collapse_below) { div.classList.add("gz-collapsed"); }
      div.querySelector(".gz-legend-toggle").addEventListener("click", function () {
        div.classList.toggle("gz-collapsed");
        if (!div.classList.contains("gz-collapsed")) { keepStationsClear(map); }
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    ctl.addTo(map);
  }

  window.geozones = { esc: esc, heightAt: heightAt, mapToWgs: mapToWgs, clickPopup: clickPopup,
                      parcelPopup: parcelPopup, resultHtml: resultHtml, serviceHtml: serviceHtml,
                      exportDrawing: exportDrawing, evaluator: EV };

  window.geozonesInit = function (map, parcelGroup, stationGroup, contourGroup, drawnGroup) {
    window.geozones.map = map;
    window.geozones.drawnGroup = drawnGroup;
    if (GZ.draw_local && L.drawLocal) {  // Leaflet.draw's own texts in the map's language
      (function merge(into, from) {
        Object.keys(from).forEach(function (k) {
          if (typeof from[k] === "object") { into[k] = into[k] || {}; merge(into[k], from[k]); } else { into[k] = from[k]; }
        });
      })(L.drawLocal, GZ.draw_local);
    }
    var zin = document.querySelector(".leaflet-control-zoom-in"), zout = document.querySelector(".leaflet-control-zoom-out");
    if (zin) { zin.title = GZ.t.zoom_in; zin.setAttribute("aria-label", GZ.t.zoom_in); }
    if (zout) { zout.title = GZ.t.zoom_out; zout.setAttribute("aria-label", GZ.t.zoom_out); }
    legendControl(map);
    if (stationGroup) {
      // facts were HTML-escaped in Python (geozones/maps.py) and contain only <b> and <br>
      (GZ.network || [GZ]).forEach(function (c) {
        L.circleMarker(c.station.shown, { radius: 6, color: "#000", fillColor: "#000", fillOpacity: 1,
                                          renderer: renderer() })
          .bindPopup(c.station.facts, { maxWidth: 360 }).addTo(stationGroup);
      });
    }
    map.on("click", function (e) {
      if (window.geozones.drawing) { return; }
      L.popup().setLatLng(e.latlng).setContent(clickPopup(e.latlng)).openOn(map);
    });
    if (drawnGroup && L.Control.Draw) {
      map.on(L.Draw.Event.DRAWSTART, function () { window.geozones.drawing = true; });
      map.on(L.Draw.Event.DRAWSTOP, function () { setTimeout(function () { window.geozones.drawing = false; }, 0); });
      drawControl(map, drawnGroup);
    }
    if (parcelGroup && GZ_PARCELS && GZ_PARCELS.features.length) {
      searchControl(map);
      var buildParcels = function () {
        return L.geoJSON(GZ_PARCELS, {
          renderer: renderer(),
          style: function (f) { return parcelStyle(f.properties.v); },
          pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 4, renderer: renderer() }); },
          onEachFeature: function (f, layer) {
            layer.bindPopup(function () { return parcelPopup(f.properties); });
            layer.bindTooltip(function () { return esc(f.properties.n); }, { sticky: true });
          }
        });
      };
      if (!GZ.overview) {
        window.geozones.parcels = buildParcels().addTo(parcelGroup);
      } else {
        // Many parcels: an image at overview zooms; the vector parcels (and their popups)
        // from GZ.overview.min_zoom up, where the canvas only draws the few in view.
        var image = L.imageOverlay(GZ.overview.url, GZ.overview.bounds, { opacity: 0.85, pane: GZ.panes.parcels.name });
        var sync = function () {
          var near = map.getZoom() >= GZ.overview.min_zoom;
          if (near) {
            if (!window.geozones.parcels) { window.geozones.parcels = buildParcels(); }
            if (parcelGroup.hasLayer(image)) { parcelGroup.removeLayer(image); }
            if (!parcelGroup.hasLayer(window.geozones.parcels)) { parcelGroup.addLayer(window.geozones.parcels); }
          } else {
            if (window.geozones.parcels && parcelGroup.hasLayer(window.geozones.parcels)) {
              parcelGroup.removeLayer(window.geozones.parcels);
            }
            if (!parcelGroup.hasLayer(image)) { parcelGroup.addLayer(image); }
          }
        };
        map.on("zoomend", sync);
        sync();
      }
    }
    if (stationGroup) { stationGroup.eachLayer(function (l) { l.bringToFront(); }); }  // over the parcels
    openingView(map);
    if (contourGroup) {
      var relabel = function () { if (map.hasLayer(contourGroup)) { placeLabels(map, contourGroup); } };
      map.on("zoomend moveend overlayadd", relabel);
      relabel();
    }
  };
})();
