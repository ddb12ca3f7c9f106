"""Pure pieces of the reports: the font search, exact decimals for spreadsheets, labels."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from funds.reports import labels
from funds.reports.fonts import ENV_VAR, FALLBACK, KNOWN_PATHS, candidate_paths, find_font
from funds.reports.sheets import wan, yuan


def test_the_configured_font_is_tried_before_the_known_system_paths() -> None:
    paths = candidate_paths({ENV_VAR: "/opt/fonts/my.ttf"})
    assert paths[0] == "/opt/fonts/my.ttf"
    assert paths[1:] == list(KNOWN_PATHS)
    assert candidate_paths({}) == list(KNOWN_PATHS)


def test_without_a_truetype_font_the_builtin_song_font_is_used_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_font = tmp_path / "broken.ttf"
    not_a_font.write_bytes(b"not a font")
    chosen = find_font([str(not_a_font), str(tmp_path / "missing.ttc")], configured=str(not_a_font))
    assert chosen.name == FALLBACK
    assert not chosen.embedded
    err = capsys.readouterr().err
    assert f"{ENV_VAR}=" in err
    assert "no TrueType CJK font found" in err


def test_spreadsheet_amounts_are_exact_decimals_of_yuan_and_wan() -> None:
    assert yuan(500_000_000) == Decimal("5000000.00")
    assert str(yuan(500_000_000)) == "5000000.00"
    assert str(yuan(-1)) == "-0.01"
    assert str(wan(500_000_000)) == "500.00"
    assert str(wan(1)) == "0.000001"


def test_labels_speak_the_officers_words_and_percentages_never_flatter() -> None:
    assert labels.programme("service_zone") == "服务型制造集聚区奖补"
    assert labels.programme("advanced_cluster", "national") == "先进制造业集群奖补（国家级）"
    assert labels.label(labels.STAGE_STATUS, "forfeited") == "不予拨付"
    assert labels.label(labels.STAGE_STATUS, "unknown") == "unknown"
    assert labels.percent(Fraction(2, 3)) == "66.66 %"
    assert labels.percent(Fraction(0)) == "0.00 %"
