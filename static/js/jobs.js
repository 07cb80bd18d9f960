// Poll a background job's status and update its progress bar until it finishes.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-job-status");
  function field(name) { return box.querySelector('[data-job-field="' + name + '"]'); }
  function poll() {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (job) {
      field("status").textContent = job.status;
      field("message").textContent = job.message || "";
      field("progress").value = job.progress;
      field("progress").textContent = job.progress + "%";
      if (job.status === "done" || job.status === "failed") {
        if (job.has_file) { box.querySelector("[data-job-download]").hidden = false; }
        if (job.status === "failed") { window.location.reload(); }
        return;
      }
      window.setTimeout(poll, 1000);
    }).catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
