// Time zone fields (templates/macros.html, zone_input): the browser knows the person's zone.
// A first value marked data-guess-zone becomes the browser's zone; a saved one gets a button
// offering it. The server still checks the name. Here, not inline: the CSP forbids inline script.
(function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  function offered(input) {
    var list = input.list;
    return !list || Array.prototype.some.call(list.options, function (option) {
      return option.value === zone;
    });
  }
  document.querySelectorAll("input[data-guess-zone]").forEach(function (input) {
    if (input.value === input.dataset.guessZone && input.value !== zone && offered(input)) {
      input.value = zone;
      var hint = input.parentElement.querySelector("[data-zone-guessed]");
      if (hint) {
        hint.hidden = false;
      }
    }
  });
  document.querySelectorAll("button[data-use-zone]").forEach(function (button) {
    var input = document.getElementById(button.dataset.useZone);
    if (!input || input.value === zone || !offered(input)) {
      return;
    }
    button.textContent = button.dataset.label.replace("{zone}", zone);
    button.hidden = false;
    button.addEventListener("click", function () {
      input.value = zone;
      button.hidden = true;
      input.focus();
    });
  });
})();
