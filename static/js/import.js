// The import's upload: a file over the limit is refused before it is sent (the server refuses it too, unread).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.matches("input[type=file][data-max-bytes]")) return;
  const file = input.files && input.files[0];
  const limit = Number(input.dataset.maxBytes);
  const tooLarge = file && file.size > limit;
  input.setCustomValidity(tooLarge ? `The file is larger than ${Math.floor(limit / 1048576)} MB; split it.` : "");
  if (tooLarge) input.reportValidity();
});
