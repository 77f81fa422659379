// The brief form: after a failed submit, focus the first field the error summary names (and
// any field whose summary link is followed); while writing, ask the server for the KPI-realism
// warnings of the goal and targets typed so far. Without JavaScript the form works as before.
(() => {
  const form = document.querySelector("form[data-brief-form]");
  if (!form) return;

  const focusable = "input:not([type=hidden]), select, textarea";
  const focusTarget = (id) => {
    let target = document.getElementById(id);
    if (!target) return false;
    if (!target.matches(focusable)) target = target.querySelector(focusable) || target;
    target.focus();
    return true;
  };

  const summary = document.getElementById("error-summary");
  if (summary) {
    const first = summary.querySelector("a[href^='#']");
    if (!first || !focusTarget(first.getAttribute("href").slice(1))) summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      if (link && focusTarget(link.getAttribute("href").slice(1))) event.preventDefault();
    });
  }

  const url = form.dataset.warningsUrl;
  const boxes = Array.from(form.querySelectorAll("[data-kpi-warnings]"));
  if (!url || !boxes.length || !window.fetch) return;
  let timer = null;
  let asked = 0;

  const show = (warnings) => {
    boxes.forEach((box) => {
      const name = box.dataset.kpiWarnings;
      box.replaceChildren(
        ...(warnings[name] || []).map((message) => {
          const note = document.createElement("p");
          note.className = "warning";
          note.setAttribute("role", "note");
          note.dataset.kpiWarning = name;
          note.textContent = message;
          return note;
        }),
      );
    });
  };

  const refresh = () => {
    const params = new URLSearchParams();
    params.set("goal", form.elements.goal ? form.elements.goal.value : "");
    boxes.forEach((box) => {
      const input = form.elements[box.dataset.kpiWarnings];
      if (input && input.value.trim()) params.set(input.name, input.value.trim());
    });
    const ticket = ++asked;
    fetch(`${url}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        if (body && ticket === asked) show(body.warnings || {});
      })
      .catch(() => {}); // the warnings come back with the next save
  };

  const changed = (event) => {
    const name = event.target.name || "";
    if (name !== "goal" && !name.startsWith("kpi_")) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
})();
