// Predikat preview on the penilai's page: the table comes from the deployed DMN (rendered by the server).
(function () {
  var preview = document.getElementById("predikat-preview");
  if (!preview) return;
  var kuadran = JSON.parse(preview.dataset.kuadran || "{}");
  var labels = JSON.parse(preview.dataset.labels || "{}");
  var value = document.getElementById("predikat-value");
  function chosen(name) {
    var input = document.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }
  function update() {
    var row = kuadran[chosen("rating_hasil_kerja")] || {};
    var predikat = row[chosen("rating_perilaku")];
    value.textContent = predikat ? (labels[predikat] || predikat) : "— (pilih kedua rating)";
  }
  document.querySelectorAll('input[name="rating_hasil_kerja"], input[name="rating_perilaku"]').forEach(function (el) {
    el.addEventListener("change", update);
  });
}());
