"""German rules. Patterns are lowercase and written with umlauts; they also match "ae/oe/ue" and unaccented text."""

from __future__ import annotations

from functools import partial

from agent.scorer.lexicons.language import LanguageLexicon, build_rule, gap

_rule = partial(build_rule, "de")
_NEG = r"nicht|nichts|kein\w*|nie|niemals|ohne"
_BREAKS = r"aber|doch|jedoch|sondern|trotzdem|allerdings|und|weil|denn"
_GAP = gap(f"{_NEG}|{_BREAKS}")
_SHORT_GAP = gap(f"{_NEG}|{_BREAKS}", 20)

_DEVICE = (
    r"(ladegerät\w*|ladekabel|netzteil\w*|akku\w*|batterie\w*|kabel|stecker\w*|steckdose\w*|steckerleiste|"
    r"mehrfachstecker|adapter|powerbank|handy|laptop|ladestation|lampe|leuchte|birne|lichterkette|netzkabel|"
    r"verlängerungskabel|gehäuse|griff|kopfhörer|motor|gerät|ding|teil)"
)
_BODY = (
    r"(hand|hände|finger|daumen|haut|arm|arme|bein|beine|gesicht|mund|zunge|lippe|lippen|fuß|füße|ohr|ohren|"
    r"nacken|hals|kopf|knie|bauch|rücken)"
)
_CHILD = (
    r"(baby|babys|kind|kinder|kleinkind|sohn|tochter|enkel\w*|säugling|(der|die|unser|unsere|mein|meine) kleinen?"
    r"|(unser|mein) kleiner)"
)

RULES = (
    # --- safety_hazard -----------------------------------------------------------------------------
    _rule(
        "safety.fire",
        "safety_hazard",
        ("feuer", "flamm", "brand", "brann", "brenn", "lichterloh", "stichflamme", "abgefackelt"),
        r"\b(feuer (gefangen|fangen|fing|fängt)|(fing|fängt|fangen) (sofort |schnell |plötzlich |direkt |gleich "
        r"|fast )?feuer|in flammen (aufgegangen|aufgehen"
        r"|stand|standen|gestanden|auf)|ging (\w+ )?in flammen auf|flammen (schlugen|schlagen|kamen|schossen|loderten)"
        r"|(fing|fängt|hat angefangen|angefangen) zu brennen|in brand (geraten|gesetzt|gesteckt)|lichterloh"
        r"|stichflamme|abgefackelt|abgebrannt|brandgefahr|brandgefährlich|kabelbrand|schwelbrand|zimmerbrand"
        r"|wohnungsbrand|feuerwehr (kam|kommen|rufen|gerufen|musste|war)|(die|der) feuerwehr)\b"
        rf"|\b(hat|hatte|haben|hätte){_SHORT_GAP} (ge)?brannt\b",
        0.95,
        unless=r"feuer und flamme|brandneu|feuerwehrauto|gebrannte mandeln",
    ),
    _rule(
        "safety.smoke",
        "safety_hazard",
        (
            "gestunken",
            "rauch",
            "qualm",
            "kokel",
            "schmor",
            "verkohlt",
            "geruch",
            "riecht",
            "roch",
            "stinkt",
            "stank",
            "gerochen",
        ),
        r"\b(rauch|qualm) (kam|kommt|stieg|steigt|quoll|quillt|drang|entwich)\b"
        r"|\b(kam|kommt|stieg|steigt|quoll|quillt|drang|entwich) (\w+ ){0,2}(rauch|qualm)\b"
        r"|\b(rauch|qualm)\b[^.!?]{0,20}\b(aus|raus|heraus|hervor)(gekommen|getreten)?\b"
        r"|\b(voller|viel|dichter|schwarzer|weißer|beißender) (rauch|qualm)\b|\brauch(wolke|entwicklung|schwaden)"
        r"|\bqualmwolke|\b(qualmt|qualmte|qualmten|gequalmt|kokelt|kokelte|schmort|schmorte|geschmort|verschmort"
        r"|angeschmort|durchgeschmort|verkohlt)\b"
        r"|\b(anfangen|fing an|angefangen|begann|beginnt) zu (rauchen|qualmen|kokeln|schmoren)\b"
        rf"|\b{_DEVICE}\b{_GAP} (raucht|rauchte|geraucht)\b"
        r"|\b(brand|schmor|kokel)geruch|\b(verbrannt|verschmort|angeschmort|verkohlt)\w* (geruch|gerochen|riecht|roch"
        r"|gestunken|stinkt|stank)\b"
        r"|\b(riecht|roch|stinkt|stank|gerochen) (\w+ ){0,3}(verbrannt|verschmort|angebrannt|nach rauch|verkohlt"
        r"|nach brand|nach verbranntem|nach verschmortem|nach geschmolzenem)\b"
        r"|\brauchmelder (ging|hat|schlug|ist|wurde) (\w+ )?(los|an|alarm|ausgelöst)",
        0.9,
        unless=r"rauchgrau|nichtraucher|raucher|rauchig|rauch eistee",
    ),
    _rule(
        "safety.overheat",
        "safety_hazard",
        ("hitz", "heiß", "glüh", "anfassen"),
        r"\büberhitz\w*|\b(zu|so) heiß,? (zum |um (es|sie|ihn) )?(anfassen|anzufassen)|\bglühend heiß\b"
        r"|\bbrennend heiß\b|\bbrandheiß\b"
        rf"|\b{_DEVICE}\b{_GAP} (viel zu|zu|so|sehr|extrem|brutal|gefährlich|richtig|total|mega|enorm|unglaublich"
        r"|höllisch|glühend|brennend|sau|ziemlich|übermäßig|ungewöhnlich) heiß\b",
        0.85,
        unless=r"überhitzungsschutz|schutz (vor|gegen) überhitzung|(ich|wir|man) (bin|war|ist|sind|waren)"
        r" (\w+ )?überhitzt",
    ),
    _rule(
        "safety.melt",
        "safety_hazard",
        ("schmolz", "schmilz", "schmelz", "geschmolzen"),
        r"\b(geschmolzen|angeschmolzen|weggeschmolzen|zerschmolzen|schmolz|schmilzt)\b|\bfing an zu schmelzen",
        0.85,
        unless=r"zunge|im mund|herz|schokolade|butter|käse|\beis\b|schnee|wachs|kerze|zucker|dahin",
    ),
    _rule(
        "safety.spark",
        "safety_hazard",
        ("funk", "lichtbogen", "kurzschluss"),
        r"\bfunken (sprühten|sprühen|sprühte|flogen|fliegen|kamen|kommen|schlugen|schlagen|gesprüht|geflogen)\b"
        r"|\bsprüht(e|en)? (\w+ )?funken\b|\bfunkenflug|\bfunkenschlag|\bfunkte\b|\blichtbogen|\bkurzschluss\w*"
        r"|\bfunken (aus|an|in|am|im|beim|bei) (der|dem|den|einstecken)\b|\bhat (\w+ )?(richtig |kurz )?gefunkt\b",
        0.85,
        unless=r"funke(n)? (hoffnung|verstand|anstand|wahrheit)|zwischen uns|bei uns (hat|gleich)|funkverbindung"
        r"|funkt auf",
    ),
    _rule(
        "safety.shock",
        "safety_hazard",
        ("gefeuert", "strom", "schlag", "gewischt", "elektrisiert"),
        r"\bstromschl(a|ä)g\w*|\belektrische[nr]? schlag|\b(einen|ein|nen) (\w+ )?schlag (bekommen|gekriegt|abbekommen"
        r"|erhalten|gegeben|gekriegt)\b|\b(bekam|bekommt|kriegte|kriegt|kriegt man|bekommt man) (\w+ )?(einen|nen)"
        r" (\w+ )?(schlag|gewischt)\b"
        r"|\b(eine|einen|eins) (gewischt|gefeuert) (bekommen|gekriegt)\b|\b(steht|stand|standen|war|ist) (\w+ )?unter"
        r" strom\b|\bstromführend|\belektrisiert\b",
        0.85,
        unless=r"(ich|wir) (stehe|stand|bin|war|sind|standen) (\w+ )?unter strom|herzschlag|schicksalsschlag",
    ),
    _rule(
        "safety.burn",
        "safety_hazard",
        ("verbrann", "verbrüh", "verbrenn", "brandblase", "brandwunde", "brandverletz", "blasen"),
        rf"\b(hab|habe|hat|haben|hatte|hatten) (mich|mir|sich)\b{_GAP} (verbrannt|verbrüht)\b"
        rf"|\b{_BODY}\b{_GAP} (verbrannt|verbrüht)\b|\b(verbrannt|verbrüht)e? {_BODY}\b"
        r"|\bverbrennung(en)?\b|\bbrandblase\w*|\bbrandwunde\w*|\bbrandverletzung\w*|\bverbrüh\w*"
        rf"|\bblasen (an|auf|am) (den |der |dem |meine[nr]? )?(hand|händen|fingern|haut|armen|gesicht|lippen)\b",
        0.85,
        unless=r"sonnenbrand|kalorien|fett ?verbrenn|verbrennungsmotor|(toast|essen|brot|pizza"
        r"|kuchen) (\w+ )?verbrannt",
    ),
    _rule(
        "safety.cut",
        "safety_hazard",
        ("scharf", "geschnitten", "schnitt", "aufgeschlitzt", "aufgerissen", "blut", "genäht", "verletzt"),
        r"\bscharfe[n]? (kanten?|ecken?|grate?|spitzen?|stellen|ränder)\b|\bscharfkantig\w*"
        rf"|\b(hab|habe|hat|haben|hatte|hatten) (mich|mir|sich|ihm|ihr)\b{_GAP} (geschnitten|aufgeschnitten"
        r"|aufgeschlitzt|aufgerissen|verletzt)\b|\bschnittwunde\w*|\bschnittverletzung\w*"
        r"|\b(blutet|blutete|bluteten|geblutet|blutig (gekratzt|geschnitten|gerissen))\b"
        r"|\b(musste|muss|mussten) (\w+ )?genäht werden\b",
        0.85,
        unless=r"haare|bart|nägel|(schmal|gut|weit|eng|klein|groß) geschnitten|zahnfleisch",
    ),
    _rule(
        "safety.choking",
        "safety_hazard",
        ("erstickungsgefahr", "verschluck", "kleinteil", "würg", "röchel", "knopfzelle", "im hals"),
        rf"\b{_CHILD}\b{_GAP} (verschluckt|verschlucken|gewürgt|würgte|röchelte)\b"
        r"|\b(hat|hatte|haben) (\w+ ){0,4}verschluckt\b|\b(erstickungs|verschluckungs)gefahr\w*"
        r"|\bkleinteile\w* (lösen|lösten|löst|gehen|gingen|fallen|fielen|sind) (sich )?(\w+ ){0,2}(ab|los|abgefallen"
        r"|abgelöst|abgegangen)\b|\bverschluckbar\w*"
        r"|\b(lösen|löst|lösten|fallen|fiel|fielen) sich (\w+ ){0,2}kleinteile\b|\bblieb (\w+ ){0,3}im hals stecken"
        r"|\bim hals stecken(geblieben| geblieben)|\bknopfzelle\w* (verschluckt|lose|rausgefallen|herausgefallen"
        r"|frei zugänglich|fällt|fiel)",
        0.9,
        unless=r"vor lachen|am (kaffee|tee|wasser)|beim (lachen|trinken)|(mich|ich) (\w+ )?verschluckt",
    ),
    _rule(
        "safety.entrapment",
        "safety_hazard",
        (
            "erstick",
            "strangul",
            "erdrossel",
            "erwürg",
            "hals",
            "klemm",
            "quetsch",
            "steck",
            "hängen geblieben",
            "verheddert",
            "verfangen",
        ),
        rf"\b{_CHILD}\b{_GAP} (verheddert|verfangen)\b|\b(erstickt|erstickte|ersticken)\b|\bstrangul\w*|\berdrossel\w*"
        rf"|\berwürg\w*"
        r"|\b(schnur|kordel|band|bändchen|kabel|gurt|riemen|schlaufe|kette)\w*[^.!?]{0,40}\bum (den|seinen|ihren|"
        r"meinen) hals\b"
        rf"|\b({_BODY}|{_CHILD})\b{_GAP} (eingeklemmt|eingequetscht|gequetscht|steckte fest|feststeckte|festgesteckt"
        r"|stecken geblieben|steckengeblieben|hängen geblieben)\b"
        rf"|\b(eingeklemmt|eingequetscht|gequetscht) (\w+ ){{0,2}}{_BODY}\b",
        0.85,
        unless=r"erstickungsgefahr|kleinteile",
    ),
    _rule(
        "safety.allergy",
        "safety_hazard",
        (
            "rote ",
            "ausschlag",
            "nesselsucht",
            "quaddel",
            "allergi",
            "reaktion",
            "geschwoll",
            "schwoll",
            "schwellung",
            "pusteln",
            "flecken",
            "hautreizung",
            "hautrötung",
            "anaphyla",
        ),
        r"\b(haut)?ausschlag\w*|\bnesselsucht|\bquaddeln|\ballergische[nr]? (reaktion|schock|anfall)"
        r"|\ballergisch (reagiert|reagiere|reagierte)|\banaphylaktisch\w*|\bhautreaktion\w*|\bhautreizung\w*"
        r"|\bhautrötung\w*|\bpusteln|\brote (flecken|pusteln|pickel|stellen)"
        r"|\b(gesicht|lippen?|augen?|zunge|hals|hände?|haut) (\w+ ){0,2}(geschwollen|angeschwollen|schwoll|schwollen)"
        r"|\bschwellung\w* (im|am|der|an den) (gesicht|lippen|augen|zunge|hals|händen)",
        0.85,
        unless=r"den ausschlag (gegeben|gab|geben|gibt)|(gab|gibt|geben|gaben) (\w+ )?den ausschlag|ausschlaggebend"
        r"|zeigerausschlag|geschwollene (füße|beine)"
        r" (habe|hatte)",
    ),
    _rule(
        "safety.toxic",
        "safety_hazard",
        (
            "hustenreiz",
            "halskratzen",
            "gerochen",
            "geruch",
            "gestank",
            "gast ",
            "atemnot",
            "giftig",
            "krebserreg",
            "krebserzeug",
            "dämpfe",
            "ausdünst",
            "ausgas",
            "kopfschmerz",
            "kopfweh",
            "übel",
            "schwindel",
            "schwindlig",
            "augen",
        ),
        r"\bgiftig\w*|\bkrebserregend\w*|\bkrebserzeugend\w*|\bgiftige (dämpfe|gase)|\bausgasung\w*|\bgast (stark )?aus"
        r"|\b(chemisch\w*|chemie|plastik|lösungsmittel|gummi|beißend\w*|stechend\w*|penetrant\w*|stark\w*|übl\w*)"
        r" ?(geruch|gestank|riecht|stinkt|gerochen|ausdünstung\w*|dämpfe)\b[^.!?]{0,80}\b(kopfschmerz\w*|kopfweh"
        r"|übel|übelkeit|schwindel\w*|schwindlig|atemnot|hustenreiz|brennende augen|augen brennen|halskratzen)"
        r"|\b(riecht|roch|stinkt|stank) (\w+ ){0,2}(chemisch|nach chemie|nach lösungsmittel)\w*[^.!?]{0,80}"
        r"\b(kopfschmerz\w*|kopfweh|übel|übelkeit|schwindel\w*|schwindlig|atemnot)"
        r"|\b(kopfschmerz\w*|kopfweh|übelkeit|schwindel\w*|schwindlig)\b[^.!?]{0,40}\b(geruch|gestank|dämpfe|riecht"
        r"|stinkt|ausdünstung\w*)|\b(die |meine |unsere )?augen (brennen|brannten|tränen|tränten)\b",
        0.8,
        unless=r"ungiftig|giftgrün|schadstofffrei|zwiebel",
    ),
    _rule(
        "safety.explode",
        "safety_hazard",
        (
            "bläht",
            "dick geworden",
            "explo",
            "luft geflogen",
            "aufgebläht",
            "gebläht",
            "aufgequollen",
            "geschwollen",
            "gewölbt",
            "ausgebeult",
            "geplatzt",
            "knall",
        ),
        r"\bexplodier\w*|\bexplosion\w*|\bin die luft geflogen"
        rf"|\b(akku|batterie|powerbank|zelle)\w*{_GAP} (aufgebläht|gebläht|bläht|aufgequollen|geschwollen|angeschwollen"
        r"|dick geworden|gewölbt|ausgebeult|geplatzt)\b"
        r"|\b(aufgeblähte|geblähte|aufgequollene|geschwollene)[nr]? (akku|batterie)\w*|\bmit einem (lauten )?knall\b",
        0.9,
        unless=r"explosion (von|an|der) (geschmack|farbe|aroma)|(preise?|kosten|nachfrage|bewertungen) (sind |ist )?"
        r"explodiert|(geschmacks|farb)explosion|explodiert (vor|mit) (geschmack|freude)",
    ),
    _rule(
        "safety.tip_over",
        "safety_hazard",
        (
            "stürz",
            "umgekippt",
            "umgefallen",
            "kippt",
            "kippte",
            "fiel um",
            "fällt um",
            "umgestürzt",
            "stürzte um",
            "kippgefahr",
            "gefallen",
            "fiel",
        ),
        r"\b(schrank|regal|kommode|fernseher|tv|spiegel|tisch|stuhl|hochstuhl|stehlampe|ständer|kinderwagen|buggy"
        rf"|möbel|bücherregal|kleiderschrank|hochbett|etagenbett|gestell|bildschirm|monitor)\w*{_GAP}"
        r" (umgekippt|umgefallen|kippte um|kippt um|fiel um|fällt um|umgestürzt|stürzte um|ist umgefallen"
        r"|nach vorne gekippt|kippte nach vorne)\b"
        r"|\bkippgefahr|\bkippt (sehr )?(leicht|schnell|sofort) um\b"
        r"|\b(fiel|fielen|stürzte|stürzten|kippte|kippten) (\w+ ){0,2}(auf|über) (mich|meine[n]? \w+|mein \w+|"
        r"das kind|unsere[n]? \w+|unser \w+|die kleine|den kleinen)\b"
        r"|\b(ist|sind|war) (\w+ ){0,2}auf (mich|meine[n]? \w+|mein \w+|das kind|unsere[n]? \w+|unser \w+|"
        r"die kleine|den kleinen) (gefallen|gestürzt|gekippt)\b",
        0.85,
        unless=r"(ich|wir) (bin|sind|war|wären) (\w+ )?(fast )?(umgefallen|umgekippt)|vor (schreck|lachen)",
    ),
    _rule(
        "safety.food",
        "safety_hazard",
        (
            "metall",
            "plastik",
            "draht",
            "glas",
            "schimml",
            "vergiftung",
            "stück",
            "übergeb",
            "erbroch",
            "erbrach",
            "kotz",
            "brechdurchfall",
            "magen-darm",
            "splitter",
            "scherbe",
            "fremdkörper",
            "metallstück",
            "metallteil",
            "plastikstück",
            "plastikteil",
            "schimmel",
            "gebissen",
            "maden",
        ),
        r"\blebensmittelvergiftung|\bvergiftungserscheinung\w*|\b(mich|sich|uns) (\w+ )?übergeben\b"
        r"|\b(erbrochen|erbrach|erbrachen|gekotzt|brechdurchfall|magen-darm\w*)\b"
        r"|\b(glassplitter|glasscherbe|metallsplitter|metallstück|metallteil|plastikstück|plastikteil|plastiksplitter"
        r"|holzsplitter)\w*\b[^.!?]{0,40}\b(im|in der|in dem|in meinem|in meiner|drin|darin|gebissen|mund|essen)\b"
        r"|\b(auf|in) (\w+ )?(glas|metall|plastik|ein stück glas|ein stück metall)\w* gebissen|\bfremdkörper\b"
        r"|\b(im|in der|in dem|in meinem|in meiner|in unserem|in unserer) \w+ (war|waren|fand ich|fanden wir|steckte"
        r"|lag) (ein|eine|mehrere|zwei|kleine) (stück|stückchen|splitter|scherbe|teil)\w* (glas|metall|plastik|draht)\b"
        r"|\b(verschimmelt|schimmelig|schimmlig)\w*|\bschimmel (drin|darin|im|in|auf)\b|\bmaden\b",
        0.85,
        unless=r"zum kotzen|(paket|päckchen|sendung|lieferung|nachbarn?) (\w+ )?übergeben|übergeben (an|am|worden)",
    ),
    _rule(
        "safety.hazard_words",
        "safety_hazard",
        (
            "sicherheitsmäng",
            "gefähr",
            "zeitbombe",
            "gefahr",
            "rückruf",
            "zurückgerufen",
            "vom markt",
            "sicherheitsrisiko",
            "sicherheitsmangel",
            "kindersicher",
            "schädlich",
        ),
        r"\b(gefährlich\w*|lebensgefährlich|brandgefährlich|gesundheitsgefährdend|gesundheitsschädlich|gefahrenquelle"
        r"|sicherheitsrisiko|sicherheitsmangel|sicherheitsmängel|verletzungsgefahr|unfallgefahr|lebensgefahr"
        r"|rückrufaktion|nicht kindersicher|tickende zeitbombe)\b|\bgefahr für (kinder|babys|kleinkinder|leib"
        r"|die gesundheit)"
        r"|\b(müsste|sollte|gehört|muss) (\w+ ){0,2}(zurückgerufen|vom markt genommen)( werden)?"
        r"|\brückruf (starten|einleiten|sollte|nötig|fällig)",
        0.8,
        unless=r"gefährlich (gut|lecker|schön|bequem|süchtig|weich|günstig)|suchtgefahr|verwechslungsgefahr",
    ),
    # --- legal_threat: not negatable, threats are conditional ("wenn ich kein Geld bekomme, gehe ich zum Anwalt") ---
    _rule(
        "legal.lawyer",
        "legal_threat",
        ("anwalt", "anwält", "rechtlich", "rechtsweg", "rechtsschutz", "abmahn"),
        r"\b(mein\w*|ein\w*|unser\w*|zum|den|dem) (rechts)?anw(a|ä)lt(in|e|en|s|innen)?\b|\banwaltlich\w*"
        r"|\b(rechts)?anwalt (eingeschaltet|einschalten|kontaktiert|beauftragt|informiert|hinzuziehen|hinzugezogen)"
        r"|\brechtliche\w* (schritte|schritten|konsequenzen)|\bden rechtsweg|\brechtsschutzversicherung|\bmeine"
        r" rechtsschutz|\babmahnung\b",
        0.9,
        unless=r"(bin|als) (selbst |auch )?(rechts)?anw(a|ä)lt|für (rechts)?anw(a|ä)lte",
        negatable=False,
    ),
    _rule(
        "legal.lawsuit",
        "legal_threat",
        (
            "verklag",
            "klage",
            "anzeige",
            "gericht",
            "mahnbescheid",
            "mahnverfahren",
            "schadensersatz",
            "schmerzensgeld",
            "polizei",
            "einklagen",
        ),
        r"\bverklag\w*|\bklage (einreichen|eingereicht|erheben|erhoben|gegen)|\b(straf)?anzeige (erstatten|erstattet"
        r"|gestellt|stellen|gegen|bei der polizei)|\bstrafanzeige|\bvor gericht|\bgerichtlich\w*|\bmahnverfahren"
        r"|\bmahnbescheid|\bsammelklage|\bschadensersatz|\bschmerzensgeld|\beinklagen|\bpolizei (einschalten"
        r"|eingeschaltet|informiert|gerufen|rufen)|\b(zur|die) polizei (gehen|gegangen|gehe|einschalten|rufen)",
        0.9,
        negatable=False,
    ),
    _rule(
        "legal.regulator",
        "legal_threat",
        (
            "verbraucher",
            "konsument",
            "bundesnetzagentur",
            "gewerbeaufsicht",
            "ordnungsamt",
            "gesundheitsamt",
            "lebensmittel",
            "veterinäramt",
            "marktüberwachung",
            "schlichtungsstelle",
            "ombuds",
            "arbeiterkammer",
            "vki",
        ),
        r"\b(verbraucherzentrale|verbraucherschutz\w*|verbraucherschützer|europäische[sn]? verbraucherzentrum"
        r"|konsumentenschutz|bundesnetzagentur|gewerbeaufsicht\w*|ordnungsamt|gesundheitsamt"
        r"|lebensmittelüberwachung|lebensmittelkontrolle|veterinäramt|marktüberwachung\w*|schlichtungsstelle"
        r"|ombudsmann|ombudsstelle|arbeiterkammer|vki)\b",
        0.9,
        negatable=False,
    ),
    # --- refund_intent ---------------------------------------------------------------------------------
    _rule(
        "refund.refund_request",
        "refund_intent",
        ("geld", "erstatt", "rückzahl", "zurückzahl", "gutschrift"),
        r"\bgeld (\w+ )?(zurück|wieder)(bekommen|haben|zu bekommen|gegeben|erhalten|überwiesen|erstattet)?\b"
        r"|\bmein geld (zurück|wieder|erstattet|will|möchte|verlange|haben)\b|\b(rück)?erstattung\w*"
        r"|\b(zurück)?erstatt(en|et|e|et bekommen)\b|\brückzahlung|\bzurückzahl\w*|\bgutschrift\b",
        0.85,
        unless=r"garantie|(anzeige|bericht|strafanzeige) (zu )?erstatt|kosten erstattet die (kasse|krankenkasse)",
        negatable=False,
    ),
    _rule(
        "refund.return_request",
        "refund_intent",
        ("zurück", "retour", "rücksend", "rückgabe", "widerruf", "vom kauf"),
        r"\bzurück(ge)?(schick|send|sand|geb|gegeben|bring|gebracht)\w*|\bretour\w*|\brücksend\w*|\brückgabe\w*"
        rf"|\b(schicke|schickt|schicken|schickte|sende|sendet|senden|sandte|gebe|geben|gab|bringe|bringen|brachte)"
        rf"\b{_GAP} zurück\b|\b(geht|gehen|ging|gingen|wandert|wandern) (\w+ ){{0,2}}(zurück|retour)\b"
        r"|\bzurück damit|\bwiderruf\w*|\bvom kauf (zurückgetreten|zurücktreten)",
        0.85,
        unless=r"(geht|gehen|ging) (\w+ )?zurück (auf|in|bis|zu)\b|(frage|fragen|anruf|rufe?n?) (\w+ )?zurück"
        r"|schmerz|schwellung|entzündung|rötung|umsatz|preis|pickel|juckreiz|symptom|beschwerden",
    ),
    _rule(
        "refund.chargeback",
        "refund_intent",
        (
            "rückbuch",
            "zurückbuch",
            "zurückgebucht",
            "lastschrift",
            "chargeback",
            "käuferschutz",
            "konfliktfall",
            "bank",
            "kreditkarte",
            "paypal",
        ),
        r"\brückbuchung\w*|\bzurückbuch\w*|\bzurückgebucht|\blastschrift (\w+ )?(zurück\w*|widerrufen|storniert)"
        r"|\bchargeback|\b(paypal-?)?käuferschutz|\bkonfliktfall|\bfall bei paypal"
        r"|\b(bank|kreditkarte\w*|paypal)\b[^.!?]{0,30}\b(eingeschaltet|einschalten|widerspruch|reklamiert"
        r"|zurückholen)",
        0.9,
        negatable=False,
    ),
)

LEXICON = LanguageLexicon.build(
    "de",
    RULES,
    negations=f"{_NEG}|weder|kaum",
    hypotheticals=r"null|angst|sorge|befürcht\w*|falls|schutz|verhinder\w*|anti|statt|anstatt|frei von|hoffentlich",
    clause_breaks=_BREAKS,
    # German keeps a comma before "dass": "ich glaube nicht, dass es gefährlich ist" is one negated thought.
    punctuation=r"[.!?;:]|,(?!\s*(?:dass|damit|ob)\b)",
    trailing_negations=r"nicht|nie|niemals|keineswegs|keinesfalls",
    trailing_stops=r"und|oder|aber|weil|dass|sondern|doch",
)
