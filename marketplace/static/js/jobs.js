// Live job progress: poll the job's JSON and update its <progress> bar; reload when it ends,
// so the page shows the result link or the error. Without JavaScript a reload link does it.
document.querySelectorAll("[data-job-poll]").forEach((panel) => {
  const url = panel.dataset.jobPoll;
  const field = (name) => panel.querySelector(`[data-job-field="${name}"]`);
  let delay = 1000;
  const poll = () => {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((job) => {
        if (job.finished) {
          window.location.reload();
          return;
        }
        const bar = field("progress");
        if (bar) {
          bar.value = job.progress;
          bar.textContent = `${job.progress}%`;
        }
        const status = field("status_label");
        if (status) status.textContent = job.status_label;
        const message = field("message");
        if (message) message.textContent = job.message || "";
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(() => {
        delay = Math.min(delay * 2, 15000); // the server is busy or restarting: back off
        window.setTimeout(poll, delay);
      });
  };
  const finished = panel.querySelector("[data-job-reload]") === null;
  if (!finished) window.setTimeout(poll, delay);
});
