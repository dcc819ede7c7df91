// Small behaviours the pages once had as inline handlers (onchange=, onclick=), which the Content-Security-Policy
// refuses: a <select data-autosubmit> submits its form when changed; a <button data-print> prints the page.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target instanceof Element && target.closest("[data-print]")) {
    window.print();
  }
});
