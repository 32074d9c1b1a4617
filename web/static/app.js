// Conveniences only: every form works without this script.
document.addEventListener("submit", (e) => {
  const msg = e.target.dataset && e.target.dataset.confirm;
  if (msg && !window.confirm(msg)) e.preventDefault();
});
// On the report, hovering a rubric item highlights its evidence turns.
document.querySelectorAll(".item[data-evidence]").forEach((item) => {
  const turns = item.dataset.evidence.split(" ").filter(Boolean)
    .map((i) => document.getElementById("turn-" + i)).filter(Boolean);
  const toggle = (on) => turns.forEach((t) => t.classList.toggle("focus", on));
  item.addEventListener("mouseenter", () => toggle(true));
  item.addEventListener("mouseleave", () => toggle(false));
});
