// Public report form: offer the phone's position, and show name/phone only for named reports.
// The form works without this file; it only adds conveniences.
(function () {
  "use strict";
  const form = document.querySelector('[data-testid="whistle-form"]');
  if (!form) return;
  const texts = JSON.parse(document.getElementById("yingji-i18n").textContent);
  const named = form.querySelector('[data-role="named"]');
  function toggleNamed() {
    const choice = form.querySelector('input[name="anonymous"]:checked');
    named.hidden = !choice || choice.value !== "false";
  }
  form.querySelectorAll('input[name="anonymous"]').forEach((el) => el.addEventListener("change", toggleNamed));
  toggleNamed();

  const button = form.querySelector('[data-role="locate"]');
  const status = form.querySelector('[data-role="locate-status"]');
  const lon = form.querySelector('[data-role="lon"]');
  const lat = form.querySelector('[data-role="lat"]');
  if (lon.value && lat.value) status.textContent = `${texts["whistle.located"]} ${lon.value}, ${lat.value}`;
  if (!("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    status.textContent = texts["common.loading"];
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        lon.value = pos.coords.longitude.toFixed(6);
        lat.value = pos.coords.latitude.toFixed(6);
        status.textContent = `${texts["whistle.located"]} ${lon.value}, ${lat.value}`;
      },
      () => { status.textContent = texts["whistle.locate_failed"]; },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
})();
