"""Users' text files as text: UTF-8 with or without a byte-order mark, or UTF-16 with one;
the lines of a JSON Lines file as objects; where a YAML file is wrong.

Excel's "Unicode Text" export and Notepad's "Unicode" save write UTF-16 with a BOM: read as
UTF-8 it failed on its first byte ("byte 0xff"), and its NUL bytes passed for a binary file.
A BOM says the encoding for sure, so such a file is read; any other bytes that are not UTF-8
are refused with the line of the first one (Latin-1 cannot be told from Windows-1252 or
Mac Roman, and a wrong guess would change the text without a word).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence

from interviewer.errors import InputError

__all__ = ["decode_text", "json_object", "refuse_csv", "text_of", "yaml_place"]

# A file whose first block holds NUL bytes is not text at all.
_SNIFF_BYTES = 8192
_BINARY = "is a binary file (an image, a PDF or a document?), not text"


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
    try:
        return text_of(data)
    except ValueError as exc:
        raise InputError(f"{name} {exc}. Save it as UTF-8 and {again}.") from None


def text_of(data: bytes, *, nul_is_binary: bool = False) -> str:
    """The text of a file's bytes, without a byte-order mark, or ``ValueError`` saying why the
    bytes are not text (a reason to follow the file's name: "is not UTF-8 text (...)").

    ``nul_is_binary``: a NUL byte near the start makes the file binary even when it decodes
    (a PDF's first bytes may be valid UTF-8); otherwise only bytes that do not decode count.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # the BOM gives the byte order and is dropped
        except UnicodeDecodeError:
            raise ValueError(_BINARY) from None  # a BOM-like start of a binary file
    if nul_is_binary and b"\x00" in data[:_SNIFF_BYTES]:
        raise ValueError(_BINARY)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if b"\x00" in data[:_SNIFF_BYTES]:
            raise ValueError(_BINARY) from None
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"is not UTF-8 text (byte {data[exc.start]:#04x} on line {line})"
        ) from None


def json_object(line: str) -> dict[str, object]:
    """One line of a JSON Lines file as an object.

    Raises:
        InputError: The line is not JSON, or not an object; the reason reads after "line N: "
            (Python's own said "Expecting value: line 1 column 1 (char 0)" of line 2).
    """
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        # Some messages end in "at" ("Unterminated string starting at"): not "at at".
        raise InputError(
            f"not valid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"
        ) from None
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else f"{type(value).__name__} {value!r:.40}"
        raise InputError(f"not a JSON object but {kind}: write one object {{...}} per line")
    return value


def refuse_csv(text: str, name: object, fields: Sequence[str]) -> None:
    """Refuse a CSV file given as JSON Lines: each of its lines was reported as bad JSON.

    Args:
        text: The file's text.
        name: The file as the user knows it.
        fields: The fields a line holds: a CSV header names one of them.

    Raises:
        InputError: The first line is a header of comma, semicolon or tab separated names,
            one of them a field of ``fields``.
    """
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if first.startswith(("{", "[")):
        return
    names = {
        n.strip().strip('"').lower() for n in first.replace(";", ",").replace("\t", ",").split(",")
    }
    if len(names) > 1 and names & set(fields):
        raise InputError(
            f"{name} holds CSV (its first line is {first[:80]!r}), not JSON Lines: write one "
            f"JSON object per line, with {', '.join(fields)}."
        )


def yaml_place(exc: Exception) -> str:
    """Where and what a PyYAML error is, to follow "X is not valid YAML": its problem, line and
    column, without PyYAML's '"<unicode string>"' and caret drawing."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or not problem:
        return f": {exc}"
    where = f": {problem} on line {mark.line + 1}, column {mark.column + 1}"
    # An unclosed quote is found at the end of the file: where it opened is the line to fix.
    start, context = getattr(exc, "context_mark", None), getattr(exc, "context", None)
    if start is not None and context and start.line != mark.line:
        where += f", {context} that starts on line {start.line + 1}, column {start.column + 1}"
    return where
