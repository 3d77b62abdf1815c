// Wagtail page editor: an inline panel whose <section> carries
// data-inline-heading-field="<field>" heads each of its child forms with that
// field's value (a staff member's name) instead of "Staff member 1", "2", ...
// The heading follows the field as the editor types; an empty field brings
// the numbered label back.
(function () {
  "use strict";

  var PANEL = "[data-inline-heading-field]";
  var CHILD = "[data-inline-panel-child]";

  function labelNode(heading) {
    for (var node = heading.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === Node.TEXT_NODE && node.nodeValue.trim()) return node;
    }
    return null;
  }

  function nameChild(child, fieldName) {
    var input = child.querySelector('input[name$="-' + fieldName + '"]');
    var heading = child.querySelector("[data-panel-heading-text]");
    if (!input || !heading) return;
    var label = labelNode(heading);
    if (!label) return;
    if (!("defaultLabel" in heading.dataset)) {
      heading.dataset.defaultLabel = label.nodeValue.trim();
    }
    var name = input.value.trim();
    label.nodeValue = name || heading.dataset.defaultLabel;
    var count = heading.querySelector("[data-inline-panel-child-count]");
    if (count) count.hidden = Boolean(name);
  }

  function nameAll() {
    document.querySelectorAll(PANEL).forEach(function (panel) {
      var fieldName = panel.dataset.inlineHeadingField;
      panel.querySelectorAll(CHILD).forEach(function (child) {
        nameChild(child, fieldName);
      });
    });
  }

  document.addEventListener("input", function (event) {
    var panel = event.target.closest(PANEL);
    var child = event.target.closest(CHILD);
    if (panel && child) nameChild(child, panel.dataset.inlineHeadingField);
  });

  if (document.readyState !== "loading") nameAll();
  else document.addEventListener("DOMContentLoaded", nameAll);
})();
