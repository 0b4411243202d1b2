/* The API documentation page (/docs): Swagger UI, served by the app itself, over the app's
 * OpenAPI document. A file of its own so that the page holds no inline script and keeps the
 * same Content-Security-Policy as every other page. The document's URL comes from the
 * page (data-openapi on the mount point).
 */
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    deepLinking: true,
    validatorUrl: null, // never send the document to the public validator
  });
})();
