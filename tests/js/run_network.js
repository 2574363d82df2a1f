// Runs the page evaluator's several-stations check (checkAll) under node for the Python tests:
//   node run_network.js EVAL_JS < {"cfgs": [...], "cases": [{"geometry", "kind", "height"}]}
// and prints one JSON result per case (see tests/test_page_network.py).
"use strict";
const fs = require("fs");
const ev = require(process.argv[2]);
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const results = input.cases.map((c) => {
  const r = ev.checkAll(input.cfgs, c.geometry, c.kind, c.height);
  return { verdict: r.verdict, station: r.station, stations: r.stations, maxHeight: r.maxHeight,
           nearest: r.nearest, findings: r.findings.map((f) => [f.station, f.id, f.outcome]) };
});
const clicks = (input.clicks || []).map((p) => ev.heightAtAll(input.cfgs, p[0], p[1], "building"));
process.stdout.write(JSON.stringify({ results, clicks }));
