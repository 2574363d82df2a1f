// Runs the page evaluator (geozones/static/geozones_eval.js) under node for the Python tests:
//   node run_evaluator.js EVAL_JS < {"cfg": ..., "cases": [{"geometry", "kind", "height"}]}
// and prints one JSON result per case (see tests/test_page_evaluator.py).
"use strict";
const fs = require("fs");
const ev = require(process.argv[2]);
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const out = {
  results: input.cases.map((c) => {
    const r = ev.check(input.cfg, c.geometry, c.kind, c.height);
    r.sunD = r.sunD === null ? null : r.sunD;
    return r;
  }),
};
process.stdout.write(JSON.stringify(out));
