// Sceau's Swagger UI start-up: loads only /openapi.json from this server. validatorUrl is null so the
// page never calls validator.swagger.io (the platform never phones home).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
