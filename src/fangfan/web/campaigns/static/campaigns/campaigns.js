// The visit form: the rectification fields only when 后续处理 is 转整改问题 (no inline script: CSP).
(function () {
  function update(form) {
    var choice = form.querySelector("select[name=follow_up]");
    var part = form.querySelector(".camp-rectification");
    if (choice && part) {
      part.hidden = choice.value !== part.getAttribute("data-shown-for");
    }
  }
  function wire(root) {
    root.querySelectorAll("form.camp-action-record_visit").forEach(function (form) {
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSwap", function (event) { wire(event.target); });
})();
