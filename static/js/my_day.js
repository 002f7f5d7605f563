// My day and focus mode keyboard: what htmx cannot do. j/k move between follow-ups; v/n/e/r/c/m log an outcome on
// the focused one (in focus mode, on the one lead shown); o opens its prospect; u undoes the last log; s skips in
// focus mode; ? shows the help. Keys typed into a field are left alone. After a log the next row takes the focus.
(function () {
  "use strict";
  const rows = () => Array.from(document.querySelectorAll("[data-follow-up]:not([data-done])"));
  // The row the keys act on: the focused one, else the lead of focus mode, else the first still to work (so the
  // first key press of the day already logs).
  const current = () =>
    (document.activeElement && document.activeElement.closest("[data-follow-up]")) ||
    document.querySelector("[data-focus-lead]") ||
    document.querySelector('[id^="follow-up-"][data-follow-up]:not([data-done])');

  function focusRow(row) {
    if (!row) return;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
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
    if (key === "u") { if (clickIn(document.getElementById("toast"), "[data-undo]")) event.preventDefault(); return; }
    const row = current();
    if (!row) return;
    if (key === "o") { clickIn(row, "[data-open]"); return; }
    if (key === "s") { if (clickIn(row, "[data-skip]")) event.preventDefault(); return; }
    if (/^[a-z]$/.test(key) && clickIn(row, 'button[data-shortcut="' + key + '"]')) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-toggle]")) toggleHelp();
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
    const question = row.querySelector(".next-step input, .warning button, .confirm-stop button");
    if (question) { question.focus(); return; }
    if (!row.matches("[data-done]")) { focusRow(row); return; }
    // A row planned just now under the logged one (the same attempt's voicemail or email) comes next.
    const following = row.nextElementSibling;
    if (following && following.matches("[data-follow-up]:not([data-done])")) { focusRow(following); return; }
    const next = (nextAfter || []).map((rowId) => document.getElementById(rowId)).find(Boolean);
    focusRow(next || row);
  });
})();
