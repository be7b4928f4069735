"""What names say: area names mapped to room kinds, device names to a few telling devices.

People name rooms in their own language ("Küche", "Garaje", "Tvättstuga"), abbreviate them
("WC", "EG"), number them ("Bedroom 2") or name them after people. A keyword table that covers
the languages Home Assistant users write in turns the readable ones into kinds; the rest are
``unknown``, which is a fact about the home too. Matching works on accent-folded, lower-case
words, so "Salle à manger" and "salle a manger" are the same.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

#: Room kinds the features count. Order matters only for the feature names.
AREA_KINDS: Final[tuple[str, ...]] = (
    "kitchen", "living", "dining", "bedroom", "bathroom", "toilet", "hallway", "office",
    "laundry", "storage", "basement", "attic", "garage", "parking", "yard", "patio", "balcony",
    "driveway", "pool", "shed", "leisure", "studio", "unknown",
)
OUTDOOR_AREA_KINDS: Final[frozenset[str]] = frozenset({
    "parking", "yard", "patio", "balcony", "driveway", "pool", "shed",
})

# Checked in this order ("Master Bath" is a bathroom, "Garage spot" a parking space).
# Keywords are accent-folded and lower case; a keyword matches a whole word, or the start of a
# word when it ends with "*" (compounds: "Schlafzimmer", "Badezimmer").
_AREA_KEYWORDS: Final[dict[str, tuple[str, ...]]] = {
    "parking": ("parking", "carport", "parkplatz", "stellplatz", "aparcamiento",
        "plaza de garaje", "parkeerplaats", "parkering", "posto auto", "cochera",
        "abri voiture", "place de parking", "garage spot", "parking space", "tiefgarage"),
    "garage": ("garage", "garaje", "garagem", "box auto", "autobox", "garasje"),
    "driveway": ("driveway", "einfahrt", "allee", "oprit", "uppfart", "vialetto",
        "entrada de coches", "oppkjorsel", "indkorsel"),
    "pool": ("pool", "piscina", "piscine", "zwembad", "schwimmbad"),
    "shed": ("shed", "barn", "schuppen", "gartenhaus", "cabanon", "abri de jardin", "caseta",
        "schuur", "tuinhuis", "bod", "friggebod", "capanno", "outbuilding", "greenhouse"),
    "balcony": ("balcony", "balkon", "balcon", "balcone", "balkong", "loggia"),
    "patio": ("patio", "terrace", "terrasse", "terraza", "terras", "terrazzo", "terrass",
        "deck", "porch", "veranda", "porche", "portico", "altan", "dakterras", "dachterrasse",
        "uteplats", "holzterrasse", "tarima", "lanai", "sunroom"),
    "yard": ("yard", "backyard", "garden", "garten", "jardin", "tuin", "tradgard", "giardino",
        "achtertuin", "voortuin", "vorgarten", "hinterhof", "lawn", "hage", "have", "orchard"),
    "basement": ("basement", "cellar", "keller*", "sous-sol", "cave", "sotano", "kelder",
        "kallare", "cantina", "seminterrato", "lower level", "kjeller"),
    "attic": ("attic", "loft", "dachboden", "speicher", "spitzboden", "grenier", "combles",
        "atico", "desvan", "buhardilla", "zolder", "vliering", "vind", "soffitta", "mansarda",
        "sottotetto", "mezzanine", "galerie", "altillo"),
    "kitchen": ("kitchen", "kitchenette", "kuche", "kochnische", "cuisine", "cocina", "keuken",
        "kok", "cucina", "cucinotto", "cozinha", "kjokken", "kokken", "pantry", "speisekammer",
        "despensa", "cellier"),
    "dining": ("dining", "esszimmer", "salle a manger", "comedor", "eetkamer", "matsal",
        "sala da pranzo", "spisestue"),
    "toilet": ("toilet", "wc", "half bath", "powder room", "gaste-wc", "toilettes", "aseo",
        "toalett", "bagno di servizio", "restroom", "lavatory"),
    "bathroom": ("bathroom", "bath", "ensuite", "shower", "badezimmer", "bad", "salle de bain",
        "salle d'eau", "bano", "badkamer", "badrum", "bagno", "banheiro", "baderom",
        "badevaerelse", "sauna", "bastu"),
    "bedroom": ("bedroom", "master", "nursery", "guest room", "spare room", "schlafzimmer",
        "kinderzimmer", "gastezimmer", "chambre", "dormitorio", "habitacion", "slaapkamer",
        "kinderkamer", "logeerkamer", "sovrum", "barnrum", "gastrum", "camera", "cameretta",
        "quarto", "soverom", "sovevaerelse", "gaestevaerelse", "bornevaerelse", "kids room",
        "children's room", "bed"),
    "living": ("living", "lounge", "family room", "den", "sitting room", "wohnzimmer", "stube",
        "salon", "sejour", "sala de estar", "woonkamer", "vardagsrum", "soggiorno", "salotto",
        "stue", "stua", "great room"),
    "hallway": ("hallway", "hall", "corridor", "landing", "entrance", "entryway", "foyer",
        "stairs", "staircase", "flur", "diele", "eingang", "treppe*", "couloir", "entree",
        "escalier", "pasillo", "recibidor", "entrada", "escalera", "gang", "overloop", "trap",
        "korridor", "entre", "farstu", "trappa", "corridoio", "ingresso", "scale", "mudroom",
        "boot room", "vestibule"),
    "office": ("office", "study", "arbeitszimmer", "buro", "bureau", "despacho", "werkkamer",
        "kantoor", "kontor", "studio di lavoro", "escritorio", "workspace"),
    "laundry": ("laundry", "utility", "waschkuche", "hauswirtschaft*", "buanderie", "lavadero",
        "washok", "tvattstuga", "lavanderia", "boiler", "heizung*", "chaufferie", "mechanical",
        "pannrum", "cuarto de calderas", "vaskerom", "bryggers"),
    "storage": ("storage", "store room", "closet", "wardrobe", "abstellraum", "ankleide",
        "debarras", "dressing", "trastero", "vestidor", "berging", "inloopkast", "forrad",
        "kladkammare", "ripostiglio", "cabina armadio", "walk-in", "abstellkammer", "bod"),
    "leisure": ("gym", "fitness*", "workout", "media room", "home theater", "cinema",
        "playroom", "games room", "workshop", "werkstatt", "atelier", "taller", "werkplaats",
        "verkstad", "laboratorio", "hobby"),
    "studio": ("studio", "main room", "living area", "einzimmerwohnung", "wohnraum",
        "piece principale", "estudio", "etta", "monolocale", "bedsit"),
}

#: Device names that tell a fire is kept: wood stoves and fireplaces.
_FIRE_KEYWORDS: Final[tuple[str, ...]] = (
    "stove", "wood", "fireplace", "hearth", "ofen", "kamin*", "holzofen", "kachelofen",
    "poele", "cheminee", "chimenea", "estufa", "kachel*", "houtkachel", "openhaard",
    "braskamin", "kamin", "vedspis", "camino", "stufa", "jotul", "pellet*",
)

#: Words that place a room on a level: "Upstairs Bath", "OG Bad", "Planta alta". "OG" (German
#: Obergeschoss) is also Danish and Norwegian for "and": see :func:`names_level`.
_LEVEL_KEYWORDS: Final[tuple[str, ...]] = (
    "upstairs", "downstairs", "upper", "lower", "first floor", "second floor", "2nd floor",
    "ground floor", "main floor", "eg", "dg", "obergeschoss", "erdgeschoss", "unten",
    "oben", "etage", "rdc", "rez-de-chaussee", "planta alta", "planta baja", "boven", "beneden",
    "ovre", "nedre", "piano di sopra", "piano terra", "primo piano",
)


#: Letters that have no accent to drop but are written out in plain Latin letters: Danish and
#: Norwegian "æ", "ø", French "œ", and the typographic apostrophe of "Salle d’eau". ("ß" needs
#: nothing: ``casefold`` writes it "ss".)
_SPELLED_OUT: Final = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "\u2019": "'"})


def fold(text: str) -> str:
    """Lower-case, accent-free form of a name ("Küche" → "kuche", "Værelse" → "vaerelse")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(
        _SPELLED_OUT)


def _compile(keywords: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for keyword in keywords:
        if keyword.endswith("*"):
            parts.append(rf"\b{re.escape(keyword[:-1])}\w*")
        else:
            parts.append(rf"\b{re.escape(keyword)}\b")
    return re.compile("|".join(parts))


_AREA_PATTERNS: Final = tuple((kind, _compile(words)) for kind, words in _AREA_KEYWORDS.items())
_FIRE_PATTERN: Final = _compile(_FIRE_KEYWORDS)
_LEVEL_PATTERN: Final = _compile(_LEVEL_KEYWORDS)
_OG: Final = re.compile(r"\bog\b", re.IGNORECASE)
_WORD_BEFORE: Final = re.compile(r"[^\W\d_]\s+$")
_WORD_AFTER: Final = re.compile(r"\s+[^\W\d_]")


@lru_cache(maxsize=4096)
def area_kind(name: str) -> str:
    """The room kind a name says, first match in the table's order; ``unknown`` if none."""
    folded = fold(name)
    for kind, pattern in _AREA_PATTERNS:
        if pattern.search(folded):
            return kind
    return "unknown"


@lru_cache(maxsize=4096)
def names_fire(name: str) -> bool:
    """Whether a device name says it is a wood stove or fireplace."""
    return bool(_FIRE_PATTERN.search(fold(name)))


@lru_cache(maxsize=4096)
def names_level(name: str) -> bool:
    """Whether an area name says which level the room is on ("Upstairs Bath", "1. OG")."""
    if _LEVEL_PATTERN.search(fold(name)):
        return True
    # "OG" (Obergeschoss) between two words is the Danish and Norwegian "and" ("Kjøkken og
    # stue"), unless written in capitals in a name that is not ("Schlafzimmer OG Süd"); anywhere
    # else it is a level ("OG Bad", "Bad OG", "1. OG", "2.OG", "OG 1").
    for match in _OG.finditer(name):
        conjunction = bool(_WORD_BEFORE.search(name, 0, match.start())
                           and _WORD_AFTER.match(name, match.end()))
        if not conjunction or (match.group() == "OG" and not name.isupper()):
            return True
    return False
