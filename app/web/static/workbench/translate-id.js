// Bahasa Indonesia for the bpmn-js modeler, its properties panel and the dmn-js decision table editor: bpmn-js's own "translate"
// service, replaced (https://github.com/bpmn-io/bpmn-js-examples/tree/main/i18n). A text not in the
// table stays as bpmn-js wrote it; tests/test_workbench_browser.py checks the panel's main labels.
(function () {
  'use strict';
  const ID = {
    // properties panel: groups and common labels
    'General': 'Umum', 'Documentation': 'Dokumentasi', 'Element documentation': 'Dokumentasi elemen',
    'Process documentation': 'Dokumentasi proses', 'Name': 'Nama', 'ID': 'ID', 'Executable': 'Dapat dijalankan',
    'Process ID': 'ID proses', 'Process name': 'Nama proses', 'Participant Name': 'Nama partisipan',
    'Extension properties': 'Properti tambahan', 'Properties': 'Properti', 'Inputs': 'Masukan', 'Outputs': 'Keluaran',
    'Implementation': 'Implementasi', 'Implementation type': 'Jenis implementasi', 'Type': 'Jenis', 'Value': 'Nilai',
    'Values': 'Nilai', 'Key': 'Kunci', 'Label': 'Label', 'Format': 'Format', 'Script': 'Skrip',
    'Inline script': 'Skrip langsung', 'Script type': 'Jenis skrip', 'Resource': 'Sumber', 'Condition': 'Kondisi',
    'Completion condition': 'Kondisi selesai', 'Loop cardinality': 'Jumlah pengulangan', 'Multi-instance': 'Multi-instans',
    'Input collection': 'Koleksi masukan', 'Input element': 'Elemen masukan', 'Output collection': 'Koleksi keluaran',
    'Output element': 'Elemen keluaran', 'Collection': 'Koleksi', 'Timer': 'Timer', 'Date': 'Tanggal',
    'Duration': 'Durasi', 'Cycle': 'Siklus', 'Message': 'Pesan', 'Signal': 'Sinyal', 'Error': 'Galat', 'Errors': 'Galat',
    'Escalation': 'Eskalasi', 'Link': 'Tautan', 'Compensation': 'Kompensasi', 'Called element': 'Elemen yang dipanggil',
    'Version': 'Versi', 'Version tag': 'Tag versi', 'Code': 'Kode', 'Event type': 'Jenis peristiwa',
    'Global message reference': 'Rujukan pesan global', 'Global signal reference': 'Rujukan sinyal global',
    'Global error reference': 'Rujukan galat global', 'Global escalation reference': 'Rujukan eskalasi global',
    'Wait for completion': 'Tunggu sampai selesai', 'Activity reference': 'Rujukan aktivitas',
    'Create': 'Buat', 'Create new ...': 'Buat baru …', 'Create new list item': 'Tambah butir', 'Delete item': 'Hapus butir',
    'Toggle list item': 'Buka/tutup butir', 'Toggle section': 'Buka/tutup bagian', 'Open documentation': 'Buka dokumentasi',
    'Learn more.': 'Selengkapnya.', 'Section contains an error': 'Bagian ini berisi kesalahan',
    'Section contains a warning': 'Bagian ini berisi peringatan', 'Section contains edits': 'Bagian ini telah diubah',
    'Select an element to edit its properties.': 'Pilih satu elemen untuk mengubah propertinya.',
    'Multiple elements are selected. Select a single element to edit its properties.':
      'Beberapa elemen terpilih. Pilih satu elemen untuk mengubah propertinya.',
    'ID must be unique.': 'ID harus unik.', 'ID must not be empty.': 'ID wajib diisi.',
    'ID must not contain spaces.': 'ID tidak boleh berisi spasi.', 'ID must not contain prefix.': 'ID tidak boleh berawalan.',
    'ID must be a valid QName.': 'ID harus berupa QName yang sah.', 'On': 'Aktif', 'Off': 'Nonaktif',
    'Open pop-up editor': 'Buka penyunting', 'Opened in editor': 'Dibuka di penyunting', '<none>': '<tidak ada>',
    '<empty>': '<kosong>', 'Source': 'Sumber', 'Target': 'Tujuan', 'Local': 'Lokal', 'Map': 'Peta', 'List': 'Daftar',
    'Timer documentation': 'Dokumentasi timer', 'How to configure a timer': 'Cara mengatur timer',
    'Documentation: Timer events': 'Dokumentasi: peristiwa timer',
    'A time duration defined as ISO 8601 durations format.': 'Durasi dalam format ISO 8601 (mis. P14D = 14 hari).',
    'A cycle defined as ISO 8601 repeating intervals format.': 'Siklus dalam format interval berulang ISO 8601.',
    'Specify the condition that triggers this event. ': 'Tentukan kondisi yang memicu peristiwa ini. ',
    'Configure the message that this event waits for. ': 'Atur pesan yang ditunggu peristiwa ini. ',
    'Configure the message that the task waits for. ': 'Atur pesan yang ditunggu tugas ini. ',
    'Configure the message that will start this process instance. ': 'Atur pesan yang memulai instans proses ini. ',
    'Configure the message that will trigger this boundary event. ': 'Atur pesan yang memicu peristiwa batas ini. ',
    'Execute this task for each element of a given collection. ': 'Jalankan tugas ini untuk setiap butir koleksi. ',
    'User task documentation': 'Dokumentasi tugas pengguna', 'Service task documentation': 'Dokumentasi tugas layanan',
    'Script task documentation': 'Dokumentasi tugas skrip', 'Send task documentation': 'Dokumentasi tugas kirim',
    'Call activity documentation': 'Dokumentasi aktivitas panggil', 'Multi instance documentation': 'Dokumentasi multi-instans',
    '{eventType}: {type}': '{eventType}: {type}',
    // palette, context pad, popup menu
    'Activate hand tool': 'Alat geser', 'Activate lasso tool': 'Alat laso', 'Activate create/remove space tool':
      'Alat tambah/hapus ruang', 'Activate global connect tool': 'Alat penghubung',
    'Create start event': 'Buat peristiwa mulai', 'Create end event': 'Buat peristiwa akhir', 'Create task': 'Buat tugas',
    'Create gateway': 'Buat gateway', 'Create intermediate/boundary event': 'Buat peristiwa antara/batas',
    'Create expanded sub-process': 'Buat sub-proses', 'Create pool/participant': 'Buat pool/partisipan',
    'Create data object reference': 'Buat objek data', 'Create data store reference': 'Buat penyimpanan data',
    'Create group': 'Buat grup', 'Append end event': 'Tambah peristiwa akhir', 'Append gateway': 'Tambah gateway',
    'Append task': 'Tambah tugas', 'Append intermediate/boundary event': 'Tambah peristiwa antara/batas',
    'Append receive task': 'Tambah tugas terima', 'Append message intermediate catch event': 'Tambah penangkap pesan',
    'Append timer intermediate catch event': 'Tambah timer', 'Append signal intermediate catch event': 'Tambah penangkap sinyal',
    'Append conditional intermediate catch event': 'Tambah penangkap kondisi',
    'Append compensation activity': 'Tambah aktivitas kompensasi', 'Change element': 'Ubah jenis elemen',
    'Change type': 'Ubah jenis', 'Connect to other element': 'Hubungkan ke elemen lain',
    'Connect using sequence flow': 'Hubungkan dengan alur', 'Connect using association': 'Hubungkan dengan asosiasi',
    'Connect using data input association': 'Hubungkan dengan asosiasi data', 'Delete': 'Hapus',
    'Add lane above': 'Tambah lane di atas', 'Add lane below': 'Tambah lane di bawah',
    'Divide into two lanes': 'Bagi menjadi dua lane', 'Divide into three lanes': 'Bagi menjadi tiga lane',
    'Append text annotation': 'Tambah catatan', 'Search in diagram': 'Cari di diagram',
    // dmn-js: the decision table editor
    'Hit policy': 'Kebijakan hasil', 'Hit policy:': 'Kebijakan hasil:', 'When': 'Jika', 'And': 'Dan',
    'Then': 'Maka', 'Annotation': 'Catatan', 'Annotations': 'Catatan', 'Input': 'Masukan', 'Output': 'Keluaran',
    'Add rule': 'Tambah aturan', 'Add rule above': 'Tambah aturan di atas', 'Add rule below': 'Tambah aturan di bawah',
    'Remove rule': 'Hapus aturan', 'Copy rule': 'Salin aturan', 'Cut rule': 'Potong aturan', 'Move rule': 'Pindahkan aturan',
    'Paste rule above': 'Tempel aturan di atas', 'Paste rule below': 'Tempel aturan di bawah',
    'Add input': 'Tambah masukan', 'Add output': 'Tambah keluaran',
    'Add input column left': 'Tambah kolom masukan di kiri', 'Add input column right': 'Tambah kolom masukan di kanan',
    'Add output column left': 'Tambah kolom keluaran di kiri', 'Add output column right': 'Tambah kolom keluaran di kanan',
    'Remove input column': 'Hapus kolom masukan', 'Remove output column': 'Hapus kolom keluaran',
    'Copy input column': 'Salin kolom masukan', 'Copy output column': 'Salin kolom keluaran',
    'Cut input column': 'Potong kolom masukan', 'Cut output column': 'Potong kolom keluaran',
    'Paste input column left': 'Tempel kolom masukan di kiri', 'Paste input column right': 'Tempel kolom masukan di kanan',
    'Paste output column left': 'Tempel kolom keluaran di kiri', 'Paste output column right': 'Tempel kolom keluaran di kanan',
    'Add cell description': 'Tambah keterangan sel', 'Remove cell description': 'Hapus keterangan sel',
    'Input label': 'Label masukan', 'Input label: ': 'Label masukan: ', 'Input expression': 'Ekspresi masukan',
    'Input expression: ': 'Ekspresi masukan: ', 'Input type': 'Jenis masukan', 'Input values': 'Nilai masukan',
    'Output label': 'Label keluaran', 'Output label: ': 'Label keluaran: ', 'Output name': 'Nama keluaran',
    'Output name: ': 'Nama keluaran: ', 'Output type': 'Jenis keluaran', 'Output values': 'Nilai keluaran',
    'Expression': 'Ekspresi', 'Expression language': 'Bahasa ekspresi', 'Expression language:': 'Bahasa ekspresi:',
    'Enter expression': 'Tulis ekspresi', 'Predefined values': 'Nilai yang ditentukan', 'Add values': 'Tambah nilai',
    'Add predefined values': 'Tambah nilai yang ditentukan', 'Clear predefined values': 'Hapus nilai yang ditentukan',
    'No values': 'Tidak ada nilai', 'Custom values': 'Nilai lain', 'Set value': 'Tetapkan nilai', 'Edit': 'Ubah',
    'Edit string': 'Ubah teks', 'Edit number': 'Ubah angka', 'Edit boolean': 'Ubah ya/tidak', 'Edit date': 'Ubah tanggal',
    'Edit input': 'Ubah masukan', 'Edit output': 'Ubah keluaran', 'Decision name': 'Nama keputusan',
    'Decision name: ': 'Nama keputusan: ', 'Definition ID': 'ID definisi', 'Definition name': 'Nama definisi',
    'Variable name': 'Nama variabel', 'Variable name:': 'Nama variabel:', 'Variable type': 'Jenis variabel',
    'Variable type:': 'Jenis variabel:', 'View DRD': 'Lihat DRD', 'Literal expression': 'Ekspresi literal',
    'Literal expression editor': 'Penyunting ekspresi literal', 'Yes': 'Ya', 'No': 'Tidak',
    'Strings must be in double quotes': 'Teks harus di antara tanda kutip ganda', 'Resize': 'Ubah ukuran',
    'Comparison': 'Perbandingan', 'Comparison operator': 'Operator perbandingan', 'Range': 'Rentang',
    'Equals': 'Sama dengan', 'Less': 'Kurang dari', 'Less or equals': 'Kurang dari atau sama dengan',
    'Greater': 'Lebih dari', 'Greater or equals': 'Lebih dari atau sama dengan', 'Between': 'Di antara',
    'Include': 'Termasuk', 'Exclude': 'Tidak termasuk', 'Match one': 'Cocok salah satu', 'Match none': 'Tidak cocok',
    'String value': 'Nilai teks', 'Boolean value': 'Nilai ya/tidak', 'Date value': 'Nilai tanggal',
    'Start value': 'Nilai awal', 'End value': 'Nilai akhir'
  };

  function customTranslate(template, replacements) {
    replacements = replacements || {};
    const text = Object.prototype.hasOwnProperty.call(ID, template) ? ID[template] : template;
    return text.replace(/{([^}]+)}/g, (_, key) => (key in replacements ? replacements[key] : '{' + key + '}'));
  }

  window.EkinerjaTranslate = { translate: ['value', customTranslate], table: ID };
})();
