// 驻村签到: when the member ticks "记录我的位置", ask the browser for its position and put it in
// the form's hidden fields before sending. The time is always the server's. No position, no problem.
(function () {
  "use strict";
  function ready() {
    var form = document.getElementById("checkin-form");
    var locate = document.getElementById("checkin-locate");
    var note = document.getElementById("checkin-position");
    if (!form || !locate) { return; }
    if (!("geolocation" in navigator)) {
      locate.disabled = true;
      note.textContent = "此浏览器不能定位，将只记录签到时间。";
      return;
    }
    locate.addEventListener("change", function () {
      if (!locate.checked) {
        ["latitude", "longitude", "accuracy"].forEach(function (name) {
          document.getElementById("checkin-" + name).value = "";
        });
        note.textContent = "";
        return;
      }
      note.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("checkin-latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("checkin-longitude").value = position.coords.longitude.toFixed(6);
        document.getElementById("checkin-accuracy").value = Math.round(position.coords.accuracy);
        note.textContent = "已定位，精度约" + Math.round(position.coords.accuracy) + "米。";
      }, function () {
        locate.checked = false;
        note.textContent = "未能定位（未允许或信号弱），将只记录签到时间。";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
}());
