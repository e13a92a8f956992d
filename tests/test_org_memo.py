"""Who leads a unor is remembered for a transaction (core.memo) and never answered stale: a change to the
organisation in the same session, flushed or not, a rolled-back savepoint and a new transaction all
make the next lookup read the database again. Both databases."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.kinerja import org
from app.kinerja.org import Jabatan, Pegawai, PenugasanPltPlh
from core.memo import _KEY
from workflows import clock


def _position_and_other(session):
    """A leader position with its holder, and an active pegawai of another position."""
    for jabatan in session.scalars(select(Jabatan).where(Jabatan.is_pimpinan_unor.is_(True)).order_by(Jabatan.id)):
        holder = session.scalar(select(Pegawai).where(Pegawai.jabatan_id == jabatan.id,
                                                      Pegawai.status_kepegawaian == "AKTIF"))
        if holder is not None:
            other = session.scalar(select(Pegawai).where(Pegawai.id != holder.id, Pegawai.status_kepegawaian == "AKTIF",
                                                         Pegawai.instansi_id == holder.instansi_id).order_by(Pegawai.id))
            return jabatan, holder, other
    raise AssertionError("the demo has a leader position with a holder")


def test_a_lookup_is_remembered_until_the_organisation_changes(app):
    session = app.extensions["db_sessionmaker"]()
    today = clock.today()
    try:
        jabatan, holder, other = _position_and_other(session)
        assert org.leader_of(session, jabatan.unor_id, today) == holder
        statements = []
        from sqlalchemy import event
        engine = session.get_bind()
        listener = lambda *a, **k: statements.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert org.leader_of(session, jabatan.unor_id, today) == holder
            assert statements == []  # remembered: no statement
        finally:
            event.remove(engine, "before_cursor_execute", listener)

        # a PLH for the position, not flushed yet: the next lookup sees it
        plh = PenugasanPltPlh(pegawai_id=other.id, jabatan_id=jabatan.id, jenis="PLH",
                              tmt_mulai=today - dt.timedelta(days=1), tmt_selesai=today + dt.timedelta(days=1))
        session.add(plh)
        assert org.leader_of(session, jabatan.unor_id, today) == other

        # inside a savepoint that is rolled back, the PLH ends; afterwards the lookup reads again
        with session.begin_nested() as savepoint:
            plh.tmt_selesai = today - dt.timedelta(days=1)
            assert org.leader_of(session, jabatan.unor_id, today) == holder
            savepoint.rollback()
        assert org.leader_of(session, jabatan.unor_id, today) == other

        session.rollback()  # the transaction ends: nothing is remembered, the PLH never existed
        assert not session.info.get(_KEY)
        assert org.leader_of(session, jabatan.unor_id, today) == holder
    finally:
        session.rollback()
        session.close()
