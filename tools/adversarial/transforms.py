"""Rewrites of a list entry (and of whole queries) that people use to get past a filter.

Each function takes a random source and text and returns (shape, text) or None when it does not
apply. None of the tables here come from searchward: lookalikes and styles come from Unicode data
(unicode_sources.py), layouts and transliteration from scripts.py, leet from the common leet
alphabet (the digit-for-letter substitutions listed in Wikipedia's "Leet" article).
"""

import unicodedata

import scripts
from unicode_sources import CHEROKEE, CONFUSABLES, STYLES, TURNED, skeleton

SEPARATORS = [" ", "-", "_", ".", "*"]

# Digit (and symbol) readings of letters, the common leet alphabet.
LEET = {"a": "4", "b": "8", "e": "3", "g": "9", "i": "1", "l": "1", "o": "0", "s": "5",
        "t": "7", "z": "2"}


def letters_of(word):
    return sum(c.isalpha() for c in word)


def recase(rng, text, weights=(50, 35, 15)):
    """Lower, Title or UPPER, as typed."""
    how = rng.choices(["lower", "title", "upper"], weights=weights)[0]
    if how == "lower":
        return text.lower()
    if how == "upper":
        return text.upper()
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


# === segmentation ===

def remove_spaces(rng, entry):
    """Removes a non-empty subset of the spaces of a multi-word entry."""
    words = entry.split(" ")
    if len(words) < 2:
        return None
    gaps = len(words) - 1
    while True:
        keep = [rng.random() < 0.5 for _ in range(gaps)]
        if not all(keep):
            break
    out = words[0]
    for w, k in zip(words[1:], keep):
        out += (" " if k else "") + w
    shape = "all_spaces_removed" if not any(keep) else "some_spaces_removed"
    return shape, out


def split_word(rng, entry):
    """Splits one or two words (4+ letters) at one or two interior places with a separator, and
    sometimes joins the remaining words."""
    words = entry.split(" ")
    long_idx = [i for i, w in enumerate(words) if len(w) >= 4]
    if not long_idx:
        return None
    chosen = rng.sample(long_idx, min(len(long_idx), rng.choice([1, 1, 2])))
    kinds = set()
    for i in chosen:
        w = words[i]
        cuts = sorted(rng.sample(range(1, len(w)), min(len(w) - 1, rng.choice([1, 1, 2]))))
        sep = rng.choice(SEPARATORS)
        kinds.add("space" if sep == " " else "punct")
        parts, prev = [], 0
        for c in cuts:
            parts.append(w[prev:c])
            prev = c
        parts.append(w[prev:])
        words[i] = sep.join(parts)
    joined = len(words) > 2 and rng.random() < 0.3
    if joined:
        j = rng.randrange(len(words) - 1)
        words[j:j + 2] = [words[j] + words[j + 1]]
    shape = "split_" + "_".join(sorted(kinds)) + ("_joined" if joined else "")
    return shape, " ".join(words)


# === ambiguous glyphs ===

def _named(ch):
    return unicodedata.name(ch, "")


# Capital-I lookalikes (skeleton 'l'): Greek capital iota, Cyrillic palochka, Cyrillic/Ukrainian I,
# mathematical capital I and iota, Roman numeral one, and the Latin capital I itself.
I_LIKE = ["I"] + [c for c in CONFUSABLES.get("l", [])
                  if any(k in _named(c) for k in ("CAPITAL I", "CAPITAL IOTA", "PALOCHKA",
                                                  "UKRAINIAN I", "ROMAN NUMERAL ONE"))]
BAR_LIKE = ["1", "|", "!"]
PAIRS = [("o", "0", "zero_for_o"), ("m", "rn", "rn_for_m"), ("rn", "m", "m_for_rn"),
         ("w", "vv", "vv_for_w"), ("d", "cl", "cl_for_d")]


def ambiguous(rng, entry):
    options = []
    if "l" in entry:
        options += ["I_for_l", "bar_for_l"]
    if "i" in entry:
        options.append("bar_for_i")
    options += [p[2] for p in PAIRS if p[0] in entry.lower()]
    if not options:
        return None
    shape = rng.choice(options)
    if shape in ("I_for_l", "bar_for_l", "bar_for_i"):
        src = "i" if shape == "bar_for_i" else "l"
        pool = I_LIKE if shape == "I_for_l" else BAR_LIKE
        glyph = rng.choice(pool)
        idx = [i for i, c in enumerate(entry) if c == src]
        pick = set(rng.sample(idx, rng.randint(1, len(idx))))
        return shape, "".join(glyph if i in pick else c for i, c in enumerate(entry))
    src, dst, _ = next(p for p in PAIRS if p[2] == shape)
    out, i, lower = [], 0, entry.lower()
    while i < len(entry):
        if lower.startswith(src, i) and rng.random() < 0.7:
            out.append(dst)
            i += len(src)
        else:
            out.append(entry[i])
            i += 1
    text = "".join(out)
    if text == entry:  # ensure at least one
        k = lower.index(src)
        text = entry[:k] + dst + entry[k + len(src):]
    return shape, text


# === leet as whole digit tokens ===

def leet_tokens(rng, entry):
    """A run of two or more letters of one word becomes a run of digits (`13` for `le`), or a
    whole word is written in leet."""
    words = entry.split(" ")
    runs = []
    for wi, w in enumerate(words):
        i = 0
        while i < len(w):
            j = i
            while j < len(w) and w[j].lower() in LEET:
                j += 1
            if j - i >= 2:
                runs.append((wi, i, j))
            i = j + 1
    if runs and rng.random() < 0.7:
        wi, i, j = rng.choice(runs)
        a = rng.randrange(i, j - 1)
        b = rng.randint(a + 2, j)
        w = words[wi]
        words[wi] = w[:a] + "".join(LEET[c.lower()] for c in w[a:b]) + w[b:]
        return "digit_run", " ".join(words)
    cands = [wi for wi, w in enumerate(words) if sum(c.lower() in LEET for c in w) >= 2]
    if not cands:
        return None
    wi = rng.choice(cands)
    words[wi] = "".join(LEET.get(c.lower(), c) for c in words[wi])
    return "whole_word", " ".join(words)


# === confusables (any script) ===

def confusables(rng, entry):
    """Some or all letters replaced by a random lookalike from the full UTS #39 data."""
    idx = [i for i, c in enumerate(entry) if c.isascii() and c.isalpha()
           and CONFUSABLES.get(skeleton(c))]
    if not idx:
        return None
    share = rng.choice([0.3, 0.6, 1.0])
    pick = set(rng.sample(idx, max(1, round(len(idx) * share))))
    out = []
    for i, c in enumerate(entry):
        if i in pick:
            pool = [g for g in CONFUSABLES[skeleton(c)] if not g.isascii()]
            out.append(rng.choice(pool) if pool else c)
        else:
            out.append(c)
    return ("all_letters" if share == 1.0 else "some_letters"), "".join(out)


# === letter styles ===

STYLE_NAMES = sorted(STYLES) + ["upside_down", "cherokee"]


def style_text(rng, style, text):
    """`text` written in `style`; letters the style lacks stay as they are."""
    if style == "upside_down":
        return "".join(TURNED.get(c.lower(), c) for c in reversed(text))
    if style == "cherokee":
        return "".join(rng.choice(CHEROKEE[c.lower()]) if c.lower() in CHEROKEE else c
                       for c in text)
    table = STYLES[style]
    if style == "regional_indicator":
        sep = rng.choice(["\u200c", " ", "\u200b"])
        gap = "   " if sep == " " else " "
        return gap.join(sep.join(table.get(c.lower(), c) for c in w) for w in text.split(" "))
    return "".join(table.get(c.lower(), c) if c.isascii() else c for c in text)


def letter_style(rng, entry):
    style = rng.choice(STYLE_NAMES)
    return style, style_text(rng, style, entry)


# === keyboard layouts and transliteration (Latin entries) ===

def layout_slip(rng, entry):
    layout = rng.choice(["ru", "ru", "uk", "el"])
    return layout + "_layout", scripts.type_on(layout, entry)


def translit_latin(rng, entry):
    """A Latin entry spelt in Cyrillic (informal or ICU) or Greek (ICU)."""
    kind = rng.choices(["informal", "icu_cyr", "icu_el"], weights=[50, 30, 20])[0]
    if kind == "informal":
        return "lat2cyr_informal", scripts.informal(scripts.INFORMAL_LAT_CYR, entry, rng)
    if kind == "icu_cyr":
        scheme = rng.choice(scripts.LAT_TO_CYR_ICU)
        return "lat2cyr_" + scheme, scripts.icu_translit(scheme, entry.lower())
    scheme = rng.choice(scripts.LAT_TO_EL_ICU)
    return "lat2el_" + scheme, scripts.icu_translit(scheme, entry.lower())


def translit_other(rng, entry, script):
    """A Cyrillic or Greek entry spelt in Latin letters."""
    if script == "greek":
        scheme = rng.choice(scripts.EL_TO_LAT_ICU)
        return "el2lat_" + scheme, scripts.icu_translit(scheme + "; Latin-ASCII", entry)
    if rng.random() < 0.5:
        return "cyr2lat_informal", scripts.informal(scripts.INFORMAL_CYR_LAT, entry, rng)
    scheme = rng.choice(scripts.CYR_TO_LAT_ICU)
    return "cyr2lat_" + scheme, scripts.icu_translit(scheme + "; Latin-ASCII", entry)


def layout_other(rng, entry, script):
    layout = "el" if script == "greek" else rng.choice(["ru", "ru", "uk"])
    if layout == "uk" and any(c in entry.lower() for c in "ыэъё"):
        layout = "ru"
    return ("latin_keys_from_" + layout), scripts.type_latin(layout, entry)


# === typos ===

def typo(rng, entry, min_len=6):
    """One insertion, deletion, substitution or transposition in a word of min_len+ letters."""
    words = entry.split(" ")
    cands = [i for i, w in enumerate(words) if len(w) >= min_len]
    if not cands:
        return None
    wi = rng.choice(cands)
    w = words[wi]
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    if not w.isascii():
        alphabet = "".join(sorted(set(w.lower())))
    kind = rng.choice(["insert", "delete", "substitute", "transpose"])
    p = rng.randrange(1, len(w) - 1)  # keep the first and last letter, as most typos do
    if kind == "insert":
        nw = w[:p] + rng.choice(alphabet) + w[p:]
    elif kind == "delete":
        nw = w[:p] + w[p + 1:]
    elif kind == "substitute":
        nw = w[:p] + rng.choice([c for c in alphabet if c != w[p].lower()]) + w[p + 1:]
    else:
        if w[p] == w[p + 1] if p + 1 < len(w) else True:
            return None
        nw = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    if nw.lower() == w.lower():
        return None
    if w.isupper():
        nw = nw.upper()
    words[wi] = nw
    return kind, " ".join(words)
