"""Builders of hostile files for the fuzz tests: mutated zips, XML and zip bombs, OLE headers.

Every builder works on bytes or streams to disk; none holds a bomb's inflated content
in memory.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from pathlib import Path

CONTENT_TYPES = "[Content_Types].xml"
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)

BILLION_LAUGHS_DTD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)


def rezip(data: bytes, replace: dict[str, bytes | None] | None = None) -> bytes:
    """A copy of the zip ``data`` with entries replaced (bytes), removed (None) or added."""
    replace = dict(replace or {})
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename in replace:
                new = replace.pop(info.filename)
                if new is not None:
                    dst.writestr(info.filename, new)
                continue
            dst.writestr(info.filename, src.read(info.filename))
        for name, new in replace.items():
            if new is not None:
                dst.writestr(name, new)
    return out.getvalue()


def read_entry(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def with_shared_strings(data: bytes, shared: bytes) -> bytes:
    """Add ``xl/sharedStrings.xml`` (and its content type) to an xlsx."""
    types = read_entry(data, CONTENT_TYPES).decode("utf-8")
    if "sharedStrings" not in types:
        types = types.replace(
            "</Types>",
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
            "</Types>",
        )
    return rezip(data, {CONTENT_TYPES: types.encode("utf-8"), "xl/sharedStrings.xml": shared})


def billion_laughs(root: str, inner: str) -> bytes:
    """An XML document with the billion-laughs DTD; ``inner`` may use ``&lol9;``."""
    return (BILLION_LAUGHS_DTD + f"<{root}>{inner}</{root}>").encode("utf-8")


def write_zip_bomb(path: Path, base: bytes, entry: str, size: int) -> None:
    """``base`` (an xlsx) plus ``entry`` of ``size`` bytes of highly compressible XML.

    Written by streaming 1 MB chunks through zipfile, never holding ``size`` in memory.
    """
    chunk = b"<si><t>" + b"A" * (1024 * 1024 - 20) + b"</t></si>\n"
    with (
        zipfile.ZipFile(io.BytesIO(base)) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename != entry:
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open(entry, "w") as stream:
            stream.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            written = 0
            while written < size:
                stream.write(chunk)
                written += len(chunk)
            stream.write(b"</sst>")


def lie_about_sizes(data: bytes, entry: str, declared: int) -> bytes:
    """Patch the local header and central directory of ``entry`` to declare ``declared``
    uncompressed bytes (a crafted header hiding a zip bomb)."""
    buf = bytearray(data)
    name = entry.encode("utf-8")
    # local file header: signature PK\3\4, uncompressed size at offset 22
    pos = 0
    while (pos := buf.find(b"PK\x03\x04", pos)) != -1:
        name_len = struct.unpack_from("<H", buf, pos + 26)[0]
        if bytes(buf[pos + 30 : pos + 30 + name_len]) == name:
            struct.pack_into("<I", buf, pos + 22, declared)
            break
        pos += 4
    # central directory header: signature PK\1\2, uncompressed size at offset 24
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) != -1:
        name_len = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46 : pos + 46 + name_len]) == name:
            struct.pack_into("<I", buf, pos + 24, declared)
            break
        pos += 4
    return bytes(buf)


def encrypted_ole() -> bytes:
    """The start of an Office-encrypted file: an OLE compound file with EncryptionInfo and
    EncryptedPackage streams (what Excel writes for a workbook with an open password)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # number of FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into("<I", header, 60, 0xFFFFFFFE)  # no mini FAT
    struct.pack_into("<I", header, 68, 0xFFFFFFFE)  # no DIFAT
    struct.pack_into("<I", header, 76, 0)  # FAT in sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * 512)
    struct.pack_into("<III", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFE)
    directory = bytearray(512)
    for index, (name, kind) in enumerate(
        (("Root Entry", 5), ("EncryptionInfo", 2), ("EncryptedPackage", 2), ("", 0))
    ):
        raw = name.encode("utf-16-le")
        entry = bytearray(128)
        entry[0 : len(raw)] = raw
        struct.pack_into("<HB", entry, 64, len(raw) + 2 if name else 0, kind)
        directory[index * 128 : (index + 1) * 128] = entry
    return bytes(header + fat + directory + b"\x00" * 1024)


def flip_bytes(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    buf = bytearray(data)
    for position, mask in flips:
        buf[position % len(buf)] ^= mask or 1
    return bytes(buf)


def random_flips(data: bytes, rng: random.Random, count: int) -> bytes:
    return flip_bytes(
        data, [(rng.randrange(len(data)), rng.randrange(1, 256)) for _ in range(count)]
    )


def truncations(data: bytes) -> list[tuple[int, bytes]]:
    """The file cut at every 10% (10 … 90 percent kept)."""
    return [(pct, data[: len(data) * pct // 100]) for pct in range(10, 100, 10)]
