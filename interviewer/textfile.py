"""Users' text files as text: UTF-8 with or without a byte-order mark, or UTF-16 with one.

Excel's "Unicode Text" export and Notepad's "Unicode" save write UTF-16 with a BOM: read as
UTF-8 it failed on its first byte ("byte 0xff"), and its NUL bytes passed for a binary file.
A BOM says the encoding for sure, so such a file is read; any other bytes that are not UTF-8
are refused with the line of the first one (Latin-1 cannot be told from Windows-1252 or
Mac Roman, and a wrong guess would change the text without a word).
"""

from __future__ import annotations

import codecs

from interviewer.errors import InputError

__all__ = ["decode_text"]

# A file whose first block holds NUL bytes (and no UTF-16 BOM) is not text at all.
_SNIFF_BYTES = 8192


def decode_text(data: bytes, name: object, *, again: str = "try again") -> str:
    """The text of a file's bytes, without a byte-order mark.

    Args:
        data: The file's bytes.
        name: The file as the user knows it (its name or path), for the message.
        again: What to do once the file is saved as UTF-8 ("import it again").

    Raises:
        InputError: The bytes are binary (an image, a PDF) or text in another encoding; the
            message names the line of the first bad byte and says to save the file as UTF-8
            (``again`` follows, e.g. "import it again").
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # the BOM gives the byte order and is dropped
        except UnicodeDecodeError:
            pass  # a BOM-like start of a binary file: refused below
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(
            f"{name} is a binary file (an image, a PDF or a document?), not text. Save it as "
            f"UTF-8 text and {again}."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name} is not UTF-8 text (byte {data[exc.start]:#04x} on line {line}). Save it as "
            f"UTF-8 and {again}."
        ) from None
