"""Who is asking and who leads, with few statements and the same answers. Both databases.

- The bearer-token check reads the akun, its pegawai's position and today's PLT/PLH posts in one statement;
  a PLT/PLH post still gives its roles, an ended one does not.
- ``org.chain_with_leaders`` reads the unors above a unit and who leads each of them in one statement, and
  answers what ``leader_of`` answers unor by unor (PLT, PLH, vacancy).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, event, select

from app.kinerja import org
from app.kinerja.org import Akun, Jabatan, Pegawai, PenugasanPltPlh, Unor
from core.db import write_transaction
from workflows import clock


class Statements:
    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def _on(self, _conn, _cursor, statement, *_args):
        self.seen.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on)


def _deepest_pegawai(session) -> Pegawai:
    """An active pegawai whose unit has the most unors above it."""
    def depth(unor):
        return len(unor.ancestors())
    rows = session.scalars(select(Pegawai).where(Pegawai.jabatan_id.is_not(None),
                                                 Pegawai.status_kepegawaian == "AKTIF").order_by(Pegawai.id)).all()
    return max(rows, key=lambda p: depth(p.jabatan.unor))


def test_the_token_check_is_one_statement_and_reads_plt_posts(app, client, accounts):
    sessionmaker = app.extensions["db_sessionmaker"]
    today = clock.today()
    with sessionmaker() as session:
        staff = session.scalar(select(Pegawai).join(Jabatan, Jabatan.id == Pegawai.jabatan_id)
                               .where(Jabatan.jenis_jabatan == "PELAKSANA", Pegawai.nip.in_([a["nip"] for a in accounts]))
                               .order_by(Pegawai.id))
        post = session.scalar(select(Jabatan).where(Jabatan.is_pimpinan_unor.is_(True),
                                                    Jabatan.jenis_jabatan.in_(org.PENILAI_LEVEL),
                                                    Jabatan.id.not_in(select(PenugasanPltPlh.jabatan_id)))
                              .order_by(Jabatan.id))
        nip, staff_id, post_id = staff.nip, staff.id, post.id
    from tests.conftest import Api

    api = Api(client, nip)
    with Statements(app.extensions["db_engine"]) as counted:
        me = api.get("/me").get_json()
    assert "pejabat_penilai" not in me["roles"]
    assert len([s for s in counted.seen if "FROM akun" in s]) == 1
    assert not [s for s in counted.seen if "penugasan_plt_plh" in s and "FROM akun" not in s]

    with sessionmaker() as session, write_transaction(session):
        session.add(PenugasanPltPlh(pegawai_id=staff_id, jabatan_id=post_id, jenis="PLT",
                                    tmt_mulai=today - dt.timedelta(days=3), tmt_selesai=None))
        session.add(PenugasanPltPlh(pegawai_id=staff_id, jabatan_id=post_id, jenis="PLH",  # ended: no role
                                    tmt_mulai=today - dt.timedelta(days=30), tmt_selesai=today - dt.timedelta(days=20)))
    with Statements(app.extensions["db_engine"]) as counted:
        me = api.get("/me").get_json()
    assert "pejabat_penilai" in me["roles"]
    assert len([s for s in counted.seen if "penugasan_plt_plh" in s]) == 1  # inside the akun statement

    with sessionmaker() as session, write_transaction(session):
        for row in session.scalars(select(PenugasanPltPlh).where(PenugasanPltPlh.pegawai_id == staff_id,
                                                                 PenugasanPltPlh.tmt_selesai.is_(None))):
            row.tmt_selesai = today - dt.timedelta(days=1)
    assert "pejabat_penilai" not in api.get("/me").get_json()["roles"]


def _leaders_one_by_one(sessionmaker, chain_ids, on):
    found = {}
    for unor_id in chain_ids:
        with sessionmaker() as fresh:  # no memo, no loaded rows: the single-unor lookup
            leader = org.leader_of(fresh, unor_id, on)
            position = org.leader_position(fresh, unor_id)
            found[unor_id] = (leader.id if leader else None, position.id if position else None)
    return found


def test_a_chain_and_its_leaders_in_one_statement(app):
    sessionmaker = app.extensions["db_sessionmaker"]
    today = clock.today()
    with sessionmaker() as session:
        pegawai = _deepest_pegawai(session)
        unor_id = pegawai.jabatan.unor_id
        chain_ids = [u.id for u in pegawai.jabatan.unor.ancestors()]
        others = session.scalars(select(Pegawai.id).where(Pegawai.status_kepegawaian == "AKTIF",
                                                          Pegawai.instansi_id == pegawai.instansi_id)
                                 .order_by(Pegawai.id.desc()).limit(2)).all()
    assert len(chain_ids) >= 3, "the demo has a unit three levels deep"

    def check():
        expected = _leaders_one_by_one(sessionmaker, chain_ids, today)
        with sessionmaker() as session:
            unor = session.get(Unor, unor_id)
            with Statements(app.extensions["db_engine"]) as counted:
                chain = org.chain_with_leaders(session, unor, today)
                got = {u.id: (getattr(org.leader_of(session, u.id, today), "id", None),
                              getattr(org.leader_position(session, u.id), "id", None)) for u in chain}
            assert [u.id for u in chain] == chain_ids
            assert len(counted.seen) == 1
            assert got == expected

    check()
    # the unit's head is away (PLH), the head above is vacant with a PLT: the same answers either way
    with sessionmaker() as session, write_transaction(session):
        head, above = (org.leader_position(session, i) for i in chain_ids[:2])
        session.execute(delete(PenugasanPltPlh).where(PenugasanPltPlh.jabatan_id.in_([head.id, above.id])))
        session.add(PenugasanPltPlh(pegawai_id=others[0], jabatan_id=head.id, jenis="PLH",
                                    tmt_mulai=today - dt.timedelta(days=1), tmt_selesai=today + dt.timedelta(days=1)))
        for holder in session.scalars(select(Pegawai).where(Pegawai.jabatan_id == above.id)):
            holder.jabatan_id = None
        session.add(PenugasanPltPlh(pegawai_id=others[1], jabatan_id=above.id, jenis="PLT",
                                    tmt_mulai=today - dt.timedelta(days=5), tmt_selesai=None))
    check()
    with sessionmaker() as session:
        assert org.leader_of(session, chain_ids[0], today).id == others[0]
        assert org.leader_of(session, chain_ids[1], today).id == others[1]


def test_a_write_after_the_token_check_keeps_the_requester_loaded(app, accounts):
    """The token check's read is committed by the write transaction that follows (core.memo.keep_read): the
    requester's pegawai, jabatan and unor are not read again. Another read in between, or a change not
    written, and the read is rolled back as before (the change is not written)."""
    from app.auth import actor_from_id, actor_from_token, issue_token

    sessionmaker, engine = app.extensions["db_sessionmaker"], app.extensions["db_engine"]
    with app.app_context():
        with sessionmaker() as session:
            akun_id = session.scalar(select(Akun.id).join(Pegawai, Pegawai.id == Akun.pegawai_id)
                                     .where(Pegawai.nip == accounts[0]["nip"]))
            token = issue_token(actor_from_id(session, akun_id))

        with sessionmaker() as session:
            actor = actor_from_token(session, token)
            with write_transaction(session), Statements(engine) as counted:
                assert actor.pegawai.nama and actor.pegawai.jabatan.unor.nama and actor.pegawai.instansi.nama
            assert counted.seen == []

        with sessionmaker() as session:
            actor = actor_from_token(session, token)
            session.scalar(select(Unor.id).limit(1))  # something else read before the write: rolled back
            with write_transaction(session), Statements(engine) as counted:
                assert actor.pegawai.nama
            assert len(counted.seen) >= 1

        with sessionmaker() as session:
            actor = actor_from_token(session, token)
            before = actor.pegawai.email
            actor.pegawai.email = "tidak-ditulis@example.org"  # changed outside a write transaction
            with write_transaction(session):
                assert actor.pegawai.email == before  # rolled back, not committed
        with sessionmaker() as session:
            assert session.get(Pegawai, actor.pegawai.id).email == before
