// Selecting several photos in a grid ([data-selectable]: the timeline, an album), then
// acting on them from the selection bar (templates/albums/selection_bar.html).
// - A tile's check button selects it; once something is selected, a click or tap on any
//   tile selects instead of opening it. Shift+click selects the range from the last one.
// - Keyboard: Space (Shift+Space for a range) on a focused tile or its check, Ctrl/Cmd+A
//   selects every loaded tile, Escape clears.
// - Touch: a long press selects; taps then add to the selection.
// Actions go to the site as one POST (albums/selection_views.py) and answer in words;
// "Move to trash" offers Undo.
(function () {
  "use strict";

  const scope = document.querySelector("[data-selectable]");
  const bar = document.getElementById("selection-bar");
  if (!scope || !bar) return;
  const count = document.getElementById("selection-count");
  const toast = document.getElementById("selection-toast");
  const toastText = toast.querySelector(".selection-toast-text");
  const undoButton = toast.querySelector("[data-selection-undo]");
  const zipForm = document.getElementById("selection-zip");
  const dialog = document.getElementById("add-to-album-dialog");
  const csrfToken = bar.querySelector("input[name=csrfmiddlewaretoken]").value;
  const LONG_PRESS_MS = 450;
  const selected = new Set();
  let anchor = null; // the last tile toggled: one end of a Shift range
  let undo = null;
  let openAddDialog = null; // set below where the page has the "Add to album" dialog

  const TILE = ".photo-tile[data-photo-id]";
  const tileOf = (node) => node && node.closest && node.closest(TILE);
  const tiles = () => Array.from(scope.querySelectorAll(TILE)).filter((t) => !t.hidden);
  const tileById = (id) => scope.querySelector(TILE + '[data-photo-id="' + CSS.escape(id) + '"]');

  function decorate(root) {
    root.querySelectorAll(TILE).forEach((tile) => {
      if (!tile.querySelector(".tile-check")) {
        const check = document.createElement("button");
        check.type = "button";
        check.className = "tile-check";
        const label = tile.querySelector("img[alt], [role=img]");
        const name = label ? label.getAttribute("alt") || label.getAttribute("aria-label") : "";
        check.setAttribute("aria-label", "Select " + (name || "photo"));
        tile.append(check);
      }
      paint(tile);
    });
  }

  function paint(tile) {
    const on = selected.has(tile.dataset.photoId);
    tile.classList.toggle("selected", on);
    tile.querySelector(".tile-check").setAttribute("aria-pressed", String(on));
  }

  function set(tile, on) {
    if (on) selected.add(tile.dataset.photoId);
    else selected.delete(tile.dataset.photoId);
    paint(tile);
  }

  function toggle(tile, range) {
    const all = tiles();
    if (range && anchor && all.includes(anchor)) {
      const [a, b] = [all.indexOf(anchor), all.indexOf(tile)].sort((x, y) => x - y);
      all.slice(a, b + 1).forEach((t) => set(t, true));
    } else {
      set(tile, !selected.has(tile.dataset.photoId));
    }
    anchor = tile;
    changed();
  }

  function clear() {
    selected.clear();
    anchor = null;
    scope.querySelectorAll(TILE + ".selected").forEach(paint);
    changed();
  }

  function changed() {
    const n = selected.size;
    bar.hidden = n === 0;
    document.body.classList.toggle("selecting", n > 0);
    count.textContent = n + " selected";
    bar.querySelectorAll("[data-selection-one]").forEach((b) => { b.disabled = n !== 1; });
  }

  function say(message, undoWith) {
    toastText.textContent = message; // textContent: album titles are the user's words
    undo = undoWith || null;
    undoButton.hidden = !undo;
    toast.hidden = false;
  }

  // Tiles taken away (trashed, out of the album) are hidden, not removed, so Undo can
  // bring them back where they were; a timeline day with none left hides with them.
  function show(ids, visible) {
    ids.forEach((id) => {
      const tile = tileById(id);
      if (!tile) return;
      tile.hidden = !visible;
      selected.delete(id);
      paint(tile);
      const day = tile.closest(".timeline-day");
      if (day) day.hidden = !day.querySelector(TILE + ":not([hidden])");
    });
  }

  async function apply(action, fields) {
    const body = new URLSearchParams({ action, photos: Array.from(selected).join(",") });
    if (bar.dataset.album) body.set("album", bar.dataset.album);
    Object.entries(fields || {}).forEach(([k, v]) => body.set(k, v));
    bar.setAttribute("aria-busy", "true");
    let data;
    try {
      const response = await fetch(bar.dataset.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
      });
      data = await response.json().catch(() => ({ error: "The site answered " + response.status + "." }));
      if (!response.ok) data.error = data.error || "The site answered " + response.status + ".";
    } catch (err) {
      data = { error: "The site could not be reached; nothing was changed." };
    } finally {
      bar.removeAttribute("aria-busy");
    }
    if (data.error) {
      say(data.error);
      return data;
    }
    show(data.removed || [], false);
    say(data.message, data.undo);
    if (data.reload) window.location.reload();
    else clear();
    return data;
  }

  // Clicks: capture, so that in selection mode neither the link nor the viewer opens.
  const ownControl = (node) => node.closest("form, button:not(.tile-check)"); // e.g. Restore
  scope.addEventListener("click", (event) => {
    const tile = tileOf(event.target);
    if (!tile || ownControl(event.target)) return;
    const onCheck = event.target.closest(".tile-check");
    if (!onCheck && selected.size === 0) return; // a plain click opens the photo
    event.preventDefault();
    event.stopPropagation();
    if (suppressClick) { suppressClick = false; return; }
    toggle(tile, event.shiftKey);
  }, true);

  scope.addEventListener("keydown", (event) => {
    const tile = ownControl(event.target) ? null : tileOf(event.target);
    if (tile && event.key === " ") {
      event.preventDefault();
      toggle(tile, event.shiftKey);
    } else if (tile && event.key === "Enter" && selected.size > 0) {
      event.preventDefault(); // in selection mode Enter selects too, as a click would
      toggle(tile, event.shiftKey);
    } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "a") {
      event.preventDefault();
      tiles().forEach((t) => set(t, true));
      changed();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || selected.size === 0) return;
    if (document.querySelector("dialog[open]")) return; // Esc closes the dialog first
    clear();
  });

  // Touch: a long press selects (and the click that follows it is swallowed).
  let pressTimer = null;
  let pressStart = null;
  let suppressClick = false;
  scope.addEventListener("pointerdown", (event) => {
    const tile = tileOf(event.target);
    if (!tile || event.pointerType !== "touch") return;
    pressStart = [event.clientX, event.clientY];
    pressTimer = window.setTimeout(() => {
      pressTimer = null;
      suppressClick = true;
      toggle(tile, false);
      if (navigator.vibrate) navigator.vibrate(10);
    }, LONG_PRESS_MS);
  });
  const cancelPress = (event) => {
    if (pressTimer === null) return;
    if (event.type === "pointermove" && pressStart &&
        Math.hypot(event.clientX - pressStart[0], event.clientY - pressStart[1]) < 10) return;
    window.clearTimeout(pressTimer);
    pressTimer = null;
  };
  ["pointermove", "pointerup", "pointercancel"].forEach((t) => scope.addEventListener(t, cancelPress));
  scope.addEventListener("contextmenu", (event) => {
    if (tileOf(event.target) && (suppressClick || selected.size > 0)) event.preventDefault();
  });

  // The bar's buttons.
  bar.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-selection-clear")) clear();
    else if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    else if (button.dataset.selectionAction) apply(button.dataset.selectionAction);
    else if (button.dataset.selectionOpen && openAddDialog) openAddDialog();
  });
  if (zipForm) {
    zipForm.addEventListener("submit", () => {
      zipForm.elements.photos.value = Array.from(selected).join(",");
      say("Your download of " + selected.size + " photos is starting.");
    });
  }
  undoButton.addEventListener("click", async () => {
    const { action, photos } = undo;
    toast.hidden = true;
    selected.clear();
    photos.forEach((id) => selected.add(id));
    const data = await apply(action);
    if (!data.error) show(photos, true); // back where they were on this page
  });
  toast.querySelector("[data-selection-toast-close]").addEventListener("click", () => {
    toast.hidden = true;
  });

  // Buttons outside the bar that act without a selection ("Remove the rejected ones").
  document.querySelectorAll("[data-selection-global]").forEach((button) => {
    button.addEventListener("click", async () => {
      const data = await apply(button.dataset.selectionGlobal);
      if (!data.error && button.parentElement) button.parentElement.hidden = true;
    });
  });

  // "Add to album": a dialog with the user's albums, or a new one (not on the trash page).
  if (dialog) {
    const choice = dialog.querySelector("select[name=album]");
    const title = dialog.querySelector("input[name=new_album]");
    const titleLabel = dialog.querySelector("label[for=" + title.id + "]");
    function showTitle() {
      const wanted = choice.value === "";
      title.hidden = titleLabel.hidden = !wanted;
      title.required = wanted;
    }
    choice.addEventListener("change", showTitle);
    openAddDialog = () => {
      showTitle();
      dialog.showModal();
    };
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "add") return;
      apply("add_to_album", { album: choice.value, new_album: choice.value ? "" : title.value });
      title.value = "";
    });
  }

  decorate(scope);
  changed();
  document.addEventListener("htmx:load", (event) => decorate(event.target));
})();
