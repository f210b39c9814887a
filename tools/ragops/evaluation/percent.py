"""How a relative change is written for people: "4.2%", "487%", "78×" — never "7846.7294%".

One function, used by the gate reasons and every renderer, so a number reads the same in a comment, a terminal and
a release report.
"""

from __future__ import annotations

MINUS = "−"  # U+2212, as the diff's tables write negative numbers


def percent(fraction: float, *, signed: bool = False) -> str:
    """``fraction`` (0.042 = 4.2%) with the precision a reader needs: two decimals below 0.1%, one below 10%,
    none below 1000%; beyond that, as a multiple ("78×"), which is what a change that large means."""
    share = 100 * fraction
    size = abs(share)
    if size >= 1000:
        text = f"{abs(fraction):.0f}×"
    elif size >= 10:
        text = f"{size:.0f}%"
    elif size >= 0.1 or size == 0:
        text = f"{size:.1f}%"
    else:
        text = f"{size:.2f}%"
    if text in ("0.0%", "0.00%"):
        return "0%"
    if fraction < 0:
        return MINUS + text
    return "+" + text if signed else text
