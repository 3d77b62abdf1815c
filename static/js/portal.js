// Portico portal: progressive enhancement only. Every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Links with data-dialog-open="<id>" open that <dialog> instead of navigating.
  function setupDialogs() {
    document.querySelectorAll("[data-dialog-open]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var dialog = document.getElementById(link.dataset.dialogOpen);
        if (!dialog || typeof dialog.showModal !== "function") return;
        event.preventDefault();
        if (dialog.open) dialog.close();
        dialog.showModal();
      });
    });
    // A dialog the server rendered open becomes a real modal (focus, Esc).
    document.querySelectorAll("dialog[data-show-modal][open]").forEach(function (d) {
      if (typeof d.showModal !== "function") return;
      d.close();
      d.showModal();
    });
    // A click on the backdrop closes the dialog.
    document.querySelectorAll("dialog.dialog").forEach(function (dialog) {
      dialog.addEventListener("click", function (event) {
        if (event.target === dialog) dialog.close();
      });
    });
  }

  // <details> dropdowns: one open at a time; Esc or a click outside closes.
  function setupDropdowns() {
    var dropdowns = Array.prototype.slice.call(document.querySelectorAll("details.dropdown"));
    dropdowns.forEach(function (d) {
      d.addEventListener("toggle", function () {
        if (!d.open) return;
        dropdowns.forEach(function (other) {
          if (other !== d && !other.contains(d)) other.open = false;
        });
      });
    });
    document.addEventListener("click", function (event) {
      dropdowns.forEach(function (d) {
        if (d.open && !d.contains(event.target)) d.open = false;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      dropdowns.forEach(function (d) {
        if (d.open) {
          d.open = false;
          d.querySelector("summary").focus();
        }
      });
    });
  }

  // Landing carousel: one slide at a time, with Previous / Pause / Next.
  function setupCarousel() {
    var carousel = document.querySelector("[data-carousel]");
    if (!carousel) return;
    var slides = carousel.querySelectorAll(".slide");
    if (!slides.length) return;
    var controls = carousel.querySelector("[data-carousel-controls]");
    var toggle = carousel.querySelector("[data-carousel-toggle]");
    var seconds = parseInt(carousel.dataset.interval, 10) || 7;
    var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var index = 0;
    var timer = null;

    function show(i) {
      slides[index].classList.remove("is-current");
      index = (i + slides.length) % slides.length;
      slides[index].classList.add("is-current");
      carousel.dataset.current = String(index);
    }
    function play() {
      stop();
      timer = window.setInterval(function () { show(index + 1); }, seconds * 1000);
      carousel.dataset.playing = "true";
      toggle.textContent = toggle.dataset.labelPause;
    }
    function stop() {
      if (timer) window.clearInterval(timer);
      timer = null;
      carousel.dataset.playing = "false";
      toggle.textContent = toggle.dataset.labelPlay;
    }
    slides[0].classList.add("is-current");
    carousel.dataset.current = "0";
    if (slides.length > 1) {
      controls.hidden = false;
      carousel.querySelector("[data-carousel-prev]").addEventListener("click", function () { stop(); show(index - 1); });
      carousel.querySelector("[data-carousel-next]").addEventListener("click", function () { stop(); show(index + 1); });
      toggle.addEventListener("click", function () { if (timer) stop(); else play(); });
      // Focus on a slide (its "Learn More", which then opens a dialog) stops the
      // rotation: the slide must not vanish while it is being read.
      carousel.querySelector(".carousel-slides").addEventListener("focusin", function () {
        if (timer) stop();
      });
      if (!reduceMotion) play(); else stop();
    }
  }

  ready(function () {
    setupDialogs();
    setupDropdowns();
    setupCarousel();
  });
})();

// Fields shown only for one answer (e.g. allergy details when "Yes").
(function () {
  "use strict";
  function sync(container, input) {
    container.hidden = !input.checked;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-show-when]").forEach(function (container) {
      var input = document.getElementById(container.dataset.showWhen);
      if (!input) return;
      var group = document.querySelectorAll('input[name="' + input.name + '"]');
      group.forEach(function (radio) {
        radio.addEventListener("change", function () { sync(container, input); });
      });
      sync(container, input);
    });
  });
})();
