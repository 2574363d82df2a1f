#!/usr/bin/env bash
# Regenerate the example maps README links (run from the repository root):
#   bash maps/make_maps.sh
set -euo pipefail
G="${GEOZONES:-geozones}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$G" map -o maps/jiangxian.html -q
"$G" screen data/sample/parcels.gpkg -o "$tmp/screened.gpkg" --height-field 高度 --floors-field 层数 \
    --kind-field 类型 --use-field 用途 -q --overwrite --map maps/screened.html
"$G" map --parcels "$tmp/screened.gpkg" --tiles none --lang zh -o maps/screened_offline_zh.html -q
ls -la maps/*.html
