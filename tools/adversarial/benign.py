"""Benign queries: ordinary English, Russian, Ukrainian and Greek queries made from real words
(Debian word lists), and the same kinds of text put through every disguise the positives use, so
that a style or a decoding does not by itself cause a match.
"""

import contexts
import scripts
import transforms as tf
from synth import GIVEN, clean
from wordlists import words

EN_TEMPLATES = """how to {w} a {n}
best {n} for {n}
{n} near me
{a} {n} recipe
why is my {n} {a}
{n} vs {n}
cheap {n} {n}
{n} {n} price
what does {w} mean
{n} opening hours
how many {n} in a {n}
{a} {n} ideas
{n} review 2025
{w} {n} online
{n} and {n}
{n}
{a} {n}
{n} {n} {n}
is {n} {a}
{n} for beginners""".split("\n")

RU_TEMPLATES = """{w}
{w} {w}
{w} {w} {w}
как {w} {w}
{w} это
что такое {w}
{w} купить
{w} отзывы
лучший {w}
{w} и {w}""".split("\n")

UK_TEMPLATES = """{w}
{w} {w}
що таке {w}
{w} ціна
як {w} {w}
{w} і {w}""".split("\n")

EL_TEMPLATES = """{w}
{w} {w}
τι είναι {w}
{w} τιμή
πώς {w} {w}
{w} και {w}""".split("\n")

SURNAMES = ("Baker Carter Fisher Miller Mason Cook Hunter Porter Turner Walker Wood Stone Hill "
            "Brook Field Green Young King Bell Ward Marsh Fox Lane Cole Gray Reed Shaw Hart "
            "West Page").split()
NAME_TEMPLATES = ["{f}", "{f} {s}", "{f} {s} obituary", "{f} {s} linkedin", "{f} {m} {s}",
                  "{f} {s} contact", "happy birthday {f}", "{f} name meaning", "{f} and {f2}",
                  "{s} family history"]

EMOJI = "🍑♡😀🔥✨🌸💕⭐🎉👀🙂💯🌈🍓🎶"


def _filled(rng, template, pools):
    out = template
    while "{" in out:
        i = out.index("{")
        j = out.index("}", i)
        out = out[:i] + rng.choice(pools[out[i + 1:j]]) + out[j + 1:]
    return out


class Benign:
    def __init__(self, rng, entries):
        self.rng = rng
        self.entries = entries
        en = [w for w in words("en") if 3 <= len(w) <= 10 and clean(w)]
        self.en = {"w": en, "n": en, "a": en}
        self.ru = {"w": [w for w in words("ru") if 3 <= len(w) <= 12 and clean(w)]}
        self.uk = {"w": [w for w in words("uk") if 3 <= len(w) <= 12 and "'" not in w
                         and clean(w)]}
        self.el = {"w": [w for w in words("el") if 3 <= len(w) <= 12 and clean(w)]}
        self.rows = []
        self.dropped = {}

    def _add(self, source, query, *also):
        """Keeps `query` unless it, or a text it was made from, contains a list entry."""
        if "\t" in query or "\n" in query or not query.strip():
            return False
        if any(self.entries.contains_entry(q) for q in (query,) + also):
            self.dropped[source] = self.dropped.get(source, 0) + 1
            return False
        self.rows.append((source, query))
        return True

    def english(self):
        return _filled(self.rng, self.rng.choice(EN_TEMPLATES), self.en)

    def russian(self):
        return _filled(self.rng, self.rng.choice(RU_TEMPLATES), self.ru)

    def make(self, scale=1):
        rng = self.rng
        n = lambda k: k * scale  # noqa: E731
        for _ in range(n(5000)):
            self._add("english", self.english())
        for _ in range(n(1000)):
            q = rng.choice(NAME_TEMPLATES).format(
                f=rng.choice(GIVEN), f2=rng.choice(GIVEN), m=rng.choice(GIVEN),
                s=rng.choice(SURNAMES))
            self._add("names", tf.recase(rng, q, (60, 35, 5)))
        for _ in range(n(3000)):
            self._add("russian", self.russian())
        for _ in range(n(1500)):
            self._add("ukrainian", _filled(rng, rng.choice(UK_TEMPLATES), self.uk))
        for _ in range(n(1500)):
            self._add("greek", _filled(rng, rng.choice(EL_TEMPLATES), self.el))
        self._traps(n(1000))
        self._lookalikes(n(300))
        self._fragments(n(500))
        self._styled(n(100))
        self._disguised(n(800))
        self._emoji(n(1000))

    def _traps(self, count):
        """Ordinary words that contain a short entry, in ordinary queries."""
        shorts = [e for e in self.entries.entries if " " not in e and len(e) <= 4 and e.isascii()]
        hosts = [w for w in self.en["w"] if any(s in w and s != w for s in shorts)]
        pools = dict(self.en)
        pools["n"] = hosts
        for _ in range(count if hosts else 0):
            self._add("short_entry_traps", _filled(self.rng, self.rng.choice(EN_TEMPLATES), pools))

    def _lookalikes(self, count):
        """Real Russian words that look exactly like a short Latin entry (`кот` / `kot`), in
        all-Cyrillic queries: folding a whole Cyrillic word to Latin must not match them."""
        from unicode_sources import skeleton
        shorts = {e for e in self.entries.entries if len(e) <= 4 and e.isascii()}
        hosts = [w for w in self.ru["w"] if len(w) <= 4 and skeleton(w).lower() in shorts]
        for _ in range(count if hosts else 0):
            t = self.rng.choice(RU_TEMPLATES)
            q = _filled(self.rng, t.replace("{w}", "{x}", 1), {"x": hosts, "w": self.ru["w"]})
            self._add("cyrillic_lookalike_words", q)

    def _fragments(self, count):
        """One word of a multi-word entry alone among ordinary words."""
        multi = [e for e in self.entries.entries if " " in e]
        for _ in range(count):
            word = self.rng.choice(self.rng.choice(multi).split(" "))
            q = self.english().split(" ")
            q.insert(self.rng.randrange(len(q) + 1), word)
            self._add("entry_fragments", " ".join(q))

    def _styled(self, per_style):
        for style in tf.STYLE_NAMES:
            for _ in range(per_style):
                q = self.english()
                self._add("styled:" + style, tf.style_text(self.rng, style, q), q)

    def _disguised(self, count):
        rng = self.rng
        for _ in range(count):
            q = self.english()
            r = rng.choice([tf.remove_spaces, tf.split_word])(rng, q)
            if r:
                self._add("segmented", r[1], q)
            q = self.english()
            r = rng.choice([tf.ambiguous, tf.leet_tokens])(rng, q)
            if r:
                self._add("ambiguous_and_leet", r[1], q)
            q = self.english()
            r = tf.confusables(rng, q)
            if r:
                self._add("confusables", r[1], q)
            q = self.english()
            r = tf.typo(rng, q, 5)
            if r:
                self._add("typos", r[1], q)
            layout = rng.choice(["ru", "uk", "el"])
            q = self.english()
            self._add("layout:" + layout, scripts.type_on(layout, q), q)
            q = self.russian()
            self._add("layout:latin_from_ru", scripts.type_latin("ru", q), q)
            q = self.english()
            self._add("translit:en_to_cyrillic", tf.translit_latin(rng, q)[1], q)
            q = self.russian()
            self._add("translit:ru_to_latin",
                      tf.translit_other(rng, q, "cyrillic")[1], q)

    def _emoji(self, count):
        """Emoji (or hearts) between every letter, words kept apart by spaces."""
        rng = self.rng
        for _ in range(count):
            q = self.english()
            marks = rng.sample(EMOJI, 3)
            share = rng.choice([1.0, 1.0, 0.6])
            out = " ".join("".join(c + (rng.choice(marks) if rng.random() < share else "")
                                   for c in w) for w in q.split(" "))
            self._add("emoji_between_letters", out, q)
