"""Real-word lists read from Debian packages (installed by tools/adversarial/setup.sh):
wamerican (/usr/share/dict/american-english), wukrainian (/usr/share/dict/ukrainian),
hunspell-ru (/usr/share/hunspell/ru_RU.dic, UTF-8) and hunspell-el (el_GR.dic, ISO-8859-7).
Hunspell .dic lines are `stem/FLAGS`; only the stems are used (no affix expansion).
"""

import functools
import re

_SOURCES = {
    "en": ("/usr/share/dict/american-english", "utf-8", re.compile(r"^[a-z]{2,12}$")),
    "uk": ("/usr/share/dict/ukrainian", "utf-8", re.compile(r"^[а-щьюяґєії']{2,14}$")),
    "ru": ("/usr/share/hunspell/ru_RU.dic", "utf-8", re.compile(r"^[а-яё]{2,14}$")),
    "el": ("/usr/share/hunspell/el_GR.dic", "iso-8859-7", re.compile(r"^[α-ωάέήίόύώϊϋΐΰ]{2,14}$")),
}


@functools.lru_cache(maxsize=None)
def words(lang):
    """Sorted unique lower-case words of `lang` that are plain letters only."""
    path, enc, rx = _SOURCES[lang]
    out = set()
    with open(path, encoding=enc, errors="replace") as f:
        for i, line in enumerate(f):
            if lang in ("ru", "el") and i == 0 and line.strip().isdigit():
                continue
            w = line.strip().split("/")[0]
            if rx.match(w):
                out.add(w)
    return sorted(out)


@functools.lru_cache(maxsize=None)
def word_set(lang):
    return frozenset(words(lang))


def all_words():
    return word_set("en") | word_set("ru") | word_set("uk") | word_set("el")


if __name__ == "__main__":
    for lang in _SOURCES:
        w = words(lang)
        print(lang, len(w), w[:3], w[len(w) // 2: len(w) // 2 + 3])
