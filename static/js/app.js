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

// Focus after an htmx swap. When the swap replaces the element that had the focus (a clause's
// move button, a form's save button), the browser would drop the focus on <body>. Put it back
// where the user was working: the same button if it is still there and enabled (a moved
// clause keeps its focus), else the other button of its row, else the swapped-in region
// itself (a saved inline form returns the focus to its row). An [autofocus] in the new
// content (the error summary) wins: htmx focuses it first.
let focusBefore = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const active = document.activeElement;
  const target = event.detail.target;
  if (!active || active === document.body || !target || !target.contains(active)) {
    focusBefore = null;
    return;
  }
  const row = active.closest("[id]");
  focusBefore = {
    id: active.id,
    name: active.getAttribute("name"),
    value: active.getAttribute("value"),
    row: row && row !== target ? row.id : null,
    target: target.id,
  };
});
document.addEventListener("htmx:afterSettle", () => {
  const wanted = focusBefore;
  focusBefore = null;
  if (!wanted) {
    return;
  }
  setTimeout(() => {
    if (document.activeElement && document.activeElement !== document.body) {
      return;
    }
    const enabled = (element) => element && !element.disabled && element.offsetParent !== null;
    let element = wanted.id ? document.getElementById(wanted.id) : null;
    if (!enabled(element) && wanted.name && wanted.value !== null) {
      element = [...document.getElementsByName(wanted.name)].find(
        (candidate) => candidate.getAttribute("value") === wanted.value,
      );
    }
    if (!enabled(element) && element) {
      const row = element.closest("li, tr, section, article, [id]");
      element = row && [...row.querySelectorAll("button, a[href], input, select, textarea")].find(enabled);
    }
    if (!enabled(element)) {
      element = document.getElementById(wanted.row) || document.getElementById(wanted.target);
      if (element && !element.matches("a[href], button, input, select, textarea, [tabindex]")) {
        element.setAttribute("tabindex", "-1");
      }
    }
    if (element) {
      element.focus();
    }
  }, 0);
});

// The draft page on a phone: the form and the preview as two tabs (the CSS shows the tab bar
// only on a narrow screen; without JavaScript the two simply stack). The container keeps the
// chosen tab, so an htmx swap of the form or the preview keeps it too.
document.addEventListener("DOMContentLoaded", () => {
  for (const container of document.querySelectorAll("[data-tabs]")) {
    const panels = [
      ["editor", container.dataset.tabEditor],
      ["preview", container.dataset.tabPreview],
    ];
    const bar = document.createElement("div");
    bar.className = "tab-bar";
    bar.setAttribute("role", "tablist");
    const buttons = panels.map(([id, label]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.id = `tab-${id}`;
      button.textContent = label;
      button.setAttribute("role", "tab");
      button.setAttribute("aria-controls", id);
      button.addEventListener("click", () => choose(id));
      bar.append(button);
      return button;
    });
    const choose = (id) => {
      container.dataset.tab = id;
      for (const button of buttons) {
        const selected = button.getAttribute("aria-controls") === id;
        button.setAttribute("aria-selected", String(selected));
        button.tabIndex = selected ? 0 : -1;
      }
    };
    bar.addEventListener("keydown", (event) => {
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        const next = container.dataset.tab === "editor" ? "preview" : "editor";
        choose(next);
        document.getElementById(`tab-${next}`).focus();
      }
    });
    container.prepend(bar);
    container.classList.add("has-tabs");
    choose("editor");
  }
});

// Back and forward after htmx navigation: htmx restores a snapshot of the page's HTML, which
// holds the attributes the server sent, not what the user typed since. Each time a swap has
// settled (the address now matches the form), copy the form values into the HTML, so the
// snapshot htmx takes before the next address holds the words that produced its results.
const keepFormValues = () => {
  for (const element of document.querySelectorAll("form input, form textarea, form select")) {
    if (element.matches("[type=password], [type=hidden], [type=file]")) {
      continue;
    }
    if (element.matches("[type=checkbox], [type=radio]")) {
      element.toggleAttribute("checked", element.checked);
    } else if (element.tagName === "SELECT") {
      for (const option of element.options) {
        option.toggleAttribute("selected", option.selected);
      }
    } else if (element.tagName === "TEXTAREA") {
      element.textContent = element.value;
    } else {
      element.setAttribute("value", element.value);
    }
  }
};
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.requestConfig && event.detail.requestConfig.verb === "get") {
    keepFormValues();
  }
});
