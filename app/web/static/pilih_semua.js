// "Persetujuan massal": the header checkbox selects or clears every row.
(function () {
  var all = document.getElementById("pilih-semua");
  if (!all) return;
  var boxes = document.querySelectorAll('input[type="checkbox"][name="task_id"]');
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
