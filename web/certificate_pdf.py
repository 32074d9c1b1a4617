"""The printable certificate: an A4 landscape PDF (fpdf2) with a CJK font embedded.

The font is a system CJK TrueType font: `CERT_FONT` in the config, else the first of
FONT_CANDIDATES that exists (Debian's fonts-wqy-zenhei installs the first). Without one the
PDF cannot show Chinese, so rendering fails with FontMissing, which says how to install it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

log = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
INSTALL_HINT = "apt-get install -y fonts-wqy-zenhei (or set HOTLINE_CERT_FONT to a CJK .ttf/.ttc file)"


class FontMissing(RuntimeError):
    """No CJK font to embed in the certificate."""


@dataclass(frozen=True)
class CertificateText:
    """What the certificate says; dates are already formatted (YYYY-MM-DD, UTC)."""

    code: str
    holder: str
    title_zh: str
    title_en: str
    issued_on: str
    expires_on: str
    verify_url: str
    policy: str            # e.g. "volunteer_line v1"


def find_cjk_font(configured: str | None = None) -> Path:
    """The CJK font file to embed, or FontMissing naming what was tried and how to install one."""
    tried = [configured] if configured else list(FONT_CANDIDATES)
    for candidate in tried:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(f"no CJK font for the certificate PDF; tried {', '.join(map(str, tried))}. "
                      f"Install one: {INSTALL_HINT}")


def _centered(pdf: FPDF, size: float, text: str, gap: float = 2.0) -> None:
    pdf.set_font("cjk", size=size)
    pdf.multi_cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def render_certificate(text: CertificateText, font_path: Path) -> bytes:
    """The certificate as PDF bytes, the CJK font subset embedded."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"{text.title_en} {text.code}")
    pdf.set_author("Hotline practice")
    pdf.add_font("cjk", "", str(font_path), collection_font_number=0)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    pdf.set_draw_color(47, 111, 159)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)
    pdf.ln(8)
    _centered(pdf, 28, text.title_zh, 1)
    _centered(pdf, 16, text.title_en, 10)
    _centered(pdf, 13, "兹证明 / This certifies that", 3)
    _centered(pdf, 24, text.holder, 6)
    _centered(pdf, 12, "已完成热线接线培训并通过督导认可的模拟通话考核，具备上岗资格。", 1)
    _centered(pdf, 12, "has completed hotline training and supervised practice calls, "
                       "and is certified to answer calls.", 10)
    _centered(pdf, 11, f"签发日期 Issued: {text.issued_on}    有效期至 Valid until: {text.expires_on}", 2)
    _centered(pdf, 11, f"证书编号 Certificate id: {text.code}    认证标准 Policy: {text.policy}", 2)
    _centered(pdf, 10, f"核验 Verify: {text.verify_url}", 0)
    return bytes(pdf.output())
