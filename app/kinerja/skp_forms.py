"""What the SKP planning diagram's forms and service tasks do to SKP rows.

- form ``skp-editor``: the pegawai's RHK, IKI and lampiran are written to the SKP rows;
  ``ajukan: false`` saves a draft and keeps the task open; only ``{"ajukan": true}``
  goes into the task data. A refused ``ajukan`` saves the draft, then answers with the
  reasons (``details.draft_saved``).
- form ``skp-review``: the penilai's ekspektasi khusus are written to the SKP; the decision
  and note go into the task data for the diagram's gateway. When the penilai is a PPK whose
  approvals an admin kinerja records, the PPK's decision (number, date) is required and kept.
- form ``skp-rollback``: only checks who may act (the lane) and that a reason is given, and refuses (409)
  while an unfinished instance of a process whose property ``menahan_rollback_skp`` names a data field
  holding this SKP's id is open, e.g. a keberatan (domain §2.2 (e)).
- service ``status_skp``: the status change the diagram asks for (``skp_lifecycle.transition``).
"""
from __future__ import annotations

import re

from workflows.forms import FormResult, register_form
from workflows.scripting import register_service

from core.errors import Conflict, ValidationFailed
from .penilai import keputusan_ppk
from .perilaku import KODE
from .cascade import provisional_rhk_atasan, release_removed
from sqlalchemy import inspect
from sqlalchemy.orm import joinedload, selectinload

from .skp import LAMPIRAN, WITH_PEGAWAI, WITH_PENILAI, WITH_RENCANA, Iki, LampiranItem, Rhk, Skp, get_skp
from .skp_lifecycle import penilai_for_submission, transition


TARGET_MAX = 10**14


def _target_number(text: str) -> tuple[float | None, str]:
    """'12 Laporan' → (12.0, 'Laporan'); '90 %' → (90.0, '%'); free text → (None, '')."""
    match = re.match(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(.*)$", text or "")
    if not match:
        return None, ""
    value = float(match.group(1).replace(",", "."))
    if value >= TARGET_MAX:  # beyond the column (Numeric(18, 4)): kept as text only
        return None, ""
    return value, match.group(2).strip()[:64]


def _editable(skp: Skp) -> None:
    if skp.status not in ("DRAFT", "DIKEMBALIKAN"):
        raise Conflict(f"SKP berstatus {skp.status} tidak dapat diubah")


def write_editor_data(session, skp: Skp, data: dict) -> None:
    """Replace the SKP's RHK, IKI and lampiran with the submitted ones, keeping ids that are sent back.

    RHK that other SKP intervene keep their id; deleting one is refused.
    """
    _editable(skp)
    fields: dict[str, str] = {}
    if "pendekatan" in data and data["pendekatan"] != skp.pendekatan:
        skp.pendekatan = data["pendekatan"]
    existing = {r.id: r for r in skp.rhk}
    allowed = {r.id for r in provisional_rhk_atasan(session, skp)} if not skp.is_jpt else set()
    kept_rhk: list[Rhk] = []
    for i, item in enumerate(data.get("rhk", [])):
        rhk = existing.get(item.get("id")) if item.get("id") else None
        if item.get("id") and rhk is None:
            fields[f"rhk[{i}].id"] = f"RHK {item['id']} bukan bagian dari SKP ini"
            continue
        rhk = rhk or Rhk(skp=skp)
        _assign(rhk, urutan=i + 1, jenis=item["jenis"], deskripsi=item["deskripsi"].strip(),
                rhk_atasan_text=item.get("rhk_atasan_text", "").strip())
        if skp.is_jpt:
            _assign(rhk, klasifikasi=item.get("klasifikasi"), penugasan_dari=item.get("penugasan_dari", "").strip(),
                    rhk_atasan_id=None)
        else:
            atasan_id = item.get("rhk_atasan_id")
            if atasan_id is not None and atasan_id not in allowed:
                fields[f"rhk[{i}].rhk_atasan_id"] = (f"RHK {atasan_id} bukan RHK dari SKP pejabat penilai "
                                                     "atau pimpinan unit tahun yang sama")
            _assign(rhk, rhk_atasan_id=atasan_id, klasifikasi=None)
        iki_existing = {k.id: k for k in rhk.iki}
        kept_iki = []
        for j, iki_item in enumerate(item["iki"]):
            iki = iki_existing.get(iki_item.get("id")) if iki_item.get("id") else None
            iki = iki or Iki()
            nilai, satuan = _target_number(iki_item["target"])
            _assign(iki, urutan=j + 1, indikator=iki_item["indikator"].strip(), target_text=iki_item["target"].strip(),
                    target_nilai=nilai, target_satuan=satuan, aspek=None if skp.is_jpt else iki_item.get("aspek"),
                    perspektif=iki_item.get("perspektif") if skp.is_jpt else None)
            kept_iki.append(iki)
        _assign_rows(rhk, "iki", kept_iki)
        kept_rhk.append(rhk)
    removed = [r for r in skp.rhk if r not in kept_rhk and r.id is not None]
    for rhk in removed:
        with session.no_autoflush:  # other SKPs' RHK, committed: the new rows of this one need not be written first
            users = session.query(Rhk).filter(Rhk.rhk_atasan_id == rhk.id).count()
        if users and not release_removed(session, rhk):
            fields[f"rhk (id {rhk.id})"] = f"RHK ini diintervensi oleh {users} RHK bawahan; tidak dapat dihapus"
    if fields:
        raise ValidationFailed(fields)
    _assign_rows(skp, "rhk", kept_rhk)
    lampiran = data.get("lampiran") or {}
    # a line keeps its row (same category and position): a save that changes nothing writes nothing
    rows = {(item.kategori, item.urutan): item for item in skp.lampiran}
    items = []
    for kategori in LAMPIRAN:
        for k, teks in enumerate(t.strip() for t in lampiran.get(kategori, []) if t.strip()):
            item = rows.get((kategori, k + 1)) or LampiranItem(kategori=kategori, urutan=k + 1)
            _assign(item, teks=teks)
            items.append(item)
    _assign_rows(skp, "lampiran", items)
    session.flush()


def _assign(row, **values) -> None:
    """Set what differs only: a value set again, even an equal one, puts the row among the flush's work (0.9 ms
    CPU for an editor's rows that a submission sends back unchanged)."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _assign_rows(row, name: str, items: list) -> None:
    """``_assign`` of a collection: set when its rows differ (their order is their ``urutan``), or when one is new
    (a row created with its parent is in the parent's list already, but only setting the list adds it to the
    session)."""
    if set(getattr(row, name)) != set(items) or any(inspect(item).transient for item in items):
        setattr(row, name, items)


@register_form("skp-editor")
def skp_editor(run, task, data: dict) -> FormResult:
    session = run.session
    # what the editor rewrites (RHK with their IKI, lampiran) and the submit guard reads (the pegawai): the SKP
    # with its lampiran and pegawai, then the RHK with their IKI (two statements)
    skp = get_skp(session, task.data["skp_id"], options=(
        selectinload(Skp.rhk).joinedload(Rhk.iki), joinedload(Skp.lampiran), *WITH_PEGAWAI))
    write_editor_data(session, skp, data)
    if not data["ajukan"]:
        return FormResult(complete=False)
    # The diagram's "Ajukan SKP" service task runs the guards again (skp_lifecycle.transition); checked here
    # first, a refused submission keeps what was typed as the draft and still answers with the reasons.
    try:
        penilai_for_submission(session, skp)
    except (ValidationFailed, Conflict) as refusal:
        refusal.message += "; isian Anda disimpan sebagai draf"
        refusal.details["draft_saved"] = True
        return FormResult(complete=False, refused=refusal)
    return FormResult({"ajukan": True})


@register_form("skp-review")
def skp_review(run, task, data: dict) -> FormResult:
    # the perilaku rewritten here and the penilai checked; an approval also prints the pegawai and the
    # plan (the archived document) in the service step that follows
    options = (joinedload(Skp.perilaku), *WITH_PENILAI)
    if data["keputusan"] == "SETUJUI":
        options += WITH_PEGAWAI + WITH_RENCANA
    skp = get_skp(run.session, task.data["skp_id"], options=options)
    ekspektasi = data.get("ekspektasi_khusus") or {}
    for row in skp.perilaku:
        if row.kode in ekspektasi:
            _assign(row, ekspektasi_khusus=ekspektasi[row.kode].strip())
    # an admin kinerja approving for the PPK records the PPK's decision (required for an approval)
    keputusan = keputusan_ppk(run.session, skp.pejabat_penilai, data, required=data["keputusan"] == "SETUJUI")
    if keputusan is not None:
        skp.keputusan_ppk_nomor, skp.keputusan_ppk_tanggal = keputusan["nomor"], keputusan["tanggal"]
    return FormResult({"keputusan": data["keputusan"], "catatan": (data.get("catatan") or "").strip()})


def penahan_rollback(session, skp: Skp):
    """An unfinished instance about the SKP's pegawai, of a process whose property ``menahan_rollback_skp``
    names a field of its data that holds this SKP's id; or None."""
    from sqlalchemy import select

    from workflows import catalog
    from workflows.instances import Run, load
    from workflows.models import Instance

    for instance in session.scalars(select(Instance).where(
            Instance.subject_pegawai_id == skp.pegawai_id, Instance.status.not_in(("completed", "terminated")))
            .order_by(Instance.id)):
        field = catalog.process_properties(instance.definition).get("menahan_rollback_skp")
        if not field:
            continue
        workflow = load(Run(session, None, instance))
        if any(t.data.get(field) == skp.id for t in workflow.get_tasks()):
            return instance
    return None


@register_form("skp-rollback")
def skp_rollback(run, task, data: dict) -> FormResult:
    skp = get_skp(run.session, task.data["skp_id"])
    holder = penahan_rollback(run.session, skp)
    if holder is not None:
        raise Conflict(f"SKP tidak dapat dikembalikan ke draf selama proses '{holder.definition.name}' "
                       f"(nomor {holder.business_key}) belum selesai",
                       {"instance_id": holder.id, "process_id": holder.process_id})
    return FormResult({"alasan": data["alasan"].strip()})


@register_service("status_skp")
def status_skp(run, data: dict, status: str, catatan: str = "") -> str:
    skp = get_skp(run.session, data["skp_id"])
    transition(run.session, skp, status, run.actor_id, catatan, repeat=run.repeating)
    return status


assert set(KODE) == {"BERORIENTASI_PELAYANAN", "AKUNTABEL", "KOMPETEN", "HARMONIS", "LOYAL", "ADAPTIF", "KOLABORATIF"}
