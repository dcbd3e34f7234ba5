// A section that loads after the page (hx-trigger="load") says so when it cannot be loaded,
// instead of looking busy for ever. Its message is in its data-loading-error attribute.
document.addEventListener("htmx:afterRequest", (event) => {
  const element = event.detail.elt;
  if (event.detail.successful || !element.dataset || !element.dataset.loadingError) {
    return;
  }
  const busy = element.querySelector("[aria-busy]");
  if (busy) {
    busy.removeAttribute("aria-busy");
    busy.textContent = element.dataset.loadingError;
    busy.setAttribute("role", "alert");
  }
});
