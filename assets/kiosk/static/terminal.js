// The counter's tablet: shows the rating the one-stop software (or the
// official) opened at this counter, for which dossier, and lets the
// official open one by a tap after serving where no one-stop software is
// integrated. The node binds the tablet's next rating to the opened one;
// this only tells the citizen what they are rating.
"use strict";
(function () {
  const main = document.getElementById("survey");
  const counter = main && main.dataset.counter;
  if (!counter) return; // a lobby screen
  const vi = document.documentElement.lang !== "en";
  const t = vi
    ? { dossier: "Đánh giá hồ sơ", at: "tại quầy", staff: "Dành cho cán bộ", tag: "Cán bộ", open: "Mở đánh giá", opened: "Mời Ông/Bà đánh giá dịch vụ vừa nhận tại quầy" }
    : { dossier: "Rating dossier", at: "at counter", staff: "For the official", tag: "Official", open: "Open a rating", opened: "Please rate the service you just received at counter" };
  const path = "/api/v1/counters/" + encodeURIComponent(counter) + "/open";
  const banner = document.createElement("p");
  banner.className = "opened";
  banner.id = "opened";
  banner.setAttribute("role", "status");
  banner.hidden = true;
  // The official's control: a small button in the corner below the
  // citizen's screen, marked for staff, never a bar as wide as the faces
  // it would compete with. It stays in the tab order after the survey.
  const staff = document.createElement("div");
  staff.className = "staff";
  staff.setAttribute("role", "group");
  staff.setAttribute("aria-label", t.staff);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "open-rating";
  const tag = document.createElement("span");
  tag.className = "staff-tag";
  tag.textContent = t.tag;
  button.append(tag, " " + t.open);
  staff.appendChild(button);
  const form = document.getElementById("rating-form");
  const where = form || main;
  where.insertBefore(banner, where.firstChild);
  main.appendChild(staff);

  const thanks = document.getElementById("thanks");
  function show(o) {
    if (!o) { banner.hidden = true; return; }
    // A rating opened for the next citizen ends the last one's thank-you
    // screen (kiosk.js starts over on a tap on it).
    if (thanks && !thanks.hidden) thanks.click();
    banner.textContent = o.dossier ? t.dossier + " " + o.dossier + " " + t.at + " " + o.counter : t.opened + " " + o.counter;
    banner.hidden = false;
  }
  async function poll() {
    try {
      const res = await fetch(path, { credentials: "same-origin", cache: "no-store" });
      show(res.ok ? await res.json() : null);
    } catch (e) { /* the node is restarting: keep what is shown */ }
    setTimeout(poll, 3000);
  }
  button.addEventListener("click", async () => {
    try {
      const res = await fetch(path, { method: "POST", credentials: "same-origin" });
      if (res.ok) show(await res.json());
    } catch (e) { /* try again */ }
  });
  poll();
})();
