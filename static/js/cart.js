// Portico cart: the reservation countdown. Every [data-cart-expires] element
// (the toolbar's CART and the cart page) shows the minutes and seconds left
// on the family's first seat hold, updated every second, and says when time
// is up. The server renders the starting value, so without JavaScript the
// page still tells how long the seats are held.
(function () {
  "use strict";
  if (window.porticoCart) return; // loaded by the toolbar and by checkout
  window.porticoCart = true;

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function start() {
    var timers = Array.prototype.slice.call(
      document.querySelectorAll("[data-cart-expires]")
    );
    if (!timers.length) return;
    // The server's clock decides: measure how far this browser's clock is
    // from it once, and count from there.
    var serverNow = Date.parse(timers[0].dataset.cartNow);
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();

    function tick() {
      var now = Date.now() + skew;
      var running = false;
      timers.forEach(function (timer) {
        var ms = Date.parse(timer.dataset.cartExpires) - now;
        if (isNaN(ms)) return;
        var left = Math.ceil(ms / 1000);
        if (ms <= 0) {
          timer.textContent = timer.dataset.expiredText;
          timer.classList.add("cart-countdown-expired");
          return;
        }
        running = true;
        timer.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
      });
      if (running) window.setTimeout(tick, 1000 - ((Date.now() + skew) % 1000));
    }

    tick();
  }

  // Checkout: details typed into the gateway's page choose "a new card or
  // bank account" instead of a saved method.
  function chooseNewMethod() {
    document.addEventListener("gateway-token", function () {
      var radio = document.querySelector('input[name="method"][value="new"]');
      if (radio) radio.checked = true;
    });
  }

  function ready() {
    start();
    chooseNewMethod();
  }

  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
