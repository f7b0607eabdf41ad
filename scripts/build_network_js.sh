#!/usr/bin/env bash
# Rebuild atlas_kg/static/vendor/ (the JavaScript of `atlas-kg export --format html|map`)
# from the npm registry: the versions pinned in scripts/network-js/package-lock.json are
# installed in a temporary folder, bundled by esbuild into one IIFE that sets
# window.AtlasVendor, and copied with the world map (world-atlas, Natural Earth 1:50m)
# and the licence of every package that ends up in the files.
#
#   bash scripts/build_network_js.sh      # needs node and npm; writes atlas_kg/static/vendor/
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$root/atlas_kg/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$here/network-js/package.json" "$here/network-js/package-lock.json" "$here/network-js/vendor.js" "$work/"
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
./node_modules/.bin/esbuild vendor.js --bundle --format=iife --minify --target=es2019 \
  --legal-comments=eof --metafile=meta.json --outfile=network-vendor.js --log-level=warning

mkdir -p "$out/licenses"
rm -f "$out"/licenses/*
cp network-vendor.js "$out/network-vendor.js"
cp node_modules/world-atlas/countries-50m.json "$out/countries-50m.json"

# Every package esbuild read, plus world-atlas (data): its licence file and a notice line.
OUT="$out" node - <<'JS' > "$out/THIRD-PARTY.md"
const fs = require("fs");
const path = require("path");
const meta = JSON.parse(fs.readFileSync("meta.json", "utf8"));
const names = new Set(["world-atlas"]);
for (const input of Object.keys(meta.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) names.add(m[1]);
}
const lines = [
  "# Third-party code and data in this folder",
  "",
  "`network-vendor.js` bundles the packages below (esbuild, minified, licence comments kept at",
  "its end); `countries-50m.json` is the `world-atlas` package's file (Natural Earth 1:50m",
  "shapes, public domain; packaging ISC). Rebuilt by `scripts/build_network_js.sh`.",
  "",
  "| package | version | licence | licence file |",
  "|---|---|---|---|",
];
for (const name of [...names].sort()) {
  const dir = path.join("node_modules", name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const target = name.replace("/", "__") + ".txt";
  if (file) fs.copyFileSync(path.join(dir, file), path.join(process.env.OUT, "licenses", target));
  lines.push(`| ${name} | ${pkg.version} | ${pkg.license} | ${file ? "licenses/" + target : "(none shipped)"} |`);
}
console.log(lines.join("\n"));
JS
echo "wrote $out"
