// Rows of the array fields of a schema-built form (templates/_form_fields.html): "Tambah" clones the
// row <template> with the next free index, "Hapus" removes a row. The server reads whatever indices
// arrive (gaps are fine) and drops rows left blank, so nothing here has to renumber.
(function () {
  "use strict";

  function limit(box) {
    var max = box.getAttribute("data-max");
    var add = box.querySelector(":scope > .row-add");
    if (max !== null && add) {
      add.disabled = box.querySelectorAll(":scope > .array-rows > .array-row").length >= parseInt(max, 10);
    }
  }

  function wire(root) {
    root.querySelectorAll("fieldset.form-array").forEach(function (box) {
      if (box.dataset.wired) { return; }
      box.dataset.wired = "1";
      var add = box.querySelector(":scope > .row-add");
      var rows = box.querySelector(":scope > .array-rows");
      var template = box.querySelector(":scope > template");
      if (!add || !rows || !template) { return; }
      add.hidden = false;
      add.addEventListener("click", function () {
        var next = parseInt(box.dataset.next, 10) || 0;
        box.dataset.next = String(next + 1);
        var holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.split(box.dataset.mark).join(String(next));
        var row = holder.firstElementChild;
        rows.appendChild(row);
        wire(row);
        showRemove(row);
        limit(box);
        var first = row.querySelector("input, select, textarea");
        if (first) { first.focus(); }
      });
      rows.querySelectorAll(":scope > .array-row").forEach(showRemove);
      limit(box);
    });
  }

  function showRemove(row) {
    var remove = row.querySelector(":scope > .row-remove");
    if (!remove) { return; }
    remove.hidden = false;
    remove.addEventListener("click", function () {
      var box = row.closest("fieldset.form-array");
      row.remove();
      if (box) { limit(box); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  window.schemaFormWire = wire;  // the workbench preview wires the markup it inserts
}());
