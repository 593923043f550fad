// The supermarket pages. Everything here is an aid: each page works without it.
//
// 1. At the counter, read the household's door-plate QR code with the phone camera (jsQR,
//    vendored in static/vendor/jsqr) and open its basket. The QR code holds the address of the
//    door-plate page, https://host/h/<token>/; the server reads the token from it.
// 2. On a basket, one-tap steppers beside each quantity and a running total.
(function () {
  "use strict";

  // 1. The camera -------------------------------------------------------------------------

  const PLATE = /\/h\/[A-Za-z0-9_-]{8,32}\/?|^[A-Za-z0-9_-]{8,32}$/;
  const MAX_WIDTH = 640; // enough for a door-plate code at arm's length, cheap on old phones

  function setUpScanner() {
    const start = document.getElementById("scan-start");
    const form = document.getElementById("plate-form");
    const input = document.getElementById("id_plate");
    const scanner = document.getElementById("scanner");
    const video = document.getElementById("scan-video");
    const unavailable = document.getElementById("scan-unavailable");
    if (!start || !form || !input || !scanner || !video) {
      return;
    }
    const media = navigator.mediaDevices;
    if (!media || typeof media.getUserMedia !== "function" || typeof window.jsQR !== "function") {
      return; // no camera API (an old browser, or a page not served over HTTPS): type or search
    }
    const startLabel = start.textContent;
    const stopLabel = start.dataset.scanningLabel || startLabel;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let stream = null;
    let frame = 0;

    function stop() {
      if (frame) {
        cancelAnimationFrame(frame);
        frame = 0;
      }
      if (stream) {
        stream.getTracks().forEach((track) => track.stop());
        stream = null;
      }
      video.srcObject = null;
      scanner.hidden = true;
      start.textContent = startLabel;
      start.setAttribute("aria-pressed", "false");
    }

    function look() {
      frame = 0;
      if (!stream) {
        return;
      }
      if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth > 0) {
        const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = window.jsQR(image.data, image.width, image.height, {
          inversionAttempts: "dontInvert",
        });
        if (code && code.data && PLATE.test(code.data.trim())) {
          stop();
          input.value = code.data.trim();
          if (typeof form.requestSubmit === "function") {
            form.requestSubmit();
          } else {
            form.submit();
          }
          return;
        }
      }
      frame = requestAnimationFrame(look);
    }

    async function begin() {
      try {
        stream = await media.getUserMedia({
          video: { facingMode: { ideal: "environment" } },
          audio: false,
        });
      } catch (error) {
        stream = null;
        if (unavailable) {
          unavailable.textContent = unavailable.dataset.denied || "";
          unavailable.hidden = false;
        }
        return;
      }
      video.srcObject = stream;
      scanner.hidden = false;
      start.textContent = stopLabel;
      start.setAttribute("aria-pressed", "true");
      try {
        await video.play();
      } catch (error) {
        // Some browsers refuse play() until the stream starts; the frames still arrive.
      }
      frame = requestAnimationFrame(look);
    }

    start.hidden = false;
    start.setAttribute("aria-pressed", "false");
    start.addEventListener("click", () => {
      if (stream) {
        stop();
      } else {
        begin();
      }
    });
    // Let go of the camera when the keeper leaves the page.
    window.addEventListener("pagehide", stop);
  }

  // 2. The basket -------------------------------------------------------------------------

  function setUpBasket() {
    const inputs = Array.from(document.querySelectorAll("input.quantity[data-price]"));
    const total = document.getElementById("basket-total");
    const totalLine = document.getElementById("basket-total-line");
    if (!inputs.length) {
      return;
    }

    function quantityOf(input) {
      const value = parseInt(input.value, 10);
      return Number.isFinite(value) && value > 0 ? value : 0;
    }

    function update() {
      if (!total) {
        return;
      }
      const sum = inputs.reduce(
        (points, input) => points + quantityOf(input) * parseInt(input.dataset.price, 10),
        0,
      );
      total.textContent = String(sum);
    }

    function stepper(input, label, change) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "step";
      button.textContent = change > 0 ? "+" : "−";
      button.setAttribute("aria-label", label);
      button.addEventListener("click", () => {
        const max = input.max === "" ? 999 : parseInt(input.max, 10);
        input.value = String(Math.min(max, Math.max(0, quantityOf(input) + change)));
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      return button;
    }

    inputs.forEach((input) => {
      input.addEventListener("input", update);
      const holder = input.closest(".stepper");
      if (holder && !input.disabled) {
        holder.insertBefore(stepper(input, holder.dataset.less || "−", -1), input);
        holder.appendChild(stepper(input, holder.dataset.more || "+", 1));
      }
    });
    if (totalLine) {
      totalLine.hidden = false;
    }
    update();
  }

  setUpScanner();
  setUpBasket();
})();
