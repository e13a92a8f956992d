/* SKP editor: add and remove RHK and IKI rows by cloning the page's <template> rows. */
(function () {
  "use strict";
  var form = document.getElementById("skp-editor");
  if (!form) { return; }
  var list = document.getElementById("rhk-list");
  var tplRhk = document.getElementById("tpl-rhk");
  var tplIki = document.getElementById("tpl-iki");
  var counter = form.querySelectorAll("[name]").length + 1;

  function fresh(template, r) {
    var i = String(counter++);
    var html = template.innerHTML.replace(/__R__/g, r === undefined ? i : r).replace(/__I__/g, String(counter++));
    var holder = document.createElement(template === tplIki ? "tbody" : "div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function renumber() {
    var blocks = list.querySelectorAll("fieldset.rhk");
    for (var k = 0; k < blocks.length; k++) {
      blocks[k].querySelector("legend").textContent = "Rencana Hasil Kerja " + (k + 1);
    }
  }

  form.addEventListener("click", function (event) {
    var target = event.target;
    if (target.hasAttribute("data-add-rhk")) {
      var block = fresh(tplRhk);
      list.appendChild(block);
      renumber();
      var text = block.querySelector("textarea");
      if (text) { text.focus(); }
    } else if (target.hasAttribute("data-add-iki")) {
      var rhk = target.closest("fieldset.rhk");
      var row = fresh(tplIki, rhk.getAttribute("data-r"));
      rhk.querySelector(".iki-list").appendChild(row);
      row.querySelector("textarea").focus();
    } else if (target.hasAttribute("data-remove-iki")) {
      target.closest("tr.iki-row").remove();
    } else if (target.hasAttribute("data-remove-rhk")) {
      if (window.confirm("Hapus RHK ini beserta indikatornya?")) {
        target.closest("fieldset.rhk").remove();
        renumber();
      }
    }
  });

  var pendekatan = document.getElementById("pendekatan");
  if (pendekatan) {
    pendekatan.addEventListener("change", function () { form.setAttribute("data-pendekatan", pendekatan.value); });
  }
  renumber();
}());
