// My day keyboard shortcuts: what htmx cannot do. j/k move between follow-ups, n/v/e/c/m log an outcome on the
// focused one, o opens its prospect, ? shows the help. Keys typed into a field are left alone.
(function () {
  "use strict";
  const rows = () => Array.from(document.querySelectorAll("[data-follow-up]"));
  const current = () => document.activeElement && document.activeElement.closest("[data-follow-up]");

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(current());
    const next = all[Math.min(Math.max(index + step, 0), all.length - 1)] || all[0];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }

  function toggleHelp() {
    const help = document.getElementById("shortcuts");
    const button = document.querySelector("[data-shortcuts-toggle]");
    if (!help) return;
    help.hidden = !help.hidden;
    if (button) button.setAttribute("aria-expanded", String(!help.hidden));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const key = event.key;
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "j") { move(1); event.preventDefault(); return; }
    if (key === "k") { move(-1); event.preventDefault(); return; }
    const row = current();
    if (!row) return;
    if (key === "o") { const link = row.querySelector("[data-open]"); if (link) link.click(); return; }
    const button = row.querySelector('button[data-shortcut="' + key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-toggle]")) toggleHelp();
  });

  // After a row is swapped, keep the keyboard where it was: on the row, or the first field it now asks for.
  let hadFocus = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    hadFocus = target && target.contains(document.activeElement) ? target.id : null;
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    const id = event.detail.target && event.detail.target.id;
    if (!id || id !== hadFocus) return;
    const row = document.getElementById(id);
    if (!row || !row.matches("[data-follow-up]")) return;
    const field = row.querySelector(".next-step input, .warning button");
    (field || row).focus();
  });
})();
