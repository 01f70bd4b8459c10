// Uploads from the album page: several files at once, drag and drop, a progress bar and
// a clear error per file. The site answers each file with a ticket: where to send it
// (`url`, the bucket's or the site's own), the `fields` to send with it, and a
// `confirm_url` to call afterwards when the storage needs telling. How the bytes travel is
// one function in TRANSPORTS, `(file, ticket, row) => Promise<{photo}>`: the resumable one
// (upload_parts.js: S3 multipart, or parts to the site) comes from window.ImagesiteUploads,
// with `resume(file)`, which finds the upload a reloaded page was sending for the same file.
// While files are still being sent the page asks before it is left; a row that has
// finished (ready, rejected, failed, refused) folds into the summary under the list.
(function () {
  "use strict";

  const uploader = document.getElementById("uploader");
  if (!uploader) return;
  const dropzone = document.getElementById("dropzone");
  const input = document.getElementById("file-input");
  const list = document.getElementById("upload-active");
  const summary = document.getElementById("upload-summary");
  const summaryText = document.getElementById("upload-summary-text");
  const doneList = document.getElementById("upload-done");
  const note = document.getElementById("upload-note");
  const finished = { ready: 0, rejected: 0, failed: 0, error: 0 };
  const startUrl = uploader.dataset.startUrl;
  const statusUrl = uploader.dataset.statusUrl;
  const maxBytes = Number(uploader.dataset.maxBytes);
  const csrfToken = dropzone.querySelector("input[name=csrfmiddlewaretoken]").value;
  const PARALLEL = 3;
  const queue = [];
  let active = 0;
  let refreshTimer = null;
  const watching = new Map(); // photo id → its upload row, until the photo settles
  let pollTimer = null;
  const POLL_MS = 2000;
  const POLL_BATCH = 100; // the status URL answers for at most this many ids

  function formatBytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  function makeRow(file) {
    const li = document.createElement("li");
    li.className = "upload-item";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name; // textContent: a file name is never parsed as HTML
    const size = document.createElement("span");
    size.className = "muted";
    size.textContent = formatBytes(file.size);
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload progress for " + file.name);
    const state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = "Waiting";
    li.append(name, size, bar, state);
    list.prepend(li);
    return {
      li,
      progress(pct) { bar.value = pct; state.textContent = pct + "%"; },
      note(text) { state.textContent = text; },
      done(text, statusClass) {
        bar.value = 100;
        li.classList.add("upload-" + statusClass);
        state.textContent = text;
      },
      show(photo) {
        li.className = "upload-item upload-" + photo.status;
        state.textContent = photo.status_label + (photo.reason ? ": " + photo.reason : "") +
          (photo.duplicate ? " · already in your library (marked Duplicate)" : "");
        if (photo.status in finished) collapse(li, photo.status);
      },
      fail(message) {
        li.classList.add("upload-error");
        bar.remove();
        state.textContent = message;
        collapse(li, "error");
      },
    };
  }

  // A finished row moves into the summary's list; the summary counts the outcomes.
  function collapse(li, outcome) {
    if (li.parentNode === doneList) return;
    finished[outcome] += 1;
    doneList.prepend(li);
    const parts = [finished.ready + " uploaded"];
    if (finished.rejected) parts.push(finished.rejected + " rejected");
    if (finished.failed) parts.push(finished.failed + " failed");
    if (finished.error) parts.push(finished.error + " not sent");
    summaryText.querySelector(".upload-summary-counts").textContent = parts.join(", ");
    summary.classList.toggle("has-problems", finished.rejected + finished.failed + finished.error > 0);
    summary.hidden = false;
  }

  function postForm(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
      credentials: "same-origin",
    }).then(async (response) => {
      let body = {};
      try { body = await response.json(); } catch (e) { /* not JSON */ }
      if (!response.ok) {
        throw new Error(body.error || "The site answered " + response.status + ".");
      }
      return body;
    });
  }

  // XMLHttpRequest, because fetch has no upload progress events.
  function sendWithProgress(method, url, formData, row, headers) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      Object.entries(headers || {}).forEach(([k, v]) => xhr.setRequestHeader(k, v));
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) row.progress(Math.round((e.loaded / e.total) * 100));
      });
      xhr.addEventListener("load", () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* S3 answers XML */ }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body);
        else if (xhr.status === 413) reject(new Error("The file is larger than the upload limit."));
        else reject(new Error(body.error || "The upload was refused (" + xhr.status + ")."));
      });
      xhr.addEventListener("error", () => reject(new Error("The connection failed; try again.")));
      xhr.addEventListener("abort", () => reject(new Error("The upload was cancelled.")));
      xhr.send(formData);
    });
  }

  // Each transport sends one file for the ticket the site gave, and resolves to the
  // site's answer about the photo ({photo: {...}}).
  const TRANSPORTS = {
    // One form POST, to the bucket (presigned) or to the site, then the confirm if asked.
    async form(file, ticket, row) {
      const form = new FormData();
      Object.entries(ticket.fields).forEach(([k, v]) => form.append(k, v));
      form.append("file", file); // last: S3 ignores whatever follows the file
      // The CSRF token goes to this site only, never to another origin.
      const sameOrigin = new URL(ticket.url, window.location.href).origin === window.location.origin;
      const headers = sameOrigin ? { "X-CSRFToken": csrfToken } : {};
      let result = await sendWithProgress(ticket.method, ticket.url, form, row, headers);
      if (ticket.confirm_url) {
        row.done("Confirming…", "sent");
        result = await postForm(ticket.confirm_url, new FormData());
      }
      return result;
    },
  };
  const extra = window.ImagesiteUploads || {};
  Object.assign(TRANSPORTS, extra.transports || {});

  async function uploadOne(file, row) {
    if (file.size === 0) throw new Error("The file is empty.");
    if (file.size > maxBytes) throw new Error("The file is larger than " + formatBytes(maxBytes) + ".");
    let ticket = extra.resume ? await extra.resume(file) : null; // the same file, reloaded
    if (!ticket) {
      const start = new FormData();
      start.append("name", file.name);
      start.append("size", String(file.size));
      start.append("type", file.type || "");
      ticket = await postForm(startUrl, start);
    }
    const transport = TRANSPORTS[ticket.transport || "form"];
    if (!transport) throw new Error("This page is out of date: reload it and try again.");
    row.progress(0);
    return (await transport(file, ticket, row)).photo;
  }

  // While files are being sent, say so (and that leaving now would stop them).
  function showSending() {
    const left = active + queue.length;
    note.hidden = left === 0;
    note.textContent = left === 1 ? "Sending 1 file: keep this page open until it is in."
      : "Sending " + left + " files: keep this page open until they are in.";
  }

  function pump() {
    showSending();
    while (active < PARALLEL && queue.length) {
      const { file, row } = queue.shift();
      active += 1;
      uploadOne(file, row)
        .then((photo) => {
          row.li.dataset.photoId = photo.id;
          row.show(photo);
          if (!photo.settled) watch(photo.id, row);
          scheduleRefresh();
        })
        .catch((err) => row.fail(err.message))
        .finally(() => { active -= 1; pump(); showSending(); });
    }
  }

  function addFiles(files) {
    Array.from(files).forEach((file) => queue.push({ file, row: makeRow(file) }));
    pump();
  }

  // Ask htmx for a fresh grid; while photos are in progress the grid keeps polling itself.
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      const wrap = document.getElementById("photo-grid-wrap");
      if (!wrap || !window.htmx) return;
      window.htmx.ajax("GET", wrap.dataset.gridUrl, { target: "#photo-grid-wrap", swap: "outerHTML" });
    }, 300);
  }

  // Each uploaded file's row follows its photo until it is ready, rejected or failed,
  // whichever page of the album the photo is on.
  function watch(id, row) {
    watching.set(id, row);
    if (!pollTimer) pollTimer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    const ids = Array.from(watching.keys()).slice(0, POLL_BATCH);
    try {
      const response = await fetch(statusUrl + "?ids=" + ids.join(","), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const seen = new Set();
        (await response.json()).photos.forEach((photo) => {
          seen.add(photo.id);
          const row = watching.get(photo.id);
          if (row) row.show(photo);
          if (photo.settled) watching.delete(photo.id);
        });
        ids.filter((id) => !seen.has(id)).forEach((id) => watching.delete(id)); // deleted
      }
    } catch (err) {
      // Offline for a moment: the next poll tries again.
    }
    pollTimer = watching.size ? setTimeout(poll, POLL_MS) : null;
  }

  // Leaving (or reloading) while files are still being sent would drop them: ask first.
  // What has been sent is safe; processing goes on without the page.
  window.addEventListener("beforeunload", (event) => {
    if (active + queue.length === 0) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers need a value to show the prompt
  });

  summary.addEventListener("toggle", () => {
    summaryText.querySelector(".upload-summary-toggle").textContent =
      summary.open ? "hide details" : "show details";
  });

  input.addEventListener("change", () => { addFiles(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach((type) => dropzone.addEventListener(type, (e) => {
    e.preventDefault();
    dropzone.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((type) => dropzone.addEventListener(type, (e) => {
    e.preventDefault();
    dropzone.classList.remove("dragging");
  }));
  dropzone.addEventListener("drop", (e) => addFiles(e.dataTransfer.files));
  dropzone.addEventListener("submit", (e) => e.preventDefault());
})();
