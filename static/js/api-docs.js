// Starts Swagger UI on /api/v1/docs (templates/api/docs.html): the document's URL and the CSRF token come
// from the container's data attributes, so the page needs no inline script.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  var csrfToken = container.dataset.csrfToken;
  window.SwaggerUIBundle({
    url: container.dataset.openapiUrl,
    domNode: container,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // "Try it out" in a signed-in cabinet: our session-authenticated operations require the token.
    requestInterceptor: function (request) {
      if (csrfToken) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();
