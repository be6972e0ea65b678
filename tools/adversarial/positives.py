"""Positive rows: one list entry disguised by one class of rewrite, inside a query."""

import contexts
import transforms as tf
from reference import is_real_word, translit_possible
from scripts import type_latin, type_on

CLASSES = ["plain", "spaces_removed", "split_words", "ambiguous_glyphs", "leet_tokens",
           "confusables", "letter_styles", "layout_slip", "transliteration", "typos", "combos"]


class Item:
    """One list entry: its list file (`terms`/`victims`), 1-based line, text and script
    (`latin`, `short`, `cyrillic`, `greek`)."""

    def __init__(self, kind, line, text, script):
        self.kind, self.line, self.text, self.script = kind, line, text, script

    @property
    def latin(self):
        return self.script in ("latin", "short")

    @property
    def letters(self):
        return sum(c.isalpha() for c in self.text)

    @property
    def bucket(self):
        n = self.letters
        return "3-4" if n <= 4 else "5-8" if n <= 8 else "9-14" if n <= 14 else "15+"


class Impossible(Exception):
    """The disguise destroyed the entry (see reference.py)."""


def fill(template, text):
    return template.replace("{}", text, 1)


def _into_neighbour(rng, template, text):
    """Runs the entry into the word before or after it in the template."""
    i = template.index("{}")
    left, right = template[:i], template[i + 2:]
    opts = []
    if right.startswith(" ") and right.strip():
        opts.append(left + text + right[1:])
    if left.endswith(" ") and left.strip():
        opts.append(left[:-1] + text + right)
    return rng.choice(opts) if opts else None


def _check_short(item, text, what):
    """A short entry whose disguised form is a real word is that word, not a disguise."""
    if item.script == "short" and is_real_word(text):
        raise Impossible(what + " gives a real word")


def plain(rng, item):
    t = tf.recase(rng, item.text)
    return "case_" + ("lower" if t == t.lower() else "upper" if t == t.upper() else "mixed"), \
        fill(contexts.pick(rng, item.script), t)


def spaces_removed(rng, item):
    text = tf.recase(rng, item.text, (45, 45, 10))
    multi = " " in text
    if multi and rng.random() < 0.7:
        shape, t = tf.remove_spaces(rng, text)
        return shape, fill(contexts.pick(rng, item.script), t)
    if item.script == "short":
        raise Impossible("short entry run into a neighbouring word")
    if multi and rng.random() < 0.5:
        _, text = tf.remove_spaces(rng, text)
    for _ in range(20):
        q = _into_neighbour(rng, contexts.pick(rng, item.script), text)
        if q:
            return "into_neighbour_word", q
    return None


def split_words(rng, item):
    r = tf.split_word(rng, tf.recase(rng, item.text))
    if r is None:
        return None
    shape, t = r
    if item.script == "short" and "space" in shape:
        raise Impossible("short entry split by a space")
    return shape, fill(contexts.pick(rng, item.script), t)


def ambiguous_glyphs(rng, item):
    if not item.latin:
        return None
    text = item.text if rng.random() < 0.6 else tf.recase(rng, item.text, (60, 40, 0))
    r = tf.ambiguous(rng, text)
    if r is None:
        return None
    shape, t = r
    return shape, fill(contexts.pick(rng, item.script), t)


def _check_leet(item, t):
    for w in t.split(" "):
        if w and w.isdigit() and len(w) <= 4:
            raise Impossible("a short word turned wholly into digits")


def leet_tokens(rng, item):
    if not item.latin:
        return None
    r = tf.leet_tokens(rng, tf.recase(rng, item.text, (60, 35, 5)))
    if r is None:
        return None
    shape, t = r
    _check_leet(item, t)
    return shape, fill(contexts.pick(rng, item.script), t)


def confusables(rng, item):
    if not item.latin:
        return None
    r = tf.confusables(rng, tf.recase(rng, item.text))
    if r is None:
        return None
    shape, t = r
    _check_short(item, t, "confusables")
    return shape, fill(contexts.pick(rng, item.script), t)


def letter_styles(rng, item):
    if not item.latin:
        return None
    style = rng.choice(tf.STYLE_NAMES)
    text = tf.recase(rng, item.text, (70, 20, 10))
    if style == "upside_down" or rng.random() < 0.4:
        q = fill(contexts.pick(rng, lang="en"), text)
        return style + "_query", tf.style_text(rng, style, q)
    return style, fill(contexts.pick(rng, lang="en"), tf.style_text(rng, style, text))


def layout_slip(rng, item):
    text = tf.recase(rng, item.text, (70, 25, 5))
    whole = rng.random() < 0.5
    if item.latin:
        layout = rng.choice(["ru", "ru", "uk", "el"])
        t = type_on(layout, text)
        _check_short(item, t, "layout")
        if whole:
            return layout + "_layout_query", type_on(layout, fill(contexts.pick(rng, lang="en"),
                                                                  text))
        lang = {"ru": "ru", "uk": "uk", "el": "el"}[layout] if rng.random() < 0.5 else "en"
        return layout + "_layout_entry", fill(contexts.pick(rng, lang=lang), t)
    layout = "el" if item.script == "greek" else rng.choice(["ru", "ru", "uk"])
    if layout == "uk" and any(c in text.lower() for c in "ыэъё"):
        layout = "ru"
    if whole:
        lang = "el" if layout == "el" else "ru"
        return "latin_layout_query_from_" + layout, type_latin(layout, fill(
            contexts.pick(rng, lang=lang), text))
    return "latin_layout_entry_from_" + layout, fill(contexts.pick(rng, lang="en"),
                                                     type_latin(layout, text))


def transliteration(rng, item):
    text = tf.recase(rng, item.text, (75, 25, 0))
    if item.latin:
        shape, t = tf.translit_latin(rng, text)
        _check_short(item, t, "translit")
        if not translit_possible(item.text, t):
            raise Impossible("transliteration lost the entry")
        lang = "el" if shape.startswith("lat2el") else "ru"
        return shape, fill(contexts.pick(rng, lang=lang), t)
    shape, t = tf.translit_other(rng, text, item.script)
    if not translit_possible(item.text, t):
        raise Impossible("transliteration lost the entry")
    return shape, fill(contexts.pick(rng, lang="en"), t)


def _check_typo(before, after):
    changed = [w for w, o in zip(after.split(" "), before.split(" ")) if w.lower() != o.lower()]
    if is_real_word(" ".join(changed)):
        raise Impossible("the typo gives a real word")


def typos(rng, item):
    r = tf.typo(rng, tf.recase(rng, item.text, (70, 25, 5)))
    if r is None:
        return None
    shape, t = r
    _check_typo(item.text, t)
    return shape, fill(contexts.pick(rng, item.script), t)


_COMBO_STEPS = ["typo", "spaces", "split", "leet", "ambiguous", "final"]


def combos(rng, item):
    """Two or three rewrites at once, in the order people apply them."""
    if not item.latin:
        return None
    n = rng.choice([2, 3])
    steps = sorted(rng.sample(_COMBO_STEPS, n), key=_COMBO_STEPS.index)
    t = tf.recase(rng, item.text, (60, 30, 10))
    names = []
    for step in steps:
        if step == "typo":
            r = tf.typo(rng, t)
            if r:
                _check_typo(t, r[1])
        elif step == "spaces":
            r = tf.remove_spaces(rng, t)
        elif step == "split":
            r = tf.split_word(rng, t)
            if r and item.script == "short" and "space" in r[0]:
                raise Impossible("short entry split by a space")
        elif step == "leet":
            r = tf.leet_tokens(rng, t)
            if r:
                _check_leet(item, r[1])
        elif step == "ambiguous":
            r = tf.ambiguous(rng, t)
        else:
            step = rng.choice(["confusables", "style", "layout"])
            if step == "confusables":
                r = tf.confusables(rng, t)
            elif step == "style":
                r = tf.letter_style(rng, t)
            else:
                r = tf.layout_slip(rng, t)
                if r:
                    _check_short(item, r[1], "layout")
        if r is None:
            return None
        names.append(step + ":" + r[0])
        t = r[1]
    return "+".join(names), fill(contexts.pick(rng, lang="en"), t)


GENERATORS = {
    "plain": plain, "spaces_removed": spaces_removed, "split_words": split_words,
    "ambiguous_glyphs": ambiguous_glyphs, "leet_tokens": leet_tokens, "confusables": confusables,
    "letter_styles": letter_styles, "layout_slip": layout_slip,
    "transliteration": transliteration, "typos": typos, "combos": combos,
}


def generate(rng, items, per_class):
    """Rows (class, shape, item, query) and the count of dropped (impossible) rows per class."""
    rows, dropped = [], {}
    terms = [i for i in items if i.kind == "terms"]
    victims = [i for i in items if i.kind == "victims"]
    for cls in CLASSES:
        gen = GENERATORS[cls]
        made, tries = 0, 0
        while made < per_class:
            tries += 1
            if tries > per_class * 50:
                raise RuntimeError(f"{cls}: cannot make {per_class} rows")
            item = rng.choice(terms if rng.random() < 0.7 else victims)
            try:
                r = gen(rng, item)
            except Impossible as why:
                key = (cls, str(why))
                dropped[key] = dropped.get(key, 0) + 1
                continue
            if r is None:
                continue
            shape, query = r
            if "\t" in query or "\n" in query:
                continue
            rows.append((cls, shape, item, query))
            made += 1
    return rows, dropped
