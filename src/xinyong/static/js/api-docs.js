// The API reference pages (/docs, /redoc): started from this file, not from inline script, with the vendored
// Swagger UI / ReDoc bundles served by the platform itself (no CDN: the docs work without internet access).
(function () {
  "use strict";
  var holder = document.getElementById("api-docs");
  if (!holder) { return; }
  var spec = holder.getAttribute("data-openapi");
  if (holder.getAttribute("data-viewer") === "redoc") {
    window.Redoc.init(spec, { hideDownloadButton: false, expandResponses: "200,201" }, holder);
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: spec,
    dom_id: "#api-docs",
    deepLinking: true,
    docExpansion: "none",
    persistAuthorization: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
}());
