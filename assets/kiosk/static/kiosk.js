// The kiosk screen: collects one rating, posts it with an id made at the tap
// (so a retry never counts twice), thanks the citizen and starts over.
"use strict";
(function () {
  const main = document.getElementById("survey");
  const form = document.getElementById("rating-form");
  const thanks = document.getElementById("thanks");
  const errorBox = document.getElementById("form-error");
  const msgs = document.getElementById("messages").dataset;
  const resetAfter = Number(main.dataset.resetSeconds || 8) * 1000;
  let idleTimer = null;

  // UUIDv7: 48-bit Unix milliseconds, version and variant bits, randomness.
  function uuidv7() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    let ms = Date.now();
    for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function collect() {
    const answers = {};
    let missing = false;
    form.querySelectorAll("fieldset[data-question]").forEach((fs) => {
      const id = fs.dataset.question;
      if (fs.dataset.kind === "text") {
        const v = fs.querySelector("textarea").value.trim();
        if (v) answers[id] = v;
      } else {
        const c = fs.querySelector("input:checked");
        if (c) answers[id] = Number(c.value);
      }
      if (fs.dataset.required && !(id in answers)) missing = true;
    });
    return { answers, missing };
  }

  function reset() {
    if (typeof armPhoneQR === "function") armPhoneQR();
    form.reset();
    form.hidden = false;
    thanks.hidden = true;
    errorBox.hidden = true;
    form.querySelector(".send").disabled = false;
    pendingID = null;
    window.scrollTo(0, 0);
  }

  // The id is kept until the rating is stored, so pressing send again after
  // a network error re-sends the same rating rather than a second one.
  let pendingID = null;

  async function send(ev) {
    ev.preventDefault();
    const { answers, missing } = collect();
    if (missing) { errorBox.textContent = msgs.required; errorBox.hidden = false; return; }
    pendingID = pendingID || uuidv7();
    const body = { id: pendingID, questionnaire: main.dataset.questionnaire, answers };
    if (main.dataset.counter) body.counter = main.dataset.counter;
    if (main.dataset.official) body.official = main.dataset.official;
    const button = form.querySelector(".send");
    button.disabled = true;
    try {
      const res = await fetch("/api/v1/ratings", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (res.status !== 201 && res.status !== 200) throw new Error("status " + res.status);
      form.hidden = true;
      thanks.hidden = false;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(reset, resetAfter);
    } catch (e) {
      errorBox.textContent = msgs.failed;
      errorBox.hidden = false;
      button.disabled = false;
    }
  }

  // When nobody has touched the screen for a while, offer walk-in citizens
  // a code to rate on their own phone; any touch brings the survey back.
  const phoneQR = document.getElementById("phone-qr");
  const idleAfter = Number(main.dataset.idleSeconds || 30) * 1000;
  let qrTimer = null;
  function untouched() {
    return form.hidden === false && !form.querySelector("input:checked") && !form.querySelector("textarea").value;
  }
  async function showPhoneQR() {
    if (main.dataset.walkIn !== "true" || !untouched()) return;
    try {
      const res = await fetch("/api/v1/tokens/walk-in", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ terminal: main.dataset.terminal }) });
      if (!res.ok) return;
      const code = await res.json();
      const img = document.getElementById("phone-qr-img");
      // Show the code once it is drawn, never an empty frame.
      img.onload = () => { if (untouched()) phoneQR.hidden = false; };
      if (img.getAttribute("src") === code.qr_png && img.complete && img.naturalWidth > 0) {
        phoneQR.hidden = false; // the same code as last time, already drawn
      } else {
        img.src = code.qr_png;
      }
    } catch (e) { /* offline from its own node: keep the survey */ }
  }
  function armPhoneQR() {
    clearTimeout(qrTimer);
    qrTimer = setTimeout(showPhoneQR, idleAfter);
  }
  phoneQR.addEventListener("pointerdown", (ev) => { ev.stopPropagation(); phoneQR.hidden = true; armPhoneQR(); });
  document.addEventListener("pointerdown", armPhoneQR);
  armPhoneQR();

  form.addEventListener("submit", send);
  thanks.addEventListener("click", reset);
  // A half-filled form left by someone who walked away is cleared too.
  document.addEventListener("pointerdown", () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(reset, 60000);
  });
})();
