// The agreement editor (templates/agreements/draft.html): ask before leaving with changes not
// saved as a version, send the live preview only the adapted wording, and keep the preview at
// the clause being edited.
(function () {
  "use strict";
  let dirty = false;
  let editing = null;

  function inEditor(element) {
    return element && element.closest && element.closest("#editor");
  }

  function noteClause(element) {
    const row = element.closest && element.closest(".clause-row");
    if (row && row.dataset.key) {
      editing = row.dataset.key;
    }
  }

  document.addEventListener("input", function (event) {
    if (inEditor(event.target)) {
      dirty = true;
      noteClause(event.target);
    }
  });
  document.addEventListener("change", function (event) {
    if (inEditor(event.target)) {
      dirty = true;
      noteClause(event.target);
    }
  });
  document.addEventListener("focusin", function (event) {
    if (inEditor(event.target)) {
      noteClause(event.target);
    }
  });
  // Saving a version, or discarding the working copy, is leaving on purpose.
  document.addEventListener("submit", function (event) {
    if (event.target.id === "editor" || event.target.id === "discard-form") {
      dirty = false;
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && document.getElementById("editor")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // The live preview needs an adapt box only where its wording differs from the library's.
  // A box still holding the library's words is left out of the preview's request, with its
  // library_ field (the server reads a missing box as the library's wording, which is what the
  // box held), so a keystroke posts about 2 KB instead of 28 KB. Saving, the autosave and the
  // clause buttons post to other addresses and still send every field.
  document.addEventListener("htmx:configRequest", function (event) {
    const detail = event.detail;
    if (!detail.elt || detail.elt.id !== "editor" || !/\/preview$/.test(detail.path)) {
      return;
    }
    const data = detail.formData;
    const library = [];
    data.forEach(function (value, name) {
      if (name.startsWith("library_")) {
        library.push(name);
      }
    });
    library.forEach(function (name) {
      const box = "override_" + name.slice("library_".length);
      if (data.get(box) === data.get(name)) {
        data.delete(box);
        data.delete(name);
      }
    });
  });

  // After the preview is swapped in, scroll it to the clause being edited (or switched on).
  document.addEventListener("htmx:afterSettle", function () {
    const preview = document.getElementById("preview");
    if (!preview || !editing) {
      return;
    }
    const clause = preview.querySelector("#clause-" + CSS.escape(editing));
    if (!clause) {
      return;
    }
    preview.querySelectorAll(".is-editing").forEach(function (old) {
      old.classList.remove("is-editing");
    });
    clause.classList.add("is-editing");
    const offset = clause.getBoundingClientRect().top - preview.getBoundingClientRect().top;
    preview.scrollTop += offset - 16;
  });
})();
