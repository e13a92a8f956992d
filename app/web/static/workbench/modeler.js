/* The process owners' workbench: bpmn-js and dmn-js modelers over the files of one process,
   with draft, validation (markers at the elements), scenario tests and deploy through the JSON API. */
(function () {
  'use strict';
  const cfg = JSON.parse(document.getElementById('workbench-config').textContent);
  const $ = (id) => document.getElementById(id);
  const SPIFF_FIELDS = ['formKey', 'judul', 'tenggat', 'inbox', 'notifikasi'];
  const FORMS_TAB = 'Formulir';
  let files = {};
  let current = null;
  let problems = [];
  let bpmn = null;
  let dmn = null;

  function esc(value) {
    return String(value === undefined || value === null ? '' : value)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  function say(text, ok) {
    $('message').innerHTML = text ? '<div class="wb-message ' + (ok ? 'ok' : 'bad') + '">' + esc(text) + '</div>' : '';
  }

  async function call(method, path, body) {
    const scope = cfg.instansiId === null || cfg.instansiId === undefined ? ''
      : '?instansi_id=' + encodeURIComponent(cfg.instansiId);  // the instansi the versions belong to
    const url = path.startsWith('/forms') ? cfg.api.replace(/\/definitions$/, '') + path
      : cfg.api + '/' + encodeURIComponent(cfg.processId) + path + scope;
    const response = await fetch(url, {
      method: method,
      headers: { 'Authorization': 'Bearer ' + cfg.token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data: data };
  }

  function errorText(data) {
    const error = (data && data.error) || {};
    const fields = (error.details && error.details.fields) || {};
    const parts = Object.keys(fields).map((k) => k + ': ' + fields[k]);
    return (error.message || 'Permintaan gagal') + (parts.length ? ' (' + parts.join('; ') + ')' : '');
  }

  // ------------------------------------------------------------------ files and tabs

  function order(names) {
    const rank = (n) => (n === cfg.mainFile ? 0 : n.endsWith('.bpmn') ? 1 : n.endsWith('.dmn') ? 2 : 3);
    return names.slice().sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  function renderTabs() {
    const tabs = $('tabs');
    tabs.innerHTML = '';
    order(Object.keys(files)).concat([FORMS_TAB]).forEach((name) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = name;
      button.dataset.file = name;
      button.className = 'small' + (name === current ? ' active' : '');
      button.addEventListener('click', () => switchTo(name));
      tabs.appendChild(button);
    });
    if (cfg.mayEdit) {
      const add = document.createElement('button');
      add.type = 'button';
      add.className = 'small secondary';
      add.textContent = '+ Skenario uji';
      add.addEventListener('click', addScenario);
      tabs.appendChild(add);
    }
  }

  async function stash() {
    if (!current || current === FORMS_TAB) { return; }
    if (current.endsWith('.bpmn')) {
      files[current] = (await bpmn.saveXML({ format: true })).xml;
    } else if (current.endsWith('.dmn')) {
      files[current] = (await dmn.saveXML({ format: true })).xml;
    } else {
      files[current] = $('scenario-editor').value;
    }
  }

  async function switchTo(name) {
    await stash();
    current = name;
    $('bpmn-canvas').hidden = !name.endsWith('.bpmn');
    $('dmn-canvas').hidden = !name.endsWith('.dmn');
    $('scenario-pane').hidden = !name.endsWith('.json');
    $('form-pane').hidden = name !== FORMS_TAB;
    renderTabs();
    try {
      if (name === FORMS_TAB) {
        await loadForms();
      } else if (name.endsWith('.bpmn')) {
        await bpmn.importXML(files[name]);
        bpmn.get('canvas').zoom('fit-viewport');
        applyMarkers();
      } else if (name.endsWith('.dmn')) {
        await dmn.importXML(files[name]);
        const table = dmn.getViews().find((v) => v.type === 'decisionTable');
        if (table) { await dmn.open(table); }
      } else {
        $('scenario-editor').value = files[name];
      }
      document.body.dataset.modelerReady = 'true';
    } catch (err) {
      say('File ' + name + ' tidak dapat dibuka: ' + err.message, false);
    }
  }

  function addScenario() {
    const name = (window.prompt('Nama skenario (huruf kecil, tanpa spasi):', 'skenario_baru') || '').trim();
    if (!name) { return; }
    const file = 'uji/' + name.replace(/[^a-z0-9_-]/gi, '_') + '.json';
    files[file] = JSON.stringify({ nama: name, data_awal: {}, layanan: {}, tugas: [], jalur: [], data_akhir: {} }, null, 1);
    switchTo(file);
  }

  // ------------------------------------------------------------------ forms with a live preview

  let formsLoaded = false;
  let previewTimer = null;

  async function loadForms() {
    if (formsLoaded) { return; }
    formsLoaded = true;
    const r = await call('GET', '/forms');
    if (r.status !== 200) { say(errorText(r.data), false); return; }
    $('form-select').innerHTML = '<option value="">—</option>' + r.data.map((f) =>
      '<option value="' + esc(f.key) + '">' + esc(f.key) + ' · ' + esc(f.title) + '</option>').join('');
    $('form-select').addEventListener('change', openForm);
    $('form-editor').addEventListener('input', () => { clearTimeout(previewTimer); previewTimer = setTimeout(preview, 300); });
    $('form-preview').addEventListener('submit', (event) => event.preventDefault());  // a preview never submits
    if ($('btn-form-save')) { $('btn-form-save').addEventListener('click', saveForm); }
  }

  async function openForm() {
    const key = $('form-select').value;
    if (!key) { return; }
    const r = await call('GET', '/forms/' + encodeURIComponent(key));
    if (r.status !== 200) { say(errorText(r.data), false); return; }
    $('form-editor').value = JSON.stringify(r.data.schema, null, 2);
    preview();
  }

  function editedSchema() {
    try { return { schema: JSON.parse($('form-editor').value) }; } catch (err) { return { error: 'JSON tidak valid: ' + err.message }; }
  }

  async function preview() {
    const edited = editedSchema();
    if (edited.error) { $('form-error').textContent = edited.error; return; }
    const r = await call('POST', '/forms/preview', { schema: edited.schema });
    if (r.status !== 200) { $('form-error').textContent = errorText(r.data); return; }
    $('form-error').textContent = r.data.error || '';
    if (!r.data.error) {
      $('form-preview').innerHTML = r.data.html;
      if (window.schemaFormWire) { window.schemaFormWire($('form-preview')); }  // array rows (static/schema_form.js)
    }
  }

  async function saveForm() {
    const edited = editedSchema();
    if (edited.error) { say(edited.error, false); return; }
    const key = $('form-key').value.trim();
    const r = await call('POST', '/forms', { key: key, schema: edited.schema });
    if (r.status === 201) {
      say('Formulir ' + key + ' tersimpan; sebut namanya di formKey user task lalu pasang versi baru', true);
      const option = document.createElement('option');
      option.value = key;
      option.textContent = key;
      $('form-select').appendChild(option);
      return;
    }
    say(errorText(r.data), false);
  }

  // ------------------------------------------------------------------ validation markers

  function applyMarkers() {
    if (!current || !current.endsWith('.bpmn')) { return; }
    const canvas = bpmn.get('canvas');
    const registry = bpmn.get('elementRegistry');
    const overlays = bpmn.get('overlays');
    overlays.remove({ type: 'validation' });
    registry.getAll().forEach((el) => { canvas.removeMarker(el.id, 'wb-error'); canvas.removeMarker(el.id, 'wb-warning'); });
    problems.filter((p) => p.file === current && p.element && registry.get(p.element)).forEach((p) => {
      canvas.addMarker(p.element, p.severity === 'error' ? 'wb-error' : 'wb-warning');
      overlays.add(p.element, 'validation', {
        position: { top: -10, right: 10 },
        html: '<span class="wb-badge ' + esc(p.severity) + '" title="' + esc(p.message) + '">!</span>'
      });
    });
  }

  function renderProblems() {
    const list = $('problems');
    if (!problems.length) {
      list.innerHTML = '<li class="muted">Tidak ada kesalahan atau peringatan.</li>';
      return;
    }
    list.innerHTML = problems.map((p, i) => '<li class="' + esc(p.severity) + '" data-index="' + i + '">' +
      (p.severity === 'error' ? 'Kesalahan' : 'Peringatan') + ' · ' + esc(p.file) + (p.line ? ':' + p.line : '') +
      (p.element ? ' (' + esc(p.element) + ')' : '') + ': ' + esc(p.message) + '</li>').join('');
    list.querySelectorAll('li').forEach((li) => li.addEventListener('click', () => reveal(problems[+li.dataset.index])));
  }

  async function reveal(problem) {
    if (problem.file !== current && files[problem.file] !== undefined) { await switchTo(problem.file); }
    if (!current.endsWith('.bpmn') || !problem.element) { return; }
    const el = bpmn.get('elementRegistry').get(problem.element);
    if (el) {
      bpmn.get('selection').select(el);
      bpmn.get('canvas').scrollToElement(el);
    }
  }

  function showProblems(data) {
    problems = (data.errors || []).concat(data.warnings || []);
    renderProblems();
    applyMarkers();
  }

  // ------------------------------------------------------------------ what a deploy stores

  function included() {
    return Array.from(document.querySelectorAll('#deploy-scope input[name=sertakan]:checked')).map((box) => box.value);
  }

  function renderScope(data) {
    const chosen = included();
    const items = (data.akan_dipasang || []).map((e) => '<li>' + (e.jenis === 'dmn' ? 'Tabel keputusan ' : 'Proses ') +
      '<code>' + esc(e.process_id) + '</code>' + (e.jenis === 'dmn' ? '' : ' versi ' + esc(e.versi_baru)) +
      (e.berubah ? '' : ' <span class="muted">(tidak berubah)</span>') + '</li>');
    const deployed = (data.akan_dipasang || []).map((e) => e.process_id);
    const ticked = chosen.filter((id) => deployed.includes(id));  // included: no longer a conflict, still a choice
    const conflicts = (data.bentrok || []).concat(ticked).map((id) => '<li><label><input type="checkbox" name="sertakan" value="' +
      esc(id) + '"' + (chosen.includes(id) ? ' checked' : '') + '> Sertakan juga <code>' + esc(id) +
      '</code> (sudah dipasang; akan diganti versi baru dari berkas ini)</label></li>');
    const ignored = (data.diabaikan || []).map((id) => '<li class="muted"><code>' + esc(id) + '</code> diabaikan (tidak dipilih)</li>');
    $('deploy-scope').innerHTML = '<ul>' + items.concat(conflicts, ignored).join('') + '</ul>';
    $('deploy-scope').querySelectorAll('input[name=sertakan]').forEach((box) => box.addEventListener('change', validate));
  }

  // ------------------------------------------------------------------ actions

  async function validate() {
    await stash();
    const r = await call('POST', '/validate', { files: files, sertakan: included() });
    if (r.status !== 200) { say(errorText(r.data), false); return; }
    showProblems(r.data);
    renderScope(r.data);
    const errors = r.data.errors.length;
    say(errors ? errors + ' kesalahan; definisi belum dapat dipasang' :
      'Tidak ada kesalahan' + (r.data.warnings.length ? ' (' + r.data.warnings.length + ' peringatan)' : ''), !errors);
  }

  async function test() {
    await stash();
    const r = await call('POST', '/test', { files: files });
    if (r.status !== 200) { say(errorText(r.data), false); return; }
    if (r.data.errors.length) {
      showProblems({ errors: r.data.errors });
      say('Perbaiki kesalahan sebelum menguji', false);
      return;
    }
    const results = r.data.results;
    $('results').innerHTML = results.length ? results.map((res) => '<div><strong class="' + (res.lulus ? 'pass' : 'fail') + '">' +
      (res.lulus ? 'LULUS' : 'GAGAL') + '</strong> ' + esc(res.nama) + ' <span class="muted">(' + esc(res.file) + ')</span>' +
      (res.kegagalan.length ? '<ul>' + res.kegagalan.map((f) => '<li>' + esc(f) + '</li>').join('') + '</ul>' : '') +
      '<div class="muted">Jalur: ' + esc(res.jalur.join(' → ')) + '</div></div>').join('') :
      'Belum ada skenario uji untuk proses ini; tambahkan dengan "+ Skenario uji".';
    const failed = results.filter((res) => !res.lulus).length;
    say(results.length + ' skenario, ' + failed + ' gagal', !failed);
  }

  async function saveDraft() {
    await stash();
    const r = await call('PUT', '/draft', { files: files });
    if (r.status !== 200) { say(errorText(r.data), false); return; }
    $('draft-info').textContent = 'Draf tersimpan (' + r.data.updated_at + ', ' + r.data.author.nama + ').';
    say('Draf tersimpan', true);
  }

  async function deploy() {
    await stash();
    const comment = $('deploy-comment').value.trim();
    if (!comment) { say('Catatan versi wajib diisi: apa yang berubah dan mengapa', false); $('deploy-comment').focus(); return; }
    const r = await call('POST', '/deploy', { files: files, comment: comment, sertakan: included() });
    if (r.status === 201) {
      problems = [];
      renderProblems();
      applyMarkers();
      $('deploy-comment').value = '';
      $('draft-info').textContent = '';
      $('message').innerHTML = '<div class="wb-message ok">Versi ' + esc(r.data.version) + ' terpasang. ' +
        '<a href="' + esc(cfg.versionsUrl) + '">Lihat daftar versi</a></div>';
      return;
    }
    if (r.data && r.data.error && r.data.error.details && r.data.error.details.errors) {
      showProblems(r.data.error.details);
    }
    if (r.data && r.data.error && r.data.error.details && r.data.error.details.bentrok) {
      renderScope({ bentrok: r.data.error.details.bentrok });
    }
    say(errorText(r.data), false);
  }

  // ------------------------------------------------------------------ e-Kinerja properties of the selected element

  function spiffProperties(bo) {
    const values = (bo.extensionElements && bo.extensionElements.values) || [];
    return values.find((v) => v.$type === 'spiffworkflow:Properties');
  }

  function setSpiffProperty(element, name, value) {
    const modeling = bpmn.get('modeling');
    const moddle = bpmn.get('moddle');
    const bo = element.businessObject;
    let ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create('bpmn:ExtensionElements', { values: [] });
      modeling.updateModdleProperties(element, bo, { extensionElements: ext });
    }
    let container = spiffProperties(bo);
    if (!container) {
      container = moddle.create('spiffworkflow:Properties', { properties: [] });
      modeling.updateModdleProperties(element, ext, { values: ext.get('values').concat([container]) });
    }
    const existing = container.get('properties').find((p) => p.name === name);
    if (!value && existing) {
      modeling.updateModdleProperties(element, container, { properties: container.get('properties').filter((p) => p !== existing) });
    } else if (value && existing) {
      modeling.updateModdleProperties(element, existing, { value: value });
    } else if (value) {
      const created = moddle.create('spiffworkflow:Property', { name: name, value: value });
      modeling.updateModdleProperties(element, container, { properties: container.get('properties').concat([created]) });
    }
  }

  function field(label, key, value, multiline) {
    const input = multiline ? '<textarea data-key="' + key + '" rows="4">' + esc(value) + '</textarea>'
      : '<input data-key="' + key + '" value="' + esc(value) + '">';
    return '<label>' + esc(label) + input + '</label>';
  }

  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).find((d) => d.$type === 'bpmn:TimerEventDefinition');
  }

  function renderSpiff(element) {
    const box = $('spiff-props');
    if (!element || element.type === 'label') { box.innerHTML = '<span class="muted">Pilih sebuah elemen.</span>'; return; }
    const bo = element.businessObject;
    const props = spiffProperties(bo);
    const value = (name) => { const p = props && props.get('properties').find((x) => x.name === name); return p ? p.value : ''; };
    let html = '<div class="muted">' + esc(bo.$type.replace('bpmn:', '')) + ' <code>' + esc(bo.id) + '</code></div>';
    if (/UserTask|ManualTask/.test(bo.$type)) {
      html += field('Formulir (formKey)', 'spiff:formKey', value('formKey'));
      html += field('Judul tugas (ekspresi)', 'spiff:judul', value('judul'));
      html += field('Tenggat (ekspresi tanggal)', 'spiff:tenggat', value('tenggat'));
      html += field('Tampil di Tugas Saya (inbox: true/false)', 'spiff:inbox', value('inbox'));
      html += field('Kirim notifikasi (true/false)', 'spiff:notifikasi', value('notifikasi'));
    }
    if (props) {
      props.get('properties').filter((p) => SPIFF_FIELDS.indexOf(p.name) < 0).forEach((p) => {
        html += field('Properti ' + p.name, 'spiff:' + p.name, p.value);
      });
    }
    if (bo.$type === 'bpmn:ScriptTask') { html += field('Skrip (Python terbatas)', 'script', bo.script || '', true); }
    if (bo.$type === 'bpmn:SequenceFlow') {
      html += field('Kondisi (ekspresi Python)', 'condition', bo.conditionExpression ? bo.conditionExpression.body : '');
    }
    const timer = timerDefinition(bo);
    if (timer) {
      const kind = ['timeDate', 'timeDuration', 'timeCycle'].find((k) => timer[k]) || 'timeDuration';
      html += field('Timer ' + kind + ' (ekspresi; teks bertanda kutip, mis. "P7D")', 'timer:' + kind, timer[kind] ? timer[kind].body : '');
    }
    const values = (bo.extensionElements && bo.extensionElements.values) || [];
    const decision = values.find((v) => v.$type === 'spiffworkflow:CalledDecisionId');
    if (decision) { html += field('Tabel keputusan (calledDecisionId)', 'decision', decision.value); }
    const operator = values.find((v) => v.$type === 'spiffworkflow:ServiceTaskOperator');
    if (operator) {
      const params = (operator.parameterList && operator.parameterList.get('parameters')) || [];
      html += '<div><strong>Layanan</strong> <code>' + esc(operator.id) + '</code> → ' + esc(operator.resultVariable || '') +
        '<ul>' + params.map((p) => '<li><code>' + esc(p.id) + '</code> = ' + esc(p.value) + '</li>').join('') + '</ul></div>';
    }
    box.innerHTML = html;
    box.querySelectorAll('[data-key]').forEach((input) => input.addEventListener('change', () => update(element, input.dataset.key, input.value)));
  }

  function update(element, key, value) {
    const modeling = bpmn.get('modeling');
    const moddle = bpmn.get('moddle');
    const bo = element.businessObject;
    if (key.startsWith('spiff:')) {
      setSpiffProperty(element, key.slice(6), value.trim());
    } else if (key === 'script') {
      modeling.updateProperties(element, { script: value, scriptFormat: bo.scriptFormat || 'python' });
    } else if (key === 'condition') {
      modeling.updateProperties(element, { conditionExpression: value.trim() ? moddle.create('bpmn:FormalExpression', { body: value.trim() }) : undefined });
    } else if (key.startsWith('timer:')) {
      const timer = timerDefinition(bo);
      const change = {};
      change[key.slice(6)] = moddle.create('bpmn:FormalExpression', { body: value.trim() });
      modeling.updateModdleProperties(element, timer, change);
    } else if (key === 'decision') {
      const decision = bo.extensionElements.values.find((v) => v.$type === 'spiffworkflow:CalledDecisionId');
      modeling.updateModdleProperties(element, decision, { value: value.trim() });
    }
  }

  // ------------------------------------------------------------------ start

  async function start() {
    const descriptor = await (await fetch(cfg.moddle)).json();
    bpmn = new BpmnJS({
      container: '#bpmn-canvas',
      propertiesPanel: { parent: '#properties-panel' },
      additionalModules: [BpmnJSPropertiesPanel.BpmnPropertiesPanelModule, BpmnJSPropertiesPanel.BpmnPropertiesProviderModule,
        window.EkinerjaTranslate],
      moddleExtensions: { spiffworkflow: descriptor }
    });
    bpmn.on('selection.changed', (e) => renderSpiff(e.newSelection[0]));
    bpmn.on('element.changed', (e) => {
      const selected = bpmn.get('selection').get()[0];
      if (selected && e.element === selected && !document.activeElement.closest('#spiff-props')) { renderSpiff(selected); }
    });
    const dmnTranslate = { additionalModules: [window.EkinerjaTranslate] };
    dmn = new DmnJS({ container: '#dmn-canvas', drd: dmnTranslate, decisionTable: dmnTranslate, literalExpression: dmnTranslate });
    const r = await call('GET', '/draft');
    if (r.status !== 200) { say(errorText(r.data), false); return; }
    files = r.data.files;
    if (r.data.draft) {
      $('draft-info').textContent = 'Membuka draf (' + r.data.draft.updated_at + ', ' + r.data.draft.author.nama + ').';
    }
    await switchTo(cfg.mainFile || order(Object.keys(files))[0]);
    $('btn-validate').addEventListener('click', validate);
    $('btn-test').addEventListener('click', test);
    if (cfg.mayEdit) {
      $('btn-save').addEventListener('click', saveDraft);
      $('btn-deploy').addEventListener('click', deploy);
    }
  }

  start();
})();
