"""The tables processing/vision/taxonomy.py builds ImageNet's classes from: parent labels,
synonyms, parents by index range and by class name, display-name renames, water classes."""

from __future__ import annotations

# Parent labels and their own parents (transitively closed by ancestors()).
PARENTS: dict[str, tuple[str, ...]] = {
    "Animal": (),
    "Mammal": ("Animal",),
    "Pet": ("Animal",),
    "Dog": ("Pet", "Mammal"),
    "Cat": ("Pet", "Mammal"),
    "Wild Cat": ("Mammal",),
    "Wild Dog": ("Mammal",),
    "Fox": ("Wild Dog",),
    "Bear": ("Mammal",),
    "Primate": ("Mammal",),
    "Monkey": ("Primate",),
    "Rodent": ("Mammal",),
    "Rabbit": ("Mammal",),
    "Horse": ("Mammal",),
    "Pig": ("Mammal",),
    "Cattle": ("Mammal",),
    "Sheep": ("Mammal",),
    "Antelope": ("Mammal",),
    "Elephant": ("Mammal",),
    "Whale": ("Sea Life", "Mammal"),
    "Marine Mammal": ("Sea Life", "Mammal"),
    "Bird": ("Animal",),
    "Duck": ("Bird",),
    "Fish": ("Sea Life", "Animal"),
    "Shark": ("Fish",),
    "Sea Life": ("Animal",),
    "Reptile": ("Animal",),
    "Lizard": ("Reptile",),
    "Snake": ("Reptile",),
    "Turtle": ("Reptile",),
    "Crocodile": ("Reptile",),
    "Amphibian": ("Animal",),
    "Frog": ("Amphibian",),
    "Insect": ("Animal",),
    "Butterfly": ("Insect",),
    "Beetle": ("Insect",),
    "Spider": ("Animal",),
    "Crab": ("Sea Life",),
    "Invertebrate": ("Animal",),
    "Vehicle": ("Transportation",),
    "Transportation": (),
    "Car": ("Vehicle",),
    "Truck": ("Vehicle",),
    "Bus": ("Vehicle",),
    "Motorcycle": ("Vehicle",),
    "Bicycle": ("Vehicle",),
    "Train": ("Vehicle",),
    "Boat": ("Vehicle",),
    "Ship": ("Boat",),
    "Aircraft": ("Vehicle",),
    "Food": (),
    "Fruit": ("Food", "Plant"),
    "Vegetable": ("Food", "Plant"),
    "Dessert": ("Food",),
    "Drink": (),
    "Plant": (),
    "Flower": ("Plant",),
    "Mushroom": ("Plant",),
    "Nature": (),
    "Landscape": ("Nature",),
    "Water": ("Nature",),
    "Outdoors": (),
    "Building": ("Architecture",),
    "Architecture": (),
    "Church": ("Building",),
    "Tower": ("Building",),
    "Bridge": ("Architecture",),
    "Shop": ("Building",),
    "Furniture": (),
    "Chair": ("Furniture",),
    "Table": ("Furniture",),
    "Bed": ("Furniture",),
    "Electronics": (),
    "Computer": ("Electronics",),
    "Phone": ("Electronics",),
    "Camera": ("Electronics",),
    "Musical Instrument": (),
    "Clothing": (),
    "Hat": ("Clothing",),
    "Shoe": ("Clothing", "Footwear"),
    "Footwear": (),
    "Sport": (),
    "Ball": ("Sport",),
    "Toy": (),
    "Tool": (),
    "Weapon": (),
    "Kitchen": (),
    "Container": (),
    "Bottle": ("Container",),
    "Text": (),
    "Sign": ("Text",),
    "Person": (),
}

# Other words a person might search for, stored with the label.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "Dog": ("Puppy", "Canine"),
    "Cat": ("Kitten", "Kitty"),
    "Car": ("Automobile",),
    "Bicycle": ("Bike",),
    "Motorcycle": ("Motorbike",),
    "Aircraft": ("Airplane", "Plane"),
    "Boat": ("Watercraft",),
    "Person": ("Human",),
    "Flower": ("Blossom",),
    "Beach": ("Coast", "Shore"),
    "Mountain": ("Mountains",),
    "Laptop": ("Notebook",),
    "Phone": ("Telephone",),
    "Sea Life": ("Marine Life",),
}

# (first index, last index, parents): ImageNet-1k is ordered, animals first.
RANGES: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0, 1, ("Fish",)),
    (2, 4, ("Shark",)),
    (5, 6, ("Fish",)),
    (7, 24, ("Bird",)),
    (25, 29, ("Amphibian",)),
    (30, 32, ("Frog",)),
    (33, 37, ("Turtle",)),
    (38, 48, ("Lizard",)),
    (49, 50, ("Crocodile",)),
    (51, 51, ("Animal",)),
    (52, 68, ("Snake",)),
    (69, 69, ("Invertebrate",)),
    (70, 70, ("Spider",)),
    (71, 71, ("Invertebrate",)),
    (72, 77, ("Spider",)),
    (78, 79, ("Invertebrate",)),
    (80, 96, ("Bird",)),
    (97, 98, ("Duck",)),
    (99, 100, ("Bird",)),
    (101, 101, ("Elephant",)),
    (102, 106, ("Mammal",)),
    (107, 117, ("Sea Life", "Invertebrate")),
    (118, 125, ("Crab",)),
    (126, 126, ("Invertebrate",)),
    (127, 146, ("Bird",)),
    (147, 148, ("Whale",)),
    (149, 150, ("Marine Mammal",)),
    (151, 268, ("Dog",)),
    (269, 272, ("Wild Dog",)),
    (273, 273, ("Dog",)),  # the dingo is a dog (and what a pet dog is often taken for)
    (274, 276, ("Wild Dog",)),
    (277, 280, ("Fox",)),
    (281, 285, ("Cat",)),
    (286, 293, ("Wild Cat",)),
    (294, 297, ("Bear",)),
    (298, 299, ("Mammal",)),
    (300, 307, ("Beetle",)),
    (308, 320, ("Insect",)),
    (321, 326, ("Butterfly",)),
    (327, 329, ("Sea Life", "Invertebrate")),
    (330, 332, ("Rabbit",)),
    (333, 338, ("Rodent",)),
    (339, 339, ("Horse",)),
    (340, 340, ("Mammal",)),
    (341, 343, ("Pig",)),
    (344, 344, ("Mammal",)),
    (345, 347, ("Cattle",)),
    (348, 350, ("Sheep",)),
    (351, 353, ("Antelope",)),
    (354, 364, ("Mammal",)),
    (365, 368, ("Primate",)),
    (369, 382, ("Monkey",)),
    (383, 384, ("Primate",)),
    (385, 386, ("Elephant",)),
    (387, 388, ("Mammal",)),
    (389, 397, ("Fish",)),
    (923, 923, ("Kitchen",)),
    (924, 927, ("Food",)),
    (928, 929, ("Dessert",)),
    (930, 935, ("Food",)),
    (936, 947, ("Vegetable",)),
    (948, 957, ("Fruit",)),
    (958, 958, ("Plant",)),
    (959, 965, ("Food",)),
    (966, 967, ("Drink",)),
    (968, 968, ("Kitchen",)),
    (969, 969, ("Drink",)),
    (970, 980, ("Landscape", "Outdoors")),
    (981, 983, ("Person",)),
    (984, 986, ("Flower",)),  # rapeseed, daisy, yellow lady's slipper (an orchid)
    (987, 987, ("Vegetable",)),  # corn
    (988, 990, ("Plant",)),
    (991, 997, ("Mushroom",)),
    (998, 998, ("Plant",)),
)

# Objects (indices 398–922), by class name; a class not named here keeps only its own label.
OBJECT_PARENTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "station wagon|taxicab|convertible|jeep|limousine|minivan|ford model t|race car|"
            "sports car|car wheel|car mirror|radiator grille|police van|ambulance|go-kart|"
            "golf cart|minibus|moving van|recreational vehicle|amphibious vehicle"
        ).split("|"),
        ("Car",),
    ),
    **dict.fromkeys(
        "fire truck|garbage truck|pickup truck|tow truck|semi-trailer truck|tractor|forklift|"
        "snowplow|half-track|tank|combine harvester".split("|"),
        ("Truck",),
    ),
    **dict.fromkeys("school bus|trolleybus".split("|"), ("Bus",)),
    **dict.fromkeys("moped|motor scooter".split("|"), ("Motorcycle",)),
    **dict.fromkeys("mountain bike|tandem bicycle|tricycle|unicycle".split("|"), ("Bicycle",)),
    **dict.fromkeys(
        "high-speed train|electric locomotive|steam locomotive|freight car|railroad car|tram".split(
            "|"
        ),
        ("Train",),
    ),
    **dict.fromkeys(
        "canoe|kayak|catamaran|trimaran|gondola|lifeboat|motorboat|fireboat|schooner|yawl|"
        "paddle wheel|speedboat".split("|"),
        ("Boat",),
    ),
    **dict.fromkeys(
        "aircraft carrier|container ship|ocean liner|pirate ship|submarine|shipwreck".split("|"),
        ("Ship",),
    ),
    **dict.fromkeys(
        "airliner|airship|military aircraft|airplane wing|space shuttle".split("|"), ("Aircraft",)
    ),
    **dict.fromkeys(
        "horse-drawn vehicle|rickshaw|bullock cart|dog sled|bobsleigh|snowmobile|"
        "shopping cart|wheelbarrow|mobile home".split("|"),
        ("Vehicle",),
    ),
    **dict.fromkeys(
        "barn|boathouse|greenhouse|library|monastery|palace|prison|castle|mosque|"
        "planetarium|movie theater|restaurant|thatched roof|tile roof|yurt|cliff dwelling|"
        "patio|dome|stupa|water tower|apiary|sawmill".split("|"),
        ("Building",),
    ),
    **dict.fromkeys("church|altar".split("|"), ("Church",)),
    "bell tower": ("Church", "Tower"),
    "plant pot": ("Plant", "Container"),  # a pot in a photo nearly always holds a plant
    **dict.fromkeys("lighthouse|obelisk|totem pole".split("|"), ("Tower",)),
    **dict.fromkeys(
        "through arch bridge|suspension bridge|viaduct|pier|dock|dam|breakwater".split("|"),
        ("Bridge",),
    ),
    **dict.fromkeys(
        "bakery|barbershop|bookstore|butcher shop|candy store|grocery store|shoe store|"
        "tobacco shop|toy store".split("|"),
        ("Shop",),
    ),
    **dict.fromkeys(
        "barber chair|folding chair|rocking chair|throne|park bench|couch".split("|"),
        ("Chair",),
    ),
    **dict.fromkeys("desk|dining table|pool table".split("|"), ("Table",)),
    **dict.fromkeys("four-poster bed|infant bed|cradle|bassinet".split("|"), ("Bed",)),
    **dict.fromkeys(
        "bookcase|china cabinet|chiffonier|filing cabinet|wardrobe|storage chest|"
        "entertainment center|medicine cabinet|shoji screen|plate rack".split("|"),
        ("Furniture",),
    ),
    **dict.fromkeys(
        "desktop computer|laptop computer|notebook computer|hand-held computer|"
        "computer keyboard|computer mouse|monitor|CRT monitor|screen|website|modem|"
        "hard disk drive|printer".split("|"),
        ("Computer",),
    ),
    **dict.fromkeys("mobile phone|rotary dial telephone|payphone".split("|"), ("Phone",)),
    **dict.fromkeys("Polaroid camera|reflex camera|lens cap|tripod".split("|"), ("Camera",)),
    **dict.fromkeys(
        "television|home theater|iPod|CD player|cassette player|tape player|radio|"
        "music speaker|projector|remote control|joystick|microphone|oscilloscope".split("|"),
        ("Electronics",),
    ),
    **dict.fromkeys(
        "accordion|acoustic guitar|banjo|bassoon|cello|cornet trumpet|drum|electric guitar|"
        "flute|French horn|gong|grand piano|harmonica|harp|marimba xylophone|maraca|oboe|"
        "ocarina|pan flute|pipe organ|saxophone|steel drum|trombone|upright piano|violin".split(
            "|"
        ),
        ("Musical Instrument",),
    ),
    **dict.fromkeys(
        "abaya|academic gown|apron|cardigan|cloak|fur coat|gown|jeans|T-shirt|kimono|"
        "lab coat|miniskirt|military uniform|pajamas|poncho|sarong|suit|sweatshirt|"
        "trench coat|vestment|bikini|one-piece bathing suit|swim trunks|bow tie|Windsor tie|"
        "bolo tie|stole scarf|mitten|sock|bra|hoop skirt|overskirt|leotard|"
        "bulletproof vest|baby bib|diaper".split("|"),
        ("Clothing",),
    ),
    **dict.fromkeys(
        "cowboy hat|sombrero|poke bonnet|military hat|graduation cap|shower cap|"
        "swimming cap|crash helmet|football helmet|Pickelhaube".split("|"),
        ("Hat",),
    ),
    **dict.fromkeys("clogs|cowboy boot|slip-on shoe|sneaker|sandal".split("|"), ("Shoe",)),
    **dict.fromkeys(
        "baseball|basketball|croquet ball|golf ball|ping-pong ball|rugby ball|soccer ball|"
        "tennis ball|volleyball ball".split("|"),
        ("Ball",),
    ),
    **dict.fromkeys(
        "balance beam|barbell|dumbbell|gymnastic horizontal bar|parallel bars|racket|ski|"
        "hockey puck|punching bag|scoreboard|baseball player".split("|"),
        ("Sport",),
    ),
    **dict.fromkeys(
        "teddy bear|jigsaw puzzle|balloon|pinwheel|carousel|swing|piggy bank".split("|"),
        ("Toy",),
    ),
    **dict.fromkeys(
        "hammer|hatchet|screwdriver|power drill|chainsaw|shovel|block plane|tool kit|"
        "can opener|corkscrew|ruler measuring stick|lawn mower|broom|mop|plunger".split("|"),
        ("Tool",),
    ),
    **dict.fromkeys(
        "assault rifle|rifle|revolver|cannon|missile|hunting bow|shield|scabbard|"
        "breastplate|cuirass|chain mail|guillotine".split("|"),
        ("Weapon",),
    ),
    **dict.fromkeys(
        "frying pan|wok|Dutch oven|Crock Pot|cauldron|teapot|coffeepot|coffee mug|tea cup|"
        "mixing bowl|soup bowl|ladle|spatula|wooden spoon|strainer|measuring cup|"
        "cocktail shaker|salt shaker|waffle iron|toaster|microwave oven|stove|refrigerator|"
        "dishwasher|espresso machine|rotisserie|cleaver|plate|tray|goblet|drink pitcher".split("|"),
        ("Kitchen",),
    ),
    **dict.fromkeys(
        "beer bottle|wine bottle|water bottle|soda bottle|pill bottle|whiskey jug|water jug".split(
            "|"
        ),
        ("Bottle",),
    ),
    **dict.fromkeys(
        "trash can|barrel|bucket|crate box|cardboard box|hamper|shopping basket|"
        "plastic bag|rain barrel|milk can|vase".split("|"),
        ("Container",),
    ),
    **dict.fromkeys(
        "traffic or street sign|brass memorial plaque|scoreboard|menu|dust jacket|"
        "comic book|crossword|envelope|website".split("|"),
        ("Text",),
    ),
    "beer glass": ("Drink",),
    "red wine": ("Drink",),
    "bridegroom": ("Person",),
    "scuba diver": ("Person",),
}

# Display names where the class name is not what a person would search for.
RENAMES: dict[str, str] = {
    "a cat having a striped coat": "Tiger Cat",
    "tusker": "Elephant",
    "red wolf or maned wolf": "Red Wolf",
    "bell or wind chime": "Wind Chime",
    "gas mask or respirator": "Gas Mask",
    "traffic or street sign": "Street Sign",
    "vaulted or arched ceiling": "Vaulted Ceiling",
    "tights for gymnastics, a one-piece leotard, or a sport jersey": "Jersey",
    "notebook computer": "Laptop",
    "laptop computer": "Laptop",
    "ford model t": "Model T",
    "crane bird": "Crane (Bird)",
    "construction crane": "Crane",
    "common sorrel horse": "Horse",
    "cricket insect": "Cricket",
    "bittern bird": "Bittern",
    "marimba xylophone": "Xylophone",
    "cornet trumpet": "Trumpet",
    "ruler measuring stick": "Ruler",
    "loupe magnifying glass": "Magnifying Glass",
    "fishing casting reel": "Fishing Reel",
    "stole scarf": "Scarf",
    "crate box": "Crate",
    "hair wig": "Wig",
    "balaclava ski mask": "Balaclava",
    "volleyball ball": "Volleyball",
    "metal nail": "Nail",
    "fruiting spike of a cereal plant": "Ear of Grain",
    "hen of the woods mushroom": "Hen of the Woods",
    "earth star fungus": "Earthstar",
    "stinkhorn mushroom": "Stinkhorn",
    "ram (adult male sheep)": "Ram",
    "impala (antelope)": "Impala",
    "drake (male duck)": "Drake",
    "kite (bird of prey)": "Kite (Bird)",
    "product packet / packaging": "Packaging",
    "beach": "Beach",
    "lakeshore": "Lake",
    "mountain": "Mountain",
}
# The "Landscape" classes also mean water: a lake or beach photo is a water photo.
WATER = frozenset({"Beach", "Lake", "Coral Reef", "Sandbar", "Geyser", "Promontory"})
