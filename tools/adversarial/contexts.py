"""Query templates a search box sees, written for this corpus; `{}` is where the entry goes."""

EN = """{}
{} pics
{} video
{} photos hd
watch {} online
where to find {}
{} full album
{} new link
download {} zip
{} 2025
{} telegram group
is {} real
who is {}
{} reddit thread
find {} now
{} part 2
{} mega folder
{} uncut
latest {} update
{} site list
{} forum
any {} links
{} archive
search {} images""".split("\n")

RU = """смотреть {} онлайн
{} скачать бесплатно
где найти {}
{} фото
{} видео новое
кто такой {}
{} без регистрации
{} архив ссылка
новые {} файлы
{} телеграм канал
найти {} сейчас
{} полная версия""".split("\n")

UK = """дивитися {} онлайн
де знайти {}
{} фото нові
{} завантажити""".split("\n")

EL = """{} φωτογραφίες
δες {} online
{} βίντεο
πού βρίσκω {}
{} νέο link""".split("\n")

OTHER = """regarder {} en ligne
{} kostenlos herunterladen
dónde encontrar {}
gdzie znaleźć {}
{} foto nuove""".split("\n")


def pick(rng, script="latin", lang=None):
    """A template for an entry of `script`, or for language `lang` when given."""
    if lang == "ru":
        return rng.choice(RU)
    if lang == "uk":
        return rng.choice(UK)
    if lang == "el":
        return rng.choice(EL)
    if lang == "en":
        return rng.choice(EN)
    if script == "cyrillic":
        return rng.choice(RU + RU + UK + EN)
    if script == "greek":
        return rng.choice(EL + EL + EN)
    return rng.choice(EN * 4 + RU + OTHER)
