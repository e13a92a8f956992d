"""The ``ekinerja`` command (Flask's CLI): run, db upgrade/backup/restore, demo load, akun, jobs,
import pegawai, bpmn validate/deploy."""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from workflows import clock


def _create_app():
    from app import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main():
    """ekinerja-flow: manajemen kinerja ASN dengan proses BPMN."""


def _session():
    """The command's session, closed when its app context ends (a preview reads in a transaction it never
    commits: left open, it would hold its locks for as long as the process lives)."""
    from app import get_session

    return get_session()


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=3, show_default=True, type=int)
@click.option("--dev", is_flag=True, help="Server pengembangan Flask (auto-reload), bukan gunicorn.")
def run(host, port, workers, dev):
    """Jalankan layanan web (gunicorn dengan beberapa worker)."""
    if dev:
        from app import create_app
        create_app().run(host=host, port=port, debug=True)
        return
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
           "--access-logfile", "-", "--timeout", "120", "app:create_app()"]
    click.echo(f"ekinerja-flow di http://{host}:{port} ({workers} worker gunicorn)")
    os.execvp(cmd[0], cmd)


@main.command("scheduler")
@click.option("--once", is_flag=True, help="Jalankan setiap tugas terjadwal sekali lalu keluar (untuk cron dan uji).")
@click.option("--job", "jobs", multiple=True, help="Hanya tugas ini (boleh berulang), misalnya --job timers.")
@with_appcontext
def scheduler(once, jobs):
    """Penjadwal: jalankan timer BPMN yang jatuh tempo, kirim pengingat dan e-mail.

    Boleh dijalankan di beberapa proses atau mesin sekaligus; setiap timer dijalankan tepat sekali.
    """
    import logging

    from app import scheduler as sched

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("ekinerja").setLevel(logging.INFO)  # ours; SpiffWorkflow logs every task at INFO
    factory = current_app.extensions["db_sessionmaker"]
    if once:
        results = sched.run_once(factory, list(jobs) or None)
        unknown = set(jobs) - set(results)
        if unknown:
            click.echo(f"Tugas tidak dikenal: {', '.join(sorted(unknown))}; yang ada: {', '.join(sched.JOBS)}", err=True)
            sys.exit(2)
        click.echo(json.dumps(results, ensure_ascii=False))
        sys.exit(1 if any(r.get("error") for r in results.values()) else 0)
    sched.run_forever(factory)


@main.group()
def db():
    """Skema basis data."""


@db.command("upgrade")
@with_appcontext
def db_upgrade():
    """Terapkan migrasi skema, isi data referensi angka kredit, lalu pasang diagram BPMN bawaan (idempotent)."""
    from core.db import write_transaction
    from app.migrate import ForeignKeysViolated, current_revision, upgrade
    from workflows.definitions import DefinitionInvalid, DeployRefused, deploy, read_dir

    from app.kinerja.angka_kredit import seed_defaults

    engine = current_app.extensions["db_engine"]
    try:
        upgrade(engine)
    except ForeignKeysViolated as exc:
        click.echo(f"{exc}; basis data tetap pada revisi {current_revision(engine)}", err=True)
        sys.exit(1)
    session = _session()
    try:
        with write_transaction(session):
            seed_defaults(session)  # default AK reference data (PerBKN 3/2023) where rows are missing
            rows = deploy(session, read_dir(Path(current_app.config["BPMN_DIR"])), comment="ekinerja db upgrade")
    except (DefinitionInvalid, DeployRefused) as exc:
        click.echo(f"Skema pada revisi {current_revision(engine)}, tetapi diagram {current_app.config['BPMN_DIR']} "
                   f"tidak dipasang: {exc}", err=True)
        sys.exit(1)
    click.echo(f"skema: revisi {current_revision(engine)}; proses: "
               + ", ".join(f"{r.process_id} v{r.version}" for r in rows))


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(file):
    """Cadangkan basis data, folder bukti dukung dan manifest (revisi, waktu) ke satu arsip .tar.gz.

    Aman dijalankan saat layanan berjalan (SQLite: backup API; PostgreSQL: pg_dump)."""
    from app.backup import BackupError, backup, data_folders

    try:
        manifest = backup(current_app.extensions["db_engine"], data_folders(current_app.config), file)
    except BackupError as exc:
        click.echo(f"Pencadangan gagal: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Cadangan ditulis ke {file}: revisi {manifest['revision']}, "
               f"{sum(manifest['row_counts'].values())} baris, {sum(manifest['folders'].values())} berkas")


@db.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Timpa basis data dan folder tujuan walaupun sudah berisi data.")
@with_appcontext
def db_restore(file, force):
    """Pulihkan arsip dari 'ekinerja db backup' ke basis data dan folder yang dikonfigurasi.

    Hentikan layanan dan penjadwal lebih dulu. Menolak tujuan yang sudah berisi data kecuali --force."""
    from app.backup import BackupError, data_folders, restore
    from app.migrate import known_revisions

    try:
        manifest = restore(current_app.extensions["db_engine"], data_folders(current_app.config), file, force)
    except BackupError as exc:
        click.echo(f"Pemulihan dibatalkan: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Dipulihkan dari {file} (dibuat {clock.local_text(dt.datetime.fromisoformat(manifest['created_at']))}): revisi {manifest['revision']}, "
               f"{sum(manifest['row_counts'].values())} baris, {sum(manifest['folders'].values())} berkas")
    if manifest["revision"] != known_revisions()[-1]:
        click.echo("Skema cadangan lebih lama dari versi ini: jalankan 'ekinerja db upgrade'.")


@main.group()
def demo():
    """Data contoh."""


@demo.command("load")
@click.option("--tahun", type=int, default=None, help="Tahun SKP contoh (bawaan: tahun berjalan).")
@click.option("--json", "as_json", is_flag=True, help="Cetak akun contoh sebagai JSON.")
@with_appcontext
def demo_load(tahun, as_json):
    """Buat instansi contoh dengan ±30 pegawai dan akun untuk setiap peran."""

    from app.kinerja.demo import load_demo, ppk_account

    session = _session()
    accounts = load_demo(session, tahun or clock.today().year, fast_hash=current_app.config["PASSWORD_HASH_FAST"])
    accounts += [a for a in [ppk_account(session)] if a]  # the Gubernur (PPK): not a pegawai with a jabatan
    if as_json:
        click.echo(json.dumps(accounts, ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(accounts)} akun contoh (kata sandi: {accounts[0]['password']}):")
    for a in accounts:
        click.echo(f"  {a['nip']}  {a['nama']:<40} {a['jabatan']:<45} {','.join(a['roles'])}")


@main.group()
def akun():
    """Akun masuk pegawai: kata sandi dan pencabutan sesi."""


def _akun_or_exit(nip: str):
    from app.auth import akun_by_nip

    found = akun_by_nip(_session(), nip)
    if found is None:
        click.echo(f"Tidak ada akun aktif dengan NIP {nip}", err=True)
        sys.exit(1)
    return found


@akun.command("sandi")
@click.argument("nip")
@click.password_option("--kata-sandi", prompt="Kata sandi baru", confirmation_prompt="Ulangi kata sandi baru")
@with_appcontext
def akun_sandi(nip, kata_sandi):
    """Ganti kata sandi; semua sesi halaman dan token API akun ini berakhir."""
    from app.auth import set_password
    from core.db import write_transaction

    if len(kata_sandi) < 8:
        click.echo("Kata sandi minimal 8 karakter", err=True)
        sys.exit(1)
    session = _session()
    with write_transaction(session):
        set_password(_akun_or_exit(nip), kata_sandi, fast=current_app.config["PASSWORD_HASH_FAST"])
    click.echo(f"Kata sandi {nip} diganti; sesi dan token lamanya dicabut.")


@akun.command("cabut-sesi")
@click.argument("nip")
@with_appcontext
def akun_cabut_sesi(nip):
    """Akhiri semua sesi halaman dan token API akun ini (perangkat hilang, akun disalahgunakan)."""
    from app.auth import revoke_all
    from core.db import write_transaction

    session = _session()
    with write_transaction(session):
        revoke_all(_akun_or_exit(nip))
    click.echo(f"Semua sesi dan token {nip} dicabut.")


@main.group("import")
def import_group():
    """Impor data."""


@import_group.command("pegawai")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--instansi", default=None, help="Kode instansi tujuan (bawaan: satu-satunya instansi).")
@click.option("--preview", is_flag=True, help="Tampilkan perubahan dan tugas yang akan dialihkan; tidak menyimpan.")
@with_appcontext
def import_pegawai(file, instansi, preview):
    """Impor unor dan pegawai dari CSV atau XLSX; baris yang salah dilaporkan dan tidak ada yang diimpor.

    Tugas terbuka yang pejabat penilainya berubah dialihkan ke pejabat baru (--preview: hanya ditampilkan)."""
    from core.errors import DomainError
    from app.kinerja import org_change

    try:
        if preview:
            result = org_change.preview_import(_session(), file, instansi)
        else:
            result = org_change.apply_import(_session(), file, instansi, None)
    except DomainError as exc:
        click.echo(f"Impor dibatalkan, tidak ada data yang disimpan: {exc.message}", err=True)
        for where, what in (exc.details.get("fields") or {}).items():
            click.echo(f"  {where}: {what}", err=True)
        sys.exit(1)
    click.echo(("PRATINJAU, tidak ada yang disimpan. " if preview else "")
               + ", ".join(f"{k}: {v}" for k, v in result["impor"].items()))
    for warning in result.get("peringatan", []):
        click.echo(f"  PERINGATAN {warning}", err=True)
    _echo_moves(result, preview)


def _echo_moves(result: dict, preview: bool) -> None:
    moves = result.get("tugas_dialihkan", [])
    click.echo(f"Tugas {'yang akan dialihkan' if preview else 'dialihkan'}: {len(moves)}")
    names = lambda people: ", ".join(f"{p['nama']} ({p['nip']})" for p in people) or "-"  # noqa: E731
    for m in moves:
        click.echo(f"  {m['business_key']} {m['tugas']} [{m['lane']}]: {names(m['sebelum'])} -> {names(m['sesudah'])}")
    for m in result.get("masalah", []):
        click.echo(f"  MASALAH {m.get('business_key', m.get('instance_id'))} {m.get('tugas', '')}: "
                   f"{m.get('masalah') or m.get('problem', '')}", err=True)


@main.group()
def bpmn():
    """Diagram proses."""


@bpmn.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def bpmn_validate(files):
    """Periksa file BPMN/DMN; setiap kesalahan disebut dengan file, baris dan elemennya."""
    from workflows.definitions import check_sources

    sources = {f.name: f.read_text(encoding="utf-8") for f in files}
    parsed, problems = check_sources(sources)
    for problem in problems:
        click.echo(f"{'KESALAHAN' if problem.severity == 'error' else 'PERINGATAN'} {problem}", err=True)
    if any(p.severity == "error" for p in problems):
        sys.exit(1)
    for item in parsed:
        click.echo(f"OK {item.process_id} ({item.name}) sha256 {item.content_hash[:12]}")


@bpmn.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--comment", default="", help="Catatan versi.")
@click.option("--process", "chosen", multiple=True, help="Proses yang dipasang (wajib bila FILES disebut).")
@click.option("--sertakan", multiple=True, help="Proses lain yang sudah dipasang di FILES yang ikut dipasang.")
@click.option("--instansi", "instansi_kode", default=None,
              help="Kode instansi: versi untuk instansi ini saja (bawaan: versi bawaan nasional).")
@with_appcontext
def bpmn_deploy(files, comment, chosen, sertakan, instansi_kode):
    """Pasang versi baru dari diagram di BPMN_DIR yang berubah, atau dari FILES hanya proses --process
    beserta proses dan DMN yang dirujuknya; untuk semua instansi (bawaan nasional) atau --instansi KODE."""
    from core.db import write_transaction
    from workflows.definitions import DefinitionInvalid, DeployRefused, deploy, read_dir

    if files and not chosen:
        raise click.UsageError("sebut proses yang dipasang dengan --process ID")
    sources = {f.name: f.read_text(encoding="utf-8") for f in files} if files \
        else read_dir(Path(current_app.config["BPMN_DIR"]))
    session = _session()
    instansi_id = None
    if instansi_kode:
        from sqlalchemy import select

        from app.kinerja.org import Instansi

        instansi_id = session.scalar(select(Instansi.id).where(Instansi.kode == instansi_kode))
        if instansi_id is None:
            raise click.UsageError(f"instansi dengan kode {instansi_kode} tidak ada")
    try:
        with write_transaction(session):
            rows = deploy(session, sources, comment, chosen=list(chosen) if files else None, include=sertakan,
                          instansi_id=instansi_id)
    except DefinitionInvalid as exc:
        for problem in exc.problems:
            click.echo(f"KESALAHAN {problem}", err=True)
        sys.exit(1)
    except DeployRefused as exc:
        click.echo(f"DITOLAK {exc}", err=True)
        sys.exit(1)
    for r in rows:
        click.echo(f"{r.process_id} v{r.version} ({r.content_hash[:12]})")


@bpmn.command("test")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def bpmn_test(files):
    """Jalankan skenario uji proses (bawaan: semua di BPMN_DIR/tests/<proses>/*.json) terhadap diagram di BPMN_DIR."""
    from workflows.definitions import DefinitionInvalid, parse_sources, read_dir
    from workflows.scenarios import run_files, scenario_files

    bpmn_dir = Path(current_app.config["BPMN_DIR"])
    try:
        parsed = {p.process_id: p for p in parse_sources(read_dir(bpmn_dir))}
    except DefinitionInvalid as exc:
        for problem in exc.problems:
            click.echo(f"KESALAHAN {problem}", err=True)
        sys.exit(1)
    if files:
        scenarios = {f"{f.parent.name}/{f.name}": f.read_text(encoding="utf-8") for f in files}
    else:
        scenarios = {k: v for pid in parsed for k, v in scenario_files(bpmn_dir / "tests", pid).items()}
    results = run_files(parsed, scenarios)
    for r in results:
        click.echo(f"{'LULUS' if r['lulus'] else 'GAGAL'} {r['file']}: {r['nama']}")
        for failure in r["kegagalan"]:
            click.echo(f"  {failure}")
    failed = sum(not r["lulus"] for r in results)
    click.echo(f"{len(results)} skenario, {failed} gagal")
    sys.exit(1 if failed or not results else 0)


@main.group("instances")
def instances_group():
    """Instance proses (konsol admin)."""


@instances_group.command("reindex")
@with_appcontext
def instances_reindex():
    """Tulis ulang kolom dan tabel turunan (subjek, posisi, lama menunggu) setiap instance yang belum selesai."""
    from workflows.repair import reindex

    click.echo(f"{reindex(_session())} instance ditulis ulang")


@main.group("jobs", invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "done", "failed"]), help="Hanya yang berstatus ini.")
@click.pass_context
@with_appcontext
def jobs_group(ctx, status):
    """Tugas latar (outbox): daftar, ulangi yang gagal, jalankan yang jatuh tempo."""
    if ctx.invoked_subcommand is not None:
        return
    from app import jobs

    rows = jobs.listing(_session(), status)
    for row in rows:
        when = row.next_attempt_at if row.status == "pending" else row.done_at
        click.echo(f"{row.id}\t{row.kind}\t{row.ref or '-'}\t{row.status}\t{row.attempts}x\t"
                   f"{clock.local_text(when) if when else '-'}\t{row.last_error[:200]}")
    if not rows:
        click.echo("Tidak ada tugas latar" + (f" berstatus {status}" if status else ""))


@jobs_group.command("retry")
@click.argument("job_ids", nargs=-1, type=int, required=True)
@with_appcontext
def jobs_retry(job_ids):
    """Antrekan ulang tugas latar (yang gagal atau menunggu) agar dijalankan lagi sekarang."""
    from app import jobs
    from core.db import write_transaction
    from core.errors import DomainError

    session = _session()
    for job_id in job_ids:
        try:
            with write_transaction(session):
                jobs.requeue(session, jobs.scoped(session, job_id, None))
            click.echo(f"Tugas latar {job_id} diantrekan ulang")
        except DomainError as exc:
            click.echo(exc.message, err=True)
            sys.exit(1)


@jobs_group.command("run")
@with_appcontext
def jobs_run():
    """Jalankan sekarang tugas latar yang jatuh tempo (seperti tugas ``outbox`` penjadwal)."""
    from app import jobs
    from app.scheduler import load_jobs, worker_name

    load_jobs()
    report = jobs.run_due(current_app.extensions["db_sessionmaker"], worker_name())
    click.echo(json.dumps(report))
    sys.exit(1 if report["retry"] or report["failed"] else 0)


if __name__ == "__main__":
    main()
