"""Benign queries: what ordinary people type into a search box, in several languages, with the
traps a careless matcher falls into (entries inside longer words, first names, single words of
multi-word entries, technical strings full of digits and punctuation)."""

import wordfreq

from corpus_evasion import ORDER, apply

NOUNS = """apple bank battery bike birthday book bread bridge cake camera car castle cat chair
charger cheese chicken coffee computer concert cookie couch dentist desk dinner doctor dog dress
engine farm festival fish flight flower football garden guitar hair hotel house insurance jacket
job kitchen knife lamp laptop lawyer library loan map market mattress movie museum music nail
necklace oven paint passport pasta phone piano pizza plant pool printer rain recipe restaurant
ring river road roof salad school shoes shower sofa soup spider stadium stove suitcase sunscreen
table tax teacher tent ticket tire toothbrush train tree truck umbrella university vacuum wallet
watch water wedding window wine yoga zoo headphones keyboard monitor blender backpack bicycle
mortgage pension vaccine allergy headache fever sunburn passport visa hostel airport ferry""".split()
VERBS = """bake boil build change clean cook cut draw drive fix fold grow install learn make paint
plant play remove repair replace reset save sell sew start stop tie train unlock update wash
write check cancel renew apply register translate measure calculate convert download""".split()
ADJS = """best cheap easy fast free healthy new old quick simple small big red blue green quiet
strong warm cold cheapest local vegan gluten-free wireless portable electric second-hand used
waterproof organic homemade vintage""".split()
CITIES = """london paris berlin madrid warsaw moscow cairo tokyo new-york chicago toronto sydney
dublin rome lisbon vienna prague budapest athens istanbul dubai mumbai delhi beijing seoul
manchester glasgow cardiff belfast leeds bristol lyon marseille munich hamburg barcelona seville
krakow gdansk""".split()
PEOPLE_SURNAMES = """smith johnson williams brown jones garcia miller davis martinez lopez wilson
anderson taylor thomas moore jackson martin lee thompson white harris clark lewis robinson walker
young allen king wright scott green baker adams nelson hill campbell mitchell roberts carter
phillips evans turner torres parker collins edwards stewart morris murphy cook rogers morgan
cooper peterson reed bailey bell kelly howard ward cox richardson wood watson brooks bennett gray
james hughes price sanders myers long ross foster mueller schmidt schneider fischer weber meyer
wagner becker schulz hoffmann dubois durand leroy moreau simon laurent lefebvre michel kowalski
nowak wisniewski wojcik kaminski lewandowski ivanov petrov sidorov rossi russo ferrari esposito
bianchi romano colombo ricci fernandez gonzalez rodriguez sanchez perez gomez diaz""".split()
TECH = """node.js covid-19 x86_64 c++ 127.0.0.1 c# .net ipv6 ::1 utf-8 mp3 mp4 h.264 4k 1080p
iphone-15-pro windows-11 log4j s3-bucket k8s i18n b2b p2p wi-fi e-mail a/b-test 24/7 3d-printer
r2-d2 5g python3.12 gpt-4 usb-c hdmi-2.1 ps5 xbox-360 f-16 m&m's at&t ssl/tls 192.168.1.1
localhost:8080 0x7fffffff sha-256 md5sum rfc-9110 iso-8601 mpeg-2 e=mc2 7-zip win32 x64 arm64
aarch64 ext4 fat32 ntfs ddr5 rtx-4090 m2-ssd pcie-4.0 dvd-r cd-rom a4-paper b12 vitamin-d3 omega-3
p.s. e.g. i.e. a.m. p.m. u.s.a. u.k. f.a.q. a.s.a.p. r.i.p. d.i.y. b.b.c. t.v. o.k.
l33t 1337 h4x0r n00b c0d3 w00t pr0 gr8 b4 2day 4ever""".split()
EN_TEMPLATES = [
    "{n} near me", "how to {v} a {n}", "best {n} 2024", "{n} recipe", "what is a {n}",
    "{n} vs {n}", "weather in {c}", "{c} to {c} flights", "{w} meaning", "{w} synonym",
    "how to pronounce {w}", "{n} price", "cheap {n}", "{a} {n} ideas", "{n} for sale",
    "why is my {n} so {a}", "{n} reviews", "is {n} {a}", "{w} {w}", "{w} {w} {w}", "{a} {n}",
    "how do i {v} my {n}", "{n} opening hours {c}", "{n} repair {c}", "things to do in {c}",
    "{n} delivery", "{n} size chart", "{a} {n} under 50", "define {w}", "{w} in spanish",
    "{n} shop {c}", "can dogs eat {n}", "how long to {v} {n}", "{n} {n}", "{v} {n} online",
]
OTHER_LANGS = {
    "fr": (["recette {w}", "{w} pas cher", "météo {c}", "comment {w}", "{w} {w}", "prix {w}",
            "{w} définition", "horaires {w} {c}", "meilleur {w} 2024"],
           ["paris", "lyon", "marseille", "toulouse", "nice", "bordeaux", "lille"]),
    "de": (["{w} rezept", "{w} kaufen", "wetter {c}", "wie {w}", "{w} {w}", "{w} preis",
            "{w} bedeutung", "{w} öffnungszeiten {c}", "beste {w} 2024"],
           ["berlin", "münchen", "hamburg", "köln", "frankfurt", "düsseldorf", "wien"]),
    "es": (["receta de {w}", "{w} barato", "tiempo en {c}", "cómo {w}", "{w} {w}", "precio {w}",
            "{w} significado", "horario {w} {c}", "mejor {w} 2024"],
           ["madrid", "barcelona", "sevilla", "valencia", "bilbao", "málaga", "méxico"]),
    "pl": (["przepis na {w}", "{w} tanio", "pogoda {c}", "jak {w}", "{w} {w}", "cena {w}",
            "{w} znaczenie", "godziny otwarcia {w} {c}", "najlepszy {w} 2024"],
           ["warszawa", "kraków", "gdańsk", "wrocław", "poznań", "łódź", "szczecin"]),
    "ru": (["рецепт {w}", "{w} купить", "погода {c}", "как {w}", "{w} {w}", "цена {w}",
            "{w} значение", "{w} {c} часы работы", "лучший {w} 2024"],
           ["москва", "санкт-петербург", "казань", "новосибирск", "сочи", "екатеринбург"]),
    "ar": (["وصفة {w}", "{w} سعر", "الطقس في {c}", "كيف {w}", "{w} {w}", "معنى {w}",
            "أفضل {w} 2024"],
           ["القاهرة", "دبي", "الرياض", "بيروت", "عمان", "الدوحة"]),
    "ja": (["{w} レシピ", "{w} 値段", "{c} 天気", "{w}とは", "{w} {w}", "{w}の意味", "{c} 観光",
            "{w} おすすめ 2024", "{w}の{w}"],
           ["東京", "大阪", "京都", "札幌", "福岡", "名古屋"]),
    "zh": (["{w}做法", "{w}价格", "{c}天气", "什么是{w}", "{w} {w}", "{w}的意思", "{c}旅游攻略"],
           ["北京", "上海", "广州", "深圳", "成都", "杭州"]),
    "el": (["συνταγή {w}", "{w} τιμή", "καιρός {c}", "τι είναι {w}", "{w} {w}"],
           ["αθήνα", "θεσσαλονίκη", "πάτρα", "ηράκλειο"]),
    "it": (["ricetta {w}", "{w} prezzo", "meteo {c}", "come {w}", "{w} {w}"],
           ["roma", "milano", "napoli", "torino", "firenze"]),
    "pt": (["receita de {w}", "{w} preço", "tempo em {c}", "como {w}", "{w} {w}"],
           ["lisboa", "porto", "são paulo", "rio de janeiro", "braga"]),
}


def word_list(lang, n, min_len=3):
    return [w for w in wordfreq.top_n_list(lang, n) if len(w) >= min_len and w.isalpha()]


def fill(rng, template, slots):
    out = template
    while "{" in out:
        i = out.index("{")
        j = out.index("}", i)
        out = out[:i] + rng.choice(slots[out[i + 1:j]]) + out[j + 1:]
    return out


def benign_queries(rng, terms, victims, traps, model, tables):
    """Returns (queries, dropped): (section, query) pairs the reference model says cannot match,
    and how many candidates it rejected."""
    candidates = []
    en_words = word_list("en", 25000)
    slots = {"n": NOUNS, "v": VERBS, "a": ADJS, "c": [c.replace("-", " ") for c in CITIES],
             "w": en_words}
    for _ in range(5200):
        candidates.append(("everyday_en", fill(rng, rng.choice(EN_TEMPLATES), slots)))
    # Scunthorpe traps: ordinary words holding a short entry inside them.
    pools = {lang: word_list(lang, 200000, 5) for lang in ["en", "fr", "de", "es", "pl"]}
    trap_templates = ["{t}", "{t} meaning", "{t} synonym", "how to spell {t}", "{t} {n}", "{a} {t}",
                      "{t} definition", "{t} in a sentence", "{n} {t}"]
    for trap in traps:
        holders = sorted({w for lang, ws in pools.items() for w in ws if trap in w and w != trap})
        holders = holders[:60]
        for w in holders:
            for _ in range(2):
                candidates.append(("traps", fill(rng, rng.choice(trap_templates),
                                                 dict(slots, t=[w]))))
    # First names of the victims list, alone and with other words.
    firsts = sorted({v.split(" ")[0] for v in victims})
    name_templates = ["{f}", "{f} name meaning", "{f} {s}", "{f} {s} linkedin", "baby names like {f}",
                      "{f} and {f2}", "happy birthday {f}", "{f} pronunciation", "{F} {s}",
                      "is {f} a popular name", "{s} {f}", "{f} {s} obituary", "famous people named {f}"]
    for f in firsts:
        for _ in range(14):
            t = rng.choice(name_templates)
            candidates.append(("first_names", fill(rng, t, {
                "f": [f.lower()], "F": [f], "f2": [x.lower() for x in firsts],
                "s": PEOPLE_SURNAMES})))
    # Single words of multi-word entries, alone and with ordinary words.
    parts = sorted({p for t in terms if " " in t for p in t.split(" ")})
    part_templates = ["{p}", "{p} meaning", "{p} {n}", "what is {p}", "{p} {c}", "{a} {p}"]
    for p in parts:
        for _ in range(4):
            candidates.append(("entry_words", fill(rng, rng.choice(part_templates),
                                                   dict(slots, p=[p]))))
    # Technical strings full of digits, dots and dashes.
    tech_templates = ["{x}", "{x} download", "install {x}", "{x} vs {x}", "what is {x}",
                      "{x} error fix", "{x} {n}", "how to use {x}", "{x} tutorial"]
    tech = [t.replace("-", " ") if t.startswith(("iphone", "windows", "s3", "a/b", "3d", "a4",
                                                "vitamin", "omega", "m2")) else t for t in TECH]
    for _ in range(1100):
        candidates.append(("technical", fill(rng, rng.choice(tech_templates), dict(slots, x=tech))))
    # Other languages.
    for lang, (templates, cities) in OTHER_LANGS.items():
        words = word_list(lang, 15000, 2 if lang in ("ja", "zh") else 3)
        lang_slots = {"w": words, "c": cities}
        for _ in range(420):
            candidates.append(("languages", fill(rng, rng.choice(templates), lang_slots)))
    # The evasion rewrites applied to ordinary queries: after normalising, `0p710n` and
    # `s.l.i.g.h.t.l.y` are ordinary words again and must still not match a short entry inside them.
    latin = [q for _, q in candidates if q.isascii() and len(q) <= 40]
    for _ in range(1500):
        q = rng.choice(latin)
        styled = apply(rng, q, [rng.choice(ORDER)], tables)
        if styled is not None:
            candidates.append(("styled", styled))
    queries, seen, dropped = [], set(), 0
    for section, q in candidates:
        q = " ".join(q.split())
        if not q or q in seen:
            continue
        seen.add(q)
        if model.matches(q):
            dropped += 1
            continue
        queries.append((section, q))
    return queries, dropped
