"""The reference model: what it is *possible* to catch, and a plain matcher for benign queries.

It is not a matcher to compete with searchward; it only decides which generated rows are fair:

- A positive row is kept when its disguise can in principle be undone to one entry. Rows are
  dropped (and counted) when the disguise destroys the entry:
  * a short entry (4 letters or fewer) run into a neighbouring word, or split by a space into
    pieces (`zo rb`): either is indistinguishable from ordinary words that contain those letters;
  * a short entry whose layout-slipped, transliterated or typo'd form is a real word of English,
    Russian, Ukrainian or Greek (the reading is a real word, not a disguise);
  * a typo that gives a real word, or a typo in a word under 6 letters (no generator makes those);
  * a transliteration whose back-reading (ICU Any-Latin; Latin-ASCII) is more than a quarter of
    its letters away from the entry's, after the sound classes people conflate are merged
    (`loose`): the spelling lost too much to point at one entry;
  * a whole word of 4 letters or fewer turned entirely into digits.
- Tokens are runs of letters and digits; every other character (`_` too) separates them.
- A benign query is kept only when `contains_entry` finds no entry in it: its tokens (NFKC, case
  folded, marks removed) do not contain an entry's tokens in a row, its letters with separators
  removed do not contain an entry of 6+ letters, and the same holds for the UTS #39 skeletons of
  both sides for entries of 5+ letters. A short entry's skeleton is not looked for: a real
  Cyrillic word that looks like a short Latin entry (`кот`, `kot`) is benign, and is the
  false-positive trap of benign source `cyrillic_lookalike_words`.
"""

import re
import unicodedata

from scripts import icu_translit
from unicode_sources import skeleton
from wordlists import all_words

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def plain_fold(text):
    t = unicodedata.normalize("NFKC", text)
    t = "".join(c for c in t if unicodedata.category(c) != "Cf")
    t = unicodedata.normalize("NFD", t.casefold())
    return "".join(c for c in t if not unicodedata.combining(c))


def tokens(text):
    return _TOKEN.findall(plain_fold(text))


def letters(text):
    return "".join(c for c in plain_fold(text) if c.isalnum())


def short(entry):
    return sum(c.isalpha() for c in entry) <= 4


class Entries:
    """The lists, prepared for the plain containment check."""

    def __init__(self, entries):
        self.entries = entries
        self.by_first = {}
        self.skel_first = {}
        self.joined = []
        self.skel_joined = []
        for e in entries:
            toks = tuple(tokens(e))
            self.by_first.setdefault(toks[0], []).append(toks)
            j = "".join(toks)
            if len(j) >= 5:
                sk = tuple(skeleton(t).lower() for t in toks)
                self.skel_first.setdefault(sk[0], []).append(sk)
            if len(j) >= 6:
                self.joined.append(j)
            if len(j) >= 5:
                self.skel_joined.append(skeleton(j).lower())

    def contains_entry(self, query):
        toks = tokens(query)
        if _contains_seq(toks, self.by_first):
            return True
        flat = "".join(toks)
        if any(j in flat for j in self.joined):
            return True
        sk_toks = [skeleton(t).lower() for t in toks]
        if _contains_seq(sk_toks, self.skel_first):
            return True
        sk = "".join(sk_toks)
        return any(j in sk for j in self.skel_joined)


def _contains_seq(toks, by_first):
    for i, t in enumerate(toks):
        for cand in by_first.get(t, ()):
            if tuple(toks[i:i + len(cand)]) == cand:
                return True
    return False


_REAL = None


def is_real_word(text):
    global _REAL
    if _REAL is None:
        _REAL = all_words()
    return any(t in _REAL for t in tokens(text))


_LOOSE = [("shch", "s"), ("sch", "s"), ("tch", "c"), ("dzh", "j"), ("sh", "s"), ("zh", "j"),
          ("ch", "c"), ("ts", "c"), ("tz", "c"), ("kh", "h"), ("ph", "f"), ("th", "t"),
          ("ck", "k"), ("qu", "kv"), ("x", "ks"), ("q", "k"), ("w", "v"), ("y", "i"),
          ("j", "i"), ("e", "i"), ("o", "a"), ("u", "a"), ("g", "h"), ("c", "k"), ("z", "s")]


def loose(text):
    t = icu_translit("Any-Latin; Latin-ASCII", text).lower()
    t = "".join(c for c in t if c.isalpha())
    for a, b in _LOOSE:
        t = t.replace(a, b)
    out = []
    for c in t:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def translit_possible(entry, disguised):
    a, b = loose(entry), loose(disguised)
    return distance(a, b) <= max(1, len(a) // 4)
