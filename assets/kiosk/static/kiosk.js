// The kiosk screen. One tap on a face is the rating: it is posted at once
// with an id made at the tap (a retry never counts twice) and held open on
// the node; the optional follow-up pages amend the same rating (PATCH, the
// id the node answered with) and "done" closes it. A screen left alone
// warns with a countdown and a way to continue, then starts over in
// Vietnamese for the next citizen.
//
// Other scripts of the terminal (paired terminals, counter tablets) may set
// window.kioskHooks before or after this one loads:
//   headers()      extra request headers for the node (a device token);
//   rating(body)   called with a new rating's body before it is posted;
//   recorded(id)   called once the node has stored a rating.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const main = $("survey");
  const d = main.dataset;
  const start = $("start"), follow = $("follow-ups"), thanks = $("thanks"), warn = $("idle-warning");
  const tapError = $("tap-error"), msgs = $("messages").dataset;
  const faces = Array.from(start.querySelectorAll(".face"));
  const pages = Array.from(follow.querySelectorAll(".page"));
  const back = follow.querySelector(".back"), next = follow.querySelector(".next");
  const secs = (v, dflt) => Number(v || dflt) * 1000;
  const resetAfter = secs(d.resetSeconds, 8), idleReset = secs(d.idleResetSeconds, 60);
  const idleWarn = secs(d.idleWarnSeconds, 20), idleQR = secs(d.idleSeconds, 30);
  const hooks = (window.kioskHooks = window.kioskHooks || {});

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

  // The node answers a refusal (a dossier rated already) in the screen's
  // language.
  function send(method, url, body, keepalive) {
    const headers = Object.assign({ "Content-Type": "application/json", "Accept-Language": d.lang }, hooks.headers ? hooks.headers() : {});
    return fetch(url, { method, headers, body: JSON.stringify(body), keepalive: !!keepalive });
  }

  function show(view) {
    for (const v of [start, follow, thanks]) v.hidden = v !== view;
    window.scrollTo(0, 0);
    activity();
  }

  // --- Spoken prompts: a speaker button by every text; read aloud, each
  // page's first text is played as it shows. The recordings are files of
  // the node, never a cloud service.
  const speakToggle = $("speak-toggle");
  const speakDefault = d.speak === "true";
  let speaking = speakDefault;
  const player = new Audio();
  let playing = null;
  function play(btn) {
    if (playing) playing.classList.remove("playing");
    playing = btn;
    btn.classList.add("playing");
    player.src = btn.dataset.audio;
    player.play().catch(() => btn.classList.remove("playing")); // autoplay refused: the button still works
  }
  player.addEventListener("ended", () => { if (playing) playing.classList.remove("playing"); playing = null; });
  function stopSpeaking() {
    player.pause();
    if (playing) playing.classList.remove("playing");
    playing = null;
  }
  function speakFirst(container) {
    const b = container.querySelector(".speak");
    if (speaking && b) play(b);
  }
  function setSpeaking(on) {
    speaking = on;
    speakToggle.setAttribute("aria-pressed", String(on));
    if (!on) stopSpeaking();
  }
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest(".speak");
    if (b) { ev.preventDefault(); play(b); }
  });
  speakToggle.addEventListener("click", () => {
    setSpeaking(!speaking);
    speakFirst(current());
    activity();
  });
  follow.addEventListener("change", (ev) => {
    // Read aloud, a chosen option is said back.
    const b = ev.target.closest(".opt-cell") && ev.target.closest(".opt-cell").querySelector(".speak");
    if (speaking && b) play(b);
  });

  // --- Large text.
  const largeToggle = $("large-toggle");
  function setLarge(on) {
    document.documentElement.classList.toggle("large", on);
    largeToggle.setAttribute("aria-pressed", String(on));
  }
  largeToggle.addEventListener("click", () => { setLarge(largeToggle.getAttribute("aria-pressed") !== "true"); activity(); });

  function current() { return [start, follow, thanks].find((v) => !v.hidden) || start; }

  // --- The tap. rating is the citizen's rating once a face is tapped:
  // its id stays the same until the node stored it, so tapping the same
  // face again after a network error re-sends the same rating.
  let rating = null;
  async function tap(btn) {
    const value = Number(btn.dataset.value);
    if (rating && rating.stored) return;
    if (!rating || rating.value !== value) rating = { id: uuidv7(), value, stored: false, closed: false };
    faces.forEach((f) => { f.disabled = true; f.classList.toggle("chosen", f === btn); });
    tapError.hidden = true;
    const body = { id: rating.id, questionnaire: d.questionnaire, answers: { [d.headline]: value }, follow_up: pages.length > 0 };
    if (d.counter) body.counter = d.counter;
    if (d.official) body.official = d.official;
    if (hooks.rating) hooks.rating(body);
    let refused = null;
    try {
      const res = await send("POST", "/api/v1/ratings", body);
      if (res.status === 409) {
        // A dossier rated already: the node says when, and the tap is
        // not recorded; the next one is a rating of its own.
        const p = await res.json().catch(() => null);
        if (p && p.rated_at) refused = p.detail;
      }
      if (res.status !== 201 && res.status !== 200) throw new Error("status " + res.status);
      rating.stored = true;
      // The node names the rating it stored: at a counter, a rating bound
      // to its dossier takes the dossier's id, which the follow-ups amend.
      const got = await res.json().catch(() => null);
      if (got && got.id) rating.id = got.id;
      if (hooks.recorded) hooks.recorded(rating.id);
    } catch (e) {
      if (refused) rating = null;
      tapError.textContent = refused || msgs.failed;
      tapError.hidden = false;
      faces.forEach((f) => { f.disabled = false; f.classList.remove("chosen"); });
      return;
    }
    if (pages.length === 0) { finish(); return; }
    showPage(0);
    show(follow);
    follow.querySelector(".recorded").focus();
    speakFirst(pages[0]);
  }
  faces.forEach((f) => f.addEventListener("click", () => tap(f)));

  // --- Follow-ups, one page at a time.
  let page = 0;
  function answers() {
    const a = { [d.headline]: rating.value };
    follow.querySelectorAll("[data-question]").forEach((q) => {
      if (q.dataset.kind === "text") {
        const v = q.querySelector("textarea").value.trim();
        if (v) a[q.dataset.question] = v;
      } else {
        const c = q.querySelector("input:checked");
        if (c) a[q.dataset.question] = Number(c.value);
      }
    });
    return a;
  }
  // save sends the answers given so far to the node, so a citizen who
  // walks away keeps them; done closes the rating. A failure loses only
  // follow-up answers: the rating itself is stored.
  function save(done, keepalive) {
    if (!rating || !rating.stored || rating.closed) return;
    if (done) rating.closed = true;
    send("PATCH", "/api/v1/ratings/" + rating.id, { answers: answers(), done }, keepalive).catch(() => {});
  }
  const stepText = $("step-text"), stepBar = $("step-bar");
  function showPage(i) {
    page = i;
    pages.forEach((p, j) => { p.hidden = j !== i; });
    back.disabled = i === 0;
    next.disabled = i === pages.length - 1;
    stepText.textContent = stepText.dataset.format.replace("%d", i + 1).replace("%d", pages.length);
    stepBar.value = i + 1;
  }
  next.addEventListener("click", () => {
    save(false);
    showPage(page + 1);
    window.scrollTo(0, 0);
    speakFirst(pages[page]);
  });
  back.addEventListener("click", () => { showPage(page - 1); speakFirst(pages[page]); });
  follow.addEventListener("submit", (ev) => { ev.preventDefault(); save(true); finish(); });

  let thanksTimer = null;
  function finish() {
    stopSpeaking();
    show(thanks);
    thanks.querySelector("h1").focus();
    clearTimeout(thanksTimer);
    thanksTimer = setTimeout(reset, resetAfter);
  }
  thanks.addEventListener("click", reset);

  // reset readies the screen for the next citizen: in Vietnamese, normal
  // text, speech as the centre set it, nothing chosen.
  function reset() {
    save(true, true);
    clearTimeout(thanksTimer);
    hideWarning();
    if (d.lang !== "vi") {
      const vi = document.querySelector('.lang a[data-lang="vi"]');
      if (vi) { location.replace(vi.href); return; }
    }
    rating = null;
    follow.reset();
    faces.forEach((f) => { f.disabled = false; f.classList.remove("chosen"); });
    tapError.hidden = true;
    setLarge(false);
    setSpeaking(speakDefault);
    show(start);
    armPhoneQR();
  }
  // Leaving the page (another language) closes the rating with what was
  // answered, rather than leaving it open until the node's deadline.
  window.addEventListener("pagehide", () => save(true, true));

  // --- Idle: any input (touch, keys, typing) counts. A screen that is not
  // the untouched Vietnamese start warns after idleReset with a countdown
  // of idleWarn and a button to continue, then starts over.
  let idleTimer = null, tickTimer = null, warnEnds = 0;
  const idleMore = $("idle-more"), idleContinue = $("idle-continue");
  function pristine() {
    return !start.hidden && !rating && d.lang === "vi" && speaking === speakDefault &&
      largeToggle.getAttribute("aria-pressed") !== "true";
  }
  function activity() {
    hideWarning();
    clearTimeout(idleTimer);
    if (pristine() || !thanks.hidden) return; // nothing to clear; the thanks clear themselves
    idleTimer = setTimeout(showWarning, idleReset);
  }
  function tick() {
    const left = Math.max(0, Math.ceil((warnEnds - Date.now()) / 1000));
    idleMore.textContent = idleMore.dataset.format.replace("%s", left);
    if (left <= 0) { reset(); return; }
    tickTimer = setTimeout(tick, 1000 - ((warnEnds - Date.now()) % 1000 || 0));
  }
  function showWarning() {
    warnEnds = Date.now() + idleWarn;
    warn.hidden = false;
    idleContinue.focus();
    tick();
  }
  function hideWarning() {
    if (warn.hidden) return;
    warn.hidden = true;
    clearTimeout(tickTimer);
  }
  idleContinue.addEventListener("click", () => activity());
  for (const type of ["pointerdown", "keydown", "input"]) {
    document.addEventListener(type, () => activity(), true);
  }

  // --- Walk-in code: after a while untouched, a lobby screen shows a code
  // to rate on a phone, beside the faces, never over them. It stays while
  // the start shows; a touch elsewhere only puts it off.
  const phoneQR = $("phone-qr");
  let qrTimer = null;
  async function showPhoneQR() {
    if (d.walkIn !== "true" || !pristine()) return;
    try {
      const res = await send("POST", "/api/v1/tokens/walk-in", { terminal: d.terminal });
      if (!res.ok) return;
      const code = await res.json();
      const img = $("phone-qr-img");
      // Show the code once it is drawn, never an empty frame.
      img.onload = () => { if (!start.hidden) phoneQR.hidden = false; };
      if (img.getAttribute("src") === code.qr_png && img.complete && img.naturalWidth > 0) {
        phoneQR.hidden = false; // the same code as last time, already drawn
      } else {
        img.src = code.qr_png;
      }
    } catch (e) { /* offline from its own node: keep the survey */ }
  }
  function armPhoneQR() {
    clearTimeout(qrTimer);
    qrTimer = setTimeout(showPhoneQR, idleQR);
  }
  document.addEventListener("pointerdown", () => { if (phoneQR.hidden) armPhoneQR(); }, true);

  armPhoneQR();
  activity(); // another language or a large text left by a reload is cleared too
  speakFirst(start);
})();
