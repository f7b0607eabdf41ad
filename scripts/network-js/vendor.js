// The libraries of the interactive network view, bundled by scripts/build_network_js.sh
// into one IIFE (atlas_kg/static/vendor/network-vendor.js) that sets window.AtlasVendor.
import Graph from "graphology";
import Sigma from "sigma";
import forceAtlas2 from "graphology-layout-forceatlas2";
import fa2Defaults from "graphology-layout-forceatlas2/defaults";
import fa2Helpers from "graphology-layout-forceatlas2/helpers";
import fa2WorkerFunction from "graphology-layout-forceatlas2/webworker";
import { geoNaturalEarth1, geoPath } from "d3-geo";
import { feature } from "topojson-client";

window.AtlasVendor = {
  Graph,
  Sigma,
  forceAtlas2,
  fa2Defaults,
  fa2Helpers,
  fa2WorkerFunction,
  geoNaturalEarth1,
  geoPath,
  feature,
};
