/* Batch page: run the batch in the background of the page and show its progress as it goes. */
(function () {
  var form = document.getElementById("jalankan");
  if (!form) { return; }
  var bar = document.getElementById("kemajuan");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    form.querySelector("button").textContent = "Sedang berjalan…";
    var timer = setInterval(function () {
      fetch(form.dataset.progress, { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (p) { bar.max = p.total; bar.value = p.done; bar.textContent = p.done + "/" + p.total; });
    }, 1000);
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function () { clearInterval(timer); window.location.reload(); })
      .catch(function () { clearInterval(timer); window.location.reload(); });
  });
})();
