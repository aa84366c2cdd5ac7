/* Parent–child binding pages (no inline script; CSP). Deck 親子帳號綁定操作指引(5)–(6).
 * 1. Consent: the tick is enabled only once the statement has been scrolled to its end.
 * 2. Signature: draw the full name on a canvas with a mouse, a finger or a pen (pointer
 *    events, with touch events as a fallback); the PNG data URL goes into a hidden input. */
(function () {
  "use strict";

  function setupConsent() {
    var boxes = document.querySelectorAll("input[data-requires-scroll]");
    Array.prototype.forEach.call(boxes, function (tick) {
      var box = document.getElementById(tick.getAttribute("data-requires-scroll"));
      var hint = document.getElementById("scroll-hint");
      if (!box) { return; }
      function atEnd() { return box.scrollTop + box.clientHeight >= box.scrollHeight - 8; }
      function update() {
        if (atEnd()) {
          tick.disabled = false;
          if (hint) { hint.hidden = true; }
          box.removeEventListener("scroll", update);
        }
      }
      tick.disabled = true;
      box.addEventListener("scroll", update, { passive: true });
      update();
    });
  }

  function setupSignature() {
    var canvas = document.getElementById("signature-pad");
    if (!canvas) { return; }
    var target = document.getElementById(canvas.getAttribute("data-target"));
    var clear = document.getElementById("signature-clear");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var last = null;
    var inked = false;

    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111111";

    if (target && target.value.indexOf("data:image/png;base64,") === 0) {
      var img = new Image();
      img.onload = function () { ctx.drawImage(img, 0, 0, canvas.width, canvas.height); inked = true; };
      img.src = target.value;
    }

    function point(clientX, clientY) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: (clientX - rect.left) * (canvas.width / rect.width),
        y: (clientY - rect.top) * (canvas.height / rect.height)
      };
    }
    function start(p) { drawing = true; last = p; ctx.beginPath(); ctx.arc(p.x, p.y, 1, 0, 2 * Math.PI); ctx.fill(); }
    function move(p) {
      if (!drawing) { return; }
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      inked = true;
    }
    function end() {
      if (!drawing) { return; }
      drawing = false;
      if (target && inked) { target.value = canvas.toDataURL("image/png"); }
    }

    if (window.PointerEvent) {
      canvas.addEventListener("pointerdown", function (e) {
        e.preventDefault();
        canvas.setPointerCapture(e.pointerId);
        start(point(e.clientX, e.clientY));
      });
      canvas.addEventListener("pointermove", function (e) { if (drawing) { e.preventDefault(); move(point(e.clientX, e.clientY)); } });
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
      canvas.addEventListener("pointerleave", end);
    } else {
      canvas.addEventListener("mousedown", function (e) { start(point(e.clientX, e.clientY)); });
      canvas.addEventListener("mousemove", function (e) { move(point(e.clientX, e.clientY)); });
      window.addEventListener("mouseup", end);
      canvas.addEventListener("touchstart", function (e) { e.preventDefault(); var t = e.touches[0]; start(point(t.clientX, t.clientY)); }, { passive: false });
      canvas.addEventListener("touchmove", function (e) { e.preventDefault(); var t = e.touches[0]; move(point(t.clientX, t.clientY)); }, { passive: false });
      canvas.addEventListener("touchend", end);
    }

    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        inked = false;
        if (target) { target.value = ""; }
      });
    }
  }

  function init() { setupConsent(); setupSignature(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
