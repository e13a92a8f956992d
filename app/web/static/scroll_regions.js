// A wide table that scrolls inside its own box on a phone must be reachable by keyboard (WCAG 2.1.1;
// axe rule scrollable-region-focusable): every box that scrolls sideways gets tabindex=0 and a name.
(function () {
  'use strict';
  function mark() {
    document.querySelectorAll('main table.grid, main .table-scroll').forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute('tabindex')) {
        box.setAttribute('tabindex', '0');
        if (!box.hasAttribute('aria-label')) {
          const caption = box.querySelector('caption');
          box.setAttribute('aria-label', caption ? caption.textContent.trim() : 'Tabel (geser ke samping)');
        }
      } else if (!scrolls && box.getAttribute('tabindex') === '0' && box.dataset.keepTab === undefined) {
        box.removeAttribute('tabindex');
      }
    });
  }
  document.addEventListener('DOMContentLoaded', mark);
  window.addEventListener('resize', mark);
})();
