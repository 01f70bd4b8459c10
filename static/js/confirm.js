// Forms that cannot be undone ask first: <form data-confirm="Question?">, on every page,
// including forms that arrive later (pages loaded as you scroll).
(function () {
  "use strict";
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
