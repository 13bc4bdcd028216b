"""How follow-ups and hints name a key point without stating it."""

from __future__ import annotations

import pytest

from interviewer.text import cue, duration, in_seconds


@pytest.mark.parametrize(
    ("key_point", "named"),
    [
        # A labelled key point is named by its label: the opening words read as a cut sentence
        # ("What can you add about “Generator: a network mapping …”?").
        ("Generator: a network mapping a latent vector z to a sample", "“Generator”"),
        (
            "Text-to-speech pipeline: text to mel spectrogram to waveform",
            "“Text-to-speech pipeline”",
        ),
        # Otherwise by its opening words, said to be the start of a point.
        (
            "A GAN is a generative model that learns to produce new samples resembling its data",
            "the point that starts “GAN is a generative …”",
        ),
        # A colon inside a formula is no label.
        (
            "Two generators G: X → Y and F: Y → X are trained jointly",
            "the point that starts “Two generators G: X …”",
        ),
        (
            "D*(x): the optimal discriminator for a fixed generator",
            "the point that starts “D*(x): the …”",
        ),
    ],
)
def test_cue_names_a_key_point_without_stating_it(key_point: str, named: str) -> None:
    assert cue(key_point) == named


def test_times_round_a_half_second_up_and_a_minute_reads_as_one() -> None:
    """0.5 s read "0 s" (half to even), and 59.6 s "60 s" beside "1 min 00 s" for 60 s."""
    assert in_seconds(0.5) == "1 s" and in_seconds(2.5) == "3 s" and in_seconds(0.4) == "0 s"
    assert duration(59.6) == "1 min 00 s" == duration(60)
    assert duration(59.4) == "59 s" and duration(125.5) == "2 min 06 s"
    assert duration(1.4, over=1) == "1.4 s"  # over a limit, never shown as the limit itself
