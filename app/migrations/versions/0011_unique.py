"""unique: one row where the domain allows one

- ``uq_skp_aktif``: one SKP that is not DIBATALKAN per pegawai, year and position;
- ``ex_penugasan_plt_plh_beririsan`` (PostgreSQL): no two PLT/PLH of one jabatan with overlapping periods
  (SQLite runs write transactions one after the other; the application checks there);
- ``uq_periode_jenis_awal``: periods of one jenis are calendar units, so overlapping ones start on one day;
- ``angka_kredit_bulan``: each month credited once per pegawai, filled from the existing conversions
  (oldest first; a month an older conversion already credited is not filled twice).

Revision ID: 0011
Revises: 0010
"""
from calendar import monthrange

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

NOT_CANCELLED = sa.text("status != 'DIBATALKAN'")


def _months(awal, akhir) -> list:
    """The first days of the whole calendar months in awal..akhir (as ``angka_kredit.bulan_penuh``)."""
    import datetime as dt

    awal, akhir = dt.date.fromisoformat(str(awal)[:10]), dt.date.fromisoformat(str(akhir)[:10])  # SQLite: text
    start = awal.year * 12 + awal.month - 1 + (0 if awal.day == 1 else 1)
    end = akhir.year * 12 + akhir.month - 1 - (0 if akhir.day == monthrange(akhir.year, akhir.month)[1] else 1)
    return [dt.date(m // 12, m % 12 + 1, 1) for m in range(start, end + 1)]


DUPLICATES = [
    ("SKP yang sama (pegawai_id, tahun, jabatan_id: id SKP)",
     "SELECT pegawai_id, tahun, jabatan_id, id FROM skp WHERE status != 'DIBATALKAN' AND EXISTS ("
     "SELECT 1 FROM skp o WHERE o.pegawai_id = skp.pegawai_id AND o.tahun = skp.tahun "
     "AND o.jabatan_id = skp.jabatan_id AND o.status != 'DIBATALKAN' AND o.id != skp.id) ORDER BY 1, 2, 3, 4",
     "batalkan salah satunya (status DIBATALKAN)"),
    ("periode sejenis yang mulai pada hari yang sama (instansi_id, jenis, periode_awal: id periode)",
     "SELECT instansi_id, jenis, periode_awal, id FROM periode WHERE EXISTS (SELECT 1 FROM periode o "
     "WHERE o.instansi_id = periode.instansi_id AND o.jenis = periode.jenis "
     "AND o.periode_awal = periode.periode_awal AND o.id != periode.id) ORDER BY 1, 2, 3, 4",
     "hapus atau ubah salah satunya"),
]
OVERLAPPING_PLT = (
    "PLT/PLH yang beririsan (jabatan_id: id penugasan)",
    "SELECT a.jabatan_id, a.id FROM penugasan_plt_plh a JOIN penugasan_plt_plh b ON a.jabatan_id = b.jabatan_id "
    "AND a.id != b.id AND a.tmt_mulai <= COALESCE(b.tmt_selesai, DATE '9999-12-31') "
    "AND b.tmt_mulai <= COALESCE(a.tmt_selesai, DATE '9999-12-31') "
    "AND COALESCE(a.tmt_selesai, a.tmt_mulai) >= a.tmt_mulai AND COALESCE(b.tmt_selesai, b.tmt_mulai) >= b.tmt_mulai "
    "ORDER BY 1, 2",
    "akhiri salah satunya lebih awal")


def _refuse_duplicates(checks) -> None:
    """Stop before a constraint fails on rows written before it existed, naming them (nothing is changed)."""
    for what, sql, fix in checks:
        rows = op.get_bind().execute(sa.text(sql)).all()
        if rows:
            listed = "; ".join(", ".join(str(v) for v in row) for row in rows[:20])
            raise RuntimeError(f"Migrasi 0011 berhenti: ada {what}: {listed}. Untuk masing-masing, {fix}, "
                               "lalu jalankan 'ekinerja db upgrade' lagi.")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    _refuse_duplicates(DUPLICATES + ([OVERLAPPING_PLT] if postgresql else []))
    op.create_index('uq_skp_aktif', 'skp', ['pegawai_id', 'tahun', 'jabatan_id'], unique=True,
                    sqlite_where=NOT_CANCELLED, postgresql_where=NOT_CANCELLED)
    op.create_index('uq_periode_jenis_awal', 'periode', ['instansi_id', 'jenis', 'periode_awal'], unique=True)
    if postgresql:
        # int4range(id, id, '[]') WITH = needs no btree_gist extension; an end a day before the start is empty
        op.execute("ALTER TABLE penugasan_plt_plh ADD CONSTRAINT ex_penugasan_plt_plh_beririsan EXCLUDE USING gist "
                   "(int4range(jabatan_id, jabatan_id, '[]') WITH =, "
                   "daterange(tmt_mulai, tmt_selesai + 1, '[)') WITH &&)")
    bulan = op.create_table(
        'angka_kredit_bulan',
        sa.Column('pegawai_id', sa.Integer(), nullable=False),
        sa.Column('bulan', sa.Date(), nullable=False),
        sa.Column('angka_kredit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name='fk_angka_kredit_bulan_pegawai_id_pegawai'),
        sa.ForeignKeyConstraint(['angka_kredit_id'], ['angka_kredit.id'], ondelete='CASCADE',
                                name='fk_angka_kredit_bulan_angka_kredit_id_angka_kredit'),
        sa.PrimaryKeyConstraint('pegawai_id', 'bulan', name='pk_angka_kredit_bulan'))
    op.create_index('ix_angka_kredit_bulan_angka_kredit_id', 'angka_kredit_bulan', ['angka_kredit_id'])
    rows = op.get_bind().execute(sa.text(
        "SELECT id, pegawai_id, periode_awal, periode_akhir FROM angka_kredit WHERE sumber = 'PENILAIAN' "
        "ORDER BY id")).all()
    taken, fill = set(), []
    for row_id, pegawai_id, awal, akhir in rows:
        for month in _months(awal, akhir):
            if (pegawai_id, month) not in taken:
                taken.add((pegawai_id, month))
                fill.append({'pegawai_id': pegawai_id, 'bulan': month, 'angka_kredit_id': row_id})
    if fill:
        op.bulk_insert(bulan, fill)


def downgrade() -> None:
    op.drop_index('ix_angka_kredit_bulan_angka_kredit_id', table_name='angka_kredit_bulan')
    op.drop_table('angka_kredit_bulan')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE penugasan_plt_plh DROP CONSTRAINT ex_penugasan_plt_plh_beririsan")
    op.drop_index('uq_periode_jenis_awal', table_name='periode')
    op.drop_index('uq_skp_aktif', table_name='skp')
