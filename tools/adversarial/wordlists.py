"""Real-word lists read from Debian packages (installed by tools/adversarial/setup.sh):
wamerican (/usr/share/dict/american-english), wukrainian (/usr/share/dict/ukrainian),
hunspell-ru (/usr/share/hunspell/ru_RU.dic, UTF-8) and hunspell-el (el_GR.dic, ISO-8859-7).
Hunspell .dic lines are `stem/FLAGS`; only the stems are used (no affix expansion).
"""

import functools
import hashlib
import re

_SOURCES = {
    "en": ("/usr/share/dict/american-english", "utf-8", re.compile(r"^[a-z]{2,12}$")),
    "uk": ("/usr/share/dict/ukrainian", "utf-8", re.compile(r"^[а-щьюяґєії']{2,14}$")),
    "ru": ("/usr/share/hunspell/ru_RU.dic", "utf-8", re.compile(r"^[а-яё]{2,14}$")),
    "el": ("/usr/share/hunspell/el_GR.dic", "iso-8859-7", re.compile(r"^[α-ωάέήίόύώϊϋΐΰ]{2,14}$")),
}

# Slurs and insults in the English word list, left out of benign queries. Kept as truncated
# SHA-256 digests so the repository does not spell them out.
_EXCLUDED = {
    "08a841e996781e9e", "0ce875d620076b53", "0f28c4960d96647e", "11cf8376a1575fdc",
    "120f6e5b4ea32f65", "158869a97379229b", "17bde8b4064612e2", "1e02eec4f1095143",
    "22f3ae2927952fc2", "2582739e6bb4b910", "267463e5e36cd787", "45cd3e1bb472d8e2",
    "517ae3f73216da64", "566f532d486c9477", "5a9d9dcefb56e593", "5b3ae48be122f7ed",
    "701033ae26411908", "7991d51fe699b9e7", "7c28a8e09b8f0733", "7dc7079a7ceee46e",
    "8171c4ecae07283c", "82159dd02870c13e", "886d51e97ad7931d", "8f5083e3e5c7dc89",
    "92a9bf818e7e0002", "937d56e49744d206", "9915ba2d822280f2", "9ae315a94e428a7e",
    "ad412adb493df95a", "ad6cacf3af98d07b", "bb87adf8aa783887", "bd331fb1d24298f5",
    "c1cabb6f6e431f9c", "c2c3b68b48832afd", "cc02032349c833ac", "d27b115fc1ea6db0",
    "d75a838dc758ba17", "daec0c235d3135fc", "e512a05583448f44", "e7b98c6aa5b944e0",
    "eda887476f1dffc9", "eef3bd091670c344", "f9d0d9b18ae9033a",
}


def excluded(word):
    return hashlib.sha256(word.encode()).hexdigest()[:16] in _EXCLUDED


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
            if rx.match(w) and not excluded(w):
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
