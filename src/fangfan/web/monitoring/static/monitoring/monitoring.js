// 监测帮扶 pages: no inline script under the Content Security Policy, so behaviour lives here.

// A refused step (400: the form is incomplete; 409: the case moved on or a date is wrong)
// comes back as the page with the reason in it: let htmx show it.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 400 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// The notice's 打印公示 button.
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target instanceof Element && target.closest("[data-print]")) {
    window.print();
  }
});
