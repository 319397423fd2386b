// The portal's few behaviours that need a script; every page works without it.
document.addEventListener("DOMContentLoaded", () => {
  // After a refused submit, move the focus to the summary of errors, so that a screen reader reads it first.
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();

  // The page right after 取得 carries the certificate file: save it once, and give the page the address that shows
  // it again without the file, so that a reload does not send the 取得 form again.
  const file = document.querySelector("[data-download-once]");
  if (file) file.click();
  const again = document.querySelector("[data-replace-url]");
  if (again) history.replaceState(null, "", again.dataset.replaceUrl);

  // A set-password link carries its token after "#" (never sent to a server, so never in an access log): post it,
  // and drop it from the address bar and the history.
  const start = document.querySelector("[data-code-from-fragment]");
  if (start && location.hash.length > 1) {
    start.querySelector("input[name=code]").value = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, "", location.pathname);
    start.submit();
  }

  // Enter in a field that names its button (data-enter-presses) presses that button, not the form's first one:
  // Enter in 「論理端末名で絞り込み」 filters instead of going on to the 確認画面.
  for (const field of document.querySelectorAll("[data-enter-presses]")) {
    field.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing) return;
      const button = document.getElementById(field.dataset.enterPresses);
      if (!button) return;
      event.preventDefault();
      button.click();
    });
  }
});
