"""unique: one row where the domain allows one

- ``uq_skp_aktif``: one SKP that is not DIBATALKAN per pegawai, year and position;
- ``ex_penugasan_plt_plh_beririsan`` (PostgreSQL): no two PLT/PLH of one jabatan with overlapping periods
  (SQLite runs write transactions one after the other; the application checks there);
- ``uq_periode_jenis_awal``: periods of one jenis are calendar units, so overlapping ones start on one day;
- ``angka_kredit_bulan``: each month credited once per pegawai, filled from the existing conversions
  (oldest first; a month an older conversion already credited is not filled twice).

Revision ID: 0011_unique
Revises: 0010
"""
from calendar import monthrange

from alembic import op
import sqlalchemy as sa


revision = '0011_unique'
down_revision = '0010'
branch_labels = None
depends_on = None

NOT_CANCELLED = sa.text("status != 'DIBATALKAN'")


def _months(awal, akhir) -> list:
    import datetime as dt

    start = awal.year * 12 + awal.month - 1 + (0 if awal.day == 1 else 1)
    end = akhir.year * 12 + akhir.month - 1 - (0 if akhir.day == monthrange(akhir.year, akhir.month)[1] else 1)
    return [dt.date(m // 12, m % 12 + 1, 1) for m in range(start, end + 1)]


def upgrade() -> None:
    op.create_index('uq_skp_aktif', 'skp', ['pegawai_id', 'tahun', 'jabatan_id'], unique=True,
                    sqlite_where=NOT_CANCELLED, postgresql_where=NOT_CANCELLED)
    op.create_index('uq_periode_jenis_awal', 'periode', ['instansi_id', 'jenis', 'periode_awal'], unique=True)
    if op.get_bind().dialect.name == 'postgresql':
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
