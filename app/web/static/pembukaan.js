// Progress of a period's opening: poll the JSON every 2 s; reload for the per-pegawai results when done.
(function () {
  var box = document.getElementById("kemajuan");
  if (!box || box.dataset.status === "SELESAI") return;
  var labels = {MENUNGGU: "Menunggu penjadwal", BERJALAN: "Berjalan", SELESAI: "Selesai"};
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (k) {
        document.getElementById("kemajuan-status").textContent = labels[k.status] || k.status;
        document.getElementById("kemajuan-diproses").textContent = k.diproses;
        document.getElementById("kemajuan-total").textContent = k.total;
        var bar = document.getElementById("kemajuan-bar");
        bar.max = k.total || 1;
        bar.value = k.diproses;
        if (k.status === "SELESAI") { window.location.reload(); } else { setTimeout(poll, 2000); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
}());
