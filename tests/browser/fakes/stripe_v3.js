// A stand-in for https://js.stripe.com/v3/ in the browser tests (served by
// page.route): Stripe(pk).elements().create("card") mounts one labelled
// input, and createPaymentMethod answers like Stripe does for a test card or
// for 4000 0000 0000 0002, which is declined.
(function () {
  "use strict";
  window.Stripe = function (publishableKey) {
    if (!/^pk_/.test(publishableKey || "")) throw new Error("not a publishable key");
    var input = null;
    return {
      elements: function () {
        return {
          create: function (type) {
            return {
              mount: function (selector) {
                var target = document.querySelector(selector);
                var label = document.createElement("label");
                label.textContent = "Card number";
                input = document.createElement("input");
                input.id = "fake-stripe-card-number";
                input.autocomplete = "cc-number";
                label.htmlFor = input.id;
                target.appendChild(label);
                target.appendChild(input);
              },
            };
          },
        };
      },
      createPaymentMethod: function (params) {
        var digits = input.value.replace(/\D/g, "");
        if (params.type !== "card" || !params.card) {
          return Promise.resolve({ error: { message: "Bad request." } });
        }
        if (digits === "4000000000000002") {
          return Promise.resolve({ error: { message: "Your card was declined." } });
        }
        return Promise.resolve({
          paymentMethod: { id: "pm_card_visa", card: { brand: "visa", last4: "4242" } },
        });
      },
    };
  };
})();
