"""Hostile and malformed import files: each is refused with a Danish message and a 4xx status
(422 for a malformed file), from the web and from `flask import placements`, within 5 seconds
and without growing the process by more than 100 MiB. Every file is made here, none is stored.

Memory is measured in a fresh Python process per file (`/proc/self/clear_refs` resets the peak
resident size, `VmHWM` is read before and after `read_table`), so the growth is the reader's own
and not hidden by memory an earlier test already holds.
"""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.candidates.models import Candidate, Conversation
from app.extensions import db
from app.imports.reader import MAX_ROWS, ReadError, read_table
from app.placements.models import Placement

HX = {"HX-Request": "true"}
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["Fornavn", "Efternavn", "Telefon", "Boligforening", "Byggesag", "Virksomhed", "Trin"]
ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


def _workbook(*rows: list) -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _replace(base: bytes, members: dict[str, bytes], level: int = 6) -> bytes:
    """The workbook `base` with some members replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name not in members:
                target.writestr(name, source.read(name), zipfile.ZIP_DEFLATED)
        for name, data in members.items():
            target.writestr(name, data, zipfile.ZIP_DEFLATED, compresslevel=level)
    return out.getvalue()


def _sheet(body: str, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dim}'
        f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def _header_row() -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(HEADER)
    )
    return f'<row r="1">{cells}</row>'


def dimension_bomb() -> bytes:
    # The file from the finding, its rows past the line limit: 1.6 KiB, a dimension of
    # 16,384 columns by 32,000 rows.
    body = _header_row() + '<row r="32000"><c r="XFD32000"><v>1</v></c></row>'
    return _replace(_workbook(), {SHEET: _sheet(body, "A1:XFD32000")})


def row_bomb() -> bytes:
    # The finding's sheet of millions of empty rows, cut to 100,000 so it packs under the
    # size limits: without a dimension the rows are counted while streaming, to line 20,001.
    body = _header_row() + "".join(f'<row r="{n}"/>' for n in range(2, 100_000))
    return _replace(_workbook(), {SHEET: _sheet(body)})


def deflate_bomb() -> bytes:
    # A sheet that inflates to 300 MB of spaces: 300 KB packed.
    out = io.BytesIO(_replace(_workbook(), {}))
    with zipfile.ZipFile(out, "a") as archive:
        info = zipfile.ZipInfo("xl/worksheets/sheet2.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = 1  # fast to make; deflate packs spaces about 1000:1 at any level
        with archive.open(info, "w", force_zip64=True) as member:
            chunk = b" " * MiB
            for _ in range(300):
                member.write(chunk)
    return out.getvalue()


def lying_deflate_bomb() -> bytes:
    # The same idea with the zip's headers forged to declare 10 KB: zipfile stops inflating
    # there, and the member's checksum then fails.
    plain = _sheet(_header_row() + " " * (100 * MiB))
    archive = bytearray(_replace(_workbook(), {SHEET: plain}, level=1))
    with zipfile.ZipFile(io.BytesIO(bytes(archive))) as source:
        info = source.getinfo(SHEET)
    local = info.header_offset
    # The central directory entry repeats flags, method, time, date, CRC and packed size.
    same = bytes(archive[local + 6 : local + 22])
    central = archive.index(same, local + 30 + info.compress_size) - 8
    for size_at in (local + 22, central + 24):
        archive[size_at : size_at + 4] = struct.pack("<L", 10_000)
    return bytes(archive)


def billion_laughs() -> bytes:
    lol = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    doctype = f"<!DOCTYPE worksheet [{lol}]>"
    xml = _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>').replace(
        b"<worksheet", doctype.encode() + b"<worksheet", 1
    )
    return _replace(_workbook(), {SHEET: xml})


def external_entity() -> bytes:
    doctype = '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<sst xmlns="{MAIN}" count="1" '
        'uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    return _replace(_workbook(["Amira"]), {"xl/sharedStrings.xml": strings.encode()})


def truncated_xml() -> bytes:
    whole = _sheet(_header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>Amira</t>')
    return _replace(_workbook(), {SHEET: whole[: len(whole) - 40]})


def truncated_zip() -> bytes:
    whole = _workbook(["Amira", "Hassan"])
    return whole[: len(whole) // 2]


def binary_csv() -> bytes:
    return random.Random(13).randbytes(200_000)


def binary_csv_without_nul() -> bytes:
    return bytes(b or 1 for b in random.Random(14).randbytes(200_000))


def single_line_csv() -> bytes:
    return b"fornavn;" * (5_000_000 // 8)


def mixed_encodings_csv() -> bytes:
    head = ";".join(HEADER).encode() + b"\r\n"
    return head + "Søren;Ærø\r\n".encode() + "Åse;Østergård\r\n".encode("cp1252")


def too_many_rows_csv() -> bytes:
    lines = [";".join(HEADER)] + [f"Person{n};Hansen;{n}" for n in range(MAX_ROWS + 1)]
    return "\r\n".join(lines).encode()


def too_many_rows_xlsx() -> bytes:
    return _workbook(*([f"Person{n}", "Hansen", n] for n in range(MAX_ROWS + 1)))


# name, file name, its bytes, the start of the Danish message, the web status.
CORPUS = [
    ("dimension bomb", "bombe.xlsx", dimension_bomb, "Arket når til række 32000", 422),
    ("row bomb", "rækker.xlsx", row_bomb, "Arket når til række 20001", 422),
    ("deflate bomb", "bombe.xlsx", deflate_bomb, "XLSX-filen fylder mere end 20 MB", 422),
    ("lying deflate bomb", "bombe.xlsx", lying_deflate_bomb, "XLSX-filen er beskadiget", 422),
    ("billion laughs", "lol.xlsx", billion_laughs, "XLSX-filen indeholder en XML-dok", 422),
    ("external entity", "xxe.xlsx", external_entity, "XLSX-filen indeholder en XML-dok", 422),
    ("truncated XML", "halv.xlsx", truncated_xml, "XLSX-filen er beskadiget", 422),
    ("truncated zip", "halv.xlsx", truncated_zip, "XLSX-filen er beskadiget", 422),
    ("binary named .csv", "data.csv", binary_csv, "Vælg en CSV- eller XLSX-fil", 422),
    ("binary without NUL", "data.csv", binary_csv_without_nul, "Filen er ikke en tekstfil", 422),
    ("5 MB single line", "linje.csv", single_line_csv, "Linje 1 er længere end 100000", 422),
    ("mixed encodings", "blandet.csv", mixed_encodings_csv, "Filen blander to tegnkodninger", 422),
    ("too many rows CSV", "mange.csv", too_many_rows_csv, "Filen har mere end 10000 rækker", 422),
    (
        "too many rows XLSX",
        "mange.xlsx",
        too_many_rows_xlsx,
        "Filen har mere end 10000 rækker",
        422,
    ),
]
IDS = [case[0] for case in CORPUS]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """Each hostile file, made once and written to disk."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for index, (name, filename, maker, _message, _status) in enumerate(CORPUS):
        path = folder / str(index) / filename
        path.parent.mkdir()
        path.write_bytes(maker())
        assert path.stat().st_size <= 5 * MiB, name  # each fits under the upload limit
        paths[name] = path
    return paths


MEASURE = """
import json, os, re, sys, time
from pathlib import Path
from app.imports.reader import ReadError, read_table

def peak_kib():
    return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text())[1])

for path in map(Path, sys.argv[1:]):
    data = path.read_bytes()
    if os.fork() == 0:  # a child per file: nothing an earlier file left behind is reused
        Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
        before = peak_kib()
        start = time.perf_counter()
        try:
            read_table(data, path.name)
            refused = None
        except ReadError as error:
            refused = error.message.msgid
        seconds = time.perf_counter() - start
        grown = (peak_kib() - before) / 1024
        print(json.dumps({"seconds": seconds, "grown_mib": grown, "refused": refused}))
        sys.stdout.flush()
        os._exit(0)
    os.wait()
"""


def _measure(*paths: Path, script: str = MEASURE) -> list[dict]:
    """Time and memory growth of `read_table` for each file, in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def measured(corpus) -> dict[str, dict]:
    return dict(zip(IDS, _measure(*(corpus[name] for name in IDS)), strict=True))


@pytest.mark.parametrize("name", IDS)
def test_a_hostile_file_is_refused_fast_and_in_little_memory(measured, name):
    print(f"{name}: {measured[name]['seconds']:.2f} s, {measured[name]['grown_mib']:.1f} MiB")
    assert measured[name]["refused"], f"{name} was read"
    assert measured[name]["seconds"] < 5
    assert measured[name]["grown_mib"] < 100


def test_the_measurement_sees_a_reader_that_holds_too_much(tmp_path):
    # The same measurement of openpyxl as the import used it before (every row collected,
    # padded to the declared width) on a smaller dimension bomb: the check above can fail.
    body = _header_row() + '<row r="1200"><c r="XFD1200"><v>1</v></c></row>'
    path = tmp_path / "bombe.xlsx"
    path.write_bytes(_replace(_workbook(), {SHEET: _sheet(body, "A1:XFD1200")}))
    script = MEASURE.replace(
        "from app.imports.reader import ReadError, read_table",
        "import io\nfrom openpyxl import load_workbook\nclass ReadError(Exception): pass\n"
        "def read_table(data, name):\n"
        "    book = load_workbook(io.BytesIO(data), read_only=True)\n"
        "    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]\n",
    )
    assert _measure(path, script=script)[0]["grown_mib"] > 100


def _multipart(data: bytes, name: str) -> dict:
    """The upload as a body built by hand: the test client spools a big one to a temporary
    file it never closes (see tests/test_import.py)."""
    boundary = "hostile-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Candidate, Placement, Conversation)
    )


@pytest.mark.parametrize("hx", [False, True])
@pytest.mark.parametrize("name, filename, maker, message, status", CORPUS, ids=IDS)
def test_the_web_upload_refuses_it_in_danish_and_saves_nothing(
    client, coordinator, corpus, name, filename, maker, message, status, hx
):
    data = corpus[name].read_bytes()
    start = time.perf_counter()
    response = client.post("/imports/", **_multipart(data, filename), headers=HX if hx else {})
    html = response.get_data(as_text=True)
    assert time.perf_counter() - start < 5
    assert response.status_code == status
    assert message in html
    assert "flash-error" in html
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize("name", IDS)
def test_the_command_refuses_it_with_a_message_and_a_non_zero_exit(runner, ctx, corpus, name):
    message = next(case[3] for case in CORPUS if case[0] == name)
    for extra in ([], ["--dry-run"]):
        result = runner.invoke(args=["import", "placements", str(corpus[name]), *extra])
        assert result.exit_code == 1
        assert message in result.output
        assert "Nothing was saved." in result.output
    assert _counts() == (0, 0, 0)


def test_the_command_refuses_a_file_over_5_mb_without_reading_it(runner, tmp_path):
    path = tmp_path / "stor.csv"
    with path.open("wb") as file:
        file.truncate(2 * 1024 * MiB)  # a sparse 2 GB file: reading it would take 2 GB
    result = runner.invoke(args=["import", "placements", str(path)])
    assert result.exit_code == 1
    assert "5 MB" in result.output


# --- what stays readable ---------------------------------------------------------------------


def test_openpyxl_parses_xml_through_defusedxml():
    # Everything else that opens a workbook with openpyxl gets the same protection.
    from openpyxl.xml.functions import iterparse

    assert openpyxl.DEFUSEDXML is True
    assert iterparse.__module__.startswith("defusedxml")


def test_exactly_the_row_limit_is_read():
    lines = [";".join(HEADER)] + [f"Person{n};Hansen;{n}" for n in range(MAX_ROWS)]
    header, rows = read_table("\r\n".join(lines).encode(), "mange.csv")
    assert len(rows) == MAX_ROWS
    header, rows = read_table(_workbook(*([f"P{n}", "H", n] for n in range(MAX_ROWS))), "m.xlsx")
    assert len(rows) == MAX_ROWS
    assert rows[-1].values["telefon"] == str(MAX_ROWS - 1)


def test_blank_rows_and_a_wide_declared_dimension_within_the_limits_are_read():
    body = (
        _header_row()
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>Amira</t></is></c>'
        + '<c r="XFD2"><v>7</v></c></row>'
        + '<row r="9000"><c r="B9000" t="inlineStr"><is><t>Berg</t></is></c></row>'
    )
    data = _replace(_workbook(), {SHEET: _sheet(body, "A1:XFD9000")})
    header, rows = read_table(data, "bred.xlsx")
    assert header[:2] == ["fornavn", "efternavn"]
    assert [(r.number, r.get("fornavn"), r.get("efternavn")) for r in rows] == [
        (2, "Amira", ""),
        (9000, "", "Berg"),
    ]
    assert all(len(r.values) == len(HEADER) for r in rows)  # only the named columns


def test_a_small_declared_dimension_does_not_cut_the_rows_short():
    body = _header_row() + "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>P{n}</t></is></c></row>'
        for n in range(2, 6)
    )
    data = _replace(_workbook(), {SHEET: _sheet(body, "A1:A2")})
    assert [r.get("fornavn") for r in read_table(data, "x.xlsx")[1]] == ["P2", "P3", "P4", "P5"]


def test_a_windows_1252_file_is_still_read_and_a_stray_control_character_is_no_refusal():
    text = ";".join(HEADER) + "\r\nSøren;Ærø\x1a\r\nÅse;Ø\r\n"
    header, rows = read_table(text.encode("cp1252"), "x.csv")
    assert [r.get("fornavn") for r in rows] == ["Søren", "Åse"]


@pytest.mark.parametrize("maker", [billion_laughs, external_entity])
def test_the_refusal_comes_before_any_xml_is_parsed(maker, monkeypatch):
    # The pre-scan answers; defusedxml would refuse too, but with a less helpful message.
    import app.imports.xlsx as xlsx

    def parse_nothing(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(xlsx, "iterparse", parse_nothing)
    with pytest.raises(ReadError, match="DOCTYPE or ENTITY"):
        read_table(maker(), "x.xlsx")
