// rollcall projector view: keeps the check-in count and the rotating QR
// code up to date without reloading. Without JavaScript the page reloads
// itself (a <noscript> refresh) instead.
(function () {
  "use strict";
  var root = document.querySelector("[data-present]");
  if (!root) { return; }
  var url = root.getAttribute("data-present");
  var count = document.getElementById("present-count");
  var label = document.getElementById("present-count-label");
  var split = document.getElementById("present-split");
  var qr = document.getElementById("present-qr");
  var status = document.getElementById("present-status");
  var every = 3000;

  function update(data) {
    if (count && String(data.count) !== count.textContent) {
      count.textContent = String(data.count);
      if (label && data.count_label) { label.textContent = data.count_label; }
    }
    if (split && data.split && split.textContent !== data.split) {
      split.textContent = data.split;
    }
    if (qr && data.qr_svg && qr.getAttribute("data-token") !== data.token) {
      // The SVG comes from this server and holds only paths.
      var doc = new DOMParser().parseFromString(data.qr_svg, "image/svg+xml");
      var svg = doc.documentElement;
      if (svg && svg.nodeName.toLowerCase() === "svg") {
        qr.replaceChildren(document.importNode(svg, true));
        qr.setAttribute("data-token", data.token);
      }
    }
    if (data.state !== "open") { window.location.reload(); }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      })
      .then(function (data) {
        update(data);
        if (status) { status.hidden = true; }
      })
      .catch(function () {
        if (status) { status.hidden = false; }
      })
      .then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);

  // Full screen for the projector: the button (or the F key) where the
  // browser allows it; Esc leaves as usual.
  var full = document.getElementById("present-full");
  var el = document.documentElement;
  if (full && el.requestFullscreen) {
    full.hidden = false;
    var enter = function () {
      if (!document.fullscreenElement) { el.requestFullscreen().catch(function () {}); }
    };
    full.addEventListener("click", enter);
    document.addEventListener("keydown", function (e) {
      if ((e.key === "f" || e.key === "F") && !e.ctrlKey && !e.metaKey && !e.altKey) { enter(); }
    });
    document.addEventListener("fullscreenchange", function () {
      full.hidden = !!document.fullscreenElement;
    });
  }
})();
