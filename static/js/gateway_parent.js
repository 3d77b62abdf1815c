// Portal pages embedding a gateway's entry page: the iframe posts a one-time
// token, which goes into the form's hidden `gateway_token` field. Messages
// from any other origin or window are ignored.
(function () {
  "use strict";

  function setup(container) {
    var frame = container.querySelector("[data-gateway-frame]");
    var input = container.querySelector('input[name="gateway_token"]');
    var status = container.querySelector("[data-gateway-status]");
    if (!frame || !input) return;
    var origin = new URL(frame.src, window.location.href).origin;

    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      var data = event.data || {};
      if (data.type === "portico-gateway-height" && data.height > 0) {
        frame.style.height = Math.min(Math.ceil(data.height) + 4, 1200) + "px";
      } else if (data.type === "portico-gateway-token" && typeof data.token === "string") {
        input.value = data.token;
        if (status) status.textContent = data.summary ? data.summary + " ✓" : "✓";
        container.dispatchEvent(new CustomEvent("gateway-token", { bubbles: true }));
      }
    });
  }

  function ready() {
    document.querySelectorAll("[data-gateway-entry]").forEach(setup);
  }

  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
