// The prospects list: one box ticks (or unticks) every lead on the page for a hand-over.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.pickAll) return;
  const section = box.closest("section") || document;
  for (const item of section.querySelectorAll(`input[type=checkbox][name="${box.dataset.pickAll}"]`)) {
    item.checked = box.checked;
  }
});
