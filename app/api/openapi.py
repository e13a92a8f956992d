"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json."""
from flask import jsonify

from app.notifications import KINDS
from app.request_input import ID_MAX

from . import api

ERROR = {"$ref": "#/components/schemas/Error"}


def _resp(description, schema=None):
    body = {"description": description}
    if schema:
        body["content"] = {"application/json": {"schema": schema}}
    return body


ERRORS = {"401": _resp("Token tidak ada atau tidak valid", ERROR), "403": _resp("Tidak diizinkan", ERROR),
          "404": _resp("Tidak ditemukan", ERROR)}
# Ids are signed 32-bit columns: a larger one in a path is simply not found (404).
ID_SCHEMA = {"type": "integer", "format": "int32", "minimum": 1, "maximum": ID_MAX}
# ?archived=1 while the approval's copy is still being rendered after commit (or its job failed).
ARCHIVE_PENDING = {"409": _resp("Arsip sedang disiapkan (code document_pending, header Retry-After) atau "
                                "pembuatannya gagal (details.status = failed)", ERROR)}
# Any call, when the database cannot answer: code service_unavailable, with a Retry-After header (seconds).
ERRORS["503"] = _resp("Basis data sedang tidak dapat dihubungi; ulangi setelah Retry-After detik", ERROR)


def ID(name, kind="integer"):  # noqa: N802 - reads as a constant in the path tables
    return {"name": name, "in": "path", "required": True, "schema": ID_SCHEMA if kind == "integer" else {"type": kind}}



DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "ekinerja-flow API", "version": "1",
             "description": "SKP, tugas dan proses BPMN kinerja ASN (PermenPANRB 6/2022)."},
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string", "enum": ["validation_error", "not_found", "forbidden",
                                                                   "conflict", "unauthorized", "bad_request",
                                                                   "internal_error"]},
                               "message": {"type": "string"}, "details": {"type": "object"}}}}},
            "Task": {"type": "object", "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "title": {"type": "string"},
                "process_id": {"type": "string"}, "instance_id": {"type": "integer"},
                "business_key": {"type": "string"}, "lane": {"type": "string"},
                "due_at": {"type": "string", "format": "date-time", "nullable": True}, "form": {}}},
            "Skp": {"type": "object", "properties": {
                "id": {"type": "integer"}, "tahun": {"type": "integer"},
                "status": {"type": "string", "enum": ["DRAFT", "DIAJUKAN", "DIKEMBALIKAN", "DISETUJUI", "SELESAI",
                                                      "DIBATALKAN"]},
                "pendekatan": {"type": "string"}, "rhk": {"type": "array", "items": {"type": "object"}},
                "lampiran": {"type": "object"}, "perilaku": {"type": "array", "items": {"type": "object"}},
                "history": {"type": "array", "items": {"type": "object", "properties": {
                    "at": {"type": "string"}, "actor_nip": {"type": "string"}, "action": {"type": "string"},
                    "from_status": {"type": "string"}, "to_status": {"type": "string"},
                    "note": {"type": "string"}}}}}},
            "Notification": {"type": "object", "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": list(KINDS)},
                "subject": {"type": "string"}, "body": {"type": "string"},
                "link": {"type": "string", "nullable": True, "description": "Alamat di dalam aplikasi, mis. /skp/12"},
                "created_at": {"type": "string", "format": "date-time"},
                "read_at": {"type": "string", "format": "date-time", "nullable": True}}},
            "Instance": {"type": "object", "properties": {
                "id": {"type": "integer"}, "status": {"type": "string"}, "process_id": {"type": "string"},
                "definition_id": {"type": "integer"}, "definition_version": {"type": "integer"},
                "open_tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                "events": {"type": "array", "items": {"type": "object"}}}},
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/auth/token": {"post": {"summary": "Tukar NIP dan kata sandi dengan token", "security": [],
                                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                                     "type": "object", "required": ["nip", "password"],
                                     "properties": {"nip": {"type": "string", "pattern": "^[0-9]{18}$"},
                                                    "password": {"type": "string"}}}}}},
                                 "responses": {"200": _resp("Token", {"type": "object", "properties": {
                                     "access_token": {"type": "string"}, "token_type": {"type": "string"},
                                     "expires_in": {"type": "integer"}}}),
                                     "400": _resp("JSON tidak valid", ERROR), "401": _resp("NIP atau sandi salah", ERROR),
                                     "429": {"description": "Terlalu banyak percobaan gagal untuk NIP ini atau dari "
                                                            "alamat ini (lihat README, Keamanan); coba lagi setelah "
                                                            "Retry-After detik",
                                             "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                                             "content": {"application/json": {"schema": ERROR}}}}}},
        "/auth/revoke": {"post": {"summary": "Cabut semua token pemanggil (termasuk token ini); token yang sudah "
                                             "dicabut dijawab 401. Ganti kata sandi juga mencabutnya.",
                                  "responses": {"204": {"description": "Semua token pemanggil dicabut"},
                                                "401": ERRORS["401"]}}},
        "/pegawai/{nip}/cabut-sesi": {"post": {
            "summary": "Admin kinerja (instansinya) atau superadmin: akhiri semua sesi halaman dan token API "
                       "seorang pegawai (perangkat hilang, akun disalahgunakan)",
            "parameters": [ID("nip", "string")],
            "responses": {"204": {"description": "Semua sesi dan token pegawai itu dicabut"}, **ERRORS}}},
        "/me": {"get": {"summary": "Pegawai yang masuk", "responses": {"200": _resp("Pegawai"), **ERRORS}}},
        "/tasks": {"get": {"summary": "Tugas terbuka milik pemanggil",
                           "responses": {"200": _resp("Daftar tugas", {"type": "array",
                                                                       "items": {"$ref": "#/components/schemas/Task"}}),
                                         **ERRORS}}},
        "/tasks/{id}": {"get": {"summary": "Satu tugas dengan formulir dan datanya", "parameters": [ID("id", "string")],
                                "responses": {"200": _resp("Tugas"), **ERRORS, "409": _resp("Sudah selesai", ERROR)}}},
        "/tasks/{id}/complete": {"post": {
            "summary": "Selesaikan tugas (skp-editor dengan ajukan=false menyimpan draf)",
            "parameters": [ID("id", "string")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["data"], "properties": {"data": {"type": "object"}}}}}},
            "responses": {"200": _resp("Keadaan instance yang baru"), "400": _resp("JSON tidak valid", ERROR),
                          **ERRORS, "409": _resp("Sudah diselesaikan atau berubah; atau formulir penilaian sebelum "
                                                 "periode_akhir tanpa izin admin kinerja (details.dapat_ditetapkan_mulai)",
                                                 ERROR),
                          "422": _resp("Data tidak valid; details.fields menyebut kolomnya. skp-editor dengan "
                                       "ajukan=true yang ditolak: isian tetap disimpan sebagai draf dan "
                                       "details.draft_saved = true", ERROR)}}},
        "/skp": {"get": {"summary": "SKP yang boleh dilihat pemanggil",
                         "parameters": [{"name": "tahun", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 9999}},
                                        {"name": "nip", "in": "query", "schema": {"type": "string"}}],
                         "responses": {"200": _resp("Daftar SKP"), **ERRORS}},
                 "post": {"summary": "Buat SKP untuk jabatan pemanggil dan mulai proses perencanaannya",
                          "requestBody": {"required": True, "content": {"application/json": {"schema": {
                              "type": "object", "required": ["tahun"],
                              "properties": {"tahun": {"type": "integer"},
                                             "pendekatan": {"type": "string", "enum": ["KUANTITATIF", "KUALITATIF"]}}}}}},
                          "responses": {"201": _resp("SKP", {"$ref": "#/components/schemas/Skp"}), **ERRORS,
                                        "409": _resp("Sudah ada (details.skp_id; juga bagi permintaan yang "
                                                     "kalah dari permintaan serentak) / tidak ada pejabat penilai",
                                                     ERROR),
                                        "422": _resp("Data tidak valid", ERROR)}}},
        "/skp/{id}": {"get": {"summary": "SKP dengan RHK, IKI, lampiran, perilaku dan riwayat", "parameters": [ID("id")],
                              "responses": {"200": _resp("SKP", {"$ref": "#/components/schemas/Skp"}), **ERRORS}}},
        "/skp/{id}/rollback": {"post": {
            "summary": "Kembalikan SKP yang disetujui ke draf (JPT atas unit atau admin kinerja)",
            "parameters": [ID("id")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}}}},
            "responses": {"200": _resp("SKP", {"$ref": "#/components/schemas/Skp"}), **ERRORS,
                          "409": _resp("Status tidak mengizinkan", ERROR), "422": _resp("Alasan kosong", ERROR)}}},
        "/skp/{id}/document.pdf": {"get": {"summary": "Dokumen SKP (PDF); ?archived=1 salinan saat disetujui",
                                           "parameters": [ID("id"), {"name": "archived", "in": "query",
                                                                     "schema": {"type": "string", "enum": ["1"]}}],
                                           "responses": {"200": {"description": "PDF", "content": {
                                               "application/pdf": {}}}, **ERRORS, **ARCHIVE_PENDING}}},
        "/skp/{id}/document.docx": {"get": {"summary": "Dokumen SKP (DOCX); ?archived=1 salinan saat disetujui",
                                            "parameters": [ID("id"), {"name": "archived", "in": "query",
                                                                      "schema": {"type": "string", "enum": ["1"]}}],
                                            "responses": {"200": {"description": "DOCX"}, **ERRORS, **ARCHIVE_PENDING}}},
        "/notifications": {"get": {
            "summary": "Notifikasi milik pemanggil, terbaru dahulu, dengan jumlah yang belum dibaca",
            "parameters": [{"name": "unread", "in": "query", "schema": {"type": "string", "enum": ["1", "0"]},
                            "description": "1 = hanya yang belum dibaca"},
                           {"name": "limit", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                           {"name": "offset", "in": "query",
                            "schema": {"type": "integer", "minimum": 0, "maximum": ID_MAX, "default": 0}}],
            "responses": {"200": _resp("Notifikasi", {"type": "object", "properties": {
                "unread": {"type": "integer"},
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}}}}),
                **ERRORS, "422": _resp("Parameter tidak valid; details.fields menyebut parameternya", ERROR)}}},
        "/notifications/{id}/read": {"post": {
            "summary": "Tandai satu notifikasi sudah dibaca", "parameters": [ID("id")],
            "responses": {"200": _resp("Notifikasi", {"$ref": "#/components/schemas/Notification"}), **ERRORS}}},
        "/notifications/read-all": {"post": {
            "summary": "Tandai semua notifikasi pemanggil sudah dibaca",
            "responses": {"200": _resp("Jumlah yang belum dibaca", {"type": "object", "properties": {
                "unread": {"type": "integer"}}}), **ERRORS}}},
        "/instances/{id}": {"get": {"summary": "Keadaan instance proses, tugas terbuka dan log kejadian",
                                    "parameters": [ID("id")],
                                    "responses": {"200": _resp("Instance", {"$ref": "#/components/schemas/Instance"}),
                                                  **ERRORS}}},
    },
}


# ---------------------------------------------------------------- angka kredit (PerBKN 3/2023)
NIP = {"name": "nip", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]{18}$"}}
_NUM = {"type": "number", "minimum": 0}
_JENJANG = ["AHLI_PERTAMA", "AHLI_MUDA", "AHLI_MADYA", "AHLI_UTAMA", "PEMULA", "TERAMPIL", "MAHIR", "PENYELIA"]
_PREDIKAT = ["SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG"]
_AK_422 = _resp("Data tidak valid; details.fields menyebut kolomnya (mis. koefisien.AHLI_PERTAMA.koefisien)", ERROR)
DOCUMENT["components"]["schemas"].update({
    "AngkaKreditItem": {"type": "object", "properties": {
        "id": {"type": "integer"}, "sumber": {"type": "string", "enum": ["PENILAIAN", "AK_DASAR", "MANUAL"]},
        "penilaian_id": {"type": "integer", "nullable": True},
        "periode_awal": {"type": "string", "format": "date"}, "periode_akhir": {"type": "string", "format": "date"},
        "periode": {"type": "string", "nullable": True, "description": "mis. Januari – Desember 2026"},
        "jumlah_bulan": {"type": "integer", "nullable": True}, "jf_jenjang": {"type": "string", "enum": _JENJANG},
        "predikat": {"type": "string", "enum": _PREDIKAT, "nullable": True},
        "persentase": {"type": "number", "nullable": True}, "koefisien": {"type": "number", "nullable": True},
        "ak": {"type": "number", "description": "3 angka desimal"},
        "ak_teks": {"type": "string", "description": "2 angka desimal dengan koma, mis. 18,75"},
        "keterangan": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}},
    "AngkaKredit": {"type": "object", "description": "AK dalam jenjang saat ini: AK dasar + hasil konversi",
                    "properties": {
        "nip": {"type": "string"}, "nama": {"type": "string"}, "jabatan": {"type": "string", "nullable": True},
        "jabatan_fungsional": {"type": "boolean"},
        "jf_jenjang": {"type": "string", "enum": _JENJANG, "nullable": True},
        "jenjang": {"type": "string", "nullable": True}, "kategori": {"type": "string", "nullable": True},
        "koefisien": {"type": "number", "nullable": True}, "ak_dasar": {"type": "number"},
        "ak_konversi": {"type": "number"}, "ak_kumulatif": {"type": "number"}, "ak_kumulatif_teks": {"type": "string"},
        "akk_kp": {"type": "number", "nullable": True}, "akk_kj": {"type": "number", "nullable": True},
        "kekurangan_kp": {"type": "number", "nullable": True}, "kekurangan_kj": {"type": "number", "nullable": True},
        "memenuhi_kp": {"type": "boolean", "description": "semua syarat yang diperiksa sistem (AK dan predikat) "
                                                          "terpenuhi; syarat di luar sistem tidak termasuk"},
        "memenuhi_kj": {"type": "boolean", "description": "seperti memenuhi_kp, untuk kenaikan jenjang"},
        "memenuhi_ak_kp": {"type": "boolean", "description": "AK kumulatif ≥ AKK kenaikan pangkat (AK saja)"},
        "memenuhi_ak_kj": {"type": "boolean", "description": "AK kumulatif ≥ AKK kenaikan jenjang (AK saja)"},
        "kenaikan_kp": {"$ref": "#/components/schemas/SyaratKenaikan"},
        "kenaikan_kj": {"$ref": "#/components/schemas/SyaratKenaikan"},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/AngkaKreditItem"}}}},
    "SyaratKenaikan": {"type": "object", "description": "Setiap syarat kenaikan pangkat/jenjang tersendiri", "properties": {
        "status": {"type": "string", "enum": ["TIDAK_ADA", "BELUM_MEMENUHI", "MEMENUHI_SYARAT_AK",
                                              "MEMENUHI_SYARAT_AK_DAN_PREDIKAT"]},
        "label": {"type": "string", "description": "mis. 'Memenuhi syarat AK; predikat kinerja tahunan belum lengkap'"},
        "memenuhi": {"type": "boolean"}, "memenuhi_ak": {"type": "boolean"},
        "syarat": {"type": "array", "items": {"type": "object", "properties": {
            "kode": {"type": "string", "enum": ["ANGKA_KREDIT", "PREDIKAT", "UJI_KOMPETENSI", "FORMASI"]},
            "syarat": {"type": "string"}, "keterangan": {"type": "string"},
            "status": {"type": "string", "enum": ["TERPENUHI", "BELUM_TERPENUHI", "BELUM_DIKETAHUI",
                                                  "DI_LUAR_SISTEM"]}}}}}},
    "ReferensiAngkaKredit": {"type": "object", "properties": {
        "persentase": {"type": "object", "description": "persen per predikat, mis. {\"BAIK\": 100}",
                       "additionalProperties": _NUM},
        "koefisien": {"type": "object", "description": "per jenjang JF", "additionalProperties": {
            "type": "object", "properties": {
                "kategori": {"type": "string", "enum": ["KEAHLIAN", "KETERAMPILAN"], "readOnly": True},
                "koefisien": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
                "akk_kp": _NUM, "akk_kj": {**_NUM, "nullable": True}}}},
        "syarat": {"type": "object", "description": "syarat predikat kenaikan pangkat (KP) dan jenjang (KJ): predikat "
                                                    "tahunan paling rendah predikat_minimal dalam jumlah_tahun tahun "
                                                    "terakhir (0: tanpa syarat predikat)",
                   "additionalProperties": {"type": "object", "properties": {
                       "predikat_minimal": {"type": "string", "enum": _PREDIKAT},
                       "jumlah_tahun": {"type": "integer", "minimum": 0, "maximum": 5}}}}}},
})
DOCUMENT["paths"].update({
    "/pegawai/{nip}/angka-kredit": {"get": {
        "summary": "Angka kredit pegawai dalam jenjang saat ini (pegawai sendiri, pejabat penilai, admin instansi)",
        "parameters": [NIP],
        "responses": {"200": _resp("Angka kredit", {"$ref": "#/components/schemas/AngkaKredit"}), **ERRORS,
                      "422": _resp("NIP tidak valid", ERROR)}}},
    "/pegawai/{nip}/angka-kredit/dasar": {"post": {
        "summary": "Catat AK dasar jenjang (mis. dari PAK Konversi); admin kinerja atau superadmin instansi. "
                   "Catatan kedua untuk jenjang yang sama menggantikannya",
        "parameters": [NIP],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["ak", "keterangan"], "properties": {
                "ak": _NUM, "keterangan": {"type": "string"},
                "jf_jenjang": {"type": "string", "enum": _JENJANG, "description": "bawaan: jenjang saat ini"},
                "tanggal": {"type": "string", "format": "date", "description": "bawaan: hari ini"}}}}}},
        "responses": {"201": _resp("Dicatat", {"$ref": "#/components/schemas/AngkaKredit"}),
                      "200": _resp("Menggantikan AK dasar sebelumnya", {"$ref": "#/components/schemas/AngkaKredit"}),
                      "400": _resp("JSON tidak valid", ERROR), **ERRORS, "422": _AK_422}}},
    "/pegawai/{nip}/angka-kredit/document.pdf": {"get": {
        "summary": "Konversi Predikat Kinerja ke Angka Kredit (PDF)", "parameters": [NIP],
        "responses": {"200": {"description": "PDF", "content": {"application/pdf": {}}}, **ERRORS,
                      "409": _resp("Bukan jabatan fungsional", ERROR), "422": _resp("NIP tidak valid", ERROR)}}},
    "/pegawai/{nip}/angka-kredit/document.docx": {"get": {
        "summary": "Konversi Predikat Kinerja ke Angka Kredit (DOCX)", "parameters": [NIP],
        "responses": {"200": {"description": "DOCX"}, **ERRORS, "409": _resp("Bukan jabatan fungsional", ERROR),
                      "422": _resp("NIP tidak valid", ERROR)}}},
    "/referensi/angka-kredit": {
        "get": {"summary": "Persentase per predikat dan koefisien/AKK per jenjang yang berlaku",
                "responses": {"200": _resp("Referensi", {"$ref": "#/components/schemas/ReferensiAngkaKredit"}),
                              "401": ERRORS["401"]}},
        "put": {"summary": "Ubah referensi angka kredit (sebagian boleh); admin kinerja atau superadmin",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ReferensiAngkaKredit"}}}},
                "responses": {"200": _resp("Referensi setelah diubah",
                                           {"$ref": "#/components/schemas/ReferensiAngkaKredit"}),
                              "400": _resp("JSON tidak valid", ERROR), "401": ERRORS["401"],
                              "403": ERRORS["403"], "422": _AK_422}}},
})


# ---------------------------------------------------------------- documents a process made from a template
DOCUMENT["components"]["schemas"].update({
    "DokumenProses": {"type": "object", "properties": {
        "id": {"type": "integer"}, "instance_id": {"type": "integer"},
        "template": {"type": "string", "description": "nama templat (document_templates/<nama>.html|.docx)"},
        "judul": {"type": "string"}, "format": {"type": "string", "enum": ["pdf", "docx"]},
        "nama_berkas": {"type": "string"}, "sha256": {"type": "string"}, "ukuran": {"type": "integer"},
        "bpmn_id": {"type": "string", "description": "tugas layanan yang membuatnya"},
        "created_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "description": "alamat unduhan"}}},
})
DOCUMENT["paths"].update({
    "/instances/{id}/documents": {"get": {
        "summary": "Dokumen yang dibuat instance dari templat (layanan buat_dokumen), dan yang masih disiapkan "
                   "atau gagal (pending); untuk yang boleh melihat instance dan pegawai yang menjadi subjeknya",
        "parameters": [ID("id")],
        "responses": {"200": _resp("Dokumen instance", {"type": "object", "properties": {
            "documents": {"type": "array", "items": {"$ref": "#/components/schemas/DokumenProses"}},
            "pending": {"type": "array", "items": {"type": "object", "properties": {
                "job_id": {"type": "integer"}, "status": {"type": "string", "enum": ["pending", "failed"]},
                "status_label": {"type": "string"}, "attempts": {"type": "integer"},
                "template": {"type": "string", "nullable": True}, "judul": {"type": "string", "nullable": True},
                "last_error": {"type": "string"}}}}}}), **ERRORS}}},
    "/instances/{id}/documents/{dokumen_id}": {"get": {
        "summary": "Unduh satu dokumen instance (PDF atau DOCX; ETag = SHA-256 isinya)",
        "parameters": [ID("id"), ID("dokumen_id")],
        "responses": {"200": {"description": "PDF atau DOCX", "content": {
            "application/pdf": {},
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}}}, **ERRORS}}},
})


@api.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)
