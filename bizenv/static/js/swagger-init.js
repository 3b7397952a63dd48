// Starts Swagger UI on /api/v1/docs from the settings the page carries (no inline script, for the CSP).
// Calls made from the page use the login session, so they send the CSRF token as the API expects.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  config.requestInterceptor = function (req) {
    if (csrfToken) {
      req.headers["X-CSRFToken"] = csrfToken;
    }
    return req;
  };
  window.ui = SwaggerUIBundle(config);
})();
