// The full-screen photo viewer: opens from any tile link carrying data-viewer-src (the album
// grid, search results, a share page). Previous/next by arrow keys, the buttons or a swipe;
// zoom by wheel, pinch, double-tap/double-click, +/− or the Zoom button; Escape or Close
// leaves. The address bar shows the photo's own page (its URL is the tile's href), so a
// reload or a shared address opens that page, and Back closes the viewer. Moving between
// photos replaces that history entry: one Back returns to the grid. A native modal <dialog>
// keeps focus inside while it is open. Styles change only through the CSSOM (the CSP
// allows no inline styles); without JavaScript the tiles are plain links.
(function () {
  "use strict";

  const dialog = document.getElementById("viewer");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const $ = (id) => document.getElementById(id);
  const img = $("viewer-image");
  const stage = $("viewer-stage");
  const title = $("viewer-title");
  const count = $("viewer-count");
  const prevButton = $("viewer-prev");
  const nextButton = $("viewer-next");
  const zoomButton = $("viewer-zoom");
  const details = $("viewer-details");
  const download = $("viewer-download");
  const error = $("viewer-error");

  const SWIPE_PX = 50; // a horizontal drag longer than this moves to the next photo
  const TAP_SLOP_PX = 12;
  const DOUBLE_TAP_MS = 350;
  const MAX_SCALE = 5;
  const STEP_SCALE = 2.5; // double-tap, the Zoom button

  let currentHref = null; // the photo page URL of the photo shown
  let pushedEntry = false; // whether a history entry of ours is on top
  const zoom = { scale: 1, x: 0, y: 0 };
  const preloaded = new Set();

  const links = () => Array.from(document.querySelectorAll("a[data-viewer-src]"));

  function position() {
    const all = links();
    return { all, index: all.findIndex((a) => a.href === currentHref) };
  }

  function preload(link) {
    if (!link || preloaded.has(link.dataset.viewerSrc)) return;
    preloaded.add(link.dataset.viewerSrc);
    const image = new Image();
    image.src = link.dataset.viewerSrc;
  }

  function show(link) {
    currentHref = link.href;
    resetZoom();
    error.hidden = true;
    img.hidden = false;
    img.style.maxWidth = img.style.maxHeight = "";
    img.src = link.dataset.viewerSrc;
    img.alt = link.dataset.viewerTitle || "";
    title.textContent = link.dataset.viewerTitle || "Photo";
    details.href = link.href;
    download.hidden = !link.dataset.viewerDownload;
    if (link.dataset.viewerDownload) download.href = link.dataset.viewerDownload;
    const { all, index } = position();
    count.textContent = index + 1 + " of " + all.length;
    prevButton.disabled = index <= 0;
    nextButton.disabled = index >= all.length - 1;
    preload(all[index + 1]);
    preload(all[index - 1]);
  }

  function open(link, { push }) {
    if (!dialog.open) {
      dialog.showModal();
      document.documentElement.classList.add("viewer-open");
    }
    show(link);
    if (push) {
      history.pushState({ viewer: link.href }, "", link.href);
      pushedEntry = true;
    }
  }

  function step(delta) {
    const { all, index } = position();
    const link = all[index + delta];
    if (!link) return;
    show(link);
    history.replaceState({ viewer: link.href }, "", link.href);
  }

  function close() {
    if (dialog.open) dialog.close(); // the "close" handler below tidies up
  }

  dialog.addEventListener("close", () => {
    document.documentElement.classList.remove("viewer-open");
    img.removeAttribute("src");
    const link = links().find((a) => a.href === currentHref);
    if (pushedEntry) {
      pushedEntry = false;
      history.back(); // the grid's own address again
    }
    if (link) {
      link.focus({ preventScroll: true });
      link.scrollIntoView({ block: "nearest" });
    }
  });

  // Escape: the dialog's cancel, closed our way.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close();
  });

  window.addEventListener("popstate", (event) => {
    const href = event.state && event.state.viewer;
    const link = href && links().find((a) => a.href === href);
    if (link) {
      pushedEntry = true; // Forward into a photo: our entry is on top again
      open(link, { push: false });
    } else if (dialog.open) {
      pushedEntry = false; // Back already left our entry
      close();
    }
  });

  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // new tab
    const link = event.target.closest && event.target.closest("a[data-viewer-src]");
    if (!link || dialog.contains(link)) return;
    event.preventDefault();
    open(link, { push: true });
  });

  $("viewer-close").addEventListener("click", () => close());
  prevButton.addEventListener("click", () => step(-1));
  nextButton.addEventListener("click", () => step(1));
  zoomButton.addEventListener("click", () => setZoom(zoom.scale > 1 ? 1 : STEP_SCALE));
  // A small photo is enlarged to fit at most twice its size: beyond that it is only blur.
  const MAX_ENLARGE = 2;
  img.addEventListener("load", () => {
    img.style.maxWidth = img.naturalWidth * MAX_ENLARGE + "px";
    img.style.maxHeight = img.naturalHeight * MAX_ENLARGE + "px";
  });
  img.addEventListener("error", () => {
    if (!img.getAttribute("src")) return;
    img.hidden = true;
    error.hidden = false;
  });

  // Tab cycles through the viewer's controls (a modal dialog alone lets focus leave for
  // the browser's own toolbar, and from there back into the page behind).
  function trapFocus(event) {
    const controls = Array.from(dialog.querySelectorAll("button, a[href]")).filter(
      (el) => !el.disabled && !el.hidden && el.getClientRects().length > 0
    );
    if (!controls.length) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    const inside = dialog.contains(document.activeElement) && document.activeElement !== dialog;
    if (event.shiftKey && (!inside || document.activeElement === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
      event.preventDefault();
      first.focus();
    }
  }

  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Tab") return trapFocus(event);
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const actions = {
      ArrowLeft: () => step(-1),
      ArrowRight: () => step(1),
      Home: () => step(-position().index),
      End: () => step(position().all.length - 1 - position().index),
      "+": () => setZoom(zoom.scale * 1.5),
      "=": () => setZoom(zoom.scale * 1.5),
      "-": () => setZoom(zoom.scale / 1.5),
      0: () => setZoom(1),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // --- Zoom and pan ---------------------------------------------------------------------

  function apply() {
    img.style.transform =
      zoom.scale === 1 && zoom.x === 0 && zoom.y === 0
        ? ""
        : "translate(" + zoom.x + "px, " + zoom.y + "px) scale(" + zoom.scale + ")";
    const zoomed = zoom.scale > 1;
    stage.classList.toggle("zoomed", zoomed);
    zoomButton.setAttribute("aria-pressed", String(zoomed));
    zoomButton.textContent = zoomed ? "Zoom out" : "Zoom in";
  }

  function clampPan() {
    const rect = stage.getBoundingClientRect();
    const maxX = ((zoom.scale - 1) * rect.width) / 2;
    const maxY = ((zoom.scale - 1) * rect.height) / 2;
    zoom.x = Math.min(maxX, Math.max(-maxX, zoom.x));
    zoom.y = Math.min(maxY, Math.max(-maxY, zoom.y));
  }

  // Scale to `scale`, keeping the point under (clientX, clientY) where it is (the centre
  // of the stage by default).
  function setZoom(scale, clientX, clientY) {
    const next = Math.min(MAX_SCALE, Math.max(1, scale));
    const rect = stage.getBoundingClientRect();
    const px = (clientX === undefined ? rect.left + rect.width / 2 : clientX) - rect.left - rect.width / 2;
    const py = (clientY === undefined ? rect.top + rect.height / 2 : clientY) - rect.top - rect.height / 2;
    zoom.x = px - ((px - zoom.x) * next) / zoom.scale;
    zoom.y = py - ((py - zoom.y) * next) / zoom.scale;
    zoom.scale = next;
    if (next === 1) zoom.x = zoom.y = 0;
    clampPan();
    apply();
  }

  function resetZoom() {
    zoom.scale = 1;
    zoom.x = zoom.y = 0;
    apply();
  }

  stage.addEventListener("wheel", (event) => {
    event.preventDefault();
    setZoom(zoom.scale * Math.exp(-event.deltaY * 0.0015), event.clientX, event.clientY);
  }, { passive: false });

  let lastPointerType = "mouse";
  stage.addEventListener("dblclick", (event) => {
    if (lastPointerType !== "mouse") return; // touch double-taps are counted below
    setZoom(zoom.scale > 1 ? 1 : STEP_SCALE, event.clientX, event.clientY);
  });

  // Pointer gestures: one finger swipes (or pans when zoomed), two fingers pinch.
  const pointers = new Map();
  let gesture = null;
  let lastTap = null;

  function distance() {
    const [a, b] = Array.from(pointers.values());
    return Math.hypot(a.x - b.x, a.y - b.y);
  }

  stage.addEventListener("pointerdown", (event) => {
    lastPointerType = event.pointerType;
    stage.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    img.classList.add("swiping"); // follow the fingers without the easing
    if (pointers.size === 1) {
      gesture = { kind: "drag", x0: event.clientX, y0: event.clientY, panX: zoom.x, panY: zoom.y };
    } else if (pointers.size === 2) {
      const [a, b] = Array.from(pointers.values());
      gesture = { kind: "pinch", d0: distance(), s0: zoom.scale, cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2 };
    }
  });

  stage.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId) || !gesture) return;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (gesture.kind === "pinch" && pointers.size === 2) {
      setZoom((gesture.s0 * distance()) / gesture.d0, gesture.cx, gesture.cy);
    } else if (gesture.kind === "drag") {
      const dx = event.clientX - gesture.x0;
      const dy = event.clientY - gesture.y0;
      if (zoom.scale > 1) {
        zoom.x = gesture.panX + dx;
        zoom.y = gesture.panY + dy;
        clampPan();
        apply();
      } else if (Math.abs(dx) > TAP_SLOP_PX) {
        img.style.transform = "translateX(" + dx + "px)";
      }
    }
  });

  function endPointer(event) {
    if (!pointers.has(event.pointerId)) return;
    pointers.delete(event.pointerId);
    const ended = gesture;
    if (pointers.size > 0) {
      if (ended && ended.kind === "pinch") gesture = null; // lift both fingers to start again
      return;
    }
    gesture = null;
    img.classList.remove("swiping");
    if (!ended || ended.kind !== "drag") return;
    const dx = event.clientX - ended.x0;
    const dy = event.clientY - ended.y0;
    if (zoom.scale === 1) {
      apply();
      if (event.type !== "pointercancel" && Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy)) {
        step(dx < 0 ? 1 : -1);
        return;
      }
    }
    const tap = Math.abs(dx) < TAP_SLOP_PX && Math.abs(dy) < TAP_SLOP_PX;
    if (tap && event.pointerType !== "mouse") {
      const now = Date.now();
      if (lastTap && now - lastTap.t < DOUBLE_TAP_MS) {
        setZoom(zoom.scale > 1 ? 1 : STEP_SCALE, event.clientX, event.clientY);
        lastTap = null;
      } else {
        lastTap = { t: now };
      }
    }
  }
  stage.addEventListener("pointerup", endPointer);
  stage.addEventListener("pointercancel", endPointer);
})();
