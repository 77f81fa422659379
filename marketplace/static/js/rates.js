// The rate card shows only the placements the chosen platform has (the server checks it too).
// Without JavaScript the fields of the platform first shown stay visible, and a price for a
// placement the platform lacks comes back with an explanation next to it.
document.querySelectorAll("[data-rate-card]").forEach((card) => {
  const select = document.getElementById(card.dataset.rateCard);
  if (!select) return;
  const show = () => {
    card.querySelectorAll("[data-platforms]").forEach((option) => {
      const offered = option.dataset.platforms.split(" ").includes(select.value);
      const input = option.querySelector("input");
      option.hidden = !offered && !(input && input.value);
    });
  };
  select.addEventListener("change", show);
  show();
});
