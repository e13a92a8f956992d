"""domain16: rules of issue 16 (kenaikan, finalisation after the period, NIP data)

- ``ak_syarat``: predikat kinerja required for kenaikan pangkat (KP) and kenaikan jenjang (KJ), per
  PerBKN 3/2023 (minimal Baik for 1 year), editable by the admin kinerja;
- ``periode.finalisasi_awal_*``: an admin kinerja allows a period's penilaian to be finalised before
  its periode_akhir, with a reason, who and when;
- ``penilaian.ak_menunggu``: a final penilaian whose period still has months that had not ended (their
  angka kredit is credited once they end);
- ``pegawai.tanggal_lahir``, ``jenis_kelamin``, ``tmt_cpns``, ``tahun_pengangkatan``: derived from the
  NIP, filled here for the existing pegawai.

Revision ID: 0019_domain16
Revises: 0018_unit_roles
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0019_domain16'
down_revision = '0018_unit_roles'
branch_labels = None
depends_on = None


def _from_nip(nip: str, jenis_asn: str) -> dict:
    """The NIP's birth date, sex and TMT CPNS (PNS) or year of appointment (PPPK); empty when unreadable."""
    nip = (nip or "").strip()
    if len(nip) != 18 or not nip.isdigit():
        return {}
    out = {}
    try:
        out["tanggal_lahir"] = dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        pass
    out["jenis_kelamin"] = {"1": "L", "2": "P"}.get(nip[14])
    if jenis_asn == "PPPK":
        out["tahun_pengangkatan"] = int(nip[8:12])
    elif 1 <= int(nip[12:14]) <= 12:
        out["tmt_cpns"] = dt.date(int(nip[8:12]), int(nip[12:14]), 1)
    return {k: v for k, v in out.items() if v is not None}


def upgrade() -> None:
    op.create_table(
        'ak_syarat',
        sa.Column('jenis', sa.String(length=4), nullable=False),
        sa.Column('predikat_minimal', sa.String(length=16), nullable=False),
        sa.Column('jumlah_tahun', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('jenis', name=op.f('pk_ak_syarat')),
    )
    with op.batch_alter_table('periode', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finalisasi_awal_alasan', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('finalisasi_awal_oleh_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('finalisasi_awal_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_periode_finalisasi_awal_oleh_id_pegawai'), 'pegawai',
                                    ['finalisasi_awal_oleh_id'], ['id'])
    op.add_column('penilaian', sa.Column('ak_menunggu', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('pegawai', sa.Column('tanggal_lahir', sa.Date(), nullable=True))
    op.add_column('pegawai', sa.Column('jenis_kelamin', sa.String(length=1), nullable=True))
    op.add_column('pegawai', sa.Column('tmt_cpns', sa.Date(), nullable=True))
    op.add_column('pegawai', sa.Column('tahun_pengangkatan', sa.Integer(), nullable=True))

    pegawai = sa.table('pegawai', sa.column('id', sa.Integer()), sa.column('nip', sa.String()),
                       sa.column('jenis_asn', sa.String()), sa.column('tanggal_lahir', sa.Date()),
                       sa.column('jenis_kelamin', sa.String()), sa.column('tmt_cpns', sa.Date()),
                       sa.column('tahun_pengangkatan', sa.Integer()))
    bind = op.get_bind()
    for row in bind.execute(sa.select(pegawai.c.id, pegawai.c.nip, pegawai.c.jenis_asn)).all():
        values = _from_nip(row.nip, row.jenis_asn)
        if values:
            bind.execute(pegawai.update().where(pegawai.c.id == row.id).values(**values))


def downgrade() -> None:
    with op.batch_alter_table('pegawai', schema=None) as batch_op:
        batch_op.drop_column('tahun_pengangkatan')
        batch_op.drop_column('tmt_cpns')
        batch_op.drop_column('jenis_kelamin')
        batch_op.drop_column('tanggal_lahir')
    with op.batch_alter_table('penilaian', schema=None) as batch_op:
        batch_op.drop_column('ak_menunggu')
    with op.batch_alter_table('periode', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_periode_finalisasi_awal_oleh_id_pegawai'), type_='foreignkey')
        batch_op.drop_column('finalisasi_awal_at')
        batch_op.drop_column('finalisasi_awal_oleh_id')
        batch_op.drop_column('finalisasi_awal_alasan')
    op.drop_table('ak_syarat')
