"""Synthetic list entries written for this corpus: pronounceable nonsense terms (Latin, Cyrillic,
Greek), short 3-4 letter terms, and fabricated person names (common given names, invented
surnames). Nothing here is a real term or a real person.

Every nonsense token is absent from the English, Russian, Ukrainian and Greek word lists, and a
token of 5+ letters is more than one edit from every English word (so a typo of it is not an
ordinary word) and from every other nonsense token.
"""

from wordlists import excluded, word_set

_ONSETS = ["b", "bl", "br", "d", "dr", "f", "fl", "fr", "g", "gl", "gr", "k", "kl", "kr", "l",
           "m", "n", "p", "pl", "pr", "r", "s", "sk", "sl", "sn", "sp", "st", "t", "tr", "v",
           "vr", "z", "zv", "ch", "sh", "th", "j", "h", "w", "y", "x", "q", "c", "dw", "gw", "tw"]
_NUCLEI = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "u", "ai", "ou", "ee", "oa", "y", "ei",
           "au", "ie"]
_CODAS = ["", "", "", "n", "r", "l", "s", "k", "x", "m", "th", "nd", "rk", "st", "lt", "v", "z",
          "sh", "ck", "ng", "ff"]

_CYR_ONSETS = ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х",
               "ц", "ч", "ш", "бр", "гл", "др", "кр", "пл", "ст", "тр", "зв", "шк"]
_CYR_NUCLEI = ["а", "е", "и", "о", "у", "ы", "я", "ю", "а", "о", "е"]
_CYR_CODAS = ["", "", "н", "р", "л", "с", "к", "м", "й", "ст", "рк", "нь", "ль"]

_EL_ONSETS = ["β", "γ", "δ", "ζ", "θ", "κ", "λ", "μ", "ν", "ξ", "π", "ρ", "σ", "τ", "φ", "χ",
              "ψ", "γλ", "δρ", "κρ", "πλ", "στ", "τρ", "σκ"]
_EL_NUCLEI = ["α", "ε", "ι", "ο", "υ", "η", "ω", "ου", "αι", "ει"]
_EL_CODAS = ["", "", "ν", "ρ", "λ", "σ", "ξ", "κ", "ψ"]

# Common given names of many countries (given names alone identify no one).
GIVEN = """Aaron Abel Ada Adele Adrian Agnes Aidan Aisha Alba Alexei Alice Amara Amir Anders Andrea
Anika Anton Aria Arjun Astrid Aurora Axel Beatriz Ben Bianca Boris Bruno Camila Carlos Carmen
Cecilia Chiara Chloe Daniel Darya Diego Dmitri Elena Elias Elif Elin Emil Emilia Erik Esther Felix
Fatima Filip Freya Gabriel Greta Hana Hugo Ilse Ines Irina Isaac Isabel Ivo Jakob Jana Javier
Jonah Josef Julia Kai Karin Katya Kofi Lara Laura Lena Leon Liam Lina Lotte Luca Lukas Maja
Malik Marek Marta Mateo Max Mila Milan Mira Nadia Naomi Nikolai Nina Noah Oskar Paula Petra
Rafael Rosa Ruben Sara Selma Simon Sina Stefan Tara Theo Tilda Timo Vera Viktor Yara Yusuf Zara
Zofia""".split()

_SURNAME_ENDINGS = ["ovich", "ander", "ewski", "ström", "ello", "ard", "son", "ley", "ino",
                    "akis", "escu", "ova", "berg", "elt", "ani", "oux", "quist", "ura"]

GIVEN_CYR = """Анна Борис Вера Глеб Дарья Егор Жанна Зоя Игорь Кира Лев Мирон Нина Олег Полина
Роман Соня Тимур Ульяна Фёдор""".split()
_SURNAME_ENDINGS_CYR = ["ов", "ова", "ин", "ина", "ский", "ская", "енко", "ук"]


def _syllables(rng, onsets, nuclei, codas, n):
    return "".join(rng.choice(onsets) + rng.choice(nuclei) + rng.choice(codas) for _ in range(n))


def _deletions(word):
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Vocabulary:
    """Keeps every generated token distinct from real words and from each other."""

    def __init__(self):
        self.real = word_set("en") | word_set("ru") | word_set("uk") | word_set("el")
        self.near_en = set()
        for w in word_set("en"):
            if len(w) >= 4:
                self.near_en.add(w)
                self.near_en |= _deletions(w)
        self.tokens = set()
        self.near_tokens = set()

    def accept(self, token, min_len=5):
        t = token.lower()
        if t in self.real or t in self.tokens or len(t) < 3:
            return False
        if len(t) >= min_len:
            keys = _deletions(t) | {t}
            if keys & self.near_en or keys & self.near_tokens:
                return False
        self.tokens.add(t)
        if len(t) >= min_len:
            self.near_tokens |= _deletions(t) | {t}
        return True


# Substrings a generated token must not contain: common obscenities and words of the subject
# matter in English, Russian and Greek, so no placeholder reads as a real term.
_BANNED = ("fuck", "shit", "cunt", "cock", "dick", "porn", "sex", "rape", "nud", "teen", "kid",
           "lol", "ped", "anal", "cum", "tit", "slut", "whor", "nig", "fag", "boob", "puss",
           "xxx", "yiff", "fap", "jizz", "milf", "shota", "incest", "smut", "child", "girl", "boy", "baby", "pth", "cp", "hot", "ass", "fuk", "sux",
           "хуй", "хуе", "хуя", "хую", "пизд", "еба", "ёб", "бля", "сук", "жоп", "муд", "дроч",
           "пид", "сра", "член", "хер", "секс", "порн", "дет", "мал",
           "πουτ", "γαμ", "μαλακ", "σεξ", "πορν", "παιδ", "κωλ")


def clean(token):
    t = token.lower()
    return not any(b in t for b in _BANNED) and not excluded(t)


def _word(rng, vocab, onsets, nuclei, codas, lo, hi, min_len=5, max_len=12):
    while True:
        w = _syllables(rng, onsets, nuclei, codas, rng.randint(lo, hi))
        if w.endswith("σ"):
            w = w[:-1] + "ς"
        if min_len <= len(w) <= max_len and clean(w) and vocab.accept(w):
            return w


def latin_word(rng, vocab, min_len=5, max_len=12):
    return _word(rng, vocab, _ONSETS, _NUCLEI, _CODAS, 2, 4, min_len, max_len)


def short_term(rng, vocab, avoid):
    """A 3-4 letter pronounceable non-word; many occur inside ordinary English words."""
    while True:
        w = rng.choice(_ONSETS[:30]) + rng.choice("aeiou") + rng.choice(["", "n", "r", "l", "x",
                                                                           "k", "m", "st", "v"])
        if 3 <= len(w) <= 4 and w not in avoid and clean(w) and vocab.accept(w):
            return w


def lookalike_shorts(rng, vocab, avoid, count):
    """Short Latin terms that an all-Cyrillic real Russian word looks exactly like (its UTS #39
    skeleton): `kot` for `кот`. They make the false-positive trap of folding a whole Cyrillic
    word to Latin measurable; the Russian words are used by benign.py."""
    from unicode_sources import skeleton
    from wordlists import words
    cands = []
    for w in words("ru"):
        if 3 <= len(w) <= 4 and all(c in "авекмнорстух" for c in w) and clean(w):
            sk = skeleton(w).lower()
            if sk.isascii() and sk.isalpha() and sk not in avoid:
                cands.append(sk)
    out = []
    for sk in rng.sample(sorted(set(cands)), len(set(cands))):
        if len(out) == count:
            break
        if clean(sk) and vocab.accept(sk):
            out.append(sk)
    return out


def make_terms(rng, vocab, avoid):
    """(entry, script) list: 420 Latin phrases of 1-4 words, 60 short (10 of them lookalikes of
    Russian words), 60 Cyrillic, 40 Greek."""
    out = [(w, "short") for w in lookalike_shorts(rng, vocab, avoid, 10)]
    for _ in range(420):
        n = rng.choices([1, 2, 3, 4], weights=[45, 30, 15, 10])[0]
        out.append((" ".join(latin_word(rng, vocab) for _ in range(n)), "latin"))
    for _ in range(50):
        out.append((short_term(rng, vocab, avoid), "short"))
    for _ in range(60):
        n = rng.choices([1, 2], weights=[75, 25])[0]
        out.append((" ".join(_word(rng, vocab, _CYR_ONSETS, _CYR_NUCLEI, _CYR_CODAS, 2, 4)
                             for _ in range(n)), "cyrillic"))
    for _ in range(40):
        out.append((_word(rng, vocab, _EL_ONSETS, _EL_NUCLEI, _EL_CODAS, 2, 4), "greek"))
    rng.shuffle(out)
    return out


def surname(rng, vocab):
    while True:
        stem = _syllables(rng, _ONSETS, _NUCLEI, _CODAS, rng.randint(1, 2))
        w = (stem + rng.choice(_SURNAME_ENDINGS)).capitalize()
        if 6 <= len(w) <= 13 and clean(w) and vocab.accept(w):
            return w


def surname_cyr(rng, vocab):
    while True:
        stem = _syllables(rng, _CYR_ONSETS, _CYR_NUCLEI, [""], rng.randint(1, 2))
        w = (stem + rng.choice(_SURNAME_ENDINGS_CYR)).capitalize()
        if 6 <= len(w) <= 13 and clean(w) and vocab.accept(w):
            return w


def make_victims(rng, vocab):
    """(name, script) list: 150 First Last, 70 First Middle Last, 20 Cyrillic First Last."""
    out = []
    for _ in range(150):
        out.append((f"{rng.choice(GIVEN)} {surname(rng, vocab)}", "latin"))
    for _ in range(70):
        first, middle = rng.sample(GIVEN, 2)
        out.append((f"{first} {middle} {surname(rng, vocab)}", "latin"))
    for _ in range(20):
        out.append((f"{rng.choice(GIVEN_CYR)} {surname_cyr(rng, vocab)}", "cyrillic"))
    rng.shuffle(out)
    return out
