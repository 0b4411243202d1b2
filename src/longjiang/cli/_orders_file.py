"""Orders files for ``longjiang trade``: read in UTF-8, or in the encoding given, with an error
naming the line of the first byte that is not (Chinese Excel saves CSV in GB18030/GBK)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from longjiang.errors import DataError, InputError

__all__ = ["ENCODINGS", "EncodingOption", "decode", "load"]

EncodingOption = Annotated[str | None, typer.Option(
    "--encoding", help="the orders file's encoding when it is not UTF-8: gb18030 (also gbk, "
                       "the CSV default of Chinese Excel) or windows-1251")]

#: encodings an orders file may be read in: name given → Python codec
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gb18030": "gb18030",
             "gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030",
             "windows-1251": "cp1251", "cp1251": "cp1251"}


def decode(data: bytes, name: str, encoding: str | None) -> str:
    """The text of an orders file: UTF-8 unless ``encoding`` says otherwise, or a DataError
    naming the line of the first byte that does not decode."""
    if encoding is not None and encoding.lower() not in ENCODINGS:
        raise InputError(f"--encoding: {encoding!r} is not one we read (expected "
                         f"{', '.join(ENCODINGS)})", field="encoding")
    codec = ENCODINGS[encoding.lower()] if encoding else "utf-8-sig"
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        shown = encoding.upper() if encoding else "UTF-8"
        where = f"{name}: line {line}: byte 0x{data[exc.start]:02x} is not {shown}"
        if encoding is not None:
            raise DataError(f"{where}: is the file in {encoding}?") from None
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            raise DataError(f"{where}: the file is not UTF-8 text; save it as UTF-8") from None
        raise DataError(f"{where}: the file is not UTF-8 but reads as GB18030 (GBK, the CSV "
                        "encoding of Chinese Excel): save it as 'CSV UTF-8', or give "
                        "--encoding gb18030") from None


def load(path: Path, encoding: str | None, *,
          list_defaults: dict[str, str] | None = None) -> list[Any]:
    """Read and validate an orders file (format by its suffix: .csv, .jsonl/.ndjson, JSON)."""
    from longjiang.trade.orders import OrderFormat, parse_orders

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"Orders file not found: {str(path)!r}", field="orders") from None
    except OSError as exc:
        raise InputError(f"Cannot read orders file {str(path)!r}: {exc.strerror or exc}",
                         field="orders") from None
    suffix = path.suffix.lower()
    fmt = (OrderFormat.CSV if suffix == ".csv" else
           OrderFormat.JSONL if suffix in {".jsonl", ".ndjson"} else None)
    return parse_orders(decode(data, path.name, encoding), path.name, fmt,
                        list_defaults=list_defaults)
