// Statement batch page (portal/billing/batch_admin.py): while the batch
// prints in the background, ask its progress endpoint every second and move
// the <progress> bar and the counts. Once the batch has finished, load the
// page again: the server shows the download link and any family not printed.
(function () {
  "use strict";

  var POLL_MS = 1000;
  var RETRY_MS = 5000;

  function start(section) {
    if (section.dataset.finished === "true") return;
    var url = section.dataset.progressUrl;
    var bar = section.querySelector("progress");
    var status = section.querySelector("[data-batch-status]");
    var summary = section.querySelector("[data-batch-summary]");
    var percent = section.querySelector("[data-batch-percent]");

    function show(state) {
      if (bar) {
        bar.value = state.percent;
        bar.textContent = state.percent + " %";
      }
      if (status) status.textContent = state.status_label;
      if (summary) summary.textContent = state.summary;
      if (percent) percent.textContent = String(state.percent);
    }

    function poll() {
      fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (state) {
          show(state);
          if (state.finished) {
            section.dataset.finished = "true";
            window.location.reload();
          } else {
            window.setTimeout(poll, POLL_MS);
          }
        })
        .catch(function () {
          window.setTimeout(poll, RETRY_MS);
        });
    }

    window.setTimeout(poll, POLL_MS);
  }

  function init() {
    document.querySelectorAll("[data-batch-progress]").forEach(start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
