// Justified photo rows: each tile grows in proportion to its photo's width/height, so
// every photo in a row has the same height and keeps its shape (nothing is cropped).
// The ratio comes from the <img> width/height attributes (the grid rendition's size in the
// database) and is set through the CSSOM, which the site's CSP allows (no inline styles).
// Without JavaScript the grid stays a plain grid with object-fit: contain.
(function () {
  "use strict";
  const PLACEHOLDER_RATIO = 4 / 3; // tiles without a rendition yet

  function justify(root) {
    const grids = root.matches && root.matches(".photo-grid") ? [root] : [];
    root.querySelectorAll && grids.push(...root.querySelectorAll(".photo-grid"));
    grids.forEach((grid) => {
      let ratios = 0;
      const tiles = grid.querySelectorAll(".photo-tile");
      tiles.forEach((tile) => {
        const img = tile.querySelector("img[width][height]");
        const w = img ? Number(img.getAttribute("width")) : 0;
        const h = img ? Number(img.getAttribute("height")) : 0;
        const ratio = w > 0 && h > 0 ? w / h : PLACEHOLDER_RATIO;
        // Very wide or tall photos are capped so that one panorama cannot take a whole row.
        const capped = Math.min(Math.max(ratio, 0.4), 3);
        tile.style.setProperty("--ratio", String(capped));
        ratios += capped;
      });
      grid.classList.add("justified");
      // A timeline day is as wide as its photos at the row height, so short days sit side
      // by side on one line, as words do (site.css: .timeline-day).
      const day = grid.closest(".timeline-day");
      if (day) {
        day.style.setProperty("--ratios", String(ratios));
        day.style.setProperty("--tiles", String(tiles.length));
      }
    });
  }

  justify(document);
  // htmx swaps in a fresh grid while photos are in progress.
  document.addEventListener("htmx:load", (event) => justify(event.target));
})();
