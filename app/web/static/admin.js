/* Admin console diagram: the bpmn-js NavigatedViewer (global BpmnJS) with the instance's
   completed, active and failed elements marked, or, for a definition, a badge per element with
   how many instances wait there (more than N days) or failed there; a badge links to that list. */
(function () {
  var holder = document.getElementById("diagram");
  var config = JSON.parse(document.getElementById("diagram-data").textContent);
  if (!holder || !config.xml) { if (holder) { holder.textContent = "Diagram tidak tersedia."; } return; }
  var viewer = new BpmnJS({ container: holder });
  function mark(canvas, registry, ids, cls) {
    (ids || []).forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, cls); } });
  }
  function badge(overlays, id, cls, count, title, href, right) {
    var link = document.createElement("a");
    link.className = "admin-badge " + cls;
    link.textContent = String(count);
    link.title = title;
    link.href = href;
    overlays.add(id, "admin-jumlah", { position: { bottom: -4, right: right }, html: link });
  }
  viewer.importXML(config.xml).then(function () {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry"), overlays = viewer.get("overlays");
    canvas.zoom("fit-viewport");
    var marks = config.marks || {};
    mark(canvas, registry, marks.completed, "admin-selesai");
    mark(canvas, registry, marks.active, "admin-aktif");
    mark(canvas, registry, marks.error, "admin-error");
    Object.keys(config.counts || {}).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var c = config.counts[id], base = config.list_url + "&elemen=" + encodeURIComponent(id);
      var right = 70;
      if (c.menunggu) { badge(overlays, id, "", c.menunggu, c.menunggu + " instance menunggu di sini", base + "&elemen_status=waiting", right); right -= 26; }
      if (c.lama) { badge(overlays, id, "admin-badge-lama", c.lama, c.lama + " menunggu lebih dari " + config.days + " hari", base + "&elemen_status=waiting&lebih_dari_hari=" + config.days, right); right -= 26; }
      if (c.error) { badge(overlays, id, "admin-badge-error", c.error, c.error + " instance error di sini", base + "&elemen_status=error", right); }
    });
    holder.setAttribute("data-ready", "1");
  }).catch(function (err) {
    holder.textContent = "Diagram tidak dapat ditampilkan: " + err.message;
  });
})();
