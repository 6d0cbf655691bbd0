// Keyboard shortcuts on task lists: j/k move, x ticks, s selects, o opens, / searches,
// ? shows the help overlay (templates/_shortcuts.html). No inline script: CSP-friendly.
(function () {
  "use strict";
  var current = null; // the id of the task row in focus

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("li.task"));
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function focusRow(row) {
    rows().forEach(function (r) { r.classList.remove("current"); });
    if (!row) return;
    row.classList.add("current");
    current = row.id;
    var link = row.querySelector("a.title");
    if (link) link.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    var row = current && document.getElementById(current);
    if (row) return row;
    var active = document.activeElement && document.activeElement.closest && document.activeElement.closest("li.task");
    return active || null;
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var row = currentRow();
    var index = row ? all.indexOf(row) + step : (step > 0 ? 0 : all.length - 1);
    focusRow(all[Math.max(0, Math.min(all.length - 1, index))]);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var help = document.getElementById("shortcuts-help");
    var row = currentRow();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "x":
        if (!row) return;
        var tick = row.querySelector(".tick button:not([disabled])");
        if (tick) tick.click();
        break;
      case "s":
        if (!row) return;
        var pick = row.querySelector("input.pick");
        if (pick) pick.checked = !pick.checked;
        break;
      case "o":
        if (!row) return;
        var link = row.querySelector("a.title");
        if (link) window.location.href = link.href;
        break;
      case "/":
        var search = document.querySelector("input[name=q]");
        if (!search) return;
        search.focus();
        break;
      case "?":
        if (help && help.showModal && !help.open) help.showModal();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // A row ticked through htmx is swapped for a new one: keep it in focus.
  document.addEventListener("htmx:afterSwap", function (event) {
    var row = event.detail && event.detail.elt;
    if (row && row.id && row.id === current) focusRow(row);
  });

  document.addEventListener("click", function (event) {
    if (event.target && event.target.matches && event.target.matches("[data-close-help]")) {
      var help = document.getElementById("shortcuts-help");
      if (help) help.close();
    }
    if (event.target && event.target.matches && event.target.matches("[data-open-help]")) {
      var dialog = document.getElementById("shortcuts-help");
      if (dialog && dialog.showModal) dialog.showModal();
    }
  });
})();
