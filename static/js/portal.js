// The portal's own small behaviours; no inline scripts, so a strict CSP stays possible.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches(".js-autosubmit")) {
    target.form.submit();
  }
  // Agreement period form: preselect every holding activated before the period's end
  // (docs/DOMAIN.md#agreement-periods), as the user picks the end month.
  if (target.matches("input[name=end][type=month]") && target.value) {
    const end = target.value + "-01";
    target.form.querySelectorAll("input[name=holdings][data-activated]").forEach((box) => {
      box.checked = box.dataset.activated < end;
    });
  }
});

// Renewals worklist: the header checkbox selects every enabled row on the page.
document.addEventListener("change", (event) => {
  if (!event.target.matches(".js-select-all")) return;
  event.target.closest("table").querySelectorAll("tbody input[name=installation]:not(:disabled)")
    .forEach((box) => { box.checked = event.target.checked; });
});

// "/" focuses the search box in the navigation (aria-keyshortcuts="/"), unless the user is
// typing somewhere already.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  const box = document.getElementById("nav-search");
  if (!box) return;
  event.preventDefault();
  const menu = box.closest(".navbar-collapse");
  if (menu && !menu.classList.contains("show") && window.bootstrap) {
    window.bootstrap.Collapse.getOrCreateInstance(menu).show();
  }
  box.focus();
  box.select();
});
