// videobert explore: seeking the player from the timeline and transcript; progress on search.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var timed = Array.prototype.slice.call(document.querySelectorAll("[data-t]"));

  function seek(t) {
    if (!player || !isFinite(t)) return;
    player.currentTime = t;
  }

  document.addEventListener("click", function (e) {
    if (!player) return;
    if (e.target.closest("a")) return; // word links inside a sentence navigate
    var el = e.target.closest("[data-t]");
    if (!el) return;
    e.preventDefault();
    var t = parseFloat(el.getAttribute("data-t"));
    seek(t);
    history.replaceState(null, "", "#t=" + t.toFixed(2));
  });

  if (player) {
    var m = /t=([0-9.]+)/.exec(location.hash);
    if (m) {
      var t0 = parseFloat(m[1]);
      if (player.readyState >= 1) seek(t0);
      else player.addEventListener("loadedmetadata", function () { seek(t0); }, { once: true });
      seek(t0);
    }
    player.addEventListener("timeupdate", function () {
      var t = player.currentTime;
      timed.forEach(function (el) {
        var a = parseFloat(el.getAttribute("data-t")), b = parseFloat(el.getAttribute("data-end"));
        el.classList.toggle("now", t >= a && t < b);
      });
    });
  }

  var form = document.getElementById("search");
  if (form) {
    form.addEventListener("submit", function () {
      var busy = document.getElementById("busy");
      if (busy) busy.hidden = false;
    });
  }
})();
