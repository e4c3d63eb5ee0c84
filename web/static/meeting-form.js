// The meeting form: a new meeting's time zone starts as the browser's own
// (when the server knows it); the secretary can still pick another.
"use strict";
(() => {
  const zone = document.getElementById("timezone");
  if (!zone || zone.dataset.browserDefault === undefined) return;
  let mine = "";
  try {
    mine = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  const known = Array.from(document.querySelectorAll("#zones option")).some((o) => o.value === mine);
  if (known) zone.value = mine;
})();
