"""Convert the five raw seed texts into the clean Markdown documents of ``knowledge/``.

Each seed has its own layout (a question list, a Hugo page, a flat web article, a blog post
with its page chrome, a Notion export); one small converter per layout turns it into Markdown
with real headings, then :func:`normalize_text` fixes glued words and typography and
:func:`render_document` adds the ``title:``/``origin:`` front matter the loader reads.

Run ``python -m interviewer.knowledge.seeds SEEDS_DIR OUT_DIR`` to regenerate; the output is
committed, so this only runs when a converter changes.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import BaseModel

from interviewer.errors import BankError
from interviewer.knowledge.normalize import normalize_text

__all__ = ["SEEDS", "Seed", "convert_seed", "convert_seeds", "render_document"]


class Seed(BaseModel):
    """How one raw seed becomes a knowledge document."""

    prefix: str  # the raw file name starts with it, e.g. "000_"
    output: str  # file name in knowledge/
    converter: str  # name of the layout converter in this module
    title: str = ""  # when the text carries no title of its own
    origin: str = ""  # when the text carries no origin of its own


SEEDS: tuple[Seed, ...] = (
    Seed(
        prefix="000_",
        output="gan-interview-questions.md",
        converter="question_list",
        origin="List of 19 GAN theory interview questions with empty answers (source not named)",
    ),
    Seed(
        prefix="001_",
        output="gans-overview-chatgpt.md",
        converter="hugo_chatgpt",
        origin="Hugo page generated with ChatGPT prompts (source not named)",
    ),
    Seed(
        prefix="002_",
        output="gan-architecture-deep-dive.md",
        converter="flat_article",
        origin="Web article on GAN architecture (author and URL not named in the text)",
    ),
    Seed(
        prefix="003_",
        output="gan-architecture-interview-questions.md",
        converter="blog_post",
        origin="Analytics Vidhya blog post (Data Science Blogathon) by Premanand S, 14 Feb 2023",
    ),
    Seed(
        prefix="004_",
        output="gan-interview-notes.md",
        converter="notion_export",
        title="GAN and Deep Learning Interview Notes",
    ),
)


def render_document(title: str, origin: str, body: str) -> str:
    """Return a Markdown document with ``title:``/``origin:`` front matter and a clean body.

    Args:
        title: Document title (front matter).
        origin: URL or publication/author/date, or what the text is when it names none.
        body: Markdown body; it is normalized here.

    Returns:
        The full document text.
    """
    meta = yaml.safe_dump(
        {"title": title, "origin": origin}, sort_keys=False, allow_unicode=True, width=10_000
    )
    return f"---\n{meta}---\n\n{normalize_text(body)}"


def convert_seed(seed: Seed, raw: str) -> str:
    """Convert one raw seed text into its knowledge document (front matter included)."""
    found_title, found_origin, body = _CONVERTERS[seed.converter](raw.replace("\r\n", "\n"))
    title = normalize_text(seed.title or found_title).strip()
    if not body.lstrip().startswith("# "):
        body = f"# {title}\n\n{body.lstrip()}"
    return render_document(title, seed.origin or found_origin, body)


def convert_seeds(src: Path, out: Path) -> list[Path]:
    """Convert every seed found in ``src`` and write the documents into ``out``.

    Raises:
        BankError: When a seed file is missing from ``src``.
    """
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for seed in SEEDS:
        matches = sorted(src.glob(f"{seed.prefix}*"))
        if not matches:
            raise BankError(
                f"no seed file starting with {seed.prefix!r} in {src}; pass the seeds folder"
            )
        target = out / seed.output
        target.write_text(
            convert_seed(seed, matches[0].read_text(encoding="utf-8")), encoding="utf-8"
        )
        written.append(target)
    return written


# --- layout converters: raw text -> (title, origin, Markdown body) -------------------------

Converted = tuple[str, str, str]

_PLACEHOLDER_ANSWER = re.compile(r"^\*\*Answer:\*\*\s*(_\[To be filled\]_)?\s*$")
_BOLD_LINE = re.compile(r"^\*\*(.+)\*\*$")
_RULE = re.compile(r"^-{3,}$")


def _question_list(raw: str) -> Converted:
    """``## Question N`` blocks with a bold question and (mostly empty) answers."""
    lines = [line.strip() for line in raw.split("\n")]
    title = next((line[2:] for line in lines if line.startswith("# ")), "")
    out: list[str] = []
    for line in lines:
        if line.startswith("# ") or _RULE.match(line) or _PLACEHOLDER_ANSWER.match(line):
            continue
        bold = _BOLD_LINE.match(line)
        out.append(bold.group(1) if bold else line)
    return title, "", f"# {title}\n\n" + "\n".join(out)


_HUGO_FRONT = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n", re.DOTALL)
_ASK = re.compile(
    r"\{\{<\s*ask_chatgpt\s*>\}\}\s*\n(.*?)\n\s*\{\{<\s*/ask_chatgpt\s*>\}\}", re.DOTALL
)


def _hugo_chatgpt(raw: str) -> Converted:
    """Hugo page: TOML front matter and ``ask_chatgpt`` shortcodes around each prompt."""
    title = ""
    front = _HUGO_FRONT.match(raw)
    if front:
        title = str(tomllib.loads(front.group(1)).get("title", ""))
        raw = raw[front.end() :]
    body = _ASK.sub(lambda m: f"\n> **Prompt:** {' '.join(m.group(1).split())}\n", raw)
    # A numbered question followed by its answer becomes a sub-section of its own.
    body = _HUGO_QA.sub(r"### \1\n\n**Answer:** ", body)
    return title, "", f"# {title}\n\n{body}"


_HUGO_QA = re.compile(r"^\d+\.\s+(.+\?)\s*\n\s*\nAnswer:\s*", re.MULTILINE)
_FORMULA = re.compile(r"^[^.!?]*\w\([^)]*\).*=.*$")
_SENTENCE_END = re.compile(r"[.!?:;,)\"']$")


def _flat_article(raw: str) -> Converted:
    """One paragraph per line, plain-text section titles, ``-`` lines between list items."""
    lines = [line.strip() for line in raw.split("\n") if line.strip()]
    title, rest = lines[0], lines[1:]
    blocks: list[str] = [f"# {title}"]
    previous_heading = False
    i = 0
    while i < len(rest):
        line = rest[i]
        if line == "-":  # a list of "Name" / "description -" pairs follows
            i = _flat_list(rest, i + 1, blocks)
            previous_heading = False
            continue
        if _FORMULA.match(line):
            blocks.append(f"`{line}`")
        elif line.startswith("- "):
            blocks.append(line)
        elif _is_plain_heading(line):
            # A title right under another title is its sub-section.
            blocks.append(f"{'###' if previous_heading else '##'} {line}")
            previous_heading = True
            i += 1
            continue
        else:
            blocks.append(line)
        previous_heading = False
        i += 1
    return title, "", _join_blocks(blocks)


def _flat_list(lines: list[str], i: int, blocks: list[str]) -> int:
    while i + 1 < len(lines):
        name, description = lines[i], lines[i + 1]
        more = description.endswith(" -")
        blocks.append(f"- **{name}**: {description.removesuffix(' -').strip()}")
        i += 2
        if not more:
            break
    return i


def _is_plain_heading(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 12
        and line[0].isupper()
        and not _SENTENCE_END.search(line)
        and not line.startswith(("- ", "* "))
    )


def _join_blocks(blocks: list[str]) -> str:
    """Blank line between blocks, except between consecutive list items."""
    out: list[str] = []
    for block in blocks:
        if out and not (block.startswith("- ") and out[-1].startswith("- ")):
            out.append("")
        out.append(block)
    return "\n".join(out)


_BLOG_CHROME_START = re.compile(r"^The media shown in this article is not owned by", re.MULTILINE)
_BLOG_DROP = re.compile(
    r"min read$|^This article was published as a part of|^Image Source:|Lorem ipsum", re.IGNORECASE
)
_QUESTION_LINE = re.compile(r"^Q\d+\.\s")
_LOST_BREAK = re.compile(r"(?<=[a-z)][.:])(?=[A-Z][a-z])")
_LABEL = re.compile(r"^([A-Za-z][^:.,\n]{1,70}?):\s+(?=[A-Z])")
_BULLET = re.compile(r"^[•·▪●]\s*")


def _blog_post(raw: str) -> Converted:
    """Blog post with page chrome: byline, image captions, bio, FAQ filler, comments."""
    chrome = _BLOG_CHROME_START.search(raw)
    if chrome:
        raw = raw[: chrome.start()]
    # Paragraph breaks lost in extraction leave "samples.Training instability: ...".
    raw = _LOST_BREAK.sub("\n\n", raw)
    lines = [line.strip() for line in raw.split("\n")]
    title = lines[0]
    blocks: list[str] = [f"# {title}"]
    for index, line in enumerate(lines[1:], start=1):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not line or _BLOG_DROP.search(line) or _is_caption_alt(line, following):
            continue
        if _QUESTION_LINE.match(line) or (_is_plain_heading(line) and len(line.split()) <= 4):
            blocks.append(f"## {line}")
        elif _BULLET.match(line):
            blocks.append("- " + _BULLET.sub("", line))
        else:
            label = _LABEL.match(line)
            if label and len(label.group(1).split()) <= 10:
                line = f"**{label.group(1)}:** {line[label.end() :]}"
            blocks.append(line)
    return title, "", _join_blocks(blocks)


def _is_caption_alt(line: str, following: str) -> bool:
    """The alt text of an image sits right above its "Image Source:" caption."""
    return following.startswith("Image Source:") and len(line.split()) <= 6


_YAML_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_NOTION_HEADING = re.compile(r"^#{1,6}\s+(?:\d+\.\s+)?(.*)$")
_NBSP_ONLY = re.compile(r"^[\s\u00a0]+$", re.MULTILINE)


def _notion_export(raw: str) -> Converted:
    """Notion export: YAML properties, numbered ``###`` questions, ``**Answer:**`` labels."""
    origin = ""
    front = _YAML_FRONT.match(raw)
    if front:
        meta = yaml.safe_load(front.group(1)) or {}
        author, created = meta.get("Created by", ""), str(meta.get("Created time", ""))[:10]
        origin = f"Notion export by {author}, created {created}".strip(", ")
        raw = raw[front.end() :]
    raw = _NBSP_ONLY.sub("", raw)
    out: list[str] = []
    for line in raw.split("\n"):
        heading = _NOTION_HEADING.match(line)
        if heading:
            # Numbering restarts in the export, so it identifies nothing: keep the question.
            out.append("## " + heading.group(1).strip().strip("*").strip())
        elif line.strip() != "**Answer:**":
            out.append(line)
    return "", origin, "\n".join(out)


_CONVERTERS: dict[str, Callable[[str], Converted]] = {
    "question_list": _question_list,
    "hugo_chatgpt": _hugo_chatgpt,
    "flat_article": _flat_article,
    "blog_post": _blog_post,
    "notion_export": _notion_export,
}


def _main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m interviewer.knowledge.seeds SEEDS_DIR OUT_DIR\n")
        return 2
    for path in convert_seeds(Path(argv[0]), Path(argv[1])):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
