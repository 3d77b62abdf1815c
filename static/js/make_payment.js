// My Account > Payments, Make Payment: details typed into the gateway's page
// choose "a new card or bank account" instead of a saved method, and the
// amount's placeholder shows the total of the charges ticked. Without
// JavaScript the form works the same (an empty amount pays them in full).
(function () {
  "use strict";

  function cents(value) {
    var n = Number(value);
    return isNaN(n) ? 0 : Math.round(n * 100);
  }

  function setup(form) {
    var amount = form.querySelector('input[name="amount"]');
    var boxes = form.querySelectorAll('input[name="charge"]');

    function update() {
      if (!amount) return;
      var total = 0;
      boxes.forEach(function (box) {
        if (box.checked) total += cents(box.dataset.open);
      });
      amount.placeholder = (total / 100).toFixed(2);
    }

    boxes.forEach(function (box) {
      box.addEventListener("change", update);
    });
    form.addEventListener("gateway-token", function () {
      var radio = form.querySelector('input[name="method"][value="new"]');
      if (radio) radio.checked = true;
    });
    update();
  }

  function ready() {
    document.querySelectorAll("[data-make-payment]").forEach(setup);
  }

  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
