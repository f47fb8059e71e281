// reconsult workspace: the little behaviour the pages need. Loaded as a file (the content security policy
// allows no inline script); every page works without it except the countdown and the sign dialog.
"use strict";

function formatRemaining(milliseconds) {
  const overdue = milliseconds < 0;
  let seconds = Math.floor(Math.abs(milliseconds) / 1000);
  const days = Math.floor(seconds / 86400); seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600); seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60); seconds -= minutes * 60;
  const parts = (days ? days + "d " : "") + hours + "h " + String(minutes).padStart(2, "0") + "m " +
    String(seconds).padStart(2, "0") + "s";
  return overdue ? "overdue by " + parts : parts + " left";
}

function tickCountdowns() {
  for (const element of document.querySelectorAll("[data-due]")) {
    const remaining = Date.parse(element.dataset.due) - Date.now();
    element.textContent = formatRemaining(remaining);
    element.classList.toggle("overdue", remaining < 0);
  }
}

function wireDialogs() {
  for (const opener of document.querySelectorAll("[data-opens]")) {
    opener.addEventListener("click", () => document.getElementById(opener.dataset.opens).showModal());
  }
  for (const closer of document.querySelectorAll("[data-closes]")) {
    closer.addEventListener("click", () => document.getElementById(closer.dataset.closes).close());
  }
  for (const dialog of document.querySelectorAll("dialog[data-open-on-load]")) {
    dialog.showModal();
  }
}

function focusCitedPassage() {
  const passage = document.getElementById("passage");
  if (passage) {
    passage.scrollIntoView({ block: "center" });
    passage.focus({ preventScroll: true });
  }
}

// The session ends after the idle time without a request; warn two minutes before, so nobody loses an edit.
function warnBeforeIdleSignOut() {
  const minutes = Number(document.body.dataset.idleMinutes);
  const warning = document.querySelector(".idle-warning");
  if (!minutes || !warning) {
    return;
  }
  setTimeout(() => { warning.hidden = false; }, Math.max(0, (minutes - 2) * 60 * 1000));
}

document.addEventListener("DOMContentLoaded", () => {
  warnBeforeIdleSignOut();
  wireDialogs();
  focusCitedPassage();
  tickCountdowns();
  setInterval(tickCountdowns, 1000);
});
