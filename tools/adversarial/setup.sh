#!/bin/sh
# Debian packages the adversarial corpus generator reads: ICU and its Python binding (confusables,
# transliteration), and the English, Ukrainian, Russian and Greek word lists.
set -e
apt-get install -y python3-icu wamerican wukrainian hunspell-ru hunspell-el
