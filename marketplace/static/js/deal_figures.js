// Live desk figures: as staff type counts and prices into the counter form, ask the deal's
// figures endpoint (same origin, GET) for the margin and CPM of the entered numbers. Without
// JavaScript the "Recompute the figures" button does the same on the server. Payouts and prices
// go as typed, in major units ("707.50"): the endpoint converts them to minor units exactly
// (no float arithmetic here) and answers an amount it refuses with its error message.
document.querySelectorAll("form.counter-form[data-figures]").forEach((form) => {
  const url = form.dataset.figures;
  const out = form.querySelector(".live-figures");
  if (!url || !out) return;
  let timer = null;
  const update = () => {
    const params = new URLSearchParams();
    ["counts", "payouts", "prices"].forEach((name) => {
      form.querySelectorAll(`input[name^="${name}-"]`).forEach((input) => {
        params.append(name, input.value || "0");
      });
    });
    fetch(`${url}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => response.json())
      .then((f) => {
        if (f.error) {
          out.textContent = f.error.message;
          return;
        }
        const parts = [`${f.margin}${f.margin_percent ? ` (${f.margin_percent})` : ""}`];
        if (f.cpm) parts.push(`CPM ${f.cpm}`);
        if (f.check !== "ok") parts.push(f.check_text || f.check);
        out.textContent = parts.join(" · ");
      })
      .catch(() => {});
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  });
});
