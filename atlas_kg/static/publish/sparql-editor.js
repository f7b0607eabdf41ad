// The SPARQL editor of atlas-kg: YASGUI (vendored in ../yasgui/) on this site's endpoint,
// one tab per named query. Offline: only the prefix and variable autocompleters are on
// (the others ask a web service); nothing is persisted between visits.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("atlas-sparql-config").textContent);
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
    yasqe: { autocompleters: ["prefixes", "variables"] },
  });
  var first = null;
  if (config.initial) {
    first = yasgui.addTab(true, { name: "Query", yasqe: { value: config.initial } });
  }
  config.examples.forEach(function (example) {
    var tab = yasgui.addTab(first === null, { name: example.name, yasqe: { value: example.query } });
    if (first === null) { first = tab; }
  });
  if (first === null) {
    yasgui.addTab(true, { name: "Query", yasqe: { value: "SELECT * WHERE { ?s ?p ?o } LIMIT 10" } });
  }
})();
