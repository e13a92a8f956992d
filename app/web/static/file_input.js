// The styled file inputs (templates/_file_input.html): show the chosen file's name, or "Belum ada
// berkas dipilih" again when the choice is cleared or its form is reset.
(function () {
  'use strict';
  function show(input) {
    const pick = input.closest('.file-pick');
    const out = pick && pick.querySelector('.file-name');
    if (!out) { return; }
    const names = Array.from(input.files || []).map((f) => f.name);
    out.textContent = names.length ? names.join(', ') : out.dataset.empty;
    pick.classList.toggle('chosen', names.length > 0);
  }
  document.addEventListener('change', (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.type === 'file') { show(input); }
  });
  document.addEventListener('reset', (event) => {
    setTimeout(() => event.target.querySelectorAll('.file-pick input[type=file]').forEach(show), 0);
  });
})();
