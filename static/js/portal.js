// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // "Select all" for the bulk actions on a list.
  document.querySelectorAll("[data-select-all]").forEach(function (toggle) {
    var name = toggle.getAttribute("data-select-all");
    toggle.addEventListener("change", function () {
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        box.checked = toggle.checked;
      });
    });
  });

  // A step that cannot be undone asks first; the question is the form's data-confirm (Dutch).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Upload progress for large import files: the upload is the slow part on a large file.
  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var box = form.querySelector(".upload-progress");
      var bar = form.querySelector("progress");
      var status = form.querySelector(".upload-status");
      var button = form.querySelector('button[type="submit"]');
      box.hidden = false;
      button.disabled = true;
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var percent = Math.round((e.loaded / e.total) * 100);
          bar.value = percent;
          status.textContent = percent + " %";
        }
      });
      request.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        status.textContent = form.getAttribute("data-checking") || "…";
      });
      request.addEventListener("load", function () {
        document.open();
        document.write(request.responseText);
        document.close();
        history.replaceState(null, "", request.responseURL);
      });
      request.addEventListener("error", function () {
        button.disabled = false;
        status.textContent = form.getAttribute("data-error") || "!";
      });
      request.send(new FormData(form));
    });
  });
})();
