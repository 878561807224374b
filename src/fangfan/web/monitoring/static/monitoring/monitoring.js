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

// The visit form works the account out as the cadre types (the server works it out again
// on saving): net income, per capita over the registry's household size, against the line.
function showEstimate(form) {
  var output = form.querySelector("#visit-estimate");
  if (!output) {
    return;
  }
  var amount = function (name) {
    var field = form.elements.namedItem(name);
    var value = field ? parseFloat(field.value) : 0;
    return isNaN(value) ? 0 : value;
  };
  var net = amount("wage_income") + amount("business_income") + amount("property_income") +
    amount("transfer_income") - amount("business_cost");
  // A household the registry holds no size for has its size typed in; until then the
  // per-capita income is not guessed (the server refuses it too: 人口数未知).
  var size = parseInt(output.dataset.size, 10) || amount("household_size");
  var yuanText = function (value) {
    return Math.round(value).toLocaleString("zh-CN");
  };
  if (!size) {
    output.textContent = "家庭纯收入 " + yuanText(net) + " 元；人口数未知，请填写家庭人口数后计算人均纯收入";
    output.classList.remove("below");
    return;
  }
  var threshold = parseFloat(output.dataset.threshold);
  var perCapita = net / size;
  var yuan = function (value) {
    return Math.round(value).toLocaleString("zh-CN");
  };
  var below = output.dataset.below || "低于监测标准，保存后将生成发现线索";
  var verdict = perCapita < threshold ? below : "不低于监测标准";
  output.textContent = "家庭纯收入 " + yuan(net) + " 元，人均 " + yuan(perCapita) + " 元（" + verdict + "）";
  output.classList.toggle("below", perCapita < threshold);
}

document.addEventListener("input", function (event) {
  var target = event.target;
  if (target instanceof Element && target.closest("form.mon-money")) {
    showEstimate(target.closest("form.mon-money"));
  }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.mon-money").forEach(showEstimate);
});
