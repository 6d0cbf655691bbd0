// Ask before a form with data-confirm is sent (the text is in the page's language).
// Here, not in an onsubmit attribute: the Content-Security-Policy forbids inline script.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);
