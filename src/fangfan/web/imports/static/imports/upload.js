// The upload form: warn before sending a file the server will refuse for its type or size.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = form.querySelector("input[type=file]");
  var warning = document.getElementById("file-warning");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var accepted = [".xlsx", ".xls", ".csv"];

  function problemWith(file) {
    var name = file.name.toLowerCase();
    var suffix = name.lastIndexOf(".") >= 0 ? name.slice(name.lastIndexOf(".")) : "";
    if (accepted.indexOf(suffix) < 0) {
      return "不支持“" + (suffix || "无扩展名") + "”文件，请选择 .xlsx、.xls 或 .csv 格式的导出表格。";
    }
    if (maxBytes && file.size > maxBytes) {
      return "文件太大（" + (file.size / 1048576).toFixed(1) + " MB），单个文件不能超过 " + (maxBytes / 1048576).toFixed(0) + " MB。";
    }
    return "";
  }

  function check() {
    var file = input.files && input.files[0];
    var message = file ? problemWith(file) : "";
    warning.textContent = message;
    warning.hidden = !message;
    return !message;
  }

  input.addEventListener("change", check);
  form.addEventListener("submit", function (event) {
    if (!check()) { event.preventDefault(); }
  });
})();
