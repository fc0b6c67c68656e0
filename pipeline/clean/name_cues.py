"""The words around a name that say it is a person (en, de, es, fr, it, pt, nl), used by `pipeline.clean.names`.

Phrases are lowercase with words joined by one space, as `names._Context.ends_with` joins the words before a name.
Titles keep their case: "Mr" is a title, "mr" in a lowercase review is left alone.
"""

from __future__ import annotations

SELF_INTRODUCTIONS = frozenset(
    ("my name is", "my name's", "mein name ist", "ich heiße", "ich heisse", "me llamo", "mi nombre es",
     "je m'appelle", "mon nom est", "mi chiamo", "il mio nome è", "meu nome é", "chamo-me", "me chamo",
     "mijn naam is", "ik heet")
)  # fmt: skip
"""A capitalized run after these is a name, known or not ("my name is Anna Kowalska")."""

GENERIC_INTRODUCTIONS = frozenset(
    ("i'm", "i am", "call me", "this is", "ich bin", "soy", "je suis", "sono", "sou", "ik ben")
)  # fmt: skip
"""These introduce a name only before a known first name ("I'm Sarah", not "I'm Italian")."""

SOMEONE = frozenset(
    ("a certain", "some guy", "ein gewisser", "eine gewisse", "un tal", "una tal", "un certain", "une certaine",
     "un certo", "una certa", "um tal", "uma tal", "ene")
)  # fmt: skip

CALLED = frozenset(
    ("called", "named", "namens", "genannt", "llamado", "llamada", "appelé", "appelée", "nommé", "nommée",
     "chiamato", "chiamata", "chamado", "chamada", "genaamd")
)  # fmt: skip
"""After a person ("a guy called Dave") any run is a name; after a thing ("a dress called") only a known one."""

ABBREVIATED_TITLES = frozenset(
    ("Mr", "Mrs", "Ms", "Mx", "Hr", "Sr", "Sra", "Srta", "Mme", "Mlle", "Sig", "Dhr", "Mevr")
)  # fmt: skip
"""Titles that may take a full stop ("Mr. Thompson"); "Dr" is left out, "Dr Martens" is a brand."""

TITLES = ABBREVIATED_TITLES | frozenset(
    ("Miss", "Frau", "Herr", "Herrn", "Doña", "Madame", "Monsieur", "Signor", "Signora", "Signorina", "Meneer",
     "Mevrouw")
)  # fmt: skip

ROLES = frozenset(
    (
        "driver", "courier", "carrier", "delivery guy", "delivery man", "delivery driver", "postman", "mailman",
        "agent", "rep", "representative", "associate", "assistant", "clerk", "cashier", "manager", "supervisor",
        "seller", "salesperson", "saleswoman", "salesman", "saleslady", "stylist", "employee", "guy", "lady",
        "husband", "wife", "daughter", "son", "sister", "brother", "mother", "mom", "mum", "father", "dad", "friend",
        "boyfriend", "girlfriend", "partner", "fiancé", "fiancée", "neighbor", "neighbour", "niece", "nephew",
        "cousin", "grandson", "granddaughter", "grandma", "grandmother", "mother-in-law", "colleague", "coworker",
        "co-worker", "boss",
        "fahrer", "fahrerin", "kurier", "bote", "paketbote", "zusteller", "zustellerin", "mitarbeiter",
        "mitarbeiterin", "verkäufer", "verkäuferin", "berater", "beraterin", "tochter", "sohn", "schwester", "bruder",
        "mutter", "vater", "freund", "freundin", "nachbar", "nachbarin", "kollege", "kollegin",
        "repartidor", "repartidora", "mensajero", "agente", "empleado", "empleada", "vendedor", "vendedora",
        "dependienta", "dependiente", "marido", "esposo", "esposa", "hija", "hijo", "hermana", "hermano", "amigo",
        "amiga", "novio", "novia", "vecino", "vecina",
        "entregador", "entregadora", "estafeta", "carteiro", "atendente", "funcionário", "funcionária", "filha",
        "filho", "irmã", "irmão", "namorado", "namorada", "vizinho", "vizinha",
        "livreur", "livreuse", "coursier", "facteur", "conseiller", "conseillère", "vendeur", "vendeuse", "employé",
        "employée", "mari", "fille", "fils", "sœur", "frère", "ami", "amie", "copain", "copine", "voisin", "voisine",
        "corriere", "fattorino", "addetto", "addetta", "operatore", "operatrice", "commesso", "commessa", "moglie",
        "figlia", "figlio", "sorella", "fratello", "vicino", "vicina",
        "bezorger", "koerier", "chauffeur", "medewerker", "medewerkster", "verkoper", "verkoopster", "dochter",
        "zoon", "zus", "broer", "moeder", "vader", "vriend", "vriendin", "buurman", "buurvrouw",
    )
)  # fmt: skip
"""People a review names: "the driver Kevin", "my daughter Emily", "onze bezorger Bram", "Mein Sohn Lukas"."""

THANKS = frozenset(
    ("thanks", "thank you", "many thanks", "thanks so much", "thank you so much", "thanks again", "thanks a lot",
     "thx", "danke", "vielen dank", "gracias", "muchas gracias", "merci", "merci beaucoup", "grazie",
     "grazie mille", "obrigado", "obrigada", "muito obrigado", "muito obrigada", "bedankt", "dank je", "dank u")
)  # fmt: skip
"""Before a closing known first name ("Thanks, Peter"); reviews thank brands too ("Thanks, Retailer")."""

SIGN_OFFS = frozenset(
    ("cheers", "regards", "best regards", "kind regards", "warm regards", "best wishes", "best", "sincerely",
     "yours", "love", "xoxo", "signed", "gruß", "grüße", "viele grüße", "liebe grüße", "beste grüße",
     "mit freundlichen grüßen", "lg", "mfg", "saludos", "un saludo", "atentamente", "un abrazo", "cordialement",
     "salutations", "bien à vous", "amicalement", "bisous", "saluti", "cordiali saluti", "distinti saluti",
     "un saluto", "cumprimentos", "atenciosamente", "abraços", "beijos", "groeten", "groetjes", "groet",
     "met vriendelijke groet", "lieve groet", "mvg")
)  # fmt: skip
"""Before a closing name, known or with a known surname ("Best regards,\nLinda Johnson")."""

GREETINGS = frozenset(
    ("dear", "hi", "hello", "hallo", "hola", "bonjour", "ciao", "olá", "hoi", "liebe", "lieber", "querida",
     "querido", "chère", "cher", "caro", "cara", "beste")
)  # fmt: skip

PERSON_BEFORE = frozenset(
    ("spoke to", "spoke with", "talked to", "talked with", "speak to", "speak with", "ask for", "asked for",
     "thanks to", "thank", "thanked", "told", "asked", "contacted", "emailed", "phoned", "met", "helped by",
     "assisted by", "served by", "signed by", "mit", "gesprochen mit", "con", "hablé con", "gracias a",
     "pregunté a", "escribí a", "à", "avec", "parlé à", "parlé avec", "parlato con", "grazie a", "chiesto a",
     "detto a", "scritto a", "aiutato da", "aiutata da", "com a", "com o", "falei com", "obrigado a", "obrigada a",
     "atendido por", "atendida por", "door", "geholpen door", "aan", "tegen")
)  # fmt: skip
"""Words that take a person ("spoke with Brian", "merci à Chloé"); "to", "by" and "from" take brands as often."""

PERSON_AFTER = frozenset(
    ("said", "says", "told", "tells", "asked", "helped", "answered", "replied", "promised", "assured", "explained",
     "apologized", "apologised", "offered", "refused", "insisted", "confirmed", "emailed", "hung", "who", "sagte",
     "meinte", "versprach", "dijo", "prometió", "qui", "disse", "prometeu", "zei", "belde")
)  # fmt: skip
"""Words after a known first name that make it a person: "Kevin said", "Nathalie qui m'a dit"."""

PLACE_BEFORE = frozenset(("in", "from", "near", "around", "visiting", "across", "at", "to the", "of"))
"""A known first name after these is a place or a shop: "wore it in Florence", "bought at Maeve"."""

PLACE_WORDS = frozenset(("San", "Santa", "Santo", "São", "Saint", "Sainte", "Sankt", "Fort", "Port", "Mount", "Lake"))
"""A run opening with these is a place: "Santa Barbara", "Saint Laurent"."""

CUE_LAST_WORDS = (
    frozenset(
        phrase.rsplit(" ", 1)[-1]
        for phrases in (SELF_INTRODUCTIONS, GENERIC_INTRODUCTIONS, SOMEONE, CALLED, ROLES, THANKS, SIGN_OFFS,
                        GREETINGS, PERSON_BEFORE)
        for phrase in phrases
    )
    | {title.lower() for title in TITLES}
    | {"c/o", "m"}
)  # fmt: skip
"""The last word of every cue: a run of unknown words after none of these is skipped at once (the fast path)."""
