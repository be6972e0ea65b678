"""Character tables derived from Unicode data at run time, never typed by hand.

- Confusables: ICU's SpoofChecker skeleton (UTS #39 confusables.txt as compiled into ICU, shipped
  by Debian's python3-icu / libicu). A character is a lookalike of the ASCII string its one-character
  skeleton equals, so `l`, `I`, `1`, `|`, Greek Iota and Cyrillic palochka share the skeleton `l`
  and `m` the skeleton `rn`.
- Letter styles: the character NAMES in Python's `unicodedata` (MATHEMATICAL BOLD SMALL A,
  NEGATIVE SQUARED LATIN CAPITAL LETTER A, LATIN LETTER SMALL CAPITAL A, ...).
- Upside-down text: LATIN ... LETTER TURNED X names, completed by the letters that are their own
  or each other's half-turn (o s x z l; b/q, d/p, n/u), read in reverse order.

Data licences: Unicode data files and ICU are under the Unicode License v3 (ICU's own code under
the ICU/Unicode licence); see docs/detection.md.
"""

import re
import sys
import unicodedata

import icu

ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SPOOF = icu.SpoofChecker()


def skeleton(text):
    """UTS #39 skeleton of `text` (ICU)."""
    return _SPOOF.getSkeleton(0, text)


def _assigned_chars():
    for cp in range(0x80, 0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("Cn", "Co", "Cs", "Cc", "Cf", "Mn", "Me", "Mc", "Zs", "Zl", "Zp"):
            continue
        yield ch


def _build_confusables():
    """target ASCII string -> sorted list of single non-ASCII characters whose skeleton is it.

    Only targets that are one or two ASCII letters/digits/|, so every lookalike stands for what a
    reader sees. Characters that NFKC already folds to the same ASCII are kept (they are still
    lookalikes), the caller decides.
    """
    table = {}
    for ch in _assigned_chars():
        sk = skeleton(ch)
        if not sk or len(sk) > 2 or not all(c.isascii() and (c.isalnum() or c == "|") for c in sk):
            continue
        table.setdefault(sk, []).append(ch)
    return {k: sorted(v) for k, v in sorted(table.items())}


CONFUSABLES = _build_confusables()


def lookalikes(letter):
    """Non-ASCII characters that look like ASCII `letter` (its skeleton class)."""
    return CONFUSABLES.get(skeleton(letter), [])


def script_of(ch):
    name = unicodedata.name(ch, "")
    return name.split(" ")[0] if name else ""


# === letter styles from character names ===

_MATH = re.compile(r"^MATHEMATICAL (.+) (SMALL|CAPITAL) ([A-Z])$")
_NAMED = [
    ("fullwidth", re.compile(r"^FULLWIDTH LATIN (SMALL|CAPITAL) LETTER ([A-Z])$")),
    ("circled", re.compile(r"^CIRCLED LATIN (SMALL|CAPITAL) LETTER ([A-Z])$")),
    ("parenthesized", re.compile(r"^PARENTHESIZED LATIN (SMALL|CAPITAL) LETTER ([A-Z])$")),
    ("negative_circled", re.compile(r"^NEGATIVE CIRCLED LATIN (CAPITAL) LETTER ([A-Z])$")),
    ("negative_squared", re.compile(r"^NEGATIVE SQUARED LATIN (CAPITAL) LETTER ([A-Z])$")),
    ("squared", re.compile(r"^SQUARED LATIN (CAPITAL) LETTER ([A-Z])$")),
    ("regional_indicator", re.compile(r"^REGIONAL INDICATOR SYMBOL (LETTER) ([A-Z])$")),
    ("small_capital", re.compile(r"^LATIN LETTER (SMALL CAPITAL) ([A-Z])$")),
    ("modifier", re.compile(r"^MODIFIER LETTER (SMALL|CAPITAL) ([A-Z])$")),
    ("subscript", re.compile(r"^LATIN SUBSCRIPT (SMALL) LETTER ([A-Z])$")),
]


def _build_styles():
    """style name -> {ascii lower letter: styled char}; capitals preferred where the style has
    only capitals (negative squared, regional indicators), small forms otherwise."""
    small, capital = {}, {}
    for cp in range(0x80, 0x30000):
        name = unicodedata.name(chr(cp), "")
        if not name:
            continue
        m = _MATH.match(name)
        if m:
            style = "math_" + m.group(1).lower().replace(" ", "_").replace("-", "_")
            (small if m.group(2) == "SMALL" else capital).setdefault(style, {})[
                m.group(3).lower()] = chr(cp)
            continue
        for style, rx in _NAMED:
            m = rx.match(name)
            if m:
                kind = m.group(1)
                target = capital if kind == "CAPITAL" else small
                target.setdefault(style, {})[m.group(2).lower()] = chr(cp)
    styles = {}
    for style in sorted(set(small) | set(capital)):
        table = dict(capital.get(style, {}))
        table.update(small.get(style, {}))
        if len(table) >= 12:  # a style that can write most letters
            styles[style] = table
    return styles


def _build_turned():
    """ascii lower letter -> its upside-down form, from TURNED names plus half-turn symmetry."""
    turned = {}
    for cp in range(0x80, 0x30000):
        name = unicodedata.name(chr(cp), "")
        m = re.match(r"^LATIN SMALL LETTER TURNED ([A-Z])$", name)
        if m:
            turned.setdefault(m.group(1).lower(), chr(cp))
    # OPEN O is the usual upside-down c; the rest are letters whose half-turn is a letter.
    extra = {"c": "\u0254", "b": "q", "q": "b", "d": "p", "p": "d", "n": "u", "u": "n",
             "o": "o", "s": "s", "x": "x", "z": "z", "l": "l"}
    for k, v in extra.items():
        turned.setdefault(k, v)
    return turned


STYLES = _build_styles()
TURNED = _build_turned()


def cherokee_like():
    """ascii lower letter -> Cherokee or Canadian-syllabics lookalikes of its capital or small form
    (from the confusables data), the 'fancy text' alphabets of that kind."""
    out = {}
    for letter in ASCII_LETTERS:
        for form in (letter.upper(), letter):
            for ch in lookalikes(form):
                if script_of(ch) in ("CHEROKEE", "CANADIAN"):
                    out.setdefault(letter, []).append(ch)
    return out


CHEROKEE = cherokee_like()


if __name__ == "__main__":
    print("confusable targets:", len(CONFUSABLES), "chars:", sum(map(len, CONFUSABLES.values())))
    print("l:", "".join(CONFUSABLES["l"][:60]))
    for s, t in STYLES.items():
        print(s, len(t), "".join(t.get(c, "_") for c in ASCII_LETTERS))
    print("turned", "".join(TURNED.get(c, "_") for c in ASCII_LETTERS))
    print("cherokee", {k: "".join(v) for k, v in CHEROKEE.items()})
    sys.exit(0)
