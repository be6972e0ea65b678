"""Evasion rows: each class rewrites a list entry the way a person hiding it would, inside a
realistic query in one of several languages."""

import re
import unicodedata

CONTEXTS = {
    "en": ["watch {X} online", "{X} free download", "{X} pics", "where to find {X}", "{X} video",
           "{X}", "{X} full set", "new {X} link", "{X} 2024", "is there more {X}", "{X} leaked",
           "best {X} site", "{X} telegram", "download {X} zip", "{X} photos hd"],
    "fr": ["regarder {X} en ligne", "{X} téléchargement gratuit", "photos {X}", "où trouver {X}",
           "{X} vidéo complète", "lien {X}"],
    "de": ["{X} online ansehen", "{X} kostenlos herunterladen", "{X} bilder", "wo finde ich {X}",
           "{X} video neu", "{X} link gesucht"],
    "es": ["ver {X} en línea", "{X} descarga gratis", "fotos de {X}", "dónde encontrar {X}",
           "{X} vídeo completo", "enlace {X}"],
    "pl": ["{X} oglądaj online", "{X} do pobrania za darmo", "{X} zdjęcia", "gdzie znaleźć {X}",
           "{X} wideo", "link do {X}"],
    "ru": ["смотреть {X} онлайн", "{X} скачать бесплатно", "{X} фото", "где найти {X}",
           "{X} видео", "ссылка на {X}"],
    "ar": ["مشاهدة {X} اون لاين", "تحميل {X} مجانا", "صور {X}", "أين أجد {X}", "فيديو {X}",
           "رابط {X}"],
    "ja": ["{X} 無料 ダウンロード", "{X}の画像", "{X} 動画", "{X}はどこで見つけられる", "{X}を見る",
           "{X} 最新"],
    "zh": ["{X}在线观看", "{X}免费下载", "哪里可以找到{X}", "{X}图片", "{X} 视频"],
    "el": ["{X} δωρεάν λήψη", "φωτογραφίες {X}", "πού θα βρω {X}", "{X} βίντεο"],
}
LATIN_CONTEXT_LANGS = ["en", "en", "en", "fr", "de", "es", "pl", "ru", "ar", "ja"]

LEET = {"a": "4@", "e": "3", "i": "1!|", "l": "1|", "o": "0", "s": "5$", "t": "7", "g": "9",
        "b": "8"}
SEPARATORS = [".", "-", "_", "*", " ", "·"]
INVISIBLE = (["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f",
              "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
              "\u2069"] + [chr(c) for c in range(0xFE00, 0xFE10)]
             + [chr(0xE0100), chr(0xE0101)] + [chr(c) for c in range(0xE0061, 0xE007B)]
             + [chr(0xE0001), chr(0xE007F)])
MATH_STYLES = ["MATHEMATICAL BOLD", "MATHEMATICAL ITALIC", "MATHEMATICAL BOLD ITALIC",
               "MATHEMATICAL SCRIPT", "MATHEMATICAL BOLD SCRIPT", "MATHEMATICAL FRAKTUR",
               "MATHEMATICAL DOUBLE-STRUCK", "MATHEMATICAL BOLD FRAKTUR",
               "MATHEMATICAL SANS-SERIF", "MATHEMATICAL SANS-SERIF BOLD",
               "MATHEMATICAL SANS-SERIF ITALIC", "MATHEMATICAL MONOSPACE", "CIRCLED", "SQUARED"]
SUPERSCRIPT = dict(zip("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))
LIGATURES = {"ff": "ﬀ", "fi": "ﬁ", "fl": "ﬂ", "st": "ﬆ"}
STROKES = {"l": "ł", "o": "ø", "d": "đ", "h": "ħ"}
DIGIT_NAMES = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]


def styled(style, ch):
    """`ch` in a mathematical/enclosed style, or None where Unicode has no such character."""
    if ch.isdigit():
        if style in ("CIRCLED", "SQUARED"):
            return None
        name = f"{style} DIGIT {DIGIT_NAMES[int(ch)]}"
    elif style == "CIRCLED":
        name = f"CIRCLED LATIN {'CAPITAL' if ch.isupper() else 'SMALL'} LETTER {ch.upper()}"
    elif style == "SQUARED":
        name = f"SQUARED LATIN CAPITAL LETTER {ch.upper()}"
    else:
        name = f"{style} {'CAPITAL' if ch.isupper() else 'SMALL'} {ch.upper()}"
    try:
        out = unicodedata.lookup(name)
    except KeyError:
        return None
    assert unicodedata.normalize("NFKC", out).lower() == ch.lower(), (name, out)
    return out


def precomposed_table():
    table = {}
    for cp in range(0xC0, 0x250):
        c = chr(cp)
        d = unicodedata.normalize("NFD", c)
        if len(d) > 1 and d[0].isascii() and d[0].isalpha() and d[0].islower() and c.islower():
            table.setdefault(d[0], []).append(c)
    return table


PRECOMPOSED = precomposed_table()
COMBINING = [chr(c) for c in range(0x300, 0x370) if c != 0x34F]

# === cells ===
# An entry is rewritten as a list of cells, one per original character; each cell holds what is
# shown for it. Spaces between words are cells whose base is " " and are left alone.


def cells_of(entry):
    return [[c, c] for c in entry]


def letters(cells):
    return [i for i, (b, r) in enumerate(cells) if b != " "]


def render(cells):
    return "".join(r for _, r in cells)


def pick(rng, idx, at_least=1, whole=0.4):
    if not idx:
        return []
    if rng.random() < whole:
        return list(idx)
    k = rng.randint(at_least, max(at_least, len(idx)))
    return sorted(rng.sample(idx, min(k, len(idx))))


def t_case(rng, cells, ctx):
    mode = rng.choice(["upper", "upper", "title", "random", "lower"])
    out = [list(c) for c in cells]
    word_start = True
    for c in out:
        if c[0] == " ":
            word_start = True
            continue
        if mode == "upper":
            c[1] = c[1].upper()
        elif mode == "title":
            c[1] = c[1].upper() if word_start else c[1].lower()
        elif mode == "lower":
            c[1] = c[1].lower()
        else:
            c[1] = c[1].upper() if rng.random() < 0.5 else c[1].lower()
        word_start = False
    ctx["upper"] = mode == "upper"
    return out


def t_fullwidth(rng, cells, ctx):
    out = [list(c) for c in cells]
    joined = "".join(b for b, _ in cells).lower()
    if rng.random() < 0.15 and any(k in joined for k in LIGATURES):
        for i in range(len(out) - 1):
            pair = (out[i][1] + out[i + 1][1]).lower()
            if pair in LIGATURES and out[i][0] != " " and out[i + 1][0] != " ":
                out[i][1], out[i + 1][1] = LIGATURES[pair], ""
                return out
    if rng.random() < 0.15 and all(r.lower() in SUPERSCRIPT or b == " " for b, r in out):
        for c in out:
            if c[0] != " ":
                c[1] = SUPERSCRIPT[c[1].lower()]
        return out
    for i in pick(rng, [i for i in letters(out) if out[i][1].isascii() and out[i][1].isprintable()],
                  whole=0.7):
        out[i][1] = chr(ord(out[i][1]) + 0xFEE0)
    return out


def t_precomposed(rng, cells, ctx):
    out = [list(c) for c in cells]
    idx = [i for i in letters(out) if out[i][1].lower() in PRECOMPOSED]
    for i in pick(rng, idx, whole=0.3):
        low = out[i][1].lower()
        if low in STROKES and rng.random() < 0.2:
            ch = STROKES[low]
        else:
            ch = rng.choice(PRECOMPOSED[low])
        out[i][1] = ch.upper() if out[i][1].isupper() else ch
    return out


def t_combining(rng, cells, ctx):
    out = [list(c) for c in cells]
    for i in pick(rng, letters(out), whole=0.3):
        out[i][1] += "".join(rng.choice(COMBINING) for _ in range(rng.choice([1, 1, 1, 2, 3])))
    return out


def t_homoglyph(rng, cells, ctx, tables=None):
    lower, upper = tables
    out = [list(c) for c in cells]
    if not ctx.get("upper") and rng.random() < 0.2:
        for c in out:
            c[1] = c[1].upper()
        ctx["upper"] = True
    idx = [i for i in letters(out) if out[i][1] in lower or out[i][1] in upper]
    for i in pick(rng, idx, whole=0.3):
        table = upper if out[i][1] in upper else lower
        out[i][1] = rng.choice(table[out[i][1]])
    return out


def t_math(rng, cells, ctx):
    style = rng.choice(MATH_STYLES)
    ctx["math_style"] = style
    out = [list(c) for c in cells]
    for i in letters(out):
        s = styled(style, out[i][1]) if out[i][1].isascii() and out[i][1].isalnum() else None
        if s:
            out[i][1] = s
    return out


def t_leet(rng, cells, ctx):
    out = [list(c) for c in cells]
    idx = [i for i in letters(out) if out[i][1].lower() in LEET]
    for i in pick(rng, idx, whole=0.5):
        out[i][1] = rng.choice(LEET[out[i][1].lower()])
    return out


def t_repeats(rng, cells, ctx):
    out = [list(c) for c in cells]
    idx = letters(out)
    for i in rng.sample(idx, min(len(idx), rng.choice([1, 1, 2, 3]))):
        out[i][1] = out[i][1] * rng.randint(2, 5)
    return out


def t_separators(rng, cells, ctx):
    sep = rng.choice(SEPARATORS)
    word_gap = rng.choice([" ", sep, sep * 2]) if sep != " " else rng.choice([" ", "   "])
    out = []
    for n, c in enumerate(cells):
        if c[0] == " ":
            out.append([" ", word_gap])
            continue
        nxt = cells[n + 1][0] if n + 1 < len(cells) else None
        tail = sep if nxt not in (None, " ") else ""
        out.append([c[0], c[1] + tail])
    if sep != " " and rng.random() < 0.25:
        out[-1][1] += sep
    return out


def t_zero_width(rng, cells, ctx):
    out = [list(c) for c in cells]
    idx = letters(out)[:-1] or letters(out)
    for i in rng.sample(idx, min(len(idx), rng.choice([1, 1, 2, 3, 4]))):
        out[i][1] += rng.choice(INVISIBLE)
    return out


TRANSFORMS = {
    "case": t_case, "leet": t_leet, "homoglyph": t_homoglyph,
    "diacritics_precomposed": t_precomposed, "fullwidth": t_fullwidth, "math_alnum": t_math,
    "diacritics_combining": t_combining, "repeats": t_repeats, "separators": t_separators,
    "zero_width": t_zero_width,
}
ORDER = list(TRANSFORMS)


def apply(rng, entry, names, tables):
    """Applies the named transforms in canonical order; None when one of them changed nothing."""
    cells, ctx = cells_of(entry), {}
    for name in sorted(names, key=ORDER.index):
        before = render(cells)
        fn = TRANSFORMS[name]
        cells = fn(rng, cells, ctx, tables) if name == "homoglyph" else fn(rng, cells, ctx)
        if render(cells) == before:
            return None
    return render(cells)


def typo(rng, entry):
    words = entry.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 7 and w.isascii()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i].lower()
    cap = words[i][0].isupper()
    kind = rng.choice(["insertion", "deletion", "substitution", "transposition"])
    p = rng.randrange(len(w))
    abc = "abcdefghijklmnopqrstuvwxyz"
    if kind == "insertion":
        new = w[:p] + rng.choice(abc) + w[p:]
    elif kind == "deletion":
        new = w[:p] + w[p + 1:]
    elif kind == "substitution":
        new = w[:p] + rng.choice(abc.replace(w[p], "")) + w[p + 1:]
    else:
        p = min(p, len(w) - 2)
        new = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    if new == w:
        return None
    words[i] = new.capitalize() if cap else new
    return " ".join(words)


def in_context(rng, x, langs=LATIN_CONTEXT_LANGS):
    lang = rng.choice(langs)
    return rng.choice(CONTEXTS[lang]).replace("{X}", x), lang


def style_whole(rng, query, cls):
    """Font-generator sites restyle a whole query, not just the hidden word."""
    if cls == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in query)
    style = rng.choice(MATH_STYLES)
    return "".join((styled(style, c) or c) if c.isascii() and c.isalnum() else c for c in query)


def evasion_rows(rng, terms, term_line, victims, victim_line, tables):
    is_other = re.compile(r"[^\x00-\x7f]")
    latin_terms = [t for t in terms if not is_other.search(t)]
    other_terms = [t for t in terms if is_other.search(t)]
    multi = [t for t in latin_terms if " " in t]

    def ref(entry):
        return f"terms:{term_line[entry]}" if entry in term_line else f"victims:{victim_line[entry]}"

    def entry_pick():
        return rng.choice(latin_terms) if rng.random() < 0.7 else rng.choice(victims)

    rows = []
    single = ["case", "fullwidth", "diacritics_precomposed", "diacritics_combining", "homoglyph",
              "math_alnum", "leet", "separators", "zero_width", "repeats"]
    for cls in single:
        seen = set()
        while len([r for r in rows if r[0] == cls]) < 200:
            e = entry_pick()
            if cls == "case" and rng.random() < 0.3:
                q, lang = in_context(rng, e)
                q = q.upper()
            else:
                x = apply(rng, e, [cls], tables)
                if x is None:
                    continue
                q, lang = in_context(rng, x)
                if cls in ("fullwidth", "math_alnum") and lang == "en" and rng.random() < 0.3:
                    q = style_whole(rng, q, cls)
            if q not in seen:
                seen.add(q)
                rows.append((cls, q, ref(e)))
    # joined: the words of a multi-word entry run together.
    seen = set()
    while len([r for r in rows if r[0] == "joined"]) < 200:
        e = rng.choice(multi)
        words = e.split(" ")
        x = rng.choice(["".join(words), "".join(w.capitalize() for w in words),
                        "".join(words).upper(), "".join(words)])
        q, _ = in_context(rng, x)
        if q not in seen:
            seen.add(q)
            rows.append(("joined", q, ref(e)))
    # name_order: surname first, or first name and surname run together.
    seen = set()
    while len([r for r in rows if r[0] == "name_order"]) < 200:
        v = rng.choice(victims)
        first, last = v.split(" ")
        x = rng.choice([f"{last} {first}", f"{last}, {first}", f"{first}{last}",
                        f"{first}{last}".lower(), f"{last} {first}".lower(), f"{last.upper()} {first}"])
        q, _ = in_context(rng, x)
        if q not in seen:
            seen.add(q)
            rows.append(("name_order", q, ref(v)))
    # combos: two or three of the single-class rewrites at once.
    for cls, k in (("combo2", 2), ("combo3", 3)):
        seen = set()
        while len([r for r in rows if r[0] == cls]) < 300:
            e = entry_pick()
            names = rng.sample(single, k)
            if "fullwidth" in names and "math_alnum" in names:
                continue
            x = apply(rng, e, names, tables)
            if x is None:
                continue
            q, _ = in_context(rng, x)
            if q not in seen:
                seen.add(q)
                rows.append((cls, q, ref(e)))
    # typo: one edit in a word of 7+ letters.
    seen = set()
    while len([r for r in rows if r[0] == "typo"]) < 300:
        e = entry_pick()
        x = typo(rng, e)
        if x is None:
            continue
        q, _ = in_context(rng, x)
        if q not in seen:
            seen.add(q)
            rows.append(("typo", q, ref(e)))
    # other_script: entries written in other scripts match themselves in their own languages.
    native = {"cyrillic": ["ru", "ru", "en"], "greek": ["el", "el", "en"], "arabic": ["ar", "ar", "en"],
              "han": ["zh", "zh", "ja"], "kana": ["ja", "ja", "en"]}
    seen = set()
    for e in other_terms:
        script = ("cyrillic" if re.search("[\u0400-\u04ff]", e) else
                  "greek" if re.search("[\u0370-\u03ff]", e) else
                  "arabic" if re.search("[\u0600-\u06ff]", e) else
                  "kana" if re.search("[\u30a0-\u30ff]", e) else "han")
        n = 0
        while n < 9:
            x = e.upper() if script in ("cyrillic", "greek") and rng.random() < 0.25 else e
            q, _ = in_context(rng, x, native[script])
            if q not in seen:
                seen.add(q)
                rows.append(("other_script", q, ref(e)))
                n += 1
    return rows
