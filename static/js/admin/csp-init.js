/* Starts the Wagtail admin widgets that Wagtail starts with inline scripts.
 *
 * Portico's Content-Security-Policy allows no inline script, so Portico's
 * copies of those templates (portal/security/templates/wagtailadmin/) and its
 * chooser widgets (portal/security/choosers.py) write the same call as data:
 * <script type="application/json" data-portico-init="...">. This file is
 * loaded before the page's content and makes each call as soon as its data
 * has been parsed, where the inline script would have run: before Wagtail's
 * controllers start (they move a chooser's menu out of the chooser, for one).
 * Data added later (a new inline form, a modal's content) is started too.
 */
(function () {
  "use strict";

  var starters = {
    "inline-panel": function (options) {
      new window.InlinePanel(options);
    },
    "multiple-chooser-panel": function (options) {
      new window.MultipleChooserPanel(options);
    },
    "date-chooser": function (config, id) {
      window.initDateChooser(id, config);
    },
    "time-chooser": function (config, id) {
      window.initTimeChooser(id, config);
    },
    "datetime-chooser": function (config, id) {
      window.initDateTimeChooser(id, config);
    },
    // Image, document, page, snippet and task choosers.
    chooser: function (start) {
      if (start.construct) {
        Reflect.construct(window[start.construct], start.args);
      } else {
        window[start.call].apply(window, start.args);
      }
    },
  };

  function start(element) {
    // Inside a <template> (an empty inline form) nothing is started: the
    // copy that is added to the page is.
    if (element.dataset.porticoStarted || element.closest("template")) {
      return;
    }
    var data;
    try {
      data = JSON.parse(element.textContent);
    } catch (error) {
      return; // still being parsed: its text arrives in a later record
    }
    element.dataset.porticoStarted = "true";
    starters[element.dataset.porticoInit](data, element.dataset.porticoFor);
  }

  function startAll(node) {
    if (!node || node.nodeType !== Node.ELEMENT_NODE) {
      return;
    }
    if (node.matches("[data-portico-init]")) {
      start(node);
    }
    node.querySelectorAll("[data-portico-init]").forEach(start);
  }

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "characterData") {
        startAll(record.target.parentNode);
        return;
      }
      startAll(record.target.matches && record.target.matches("[data-portico-init]")
        ? record.target
        : null);
      record.addedNodes.forEach(startAll);
    });
  }).observe(document.documentElement, {
    childList: true,
    subtree: true,
    characterData: true,
  });
  document.addEventListener("DOMContentLoaded", function () {
    startAll(document.documentElement);
  });
})();
