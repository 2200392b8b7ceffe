"""No citizen number (nor a client's name, birth date or address) leaves a message: not in any
column of any table, not in the log, not in a fresh backup."""

import io
import logging
import subprocess
import tarfile
import zipfile
from decimal import Decimal

import pytest
from django.db import connection

from ops.backup import backup
from tests.traffic.builders import Performance, Product, allocation, answer, declaration
from tests.traffic.conftest import AGB, BSNS, WEERT
from traffic.imports import import_upload

PERSONAL = [*BSNS, "Xylofoonbouwer", "2012-03-04", "6001AB"]


def _traffic_zip() -> bytes:
    files = {}
    for prefix in ("JW", "WMO"):
        for i, bsn in enumerate(BSNS):
            files[f"{prefix}301-{i}.xml"] = allocation(
                f"{prefix}301",
                WEERT,
                AGB,
                bsn,
                [Product(f"{i + 1}000{len(prefix)}")],
                surname="Xylofoonbouwer",
                birth="2012-03-04",
                message_id=f"30100{i}",
            )
        perf = [
            Performance(bsn, f"R{i}", f"{i + 1}000{len(prefix)}", Decimal("10.00") + i, code="45A03")
            for i, bsn in enumerate(BSNS)
        ]
        files[f"{prefix}323.xml"] = declaration(f"{prefix}323", AGB, WEERT, f"D{prefix}", perf)
        perf[0].codes = ["9307"]  # rejected: outside the allocation
        files[f"{prefix}325.xml"] = answer(
            f"{prefix}325", WEERT, AGB, f"D{prefix}", perf[:1], declared=Decimal("46.00"), granted=Decimal("36.00")
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _found_in_tables() -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    text = bytes(value).decode("latin-1") if isinstance(value, (bytes, memoryview)) else str(value)
                    found += [f"{table}: {p}" for p in PERSONAL if p in text]
    return found


def _found_in_backup(tmp_path) -> list[str]:
    path, _manifest = backup(tmp_path / "backups")
    contents = []
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.isfile():
                data = tar.extractfile(member).read()
                if member.name.endswith(".dump"):  # pg_dump's custom format is compressed: as SQL text
                    dumped = tmp_path / "database.dump"
                    dumped.write_bytes(data)
                    data = subprocess.run(
                        ["pg_restore", "-f", "-", str(dumped)], capture_output=True, check=True
                    ).stdout
                contents.append(data.decode("latin-1"))
    assert contents
    return [p for p in PERSONAL if any(p in c for c in contents)]


@pytest.mark.django_db(transaction=True)
def test_no_client_data_is_stored_logged_or_backed_up(traffic, staff_user, caplog, capsys, tmp_path, settings):
    caplog.set_level(logging.DEBUG)
    result = import_upload("verkeer.zip", _traffic_zip(), by=staff_user)
    assert not result.problems and all(f.ok for f in result.files), [f.problems for f in result.files]
    assert len(result.files) == 12
    broken = allocation("JW301", WEERT, AGB, BSNS[0], [Product("1")]).replace(b"<b:Achternaam>", b"<b:Achternam>")
    refused = import_upload("kapot.xml", broken.replace(BSNS[0].encode(), b"99990000X"), by=staff_user)
    assert not refused.files[0].ok
    assert _found_in_tables() == []
    logged = caplog.text + "".join(capsys.readouterr())
    assert [p for p in [*PERSONAL, "99990000X"] if p in logged] == []
    assert [p for p in ["99990000X", *PERSONAL] if p in str(refused.files[0].problems)] == []
    settings.CLIENT_PSEUDONYM_KEY = settings.CLIENT_PSEUDONYM_KEY  # the secret is not in the backup either
    assert _found_in_backup(tmp_path) == []
    with tarfile.open(next((tmp_path / "backups").iterdir())) as tar:
        raw = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert settings.CLIENT_PSEUDONYM_KEY.encode() not in raw
