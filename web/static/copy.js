// rollcall console: "copy" buttons. <button data-copy="ID" data-copied="TEXT"
// data-copy-failed="TEXT" hidden> copies the value of the element ID and
// says so in the element "ID-status" (a live region). Without JavaScript
// the button stays hidden and the link can be selected and copied by hand.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    var status = document.getElementById(id + "-status");
    if (!source) { return; }
    var say = function (text) { if (status) { status.textContent = text; } };
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.value || source.textContent;
      var fallback = function () {
        source.focus();
        if (source.select) { source.select(); }
        say(button.getAttribute("data-copy-failed"));
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () {
          say(button.getAttribute("data-copied"));
        }, fallback);
      } else {
        fallback();
      }
    });
  });
})();
