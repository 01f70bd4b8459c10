// Uploads from the album page: several files at once, drag and drop, a progress bar and
// a clear error per file. The site decides the transport per file: "s3" sends the file
// straight to the bucket with a presigned POST and then confirms; "local" sends it to
// the site, which streams it into storage.
(function () {
  "use strict";

  const uploader = document.getElementById("uploader");
  if (!uploader) return;
  const dropzone = document.getElementById("dropzone");
  const input = document.getElementById("file-input");
  const list = document.getElementById("upload-list");
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
      done(text, statusClass) {
        bar.value = 100;
        li.classList.add("upload-" + statusClass);
        state.textContent = text;
      },
      show(photo) {
        li.className = "upload-item upload-" + photo.status;
        state.textContent = photo.status_label + (photo.reason ? ": " + photo.reason : "") +
          (photo.duplicate ? " · already in your library (marked Duplicate)" : "");
        if (photo.status === "failed" || photo.status === "rejected") state.setAttribute("role", "alert");
      },
      fail(message) {
        li.classList.add("upload-error");
        bar.remove();
        state.textContent = message;
        state.setAttribute("role", "alert");
      },
    };
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
  function sendWithProgress(url, formData, row, headers) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
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

  async function uploadOne(file, row) {
    if (file.size === 0) throw new Error("The file is empty.");
    if (file.size > maxBytes) throw new Error("The file is larger than " + formatBytes(maxBytes) + ".");
    const start = new FormData();
    start.append("name", file.name);
    start.append("size", String(file.size));
    start.append("type", file.type || "");
    const ticket = await postForm(startUrl, start);
    row.progress(0);
    let result;
    if (ticket.transport === "s3") {
      const form = new FormData();
      Object.entries(ticket.fields).forEach(([k, v]) => form.append(k, v));
      form.append("file", file); // the file must be the last field of an S3 POST
      await sendWithProgress(ticket.url, form, row);
      row.done("Confirming…", "sent");
      result = await postForm(ticket.confirm_url, new FormData());
    } else {
      const form = new FormData();
      form.append("file", file);
      result = await sendWithProgress(ticket.url, form, row, { "X-CSRFToken": csrfToken });
    }
    return result.photo;
  }

  function pump() {
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
        .finally(() => { active -= 1; pump(); });
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
