// The pairing screen of an unpaired terminal: it shows its code and asks
// the node every few seconds whether an administrator has paired it; once
// paired, the node sets the device cookie and the survey opens.
"use strict";
(function () {
  const main = document.getElementById("pairing");
  const code = document.getElementById("pair-code");
  const status = document.getElementById("pair-status");
  async function poll() {
    try {
      const res = await fetch("/api/v1/pairing", { credentials: "same-origin", cache: "no-store" });
      if (res.ok) {
        const p = await res.json();
        if (p.paired) {
          status.textContent = main.dataset.done;
          window.location.reload();
          return;
        }
        if (p.code && p.code !== code.textContent) code.textContent = p.code;
      }
    } catch (e) { /* the node is restarting: ask again */ }
    setTimeout(poll, 2000);
  }
  setTimeout(poll, 2000);
})();
