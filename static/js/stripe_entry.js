// Stripe's card entry page (inside the portal's iframe): Stripe.js draws the
// card fields, createPaymentMethod turns them into a PaymentMethod id, and
// that id goes to the parent page in the same message the sandbox entry page
// posts (static/js/gateway_entry.js), so static/js/gateway_parent.js takes it
// into the hidden `gateway_token` field.
(function () {
  "use strict";
  var BRANDS = {
    amex: "American Express",
    diners: "Diners Club",
    discover: "Discover",
    jcb: "JCB",
    mastercard: "Mastercard",
    unionpay: "UnionPay",
    visa: "Visa",
  };
  var embedded = window.parent !== window;
  var origin = window.location.origin; // the portal page embedding this page

  function post(message) {
    if (embedded) window.parent.postMessage(message, origin);
  }

  function postHeight() {
    post({ type: "portico-gateway-height", height: document.documentElement.scrollHeight });
  }

  function fill(template, brand, last4) {
    return template.replace("{brand}", brand).replace("{last4}", last4);
  }

  function ready() {
    var box = document.querySelector("[data-stripe-entry]");
    if (!box) return;
    var form = box.querySelector("[data-stripe-form]");
    var error = box.querySelector("[data-stripe-error]");
    var result = box.querySelector("[data-stripe-result]");
    var button = form.querySelector('button[type="submit"]');

    function showError(message) {
      error.textContent = message;
      postHeight();
    }

    if (typeof window.Stripe !== "function") {
      button.disabled = true;
      showError(box.dataset.unavailable);
      return;
    }
    var stripe = window.Stripe(box.dataset.publishableKey);
    var card = stripe.elements().create("card");
    card.mount("#stripe-card");
    postHeight();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      error.textContent = "";
      stripe
        .createPaymentMethod({ type: "card", card: card })
        .then(function (answer) {
          button.disabled = false;
          if (answer.error) {
            showError(answer.error.message || box.dataset.unavailable);
            return;
          }
          var method = answer.paymentMethod;
          var details = method.card || {};
          var brand = BRANDS[details.brand] || details.brand || "";
          var last4 = details.last4 || "";
          var summary = brand && last4 ? fill(box.dataset.summary, brand, last4) : "";
          if (summary) result.textContent = fill(box.dataset.ready, brand, last4);
          post({ type: "portico-gateway-token", token: method.id, summary: summary });
          postHeight();
        })
        .catch(function () {
          button.disabled = false;
          showError(box.dataset.unavailable);
        });
    });
  }

  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
