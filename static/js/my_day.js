// My day and focus mode keyboard: what htmx cannot do. j/k move between follow-ups; v/n/e/r/c/m log an outcome on
// the focused one (in focus mode, on the one lead shown); o opens its prospect; z opens its snooze presets; u undoes
// the last log; s skips in focus mode; ? shows the help. Keys typed into a field are left alone. After a log the next row takes the focus.
(function () {
  "use strict";
  const rows = () => Array.from(document.querySelectorAll("[data-follow-up]:not([data-done])"));
  // The row the keys act on: the focused one, else the lead of focus mode, else the first still to work (so the
  // first key press of the day already logs).
  const current = () =>
    (document.activeElement && document.activeElement.closest("[data-follow-up]")) ||
    document.querySelector("[data-focus-lead]") ||
    document.querySelector('[id^="follow-up-"][data-follow-up]:not([data-done])');

  // j/k keep the page still unless the row is off screen; after a log the next row comes to the top, so the rows
  // still to work fill the screen below it however many were logged.
  function focusRow(row, block) {
    if (!row) return;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: block || "nearest" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(current());
    focusRow(index < 0 ? all[0] : all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }

  function toggleHelp() {
    const help = document.getElementById("shortcuts");
    const button = document.querySelector("[data-shortcuts-toggle]");
    if (!help) return;
    help.hidden = !help.hidden;
    if (button) button.setAttribute("aria-expanded", String(!help.hidden));
  }

  // z opens the row's snooze presets (loaded when opened) and puts the keyboard on the first: Enter snoozes.
  function openSnooze(row) {
    const snooze = row.querySelector("details.fu-snooze");
    if (!snooze) return;
    snooze.open = true;
    const first = () => snooze.querySelector("[data-snooze-preset]");
    if (first()) { first().focus(); return; }
    snooze.addEventListener("htmx:afterSettle", function () { if (first()) first().focus(); }, { once: true });
  }

  function clickIn(scope, selector) {
    const element = scope && scope.querySelector(selector);
    if (element) element.click();
    return Boolean(element);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const key = event.key;
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "j") { move(1); event.preventDefault(); return; }
    if (key === "k") { move(-1); event.preventDefault(); return; }
    if (key === "u") {
      // The toast may have been swapped in a moment ago: have htmx take its form first, so it never posts as a page.
      const toast = document.getElementById("toast");
      if (toast && window.htmx) window.htmx.process(toast);
      if (clickIn(toast, "[data-undo]")) event.preventDefault();
      return;
    }
    const row = current();
    if (!row) return;
    if (key === "o") { clickIn(row, "[data-open]"); return; }
    if (key === "s") { if (clickIn(row, "[data-skip]")) event.preventDefault(); return; }
    if (key === "z") { openSnooze(row); event.preventDefault(); return; }
    if (/^[a-z]$/.test(key) && clickIn(row, 'button[data-shortcut="' + key + '"]')) event.preventDefault();
  });

  // Send email (e on an email row when the rep's mailbox is connected): the row opens on its ready email, loaded
  // then, and the keyboard lands on Send, so Enter sends it. Nothing is logged until the server takes the message.
  function openEmail(button) {
    const row = button.closest("[data-follow-up]");
    if (!row) return;
    const send = () => row.querySelector(".email-compose button[type=submit], .email-compose .email-state");
    if (send()) { send().focus(); send().scrollIntoView({ block: "nearest" }); return; }
    const details = row.querySelector("details.fu-why");
    if (!details) return;
    details.addEventListener("htmx:afterSettle", function () { if (send()) send().focus(); }, { once: true });
    details.open = true;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-toggle]")) toggleHelp();
    const sendEmail = event.target.closest("[data-send-email]");
    if (sendEmail) openEmail(sendEmail);
  });

  // A swapped row keeps the keyboard: on a question (next step, confirmation) the first field or button of it;
  // once logged, the next row still to work, so the rep goes on with the next key press.
  let hadFocus = null;
  let nextAfter = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    hadFocus = target && (target.contains(document.activeElement) || document.activeElement === document.body) ? target.id : null;
    const all = rows();
    const index = all.indexOf(target);
    nextAfter = index >= 0 ? all.slice(index + 1).map((row) => row.id) : [];
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    const id = event.detail.target && event.detail.target.id;
    if (!id || id !== hadFocus) return;
    const row = document.getElementById(id);
    if (!row) return;
    // The rep moved on meanwhile (another row focused while the answer was on its way): the keyboard stays there.
    const active = document.activeElement;
    if (active && active !== document.body && !row.contains(active)) return;
    // A conversation asks for its next step: the keyboard lands on "Tomorrow", so Enter saves the usual one (the
    // next step's words are filled in; Shift+Tab goes back to change them, Tab or the arrows to another day).
    // (Asked one selector at a time: a list of them finds whichever comes first in the row, not the first named.)
    const question = [
      ".next-step [data-preset-first]",
      ".next-step [data-preset]",
      ".next-step input:not([type=hidden])",
      ".warning button",
      ".confirm-stop button",
    ].map((selector) => row.querySelector(selector)).find(Boolean);
    if (question) { question.focus(); return; }
    // Focus mode swaps the whole lead: the keyboard goes to the one now shown.
    if (row.id === "focus") { focusRow(row.querySelector("[data-focus-lead]"), "start"); return; }
    if (!row.matches("[data-done]")) { focusRow(row); return; }
    // A row planned just now under the logged one (the same attempt's voicemail or email) comes next.
    const following = row.nextElementSibling;
    if (following && following.matches("[data-follow-up]:not([data-done])")) { focusRow(following, "start"); return; }
    const next = (nextAfter || []).map((rowId) => document.getElementById(rowId)).find(Boolean);
    focusRow(next || row, "start");
  });
})();
