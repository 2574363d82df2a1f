/* geozones page evaluator: the station's compiled rule table applied to a point, line or polygon.
 *
 * A pure function of the page configuration (``cfg``, written by geozones/maps.py) and a GeoJSON
 * geometry in WGS84 longitude/latitude. No DOM, no Leaflet: the map page uses it for
 * click-anywhere and draw-and-check, and tests/test_page_evaluator.py runs it under node against
 * Python (geozones.check.assess).
 *
 * It measures, as Python does:
 *   position -> station-centred azimuthal equidistant x, y [m] (Vincenty's inverse on GRS80:
 *               distance and azimuth from the field centre), vertex by vertex; edges are
 *               straight in that frame, as they are for shapely in the station frame
 *   D        -> distance from the (rotated) field square to the nearest point of the footprint
 *               (0 when it touches or covers the field) [m]
 *   D_sun    -> D to the part of the footprint inside a sunrise/sunset sector (the footprint
 *               clipped by the sector's two edge rays), NaN when no part is inside [m]
 *   zones    -> protection / control by D; general zone by D or, with a prevailing wind, the
 *               part inside the upwind sector within general_upwind; every edge decided with
 *               the station's tolerance (cfg.tolerance [m]: D <= edge + tol is inside); with
 *               the wind unknown, "maybe upwind" between general and general_upwind
 * and then looks the answer up in ``cfg.table``, compiled by Python from its one rule
 * evaluator (geozones.core.heightfield.page_table): the rules live only there.
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.GeozonesEval = factory();
  }
}(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var NA = 0, PASS = 1;
  var VERDICTS = [null, "pass", "review", "fail"];

  // --- geodesy ------------------------------------------------------------------------------
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

  /** Station frame [m] (x east, y north) of a WGS84 position [deg]. */
  function toLocal(cfg, lat, lon) {
    var r = vincentyInverse(cfg.station.lat, cfg.station.lon, lat, lon);
    return [r.s * Math.sin(r.az), r.s * Math.cos(r.az)];
  }

  function azimuth(x, y) { return ((Math.atan2(x, y) / RAD) % 360 + 360) % 360; }

  function within(az, start, end) {
    var a = ((az - start) % 360 + 360) % 360, w = ((end - start) % 360 + 360) % 360;
    return a <= w;
  }

  // --- planar geometry in the field's own axes (u, v): the field is the box [-h, h]^2 -----------
  function pointBoxDist(p, h) {
    var dx = Math.max(Math.abs(p[0]) - h, 0), dy = Math.max(Math.abs(p[1]) - h, 0);
    return Math.sqrt(dx * dx + dy * dy);
  }

  function pointSegDist(p, a, b) {
    var vx = b[0] - a[0], vy = b[1] - a[1], wx = p[0] - a[0], wy = p[1] - a[1];
    var l2 = vx * vx + vy * vy, t = l2 > 0 ? Math.max(0, Math.min(1, (wx * vx + wy * vy) / l2)) : 0;
    var dx = wx - t * vx, dy = wy - t * vy;
    return Math.sqrt(dx * dx + dy * dy);
  }

  function segHitsBox(a, b, h) {  // Liang-Barsky
    var t0 = 0, t1 = 1, dx = b[0] - a[0], dy = b[1] - a[1];
    var p = [-dx, dx, -dy, dy], q = [a[0] + h, h - a[0], a[1] + h, h - a[1]];
    for (var i = 0; i < 4; i++) {
      if (p[i] === 0) { if (q[i] < 0) { return false; } continue; }
      var r = q[i] / p[i];
      if (p[i] < 0) { if (r > t1) { return false; } if (r > t0) { t0 = r; } }
      else { if (r < t0) { return false; } if (r < t1) { t1 = r; } }
    }
    return true;
  }

  /** Distance between a segment and the box (two convex sets: vertex-to-edge minimum). */
  function segBoxDist(a, b, h) {
    if (segHitsBox(a, b, h)) { return 0; }
    var d = Math.min(pointBoxDist(a, h), pointBoxDist(b, h));
    var corners = [[-h, -h], [h, -h], [h, h], [-h, h]];
    for (var i = 0; i < 4; i++) { d = Math.min(d, pointSegDist(corners[i], a, b)); }
    return d;
  }

  function pointInRings(p, rings) {  // even-odd over the exterior and holes
    var inside = false;
    for (var r = 0; r < rings.length; r++) {
      var ring = rings[r];
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
        if ((yi > p[1]) !== (yj > p[1]) && p[0] < (xj - xi) * (p[1] - yi) / (yj - yi) + xi) { inside = !inside; }
      }
    }
    return inside;
  }

  function cross(o, a, b) { return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]); }

  function pointInConvex(p, poly) {
    var sign = 0;
    for (var i = 0; i < poly.length; i++) {
      var c = cross(poly[i], poly[(i + 1) % poly.length], p);
      if (c !== 0) {
        if (sign === 0) { sign = c > 0 ? 1 : -1; } else if ((c > 0 ? 1 : -1) !== sign) { return false; }
      }
    }
    return true;
  }

  /** The part of segment ab inside a convex polygon (Cyrus-Beck), or null. */
  function clipSegConvex(a, b, poly) {
    var n = poly.length, area = 0, t0 = 0, t1 = 1, dx = b[0] - a[0], dy = b[1] - a[1];
    for (var k = 0; k < n; k++) { area += cross([0, 0], poly[k], poly[(k + 1) % n]); }
    var s = area > 0 ? 1 : -1;
    for (var i = 0; i < n; i++) {
      var p = poly[i], q = poly[(i + 1) % n];
      // inside: s * cross(p, q, x) >= 0; along the segment that is num + t * den >= 0
      var num = s * cross(p, q, a);
      var den = s * ((q[0] - p[0]) * dy - (q[1] - p[1]) * dx);
      if (den === 0) { if (num < 0) { return null; } continue; }
      var t = -num / den;
      if (den > 0) { if (t > t0) { t0 = t; } } else if (t < t1) { t1 = t; }
      if (t0 > t1) { return null; }
    }
    return [[a[0] + t0 * dx, a[1] + t0 * dy], [a[0] + t1 * dx, a[1] + t1 * dy]];
  }

  /** The pieces of segment ab inside the polygon given by its rings. */
  function clipSegRings(a, b, rings) {
    var ts = [0, 1], dx = b[0] - a[0], dy = b[1] - a[1];
    for (var r = 0; r < rings.length; r++) {
      var ring = rings[r];
      for (var i = 0; i < ring.length - 1; i++) {
        var p = ring[i], q = ring[i + 1], ex = q[0] - p[0], ey = q[1] - p[1];
        var den = dx * ey - dy * ex;
        if (den === 0) { continue; }
        var t = ((p[0] - a[0]) * ey - (p[1] - a[1]) * ex) / den;
        var u = ((p[0] - a[0]) * dy - (p[1] - a[1]) * dx) / den;
        if (t > 0 && t < 1 && u >= 0 && u <= 1) { ts.push(t); }
      }
    }
    ts.sort(function (x, y) { return x - y; });
    var out = [];
    for (var k = 0; k < ts.length - 1; k++) {
      if (ts[k + 1] - ts[k] <= 0) { continue; }
      var m = (ts[k] + ts[k + 1]) / 2;
      if (pointInRings([a[0] + m * dx, a[1] + m * dy], rings)) {
        out.push([[a[0] + ts[k] * dx, a[1] + ts[k] * dy], [a[0] + ts[k + 1] * dx, a[1] + ts[k + 1] * dy]]);
      }
    }
    return out;
  }

  /** Distance from the field box to the footprint (optionally only its part inside the
   *  convex polygon ``clip``); NaN when that part is empty. */
  function footprintDist(parts, h, clip) {
    var best = Infinity, found = false, i, j, seg;
    function take(d) { found = true; if (d < best) { best = d; } }
    parts.points.forEach(function (p) { if (!clip || pointInConvex(p, clip)) { take(pointBoxDist(p, h)); } });
    parts.lines.forEach(function (line) {
      for (i = 0; i < line.length - 1; i++) {
        seg = clip ? clipSegConvex(line[i], line[i + 1], clip) : [line[i], line[i + 1]];
        if (seg) { take(segBoxDist(seg[0], seg[1], h)); }
      }
    });
    parts.polygons.forEach(function (rings) {
      var before = found;
      found = false;
      for (var r = 0; r < rings.length; r++) {
        for (i = 0; i < rings[r].length - 1; i++) {
          seg = clip ? clipSegConvex(rings[r][i], rings[r][i + 1], clip) : [rings[r][i], rings[r][i + 1]];
          if (seg) { take(segBoxDist(seg[0], seg[1], h)); }
        }
      }
      if (clip) {  // the clip's own edges where they run inside the polygon bound the part too
        for (j = 0; j < clip.length; j++) {
          clipSegRings(clip[j], clip[(j + 1) % clip.length], rings).forEach(function (s) {
            take(segBoxDist(s[0], s[1], h));
          });
        }
      }
      var centreInside = pointInRings([0, 0], rings) && (!clip || pointInConvex([0, 0], clip));
      if (centreInside) { take(0); }  // the part covers the field (no edge near it)
      found = found || before;
    });
    return found ? best : NaN;
  }

  // --- measuring a geometry -------------------------------------------------------------------
  function localParts(cfg, geometry) {
    var t = cfg.field.rotation_deg * RAD, c = Math.cos(t), s = Math.sin(t);
    var parts = { points: [], lines: [], polygons: [], xy: [] };
    function uv(ll) {  // [lon, lat] -> field axes (the square is turned clockwise by t)
      var p = toLocal(cfg, ll[1], ll[0]);
      parts.xy.push(p);
      return [p[0] * c - p[1] * s, p[0] * s + p[1] * c];
    }
    function add(g) {
      var k = g.coordinates;
      switch (g.type) {
        case "Point": parts.points.push(uv(k)); break;
        case "MultiPoint": k.forEach(function (p) { parts.points.push(uv(p)); }); break;
        case "LineString": parts.lines.push(k.map(uv)); break;
        case "MultiLineString": k.forEach(function (l) { parts.lines.push(l.map(uv)); }); break;
        case "Polygon": parts.polygons.push(k.map(function (r) { return r.map(uv); })); break;
        case "MultiPolygon": k.forEach(function (p) { parts.polygons.push(p.map(function (r) { return r.map(uv); })); }); break;
        case "GeometryCollection": g.geometries.forEach(add); break;
        default: throw new Error("geometry type " + g.type + " is not supported");
      }
    }
    add(geometry);
    parts.toUV = function (p) { return [p[0] * c - p[1] * s, p[0] * s + p[1] * c]; };
    return parts;
  }

  /** The two edge rays of a sector from the field centre, closed far beyond ``radius``: a
   *  triangle in the field's axes (as geozones.zones.StationFrame._sun_wedges). */
  function sectorTriangle(parts, start, end, radius) {
    var half = (end - start) / 2 * RAD, reach = 2 * radius / Math.cos(half);
    var a0 = start * RAD, a1 = end * RAD;
    return [[0, 0], [reach * Math.sin(a0), reach * Math.cos(a0)], [reach * Math.sin(a1), reach * Math.cos(a1)]]
      .map(parts.toUV);
  }

  /** D, D_sun, zone and zone flags of a GeoJSON geometry (lon/lat). */
  function measure(cfg, geometry) {
    var parts = localParts(cfg, geometry), h = cfg.field.half, z = cfg.zones;
    var onlyPoints = !parts.lines.length && !parts.polygons.length;
    var D = footprintDist(parts, h, null), tol = cfg.tolerance || 0;
    var sunD = NaN;
    cfg.sun.forEach(function (sector) {
      var d;
      if (onlyPoints) {  // exact azimuth test, as a point against the wedge
        d = NaN;
        parts.xy.forEach(function (p, i) {
          var r = Math.sqrt(p[0] * p[0] + p[1] * p[1]);
          if (r <= cfg.sun_radius && within(azimuth(p[0], p[1]), sector[0], sector[1])) {
            var di = pointBoxDist(parts.points[i], h);
            d = isNaN(d) ? di : Math.min(d, di);
          }
        });
      } else {
        d = footprintDist(parts, h, sectorTriangle(parts, sector[0], sector[1], cfg.sun_radius));
        if (d > cfg.sun_radius) { d = NaN; }
      }
      if (!isNaN(d)) { sunD = isNaN(sunD) ? d : Math.min(sunD, d); }
    });
    var inProtected = D <= z.general + tol;
    if (!inProtected && z.upwind && z.general_upwind > z.general && D <= z.general_upwind + tol) {
      var du;
      if (onlyPoints) {
        du = NaN;
        parts.xy.forEach(function (p, i) {
          var off = ((azimuth(p[0], p[1]) - z.upwind_from + 180) % 360 + 360) % 360 - 180;
          if (Math.abs(off) <= z.upwind_half) {
            var di = pointBoxDist(parts.points[i], h);
            du = isNaN(du) ? di : Math.min(du, di);
          }
        });
      } else {
        du = footprintDist(parts, h, sectorTriangle(parts, z.upwind_from - z.upwind_half,
          z.upwind_from + z.upwind_half, z.general_upwind + 2 * h));
      }
      inProtected = du <= z.general_upwind + tol;
    }
    var inGeneral = inProtected && D > z.control + tol;
    var maybeUpwind = !z.upwind && z.general_upwind > z.general && !inProtected && D <= z.general_upwind + tol;
    var zone = D <= 0 ? "body" : D <= z.protection + tol ? "protection" : D <= z.control + tol ? "control" :
      inGeneral ? "general" : "outside";
    return { D: D, sunD: sunD, inSun: !isNaN(sunD), inProtected: inProtected, inGeneral: inGeneral,
             maybeUpwind: maybeUpwind, zone: zone };
  }

  // --- the rule table ---------------------------------------------------------------------
  /** The compiled rule table's answer for a measured geometry of ``kind`` with height
   *  ``height`` [m] (null or NaN: unknown). ``cfg.table`` is written by Python
   *  (geozones.core.heightfield.page_table, asked of geozones.core.rules.evaluate): per kind,
   *  the rules that bind it; per rule and zone class, runs of D with the outcome for an
   *  unknown height, a height meeting the rule's line and one exceeding it. This function only
   *  looks the answer up: it holds no rule. */
  function evaluate(cfg, m, kind, height) {
    var known = height !== null && height !== undefined && !isNaN(height), tol = cfg.tolerance || 0;
    var cls = m.maybeUpwind ? 3 : m.inGeneral ? 2 : m.inProtected ? 1 : 0;
    var findings = [], worst = PASS, lowest = Infinity;
    (cfg.table.kinds[kind] || []).forEach(function (e) {
      var entry = cfg.table.entries[e], rule = cfg.rules[entry.rule];
      var d = entry.on === "sun" ? m.sunD : m.D;
      if (isNaN(d)) { return; }
      var runs = entry.classes[cls], run = null;
      for (var k = 0; k < runs.length; k++) {
        if (runs[k][0] === null || d <= runs[k][0]) { run = runs[k]; break; }
      }
      if (run === null || run[1] === NA) { return; }
      var limit = entry.line ? entry.line[0] * d + entry.line[1] : NaN;
      var outcome = !known ? run[1] : isNaN(limit) || !(height > limit + tol) ? run[2] : run[3];
      var allowed = run[4] ? limit : NaN;
      if (outcome > worst) { worst = outcome; }
      if (!isNaN(allowed) && allowed < lowest) { lowest = allowed; }
      findings.push({ id: rule.id, article: rule.article, outcome: VERDICTS[outcome], distance: d,
                      allowed: isNaN(allowed) ? null : allowed, limit: rule.limit });
    });
    var maxHeight = lowest < Infinity ? lowest : null;
    // the approval notice (Art. 14, 15.1), whatever the verdict: inside the protection area
    // (written consent), or maybe inside it (wind unknown: ask the authority, with the reach)
    var consent = m.inProtected ? "inside" : m.maybeUpwind ? "maybe" : null;
    return {
      verdict: VERDICTS[worst], D: m.D, sunD: isNaN(m.sunD) ? null : m.sunD, zone: m.zone, inSun: m.inSun,
      maxHeight: maxHeight, height: known ? height : null,
      exceedance: known && maxHeight !== null ? Math.max(height - maxHeight, 0) : null,
      findings: findings, consent: consent, consentReach: consent === "maybe" ? cfg.zones.general_upwind : null
    };
  }

  /** Measure and evaluate a GeoJSON geometry (lon/lat). */
  function check(cfg, geometry, kind, height) {
    return evaluate(cfg, measure(cfg, geometry), kind || "building", height);
  }

  /** Permitted height of a point-sized proposal at a WGS84 position (click anywhere). */
  function heightAt(cfg, lat, lon, kind) {
    var r = check(cfg, { type: "Point", coordinates: [lon, lat] }, kind || "building", null);
    var best = null;
    r.findings.forEach(function (f) { if (f.allowed !== null && (best === null || f.allowed < best.allowed)) { best = f; } });
    return { allowed: r.maxHeight, rule: best ? best.id : null, article: best ? best.article : null,
             D: r.D, zone: r.zone, inSun: r.inSun, verdict: r.verdict, findings: r.findings,
             consent: r.consent, consentReach: r.consentReach };
  }

  // --- several stations (geozones map --stations) ------------------------------------------
  /** Rank of one station's answer: worse verdict first, then the lower permitted height, then
   *  the nearer fence. */
  function worse(a, b) {
    var va = VERDICTS.indexOf(a.verdict), vb = VERDICTS.indexOf(b.verdict);
    if (va !== vb) { return va > vb; }
    var ha = a.maxHeight === null ? Infinity : a.maxHeight, hb = b.maxHeight === null ? Infinity : b.maxHeight;
    if (ha !== hb) { return ha < hb; }
    return a.D < b.D;
  }

  /** A GeoJSON geometry (lon/lat) against every station of ``cfgs`` (page configurations,
   *  each with ``station_id``), each measured in its own frame. A station is in reach when at
   *  least one of its rules applies. The governing answer is the worst verdict (then the
   *  lowest permitted height, then the nearest fence); the permitted height is the lowest over
   *  the stations in reach. With none in reach: pass, ``station`` null and the nearest station. */
  function checkAll(cfgs, geometry, kind, height) {
    var per = [], nearest = null;
    cfgs.forEach(function (cfg) {
      var r = check(cfg, geometry, kind, height);
      r.station = cfg.station_id;
      if (nearest === null || r.D < nearest.D) { nearest = { station: cfg.station_id, D: r.D }; }
      if (r.findings.length) { per.push(r); }
    });
    if (!per.length) {
      return { verdict: "pass", station: null, stations: [], nearest: nearest, D: nearest ? nearest.D : null,
               sunD: null, zone: "outside", inSun: false, maxHeight: null,
               height: height === null || height === undefined || isNaN(height) ? null : height,
               exceedance: null, findings: [], perStation: [], consent: null, consentReach: null };
    }
    var gov = per[0], lowest = null;
    per.forEach(function (r) {
      if (worse(r, gov)) { gov = r; }
      if (r.maxHeight !== null && (lowest === null || r.maxHeight < lowest)) { lowest = r.maxHeight; }
    });
    var out = {};
    Object.keys(gov).forEach(function (k) { out[k] = gov[k]; });
    out.maxHeight = lowest;
    out.exceedance = gov.height !== null && lowest !== null ? Math.max(gov.height - lowest, 0) : null;
    out.stations = per.map(function (r) { return r.station; });
    out.nearest = nearest;
    out.perStation = per;
    // the approval notice: inside any station's protection area before maybe inside one
    out.consent = null; out.consentReach = null;
    per.forEach(function (r) {
      if (r.consent === "inside" || (r.consent === "maybe" && out.consent === null)) {
        out.consent = r.consent; out.consentReach = r.consentReach;
      }
    });
    out.findings = [];
    per.forEach(function (r) {
      r.findings.forEach(function (f) { var g = {}; Object.keys(f).forEach(function (k) { g[k] = f[k]; }); g.station = r.station; out.findings.push(g); });
    });
    return out;
  }

  /** Permitted height of a point-sized proposal against every station (click anywhere). */
  function heightAtAll(cfgs, lat, lon, kind) {
    var r = checkAll(cfgs, { type: "Point", coordinates: [lon, lat] }, kind || "building", null);
    var best = null;
    r.findings.forEach(function (f) { if (f.allowed !== null && (best === null || f.allowed < best.allowed)) { best = f; } });
    return { allowed: r.maxHeight, rule: best ? best.id : null, article: best ? best.article : null,
             ruleStation: best ? best.station : null, station: r.station, stations: r.stations, nearest: r.nearest,
             D: r.D, zone: r.zone, inSun: r.inSun, verdict: r.verdict, findings: r.findings,
             consent: r.consent, consentReach: r.consentReach };
  }

  return { toLocal: toLocal, measure: measure, evaluate: evaluate, check: check, heightAt: heightAt,
           checkAll: checkAll, heightAtAll: heightAtAll };
}));
