"""Keyboard layouts and transliteration schemes between Latin, Cyrillic and Greek.

Layouts are written from the standard national layouts as Windows ships them and as the
standards define them (Microsoft's keyboard layout reference, "Windows keyboard layouts":
Russian = KBDRU, the GOST 6431-86 ЙЦУКЕН arrangement; Ukrainian (Enhanced) = KBDUR1, DSTU 4127;
Greek = KBDHE, ELOT 1000 letter positions), key by key on the US-QWERTY key the letter sits on.
Only letters and the punctuation keys that carry letters are mapped; dead keys are left out.

Transliteration uses ICU's transforms (python3-icu; rules from CLDR, Unicode License v3):
Latin-Cyrillic, ru_Latn-ru/BGN, Latin-Greek, Latin-Greek/UNGEGN one way; Cyrillic-Latin (ISO 9),
Russian-Latin/BGN, Ukrainian-Latin/BGN, Greek-Latin, Greek-Latin/UNGEGN, el-el_Latn/BGN the other.
Two informal schemes are added, as people write English-like words in Russian letters and
Russian words in Latin letters without a standard (see INFORMAL_LAT_CYR, INFORMAL_CYR_LAT).
"""

import icu

_QWERTY = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./"
_QWERTY_SHIFT = "~QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>?"

# Row by row, the letter on each QWERTY key above (same order).
_RU = "ёйцукенгшщзхъфывапролджэячсмитьбю."
_RU_SHIFT = "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,"
_UK = "'йцукенгшщзхїфівапролджєячсмитьбю."
_UK_SHIFT = "₴ЙЦУКЕНГШЩЗХЇФІВАПРОЛДЖЄЯЧСМИТЬБЮ,"
# Greek: q is ';' (':' shifted), w is final sigma, ';' is the dead accent key (left as '΄').


def _layout(plain, shifted):
    assert len(plain) == len(_QWERTY) and len(shifted) == len(_QWERTY_SHIFT), (plain, shifted)
    table = dict(zip(_QWERTY, plain))
    table.update(zip(_QWERTY_SHIFT, shifted))
    return table


_EL = "`" + ";ςερτυθιοπ[]" + "ασδφγηξκλ΄'" + "ζχψωβνμ,./"
_EL_SHIFT = "~" + ":΅ΕΡΤΥΘΙΟΠ{}" + "ΑΣΔΦΓΗΞΚΛ¨\"" + "ΖΧΨΩΒΝΜ<>?"

LAYOUTS = {
    "ru": _layout(_RU, _RU_SHIFT),
    "uk": _layout(_UK, _UK_SHIFT),
    "el": _layout(_EL, _EL_SHIFT),
}
# Reverse maps: a Cyrillic/Greek letter -> the Latin key it sits on (a Cyrillic entry typed with
# the Latin layout still active).
REVERSE = {name: {v: k for k, v in t.items() if not v.isascii()} for name, t in LAYOUTS.items()}
# Greek final sigma and sigma sit on different keys; both decode.
REVERSE["el"].setdefault("σ", "s")


def type_on(layout, text):
    """`text` typed with `layout` active: each QWERTY key gives that layout's character."""
    table = LAYOUTS[layout]
    return "".join(table.get(c, c) for c in text)


def type_latin(layout, text):
    """Cyrillic or Greek `text` typed with the Latin layout active."""
    table = REVERSE[layout]
    out = []
    for c in text:
        if c in table:
            out.append(table[c])
        elif c.lower() in table:
            out.append(table[c.lower()].upper())
        else:
            out.append(c)
    return "".join(out)


_ICU = {}


def icu_translit(scheme, text):
    if scheme not in _ICU:
        _ICU[scheme] = icu.Transliterator.createInstance(scheme)
    return _ICU[scheme].transliterate(text)


LAT_TO_CYR_ICU = ["Latin-Cyrillic", "ru_Latn-ru/BGN"]
LAT_TO_EL_ICU = ["Latin-Greek", "Latin-Greek/UNGEGN"]
CYR_TO_LAT_ICU = ["Cyrillic-Latin", "Russian-Latin/BGN", "Ukrainian-Latin/BGN"]
EL_TO_LAT_ICU = ["Greek-Latin", "Greek-Latin/UNGEGN", "el-el_Latn/BGN"]

# Informal English-to-Russian letter spelling (how a Russian speaker writes a foreign word by ear):
# longest match first, each key a list of readings.
INFORMAL_LAT_CYR = {
    "shch": ["щ"], "sch": ["ш", "щ"], "tch": ["ч"],
    "sh": ["ш"], "ch": ["ч"], "zh": ["ж"], "kh": ["х"], "ph": ["ф"], "th": ["т", "с", "з"],
    "ts": ["ц"], "tz": ["ц"], "ya": ["я"], "yu": ["ю"], "yo": ["ё", "йо"], "ye": ["е", "йе"],
    "qu": ["кв"], "ck": ["к"], "oo": ["у"], "ee": ["и"], "ou": ["у", "оу"], "ai": ["ай", "эй"],
    "ei": ["ей", "эй"], "oy": ["ой"], "ay": ["ай", "эй"],
    "a": ["а"], "b": ["б"], "c": ["к", "ц", "с"], "d": ["д"], "e": ["е", "э"], "f": ["ф"],
    "g": ["г", "дж"], "h": ["х", "г"], "i": ["и", "ай"], "j": ["дж", "й", "ж"], "k": ["к"],
    "l": ["л", "ль"], "m": ["м"], "n": ["н"], "o": ["о"], "p": ["п"], "q": ["к"], "r": ["р"],
    "s": ["с"], "t": ["т"], "u": ["у", "а", "ю"], "v": ["в"], "w": ["в", "у"], "x": ["кс"],
    "y": ["и", "ы", "й"], "z": ["з"],
}

# Informal Russian-in-Latin ("translit" as typed in chats), several readings per letter.
INFORMAL_CYR_LAT = {
    "а": ["a"], "б": ["b"], "в": ["v", "w"], "г": ["g"], "д": ["d"], "е": ["e", "ye"],
    "ё": ["yo", "e", "jo"], "ж": ["zh", "j", "g"], "з": ["z"], "и": ["i"], "й": ["y", "j", "i"],
    "к": ["k", "c"], "л": ["l"], "м": ["m"], "н": ["n"], "о": ["o"], "п": ["p"], "р": ["r"],
    "с": ["s"], "т": ["t"], "у": ["u", "ou"], "ф": ["f", "ph"], "х": ["h", "kh", "x"],
    "ц": ["ts", "c", "tz"], "ч": ["ch", "4"], "ш": ["sh", "w"], "щ": ["sch", "shch"],
    "ъ": ["", "'"], "ы": ["y", "i"], "ь": ["", "'"], "э": ["e"], "ю": ["yu", "ju", "iu"],
    "я": ["ya", "ja", "ia"], "і": ["i"], "ї": ["yi", "i"], "є": ["ye", "e"], "ґ": ["g"],
}


def informal(table, text, rng):
    """`text` spelt with `table`, longest key first, a random reading each time; case kept on the
    first letter of each replaced chunk."""
    keys = sorted(table, key=len, reverse=True)
    out, i = [], 0
    lower = text.lower()
    while i < len(text):
        for k in keys:
            if lower.startswith(k, i):
                rep = rng.choice(table[k])
                if text[i].isupper() and rep:
                    rep = rep[0].upper() + rep[1:]
                out.append(rep)
                i += len(k)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


if __name__ == "__main__":
    import random
    r = random.Random(1)
    for w in ["zorvexil quandrith", "Marco Juwiktia", "shchoyax"]:
        print(w, type_on("ru", w), type_on("uk", w), type_on("el", w),
              [icu_translit(s, w) for s in LAT_TO_CYR_ICU + LAT_TO_EL_ICU],
              informal(INFORMAL_LAT_CYR, w, r))
    for w in ["зорвекил", "Жучемарь щёлк"]:
        print(w, type_latin("ru", w), [icu_translit(s, w) for s in CYR_TO_LAT_ICU],
              informal(INFORMAL_CYR_LAT, w, r))
    for w in ["ζορβεξιλ"]:
        print(w, type_latin("el", w), [icu_translit(s, w) for s in EL_TO_LAT_ICU])
