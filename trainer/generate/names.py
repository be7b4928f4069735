"""Room and floor names as people type them in Home Assistant, in several languages.

Real installations name rooms in the owner's language, number them ("Bedroom 2"), name them after
people ("Emma's room") or not at all usefully ("Misc"). The generator draws from all of these so
the features must cope with names they cannot read.
"""

from __future__ import annotations

from typing import Final

AREA_NAMES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "living_room": ("Living Room", "Lounge", "Family Room", "Den", "Sitting Room"),
        "kitchen": ("Kitchen", "Kitchenette"),
        "dining_room": ("Dining Room", "Dining"),
        "bedroom": ("Bedroom", "Master Bedroom", "Primary Bedroom", "Main Bedroom"),
        "kids_room": ("Kids Room", "Nursery", "Children's Room"),
        "guest_room": ("Guest Room", "Guest Bedroom", "Spare Room"),
        "bathroom": ("Bathroom", "Bath", "Ensuite", "Master Bath"),
        "toilet": ("Toilet", "Half Bath", "Powder Room", "WC"),
        "hallway": ("Hallway", "Hall", "Corridor", "Landing"),
        "entrance": ("Entrance", "Entryway", "Foyer"),
        "stairs": ("Stairs", "Staircase"),
        "office": ("Office", "Study", "Home Office"),
        "laundry": ("Laundry", "Laundry Room", "Utility"),
        "storage": ("Storage", "Store Room"),
        "closet": ("Closet", "Walk-in Closet", "Wardrobe"),
        "utility_room": ("Utility Room", "Boiler Room", "Mechanical Room"),
        "pantry": ("Pantry",),
        "mudroom": ("Mudroom", "Boot Room"),
        "gym": ("Gym", "Home Gym", "Workout Room"),
        "media_room": ("Media Room", "Home Theater", "Cinema Room"),
        "playroom": ("Playroom", "Games Room"),
        "workshop": ("Workshop",),
        "sauna": ("Sauna",),
        "studio_room": ("Studio", "Main Room", "Living Area"),
        "loft": ("Loft", "Mezzanine"),
        "basement": ("Basement", "Cellar", "Lower Level"),
        "attic": ("Attic", "Attic Room"),
        "garage": ("Garage",),
        "carport": ("Carport",),
        "parking": ("Parking", "Parking Space", "Underground Parking"),
        "driveway": ("Driveway",),
        "front_yard": ("Front Yard", "Front Garden"),
        "back_yard": ("Back Yard", "Backyard", "Back Garden"),
        "garden": ("Garden", "Yard", "Vegetable Garden"),
        "patio": ("Patio",),
        "terrace": ("Terrace", "Roof Terrace"),
        "balcony": ("Balcony",),
        "porch": ("Porch", "Front Porch", "Veranda"),
        "deck": ("Deck",),
        "pool": ("Pool", "Pool Area"),
        "shed": ("Shed", "Garden Shed", "Barn"),
    },
    "de": {
        "living_room": ("Wohnzimmer", "Stube"), "kitchen": ("Küche", "Kochnische"),
        "dining_room": ("Esszimmer",), "bedroom": ("Schlafzimmer",),
        "kids_room": ("Kinderzimmer",), "guest_room": ("Gästezimmer",),
        "bathroom": ("Badezimmer", "Bad"), "toilet": ("Gäste-WC", "WC"),
        "hallway": ("Flur", "Diele"), "entrance": ("Eingang",), "stairs": ("Treppenhaus",),
        "office": ("Arbeitszimmer", "Büro"), "laundry": ("Waschküche",),
        "storage": ("Abstellraum",), "closet": ("Ankleide",), "utility_room": ("Heizungsraum",),
        "pantry": ("Speisekammer",), "gym": ("Fitnessraum",), "workshop": ("Werkstatt",),
        "sauna": ("Sauna",), "studio_room": ("Einzimmerwohnung", "Wohnraum"),
        "loft": ("Galerie",), "basement": ("Keller",), "attic": ("Dachboden", "Speicher"),
        "garage": ("Garage",), "carport": ("Carport",), "parking": ("Stellplatz", "Tiefgarage"),
        "driveway": ("Einfahrt",), "front_yard": ("Vorgarten",), "back_yard": ("Hinterhof",),
        "garden": ("Garten",), "patio": ("Terrasse",), "terrace": ("Dachterrasse",),
        "balcony": ("Balkon",), "porch": ("Veranda",), "deck": ("Holzterrasse",),
        "pool": ("Pool",), "shed": ("Gartenhaus", "Schuppen"),
    },
    "fr": {
        "living_room": ("Salon", "Séjour"), "kitchen": ("Cuisine",),
        "dining_room": ("Salle à manger",), "bedroom": ("Chambre", "Chambre parentale"),
        "kids_room": ("Chambre enfant",), "guest_room": ("Chambre d'amis",),
        "bathroom": ("Salle de bain", "Salle d'eau"), "toilet": ("Toilettes", "WC"),
        "hallway": ("Couloir",), "entrance": ("Entrée",), "stairs": ("Escalier",),
        "office": ("Bureau",), "laundry": ("Buanderie",), "storage": ("Débarras",),
        "closet": ("Dressing",), "utility_room": ("Chaufferie",), "pantry": ("Cellier",),
        "workshop": ("Atelier",), "studio_room": ("Pièce principale", "Studio"),
        "loft": ("Mezzanine",), "basement": ("Sous-sol", "Cave"), "attic": ("Grenier", "Combles"),
        "garage": ("Garage",), "parking": ("Place de parking",), "driveway": ("Allée",),
        "garden": ("Jardin",), "patio": ("Terrasse",), "balcony": ("Balcon",),
        "porch": ("Véranda",), "pool": ("Piscine",), "shed": ("Abri de jardin", "Cabanon"),
        "back_yard": ("Jardin arrière",), "front_yard": ("Jardin avant",),
        "terrace": ("Terrasse",), "deck": ("Terrasse bois",), "carport": ("Abri voiture",),
    },
    "es": {
        "living_room": ("Salón", "Sala de estar"), "kitchen": ("Cocina",),
        "dining_room": ("Comedor",), "bedroom": ("Dormitorio", "Habitación principal"),
        "kids_room": ("Habitación niños",), "guest_room": ("Habitación invitados",),
        "bathroom": ("Baño",), "toilet": ("Aseo",), "hallway": ("Pasillo",),
        "entrance": ("Recibidor", "Entrada"), "stairs": ("Escalera",), "office": ("Despacho",),
        "laundry": ("Lavadero",), "storage": ("Trastero",), "closet": ("Vestidor",),
        "studio_room": ("Estudio",), "basement": ("Sótano",), "attic": ("Ático", "Desván"),
        "garage": ("Garaje",), "parking": ("Plaza de garaje", "Aparcamiento"),
        "driveway": ("Entrada de coches",), "garden": ("Jardín",), "patio": ("Patio",),
        "terrace": ("Terraza",), "balcony": ("Balcón",), "porch": ("Porche",),
        "pool": ("Piscina",), "shed": ("Caseta",), "back_yard": ("Jardín trasero",),
        "front_yard": ("Jardín delantero",), "deck": ("Tarima",), "loft": ("Altillo",),
        "workshop": ("Taller",), "utility_room": ("Cuarto de calderas",),
        "pantry": ("Despensa",), "carport": ("Cochera",),
    },
    "nl": {
        "living_room": ("Woonkamer",), "kitchen": ("Keuken",), "dining_room": ("Eetkamer",),
        "bedroom": ("Slaapkamer",), "kids_room": ("Kinderkamer",),
        "guest_room": ("Logeerkamer",), "bathroom": ("Badkamer",), "toilet": ("Toilet",),
        "hallway": ("Gang", "Overloop"), "entrance": ("Hal",), "stairs": ("Trap",),
        "office": ("Werkkamer", "Kantoor"), "laundry": ("Washok",), "storage": ("Berging",),
        "studio_room": ("Studio",), "basement": ("Kelder",), "attic": ("Zolder",),
        "garage": ("Garage",), "parking": ("Parkeerplaats",), "driveway": ("Oprit",),
        "garden": ("Tuin",), "back_yard": ("Achtertuin",), "front_yard": ("Voortuin",),
        "patio": ("Terras",), "terrace": ("Dakterras",), "balcony": ("Balkon",),
        "shed": ("Schuur", "Tuinhuis"), "porch": ("Veranda",), "closet": ("Inloopkast",),
        "workshop": ("Werkplaats",), "loft": ("Vliering",),
    },
    "sv": {
        "living_room": ("Vardagsrum",), "kitchen": ("Kök",), "dining_room": ("Matsal",),
        "bedroom": ("Sovrum",), "kids_room": ("Barnrum",), "guest_room": ("Gästrum",),
        "bathroom": ("Badrum",), "toilet": ("Toalett",), "hallway": ("Hall", "Korridor"),
        "entrance": ("Entré", "Farstu"), "stairs": ("Trappa",), "office": ("Kontor",),
        "laundry": ("Tvättstuga",), "storage": ("Förråd",), "closet": ("Klädkammare",),
        "studio_room": ("Etta",), "basement": ("Källare",), "attic": ("Vind",),
        "garage": ("Garage",), "carport": ("Carport",), "parking": ("Parkering",),
        "driveway": ("Uppfart",), "garden": ("Trädgård",), "patio": ("Uteplats",),
        "terrace": ("Terrass",), "balcony": ("Balkong",), "porch": ("Veranda",),
        "deck": ("Altan",), "shed": ("Bod", "Friggebod"), "sauna": ("Bastu",),
        "loft": ("Loft",), "workshop": ("Verkstad",), "utility_room": ("Pannrum",),
    },
    "it": {
        "living_room": ("Soggiorno", "Salotto"), "kitchen": ("Cucina", "Cucinotto"),
        "dining_room": ("Sala da pranzo",), "bedroom": ("Camera da letto", "Camera"),
        "kids_room": ("Cameretta",), "guest_room": ("Camera ospiti",), "bathroom": ("Bagno",),
        "toilet": ("Bagno di servizio",), "hallway": ("Corridoio",), "entrance": ("Ingresso",),
        "stairs": ("Scale",), "office": ("Studio",), "laundry": ("Lavanderia",),
        "storage": ("Ripostiglio",), "closet": ("Cabina armadio",),
        "studio_room": ("Monolocale",), "basement": ("Cantina", "Seminterrato"),
        "attic": ("Soffitta", "Mansarda"), "garage": ("Garage", "Box auto"),
        "parking": ("Posto auto",), "driveway": ("Vialetto",), "garden": ("Giardino",),
        "patio": ("Patio",), "terrace": ("Terrazzo",), "balcony": ("Balcone",),
        "porch": ("Portico",), "pool": ("Piscina",), "shed": ("Capanno",),
        "workshop": ("Laboratorio",),
    },
}

FLOOR_NAMES: Final[dict[str, dict[int, tuple[str, ...]]]] = {
    "en": {-1: ("Basement", "Lower Level"), 0: ("Ground Floor", "Downstairs", "Main Floor"),
           1: ("First Floor", "Upstairs", "Second Floor"), 2: ("Second Floor", "Top Floor",
           "Third Floor"), 3: ("Attic", "Top Floor")},
    "de": {-1: ("Keller", "Untergeschoss"), 0: ("Erdgeschoss", "EG"), 1: ("Obergeschoss", "OG"),
           2: ("Dachgeschoss", "2. OG"), 3: ("Spitzboden",)},
    "fr": {-1: ("Sous-sol",), 0: ("Rez-de-chaussée",), 1: ("Premier étage", "Étage"),
           2: ("Deuxième étage", "Combles"), 3: ("Grenier",)},
    "es": {-1: ("Sótano",), 0: ("Planta baja",), 1: ("Primera planta", "Planta alta"),
           2: ("Segunda planta",), 3: ("Buhardilla",)},
    "nl": {-1: ("Kelder",), 0: ("Begane grond",), 1: ("Eerste verdieping",),
           2: ("Tweede verdieping", "Zolder"), 3: ("Vliering",)},
    "sv": {-1: ("Källare",), 0: ("Bottenvåning", "Entréplan"), 1: ("Övervåning",),
           2: ("Vindsvåning",), 3: ("Vind",)},
    "it": {-1: ("Seminterrato",), 0: ("Piano terra",), 1: ("Primo piano",),
           2: ("Secondo piano", "Mansarda"), 3: ("Sottotetto",)},
}

#: The areas Home Assistant's onboarding creates, as its translations name them (living room,
#: kitchen, bedroom): what a home nobody sorted into rooms still has.
ONBOARDING_AREA_NAMES: Final[dict[str, tuple[str, str, str]]] = {
    "en": ("Living Room", "Kitchen", "Bedroom"),
    "de": ("Wohnzimmer", "Küche", "Schlafzimmer"),
    "fr": ("Salon", "Cuisine", "Chambre"),
    "es": ("Salón", "Cocina", "Dormitorio"),
    "nl": ("Woonkamer", "Keuken", "Slaapkamer"),
    "sv": ("Vardagsrum", "Kök", "Sovrum"),
    "it": ("Soggiorno", "Cucina", "Camera da letto"),
}

#: Names for a unit's only floor, which people name after the dwelling, not a level.
UNIT_FLOOR_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Apartment", "Flat", "Home", "Main"), "de": ("Wohnung",), "fr": ("Appartement",),
    "es": ("Piso", "Apartamento"), "nl": ("Appartement",), "sv": ("Lägenhet",),
    "it": ("Appartamento",),
}

#: Names that say nothing about what a room is; real homes have them.
VAGUE_NAMES: Final[tuple[str, ...]] = (
    "Room 1", "Room 2", "Room 3", "Misc", "Other", "Area 51", "Test", "Zone A", "Upstairs",
    "Downstairs", "Back", "Front", "Emma's Room", "Noah's Room", "Mia", "Leo", "Oma",
    "Man Cave", "Hobby", "Office/Guest", "Server Rack",
)

PERSON_NAMES: Final[tuple[str, ...]] = (
    "Alex", "Sam", "Jordan", "Emma", "Noah", "Mia", "Leo", "Sofia", "Lukas", "Chloé", "Lucas",
    "Marta", "Pablo", "Sanne", "Daan", "Elin", "Oskar", "Giulia", "Marco", "Priya", "Wei",
)

#: Words people put before a room's name to say which level it is on ("Upstairs Bath").
LEVEL_PREFIXES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {"upper": ("Upstairs", "Upper", "2nd Floor"), "ground": ("Downstairs", "Main")},
    "de": {"upper": ("OG", "Obergeschoss"), "ground": ("EG", "Unten")},
    "fr": {"upper": ("Étage",), "ground": ("RDC",)},
    "es": {"upper": ("Planta alta",), "ground": ("Planta baja",)},
    "nl": {"upper": ("Boven",), "ground": ("Beneden",)},
    "sv": {"upper": ("Övre",), "ground": ("Nedre",)},
    "it": {"upper": ("Piano di sopra",), "ground": ("Piano terra",)},
}
