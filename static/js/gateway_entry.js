// Sandbox gateway entry page (inside the portal's iframe): hands the one-time
// token to the parent page, and tells it how tall this page is.
(function () {
  "use strict";
  if (window.parent === window) return;
  var origin = window.location.origin; // the portal page embedding the sandbox

  function post(message) {
    window.parent.postMessage(message, origin);
  }

  function ready() {
    post({ type: "portico-gateway-height", height: document.documentElement.scrollHeight });
    var result = document.getElementById("gateway-result");
    if (result && result.dataset.token) {
      post({
        type: "portico-gateway-token",
        token: result.dataset.token,
        summary: result.dataset.summary || "",
      });
    }
  }

  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
