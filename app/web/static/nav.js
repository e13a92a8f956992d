// The top menu: the "Menu" button opens it on a phone; a menu group closes when another opens or on a
// click elsewhere. Without this script the groups still open and close (they are <details>).
(function () {
  'use strict';
  const bar = document.querySelector('.topbar');
  if (!bar) { return; }
  const toggle = bar.querySelector('.menu-toggle');
  if (toggle) {
    toggle.addEventListener('click', () => {
      const open = bar.classList.toggle('menu-open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }
  const groups = Array.from(bar.querySelectorAll('details.nav-group'));
  groups.forEach((group) => group.addEventListener('toggle', () => {
    if (group.open) { groups.forEach((other) => { if (other !== group) { other.open = false; } }); }
  }));
  document.addEventListener('click', (event) => {
    groups.forEach((group) => { if (group.open && !group.contains(event.target)) { group.open = false; } });
  });
})();
