// Resumable uploads, the "parts" transport of upload.js: a large file goes in parts of the
// ticket's `part_bytes`, in order, with progress, each part retried a few times with
// backoff. Where a part goes the site says (a presigned bucket URL, or its own), so this
// script does not know which storage it talks to. The photo id is remembered in
// localStorage by album, file name, size and date, so picking or dropping the same file
// after a reload resumes it; what has arrived is always asked of the site, never taken
// from localStorage. Loaded before upload.js, which picks up ImagesiteUploads.
(function () {
  "use strict";

  const uploader = document.getElementById("uploader");
  if (!uploader) return;
  const csrfToken = document.querySelector("#dropzone input[name=csrfmiddlewaretoken]").value;
  const partsUrlFor = uploader.dataset.partsUrl; // for the all-zero id, replaced below
  const ZERO_ID = "00000000-0000-0000-0000-000000000000";
  const PHOTO_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const RETRIES = 4;
  const BACKOFF_MS = 500; // 0.5 s, 1 s, 2 s, 4 s

  function fileKey(file) {
    return ["imagesite-upload", uploader.dataset.startUrl, file.name, file.size,
      file.lastModified].join("|");
  }

  function remember(file, photoId) {
    try { localStorage.setItem(fileKey(file), photoId); } catch (e) { /* private mode */ }
  }

  function forget(file) {
    try { localStorage.removeItem(fileKey(file)); } catch (e) { /* private mode */ }
  }

  function remembered(file) {
    try { return localStorage.getItem(fileKey(file)); } catch (e) { return null; }
  }

  function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function percent(bytes, file) {
    return Math.min(100, Math.floor((bytes * 100) / file.size));
  }

  // A request to this site; a refusal becomes an Error with the site's message and status.
  async function site(method, url) {
    const response = await fetch(url, {
      method,
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
      credentials: "same-origin",
    });
    let body = {};
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) {
      const error = new Error(body.error || "The site answered " + response.status + ".");
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // One part's bytes to where the site said, with upload progress (fetch has none).
  function put(target, blob, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(target.method, target.url);
      // The CSRF token goes to this site only, never to the bucket.
      if (new URL(target.url, window.location.href).origin === window.location.origin) {
        xhr.setRequestHeader("X-CSRFToken", csrfToken);
      }
      xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded));
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve();
        let message = "The part was refused (" + xhr.status + ").";
        try { message = JSON.parse(xhr.responseText).error || message; } catch (e) { /* XML */ }
        const error = new Error(message);
        error.status = xhr.status;
        reject(error);
      });
      xhr.addEventListener("error", () => reject(new Error("The connection failed; try again.")));
      xhr.addEventListener("abort", () => reject(new Error("The upload was cancelled.")));
      xhr.send(blob);
    });
  }

  function stored(state, number) {
    return (state.parts || []).some((part) => part.number === number);
  }

  // Send part `number`, asking the site where it goes each time (a presigned URL may have
  // expired); after a failure, first ask whether it arrived after all.
  async function sendPart(file, ticket, number, sentBefore, row) {
    const start = (number - 1) * ticket.part_bytes;
    const blob = file.slice(start, Math.min(file.size, start + ticket.part_bytes));
    for (let attempt = 0; ; attempt += 1) {
      try {
        const target = await site("POST", ticket.parts_url + number + "/");
        await put(target, blob, (loaded) => row.progress(percent(sentBefore + loaded, file)));
        return blob.size;
      } catch (error) {
        if (error.status === 404 || attempt >= RETRIES) throw error;
        await pause(BACKOFF_MS * 2 ** attempt);
        const state = await site("GET", ticket.parts_url).catch(() => null);
        if (state && stored(state, number)) return blob.size;
        if (state && !state.parts) throw error; // no longer uploading
      }
    }
  }

  async function sendParts(file, ticket, row) {
    remember(file, ticket.photo.id);
    const state = ticket.parts ? ticket : await site("GET", ticket.parts_url);
    let sent = state.received || 0;
    if (ticket.resumed && sent > 0) row.note("Resuming at " + percent(sent, file) + "%");
    const count = Math.ceil(file.size / state.part_bytes);
    const plan = Object.assign({}, ticket, { part_bytes: state.part_bytes });
    try {
      for (let number = 1; number <= count; number += 1) {
        if (!stored(state, number)) sent += await sendPart(file, plan, number, sent, row);
      }
      row.done("Confirming…", "sent");
      const result = await site("POST", ticket.complete_url);
      forget(file);
      return result;
    } catch (error) {
      if (error.status === 400 || error.status === 404) forget(file); // refused: start anew
      throw error;
    }
  }

  // The ticket of the upload this file was going to before a reload, if the site still
  // waits for it; null to start a new one.
  async function resume(file) {
    const photoId = remembered(file);
    if (!photoId || !PHOTO_ID.test(photoId)) return null;
    try {
      const state = await site("GET", partsUrlFor.replace(ZERO_ID, photoId));
      if (state.transport === "parts" && state.size === file.size) {
        return Object.assign(state, { resumed: true });
      }
    } catch (error) {
      if (!error.status) throw error; // offline: not a reason to start again
    }
    forget(file);
    return null;
  }

  window.ImagesiteUploads = { transports: { parts: sendParts }, resume };
})();
