"""Imports every mapped class so that the metadata knows all tables (migrations, tests)."""
from app.kinerja import org, penilaian, skp  # noqa: F401
from app.kinerja import angka_kredit  # noqa: F401
from app.notifications import models as notification_models  # noqa: F401
from workflows import models  # noqa: F401
from app.kinerja import capaian, kurva  # noqa: F401
from app.kinerja import bukti_dukung, pembukaan  # noqa: F401
from app.kinerja import berkas_formulir  # noqa: F401
from app.kinerja import dialog  # noqa: F401
from app.kinerja import mph  # noqa: F401
from app import jobs  # noqa: F401
from app.documents import process_documents  # noqa: F401
from app.kinerja import unit_roles  # noqa: F401
from app.kinerja import tukin  # noqa: F401
from app.kinerja import tim_kerja  # noqa: F401
from app.kinerja import kegiatan_harian  # noqa: F401
from app.kinerja import penilai  # noqa: F401
