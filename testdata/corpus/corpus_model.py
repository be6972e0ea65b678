"""A small reference model of the normaliser and matcher described in DESIGN.md, used for two checks:

* benign.txt stays honest: a benign candidate the model says could match an entry is dropped;
* evasion.tsv stays achievable: `python3 generate.py --check` prints the model's recall per class.

It errs on the generous side (views are combined freely, i/l/1 are one letter in the leet view, a
typo may hit any key token of 6+ letters), so what stays in benign.txt is ordinary text under any
reasonable reading of the design.
"""

import re
import unicodedata

LEET = {"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "|": "i", "0": "o", "5": "s", "$": "s",
        "7": "t", "9": "g", "8": "b"}
# Letters with a stroke or bar have no canonical decomposition, so stripping marks misses them.
STROKES = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i", "ƶ": "z"}
NO_SPACE = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]"
SCRIPT_EDGE = re.compile(f"(?<={NO_SPACE})(?!{NO_SPACE})|(?<!{NO_SPACE})(?={NO_SPACE})")


def clean(text, confusable, upper_first=False):
    """Invisible characters out, NFKC, diacritics off, case folded, confusables folded. With
    `upper_first`, confusables are also folded first, before NFKC and case folding, since capital lookalikes such as
    Greek Ν fold to a lowercase that looks like another letter (ν, like v)."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cf"
                   and not 0xFE00 <= ord(c) <= 0xFE0F and not 0xE0100 <= ord(c) <= 0xE01EF)
    if upper_first:
        # Before NFKC too: it turns some lookalikes (lunate sigma ϲ, a "c") into other letters.
        text = "".join(confusable.get(c, c) for c in text)
    text = unicodedata.normalize("NFKC", text)
    if upper_first:
        text = "".join(confusable.get(c, c) for c in text)
    # Marks come off before case folding: U+0345 would otherwise fold to a Greek iota.
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = text.casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = unicodedata.normalize("NFC", text)
    text = "".join(STROKES.get(c, confusable.get(c, c)) for c in text)
    # Latin next to kana or Han ("Xの画像") is a word boundary even without a space.
    return SCRIPT_EDGE.sub(" ", text)


def tokens(text):
    return [t for t in re.split(r"[\W_]+", text) if t]


def squeeze(t):
    return re.sub(r"(.)\1+", r"\1", t)


def fold_il(t):
    return t.replace("l", "i")


def join_single_runs(toks):
    out, run = [], []
    for t in toks:
        if len(t) == 1:
            run.append(t)
        else:
            if run:
                out.append("".join(run))
                run = []
            out.append(t)
    if run:
        out.append("".join(run))
    return out


def deletes(w):
    return {w[:i] + w[i + 1:] for i in range(len(w))}


def near(t):
    """`t` and, for tokens of 6+ letters, its one-deletion variants."""
    return {t} | deletes(t) if len(t) >= 6 else {t}


class Model:
    def __init__(self, terms, victims, confusable):
        self.confusable = confusable
        self.seqs = set()      # normalised token sequences (as tuples) of every key
        self.cjk = []          # entries matched as substrings
        for entry in list(terms) + list(victims):
            text = clean(entry, confusable)
            if re.search(NO_SPACE, text):
                self.cjk.append(text.replace(" ", ""))
                continue
            toks = tokens(text)
            forms = [toks, ["".join(toks)]]
            if entry in victims:
                forms += [list(reversed(toks)), ["".join(reversed(toks))]]
            for f in forms:
                for g in (f, [fold_il(t) for t in f]):
                    self.seqs.add(tuple(g))
                    self.seqs.add(tuple(squeeze(t) for t in g))
        self.max_len = max(len(s) for s in self.seqs)
        # Typo tolerance: a key's tokens of 6+ letters may each be one edit off (a symmetric-delete
        # neighbourhood, so some two-edit variants are caught too); shorter tokens must be exact.
        self.by_first = {}
        for key in self.seqs:
            for probe in near(key[0]):
                self.by_first.setdefault(probe, []).append(key)

    def views(self, text):
        outs, bases = [], []
        for upper_first in (False, True):
            base = clean(text, self.confusable, upper_first)
            bases.append(base)
            leet = "".join(LEET.get(c, c) for c in base)
            for toks in (tokens(base), [fold_il(t) for t in tokens(leet)]):
                for v in (toks, [squeeze(t) for t in toks]):
                    outs.append(v)
                    outs.append(join_single_runs(v))
                    outs.append([squeeze(t) for t in join_single_runs(v)])
        return bases, outs

    def matches(self, text):
        """True when some reading of `text` could hit an entry."""
        bases, views = self.views(text)
        for base in bases:
            squashed = re.sub(r"\s+", "", base)
            if any(k in squashed for k in self.cjk):
                return True
        for v in views:
            n = len(v)
            for i in range(n):
                # Words run together ("zorvex quandril" typed apart or together). Single letters
                # take part only as whole runs (join_single_runs): reading "p t i o" out of
                # "a s s u m p t i o n" would be the Scunthorpe error spelled out.
                for j in range(i + 1, min(n, i + self.max_len + 2) + 1):
                    if len(v[j - 1]) == 1 and (j - 1 > i or j - 1 == i and n > 1):
                        break
                    if ("".join(v[i:j]),) in self.seqs:
                        return True
                for probe in near(v[i]):
                    for key in self.by_first.get(probe, ()):
                        window = v[i:i + len(key)]
                        if len(window) == len(key) and all(
                                a == b or (near(a) & near(b)) for a, b in zip(window, key)):
                            return True
        return False
