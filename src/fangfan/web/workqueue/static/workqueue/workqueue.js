// A refused action (400: the form is incomplete; 409: the finding moved on) comes back
// as the page with the reason in it: let htmx show it instead of ignoring the answer.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 400 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
