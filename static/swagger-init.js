// Starts Swagger UI on /swagger. A file of its own rather than the usual inline <script>, so the
// page runs under the same strict Content-Security-Policy as every other page. The page names
// the document to show on the element Swagger UI renders into (data-spec-url): its URL is written
// once, on the server, and the element is found by it.
(() => {
  const root = document.querySelector('[data-spec-url]');
  if (!root) return;
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    // "Try it out" sends real requests that change real tasks: the user asks for it per operation.
    tryItOutEnabled: false,
  });
})();
