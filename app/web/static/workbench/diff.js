/* Visual diff of two versions: the old diagram marks removed and changed elements, the new one added and changed. */
(function () {
  'use strict';
  const config = JSON.parse(document.getElementById('diff-config').textContent);

  async function show(containerId, xml, marks) {
    const viewer = new BpmnJS({ container: '#' + containerId });
    try {
      await viewer.importXML(xml);
    } catch (err) {
      document.getElementById(containerId).textContent = 'Diagram tidak dapat ditampilkan: ' + err.message;
      return;
    }
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    canvas.zoom('fit-viewport');
    Object.entries(marks).forEach(([marker, ids]) => ids.forEach((id) => {
      if (registry.get(id)) { canvas.addMarker(id, marker); }
    }));
    document.getElementById(containerId).dataset.ready = 'true';
  }

  show('canvas-old', config.old, { 'diff-removed': config.removed, 'diff-changed': config.changed });
  show('canvas-new', config.new, { 'diff-added': config.added, 'diff-changed': config.changed });
})();
