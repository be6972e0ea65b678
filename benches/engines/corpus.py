#!/usr/bin/env python3
"""Synthetic corpus for benches/engines/real.sh: an OpenSearch _bulk body on stdout.

Every word is generated nonsense (syllables, fixed seed); no word is on lists/terms.txt. Documents
have `url`, `title` and `body`. Every 50th document's URL is under an entry of lists/urls.txt, so
searchward delists it. Two marker words pick the benchmark's result sets:
  lumbrask    in every listed document and as many clean ones (top hits include listed URLs)
  pettigrove  in clean documents only (nothing to delist)
Usage: corpus.py N_DOCS INDEX
"""
import json
import random
import sys

SYLLABLES = ["bra", "dol", "fen", "gri", "hov", "jas", "kel", "lur", "mip", "nov", "ost", "pel",
             "quo", "rin", "sav", "tor", "ulm", "ven", "wix", "yar", "zel", "cam", "dre", "fos"]
LISTED_URL_PREFIXES = [
    "https://zorvexil-forum.example/t/",
    "https://files.example.com/zorvexil/",
    "http://share.example.net/u/tobin-marsk/",
    "https://img.velmorik.example.net/p/",
]
MARK_LISTED = "lumbrask"
MARK_CLEAN = "pettigrove"


def main():
    n, index = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261203)
    terms = [t.strip() for t in open(sys.argv[3]) if t.strip() and not t.startswith("#")] \
        if len(sys.argv) > 3 else []
    vocab = set()
    while len(vocab) < 3000:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if not any(t in w for t in terms):
            vocab.add(w)
    vocab = sorted(vocab)
    out = sys.stdout
    for i in range(n):
        listed = i % 50 == 0
        if listed:
            url = f"{LISTED_URL_PREFIXES[(i // 50) % len(LISTED_URL_PREFIXES)]}{i}"
        else:
            url = f"https://site{i % 997}.example/page/{i}"
        title = " ".join(rng.choice(vocab) for _ in range(rng.randint(3, 6)))
        words = [rng.choice(vocab) for _ in range(rng.randint(40, 120))]
        if listed or i % 50 == 25:
            words.insert(rng.randrange(len(words)), MARK_LISTED)
        elif i % 25 == 7:
            words.insert(rng.randrange(len(words)), MARK_CLEAN)
        out.write(json.dumps({"index": {"_index": index, "_id": str(i)}}) + "\n")
        out.write(json.dumps({"url": url, "title": title, "body": " ".join(words)}) + "\n")


if __name__ == "__main__":
    main()
