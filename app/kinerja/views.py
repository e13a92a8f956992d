"""Plain-dict views of tasks and SKP shared by the JSON API and the pages."""
from __future__ import annotations

from sqlalchemy.orm import Session

from workflows import clock
from workflows.forms import schema_of
from workflows.models import HumanTask

from .skp import STATUS_LABEL, Skp


def iso(value):
    """ISO 8601; datetimes always with an offset (SQLite hands them back without one: they are UTC)."""
    import datetime as dt

    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat() if value is not None else None


def task_summary(task: HumanTask) -> dict:
    return {"id": task.id, "name": task.name, "title": task.title, "process_id": task.instance.process_id,
            "instance_id": task.instance_id, "business_key": task.instance.business_key, "lane": task.lane,
            "due_at": iso(task.due_at), "form": task.form_key}


def skp_editor_data(skp: Skp) -> dict:
    """The SKP in the shape the ``skp-editor`` form takes (what the editor starts from)."""
    lampiran = skp.lampiran_lists()
    return {
        "pendekatan": skp.pendekatan,
        "rhk": [{"id": r.id, "jenis": r.jenis, "deskripsi": r.deskripsi, "rhk_atasan_id": r.rhk_atasan_id,
                 "rhk_atasan_text": r.rhk_atasan_text, "klasifikasi": r.klasifikasi,
                 "penugasan_dari": r.penugasan_dari,
                 "iki": [{"id": i.id, "aspek": i.aspek, "perspektif": i.perspektif, "indikator": i.indikator,
                          "target": i.target_text} for i in r.iki]} for r in skp.rhk],
        "lampiran": lampiran,
    }


def skp_detail(session: Session, skp: Skp) -> dict:
    return {
        "id": skp.id, "tahun": skp.tahun, "status": skp.status, "status_label": STATUS_LABEL[skp.status],
        "pendekatan": skp.pendekatan, "jenis_skp": skp.jenis_skp,
        "periode_awal": iso(skp.periode_awal), "periode_akhir": iso(skp.periode_akhir),
        "pegawai": {"nip": skp.pegawai.nip, "nama": skp.pegawai.nama_lengkap},
        "jabatan": skp.jabatan.nama, "unor": skp.unor.nama,
        "pejabat_penilai": ({"nip": skp.pejabat_penilai.nip, "nama": skp.pejabat_penilai.nama_lengkap}
                            if skp.pejabat_penilai else None),
        "catatan_pengembalian": skp.catatan_pengembalian,
        "tanggal_pengajuan": iso(skp.tanggal_pengajuan), "tanggal_penetapan": iso(skp.tanggal_penetapan),
        **{k: v for k, v in skp_editor_data(skp).items() if k != "pendekatan"},
        "perilaku": [{"kode": p.kode, "ekspektasi_khusus": p.ekspektasi_khusus} for p in skp.perilaku],
        "history": [{"at": iso(h.at), "actor_nip": h.actor.nip if h.actor else None,
                     "actor_nama": h.actor.nama_lengkap if h.actor else None,
                     "actor_sebagai": acting_as(session, h, skp).strip(), "action": h.action,
                     "from_status": h.from_status, "to_status": h.to_status, "note": h.note} for h in skp.riwayat],
    }


def acting_as(session: Session, entry, skp: Skp) -> str:
    """" sebagai PLT <jabatan>" when the actor of a history entry then acted in a position above the SKP."""
    from .penugasan import sebagai

    return sebagai(session, entry.actor_id, clock.local_date(entry.at), skp.unor) if entry.at else ""


def form_of(task: HumanTask) -> dict:
    return {"key": task.form_key,
            "schema": schema_of(task.form_key, task.instance.definition.sources) if task.form_key else None}
