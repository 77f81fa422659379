// Upload forms marked data-progress show a progress bar while a large file travels.
// Without JavaScript the form still submits normally.
document.querySelectorAll("form[data-progress]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    const bar = document.getElementById(form.dataset.progress);
    if (!bar || !window.FormData) return;
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open(form.method, form.action);
    bar.hidden = false;
    bar.removeAttribute("value");
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        bar.max = e.total;
        bar.value = e.loaded;
      }
    });
    request.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // indeterminate while the server checks the file
      const note = document.getElementById(form.dataset.progress + "-note");
      if (note) note.hidden = false;
    });
    request.addEventListener("load", () => {
      if (request.responseURL && request.responseURL !== form.action) {
        window.location.assign(request.responseURL);
      } else {
        document.open();
        document.write(request.responseText);
        document.close();
      }
    });
    request.send(new FormData(form));
  });
});
