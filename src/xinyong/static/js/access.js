// 适老化/无障碍 mode (larger type, high contrast): the class "access" on <html>, remembered in localStorage so it
// stays on across pages and visits. Loaded in <head> (not deferred) so a page never shows unstyled first; a static
// file because the Content-Security-Policy refuses inline scripts.
(function () {
  var KEY = "xinyong-access-mode";
  var root = document.documentElement;
  function remembered() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (e) { return false; }
  }
  function show(on) {
    root.classList.toggle("access", on);
    var buttons = document.querySelectorAll("[data-access-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      buttons[i].textContent = on ? "退出适老化模式" : "适老化模式";
    }
  }
  show(remembered());
  document.addEventListener("DOMContentLoaded", function () { show(root.classList.contains("access")); });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || !target.closest("[data-access-toggle]")) return;
    var on = !root.classList.contains("access");
    try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode: this page only */ }
    show(on);
  });
})();
