// rollcall pages that follow the server (a receipt waiting for its proof,
// live arrivals): instead of reloading on a timer, poll a small JSON
// document and reload only when what the page shows has changed.
// <body data-live="URL" data-live-key="MEMBER" data-live-value="JSON">
// Without JavaScript the page reloads itself (a <noscript> refresh).
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root) { return; }
  var url = root.getAttribute("data-live");
  var key = root.getAttribute("data-live-key");
  var shown = root.getAttribute("data-live-value");
  var every = 3000;

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var value = data ? data[key] : undefined;
        if (data && JSON.stringify(value === undefined ? null : value) !== shown) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, every);
      })
      .catch(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
})();
