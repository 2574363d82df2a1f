/* geozones map script: parcels (escaped popups) and "click anywhere" permitted height.
 *
 * The permitted height at a point is computed here from the station file's own rule rows
 * (GZ.rules), exactly as geozones/rules.py evaluates them for a point-sized building:
 *   position  -> station-centred azimuthal equidistant x, y (Vincenty's inverse on GRS80:
 *                distance and azimuth from the field centre, exact to well under 1 mm here)
 *   D         -> distance to the (rotated) 25 m field square
 *   rules     -> band / sun_sector / general / protected, limits forbid / ratio / angle / fixed;
 *                thresholds with the station's tolerance (GZ.tolerance [m]); a rule's "kinds"
 *                is already expanded from its families; with the wind unknown, general and
 *                protected rules also apply (review) out to the upwind reach (maybeUpwind)
 * Everything shown in a popup goes through esc(): attribute values are data, never markup.
 */
(function () {
  "use strict";

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // --- geodesy ----------------------------------------------------------------------------
  var A = 6378137.0, F = 1 / 298.257222101, B = A * (1 - F);  // GRS80
  var RAD = Math.PI / 180;

  function vincentyInverse(lat1, lon1, lat2, lon2) {
    var L = (lon2 - lon1) * RAD;
    var U1 = Math.atan((1 - F) * Math.tan(lat1 * RAD));
    var U2 = Math.atan((1 - F) * Math.tan(lat2 * RAD));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L, prev, iter = 0, sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM, sinLambda, cosLambda;
    do {
      sinLambda = Math.sin(lambda); cosLambda = Math.cos(lambda);
      sinSigma = Math.sqrt(Math.pow(cosU2 * sinLambda, 2) +
                           Math.pow(cosU1 * sinU2 - sinU1 * cosU2 * cosLambda, 2));
      if (sinSigma === 0) { return { s: 0, az: 0 }; }
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      var sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
      cosSqAlpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cosSqAlpha !== 0 ? cosSigma - 2 * sinU1 * sinU2 / cosSqAlpha : 0;
      var C = F / 16 * cosSqAlpha * (4 + F * (4 - 3 * cosSqAlpha));
      prev = lambda;
      lambda = L + (1 - C) * F * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - prev) > 1e-13 && ++iter < 200);
    var uSq = cosSqAlpha * (A * A - B * B) / (B * B);
    var bigA = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    var bigB = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    var dSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
      bigB / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    var s = B * bigA * (sigma - dSigma);
    var az = Math.atan2(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda);
    return { s: s, az: az };
  }

  function toLocal(lat, lon) {
    var r = vincentyInverse(GZ.station.lat, GZ.station.lon, lat, lon);
    return { x: r.s * Math.sin(r.az), y: r.s * Math.cos(r.az) };
  }

  function fenceDistance(x, y) {
    var t = GZ.field.rotation_deg * RAD;  // the square is turned clockwise by t
    var u = x * Math.cos(t) - y * Math.sin(t), v = x * Math.sin(t) + y * Math.cos(t);
    var dx = Math.max(Math.abs(u) - GZ.field.half, 0), dy = Math.max(Math.abs(v) - GZ.field.half, 0);
    return Math.sqrt(dx * dx + dy * dy);
  }

  function azimuth(x, y) { return ((Math.atan2(x, y) / RAD) % 360 + 360) % 360; }

  function within(az, start, end) {
    var a = ((az - start) % 360 + 360) % 360, w = ((end - start) % 360 + 360) % 360;
    return a <= w;
  }

  // --- rules (the station file's rows) ------------------------------------------------------
  function measure(lat, lon) {
    var p = toLocal(lat, lon), D = fenceDistance(p.x, p.y), az = azimuth(p.x, p.y);
    var r = Math.sqrt(p.x * p.x + p.y * p.y);
    var inSun = r <= GZ.sun_radius && GZ.sun.some(function (s) { return within(az, s[0], s[1]); });
    var z = GZ.zones, tol = GZ.tolerance || 0, inProtected = D <= z.general + tol;
    if (!inProtected && z.upwind) {
      inProtected = D <= z.general_upwind + tol && within(az, z.upwind[0], z.upwind[1]);
    }
    var maybeUpwind = !z.upwind && z.general_upwind > z.general && !inProtected &&
      D <= z.general_upwind + tol;
    var zone = D <= 0 ? "body" : D <= z.protection + tol ? "protection" : D <= z.control + tol ? "control" :
      inProtected ? "general" : "outside";
    return { D: D, az: az, inSun: inSun, inProtected: inProtected, maybeUpwind: maybeUpwind,
             inGeneral: inProtected && D > z.control + tol, zone: zone };
  }

  function heightAt(lat, lon, kind) {
    kind = kind || "building";
    var m = measure(lat, lon), best = null, tol = GZ.tolerance || 0;
    GZ.rules.forEach(function (rule) {
      if (rule.kinds.indexOf(kind) < 0 || rule.limit === "advise") { return; }
      var applies;
      if (rule.where === "band") {
        applies = m.D <= rule.within + tol;
      } else if (rule.where === "sun_sector") { applies = m.inSun; }
      else if (rule.where === "general") { applies = m.inGeneral || m.maybeUpwind; }
      else { applies = m.inProtected || m.maybeUpwind; }
      if (applies && rule.beyond !== null && rule.beyond !== undefined) { applies = m.D > rule.beyond + tol; }
      // Only a height limit carries over into the maybe-upwind ring (as in geozones/rules.py).
      if (applies && rule.limit === "forbid" && rule.where !== "band" && !m.inProtected) { applies = false; }
      if (!applies) { return; }
      var allowed = rule.limit === "forbid" ? 0 : rule.limit === "ratio" ? m.D * rule.ratio :
        rule.limit === "angle" ? m.D * Math.tan(rule.angle_deg * RAD) : rule.height_m;
      if (best === null || allowed < best.allowed) { best = { allowed: allowed, rule: rule }; }
    });
    return { allowed: best ? best.allowed : null, rule: best ? best.rule.id : null,
             article: best ? best.rule.article : null, severity: best ? best.rule.severity : null,
             D: m.D, zone: m.zone, inSun: m.inSun };
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

  function fmt(v) { return v === null || v === undefined || isNaN(v) ? "—" : Number(v).toFixed(2) + " " + GZ.t.unit; }

  function clickPopup(latlng) {
    var w = mapToWgs(latlng.lat, latlng.lng), h = heightAt(w[0], w[1], "building");
    var lines = [
      "<b>" + esc(GZ.t.permitted) + ": " + esc(h.allowed === null ? GZ.t.unlimited : fmt(h.allowed)) + "</b>",
      esc(GZ.t.rule) + ": " + esc(h.rule ? h.rule + " (" + h.article + ")" : GZ.t.none),
      esc(GZ.t.zone) + ": " + esc(GZ.t.zones[h.zone] || h.zone),
      esc(GZ.t.distance) + ": " + esc(fmt(h.D)) + (h.inSun ? " · " + esc(GZ.t.sun) : "")
    ];
    return '<div class="gz-click">' + lines.join("<br>") + "</div>";
  }

  function parcelPopup(p) {
    var rules = (p.r || "").split(",").filter(Boolean).map(function (id) {
      return esc(id) + (GZ.articles[id] ? " — " + esc(GZ.articles[id]) : "");
    });
    return '<div class="gz-parcel"><b>' + esc(p.n) + "</b><br>" +
      esc(GZ.t.verdict) + ": " + esc(GZ.t.verdicts[p.v] || p.v) + "<br>" +
      esc(GZ.t.height) + ": " + esc(fmt(p.h)) + "<br>" +
      esc(GZ.t.permitted) + ": " + esc(p.mh === null ? GZ.t.unlimited : fmt(p.mh)) + "<br>" +
      esc(GZ.t.exceedance) + ": " + esc(fmt(p.ex)) +
      (rules.length ? "<br>" + esc(GZ.t.rules) + ":<br>" + rules.join("<br>") : "") +
      (p.s && p.s !== "ok" ? "<br>" + esc(p.s) : "") + "</div>";
  }

  window.geozones = { esc: esc, heightAt: heightAt, measure: measure, toLocal: toLocal,
                      mapToWgs: mapToWgs, clickPopup: clickPopup, parcelPopup: parcelPopup };

  window.geozonesInit = function (map, parcelGroup, stationGroup) {
    if (stationGroup) {
      // facts were HTML-escaped in Python (geozones/maps.py) and contain only <b> and <br>
      L.circleMarker(GZ.station.shown, { radius: 6, color: "#000", fillOpacity: 1 })
        .bindPopup(GZ.station.facts, { maxWidth: 360 }).addTo(stationGroup);
    }
    map.on("click", function (e) {
      L.popup().setLatLng(e.latlng).setContent(clickPopup(e.latlng)).openOn(map);
    });
    if (parcelGroup && GZ_PARCELS && GZ_PARCELS.features.length) {
      var renderer = L.canvas({ padding: 0.5 });
      function buildParcels() {
        return L.geoJSON(GZ_PARCELS, {
          renderer: renderer,
          style: function (f) {
            var c = GZ.colors[f.properties.v] || "#777";
            return { color: c, weight: 1, fillColor: c, fillOpacity: 0.55 };
          },
          pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 4, renderer: renderer }); },
          onEachFeature: function (f, layer) {
            layer.bindPopup(function () { return parcelPopup(f.properties); });
            layer.bindTooltip(function () { return esc(f.properties.n); }, { sticky: true });
          }
        });
      }
      if (!GZ.overview) {
        window.geozones.parcels = buildParcels().addTo(parcelGroup);
      } else {
        // Many parcels: an image at overview zooms; the vector parcels (and their popups)
        // from GZ.overview.min_zoom up, where the canvas only draws the few in view.
        var image = L.imageOverlay(GZ.overview.url, GZ.overview.bounds, { opacity: 0.85 });
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
  };
})();
