#!/usr/bin/env bash
# The pictures of the documents geozones writes, shown in README.md: page 1 of each, made from
# the real output of the commands below (a review opinion as PDF and as Word, the Excel workbook
# of the screened sample), the horizon diagram in its two forms (docs/maps.md) and the ledger's
# worked example (README). Needs the test extras (.venv), LibreOffice Writer and Calc (Debian:
# libreoffice-writer libreoffice-calc) and poppler-utils (pdftoppm). Run from the repository root: bash docs/make_images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
GZ=.venv/bin/geozones
out=docs/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the README's proposal, 31 m high: 336.8 m from the fence in the sunrise sector, limit 29.47 m
site="POLYGON((111.5745 35.5054, 111.5750 35.5054, 111.5750 35.5058, 111.5745 35.5058, 111.5745 35.5054))"
particulars=(--project-name "绛县某小区3号住宅楼" --applicant "某房地产开发有限公司" --address "绛县古绛镇某路东侧"
             --proposal-no "JX-2026-031" --doc-no "绛气审〔2026〕31号" --authority "绛县气象局"
             --reviewer "张三" --checker "李四" --date 2026-12-06)
$GZ report --footprint "$site" --crs EPSG:4326 --height 31 --lang zh "${particulars[@]}" -o "$work/opinion.pdf" --overwrite
$GZ report --footprint "$site" --crs EPSG:4326 --height 31 --lang zh "${particulars[@]}" -o "$work/opinion.docx" --overwrite
$GZ screen data/sample/parcels.gpkg -o "$work/screened.xlsx" --height-field 高度 --floors-field 层数 \
    --kind-field 类型 --use-field 用途 --lang zh -q
# the horizon obstruction diagram of the same proposal, in both forms (the report draws the polar one)
cat > "$work/site.geojson" <<EOF
{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "3号住宅楼", "height": 31},
 "geometry": {"type": "Polygon", "coordinates": [[[111.5745, 35.5054], [111.5750, 35.5054], [111.5750, 35.5058],
 [111.5745, 35.5058], [111.5745, 35.5054]]]}}]}
EOF
$GZ horizon --buildings "$work/site.geojson" --lang zh --form polar -o "$out/horizon-polar.png" --overwrite
$GZ horizon --buildings "$work/site.geojson" --lang zh --form cartesian -o "$out/horizon-cartesian.png" --overwrite
# the README's worked example of the ledger: one approved building east of the field, then a proposal behind it
approved="POLYGON((111.5732 35.5037, 111.5734 35.5037, 111.5734 35.5041, 111.5732 35.5041, 111.5732 35.5037))"
proposal="POLYGON((111.5737 35.5039, 111.5740 35.5039, 111.5740 35.5044, 111.5737 35.5044, 111.5737 35.5039))"
$GZ ledger add --ledger "$work/ledger.gpkg" --footprint "$approved" --crs EPSG:4326 --height 15 \
    --decision approved --date 2025-06-30 --doc-no "绛气函〔2025〕12号" > /dev/null
$GZ check --footprint "$proposal" --crs EPSG:4326 --height 18 --ledger "$work/ledger.gpkg" | sed -n '/Sun hidden/,/ledger /p'
$GZ horizon --ledger "$work/ledger.gpkg" --footprint "$proposal" --crs EPSG:4326 --height 18 --form cartesian \
    -o "$out/horizon-ledger.png" --overwrite
soffice --headless --convert-to pdf --outdir "$work/docx" "$work/opinion.docx" > /dev/null
soffice --headless --convert-to pdf --outdir "$work/xlsx" "$work/screened.xlsx" > /dev/null
pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$work/opinion.pdf" "$out/opinion-pdf"
pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$work/docx/opinion.pdf" "$out/opinion-docx"
pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$work/xlsx/screened.pdf" "$out/screened-xlsx"
ls -l "$out"
