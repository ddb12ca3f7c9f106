"""Finding and registering the CJK font every report is set in.

Chinese must render on any machine, so the reports embed a TrueType CJK font (a subset of
the glyphs used goes into each PDF). reportlab embeds TrueType outlines only, not the
CFF-based Noto/Source Han fonts, so the search looks for TrueType files: first the file that
``FUNDS_CJK_FONT`` names, then known system paths (Debian's ``fonts-wqy-microhei``, licence
Apache-2.0, is the one CI installs). When none is found the reports fall back to reportlab's
built-in ``STSong-Light`` CID font, which is not embedded (the reader's PDF viewer supplies
the glyphs) and prints a warning once on standard error.

Registering a 5 MB font takes about two seconds, so it happens once per process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

ENV_VAR = "FUNDS_CJK_FONT"
FALLBACK = "STSong-Light"
FONT_NAME = "FundsCJK"
"""The name the reports use for the CJK font, whatever file it came from."""

KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
)
"""TrueType CJK fonts at their usual places on Debian/Ubuntu, Fedora, macOS and Windows."""


@dataclass(frozen=True)
class CjkFont:
    """The font the reports use: its registered name, file and whether it is embedded."""

    name: str
    path: str | None
    embedded: bool


def candidate_paths(environ: dict[str, str] | None = None) -> list[str]:
    """Return the font files to try, in order: the setting first, then the known paths."""
    env = os.environ if environ is None else environ
    configured = env.get(ENV_VAR, "").strip()
    return ([configured] if configured else []) + list(KNOWN_PATHS)


def load_truetype(path: str) -> TTFont | None:
    """Return the TrueType font at ``path`` (first face of a ``.ttc``), or ``None``."""
    if not Path(path).is_file():
        return None
    try:
        if path.lower().endswith(".ttc"):
            return TTFont(FONT_NAME, path, subfontIndex=0)
        return TTFont(FONT_NAME, path)
    except (TTFError, OSError):
        return None


@cache
def cjk_font() -> CjkFont:
    """Register the CJK font once per process and return it (search: module docstring)."""
    return find_font(candidate_paths(), configured=os.environ.get(ENV_VAR, "").strip())


def find_font(paths: Sequence[str], *, configured: str = "") -> CjkFont:
    """Register the first readable TrueType font of ``paths``, else ``STSong-Light``."""
    for path in paths:
        font = load_truetype(path)
        if font is not None:
            pdfmetrics.registerFont(font)
            return CjkFont(FONT_NAME, path, embedded=True)
        if path == configured:
            _warn(f"{ENV_VAR}={path!r} is not a readable TrueType font; looking elsewhere")
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    _warn(
        f"no TrueType CJK font found (set {ENV_VAR} or install fonts-wqy-microhei);"
        f" using the built-in {FALLBACK}, which PDF viewers must supply"
    )
    return CjkFont(FALLBACK, None, embedded=False)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")
