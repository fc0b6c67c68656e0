"""Italian rules. Patterns are lowercase; accents are optional in the text (so "è" and "e" are not told apart)."""

from __future__ import annotations

from functools import partial

from agent.scorer.lexicons.language import LanguageLexicon, build_rule, gap

_rule = partial(build_rule, "it")
_NEG = r"non|senza|mai|nessun|nessuno|nessuna|niente|nulla|neanche|nemmeno|neppure"
_BREAKS = r"ma|però|tuttavia|eppure|anzi|perché|poiché|siccome"
_GAP = gap(f"{_NEG}|{_BREAKS}")

_DEVICE = (
    r"(caricatore|caricabatterie|cavo|spina|presa|batteria|pila|alimentatore|adattatore|telefono|cellulare"
    r"|portatile|computer|ciabatta|prolunga|lampadina|lampada|apparecchio|power ?bank|auricolari|cuffie|controller"
    r"|console|motore|scocca|base|dispositivo)"
)
_BODY = (
    r"(mano|mani|dito|dita|pelle|braccio|braccia|gamba|gambe|viso|faccia|bocca|lingua|labbro|labbra|collo|piede"
    r"|piedi|polso|ginocchio|occhio|occhi)"
)
_CHILD = (
    r"(bambino|bambina|bimbo|bimba|neonato|neonata|figlio|figlia|nipotino|nipotina|(il|la|mio|mia) (piccolo"
    r"|piccola))"
)

RULES = (
    # --- safety_hazard -----------------------------------------------------------------------------
    _rule(
        "safety.fire",
        "safety_hazard",
        ("fuoco", "fiamm", "incendi", "pompieri"),
        r"\b(preso|prende|prendere|prendeva|prese|presa) fuoco\b|\b(andato|andata|andati|va|andò) a fuoco\b"
        r"|\bin fiamme\b|\bfiamme (uscivano|sono uscite|ovunque|escono|altissime)\b|\bfiammata\b"
        r"|\bincendi(ato|ata|ava|arsi)\b|\b(inizio|principio|rischio|pericolo) (di )?incendio\b"
        r"|\b(vigili del fuoco|pompieri)\b",
        0.95,
        unless=r"messa a fuoco|mette(re)? a fuoco|fuori fuoco|fuoco (lento|vivo|basso|alto)|fuochi d'artificio"
        r"|a prova di fuoco",
    ),
    _rule(
        "safety.smoke",
        "safety_hazard",
        ("plastica fus", "fumo", "fumava", "fumare", "bruciat", "bruciaticcio"),
        r"\b(uscito|usciva|uscire|esce|uscita|è uscito|fa|faceva|ha fatto|emette|emetteva|ha emesso|sprigiona\w*)"
        r" (del |il |un po' di |molto |tanto |un filo di )?fumo\b|\bfumo (nero|bianco|denso|usciva|è uscito|esce"
        rf"|dalla|dal)\b|\b{_DEVICE}\b{_GAP} (fumava|ha (iniziato|cominciato) a fumare)\b"
        r"|\b(odore|puzza|puzzo) di (bruciato|fumo|plastica bruciata|plastica fusa|cavi bruciati|bruciaticcio)\b",
        0.9,
        unless=r"fumo e (poco|niente) arrosto|fumo negli occhi|vendere fumo|macchina del fumo|fumo di sigaretta",
    ),
    _rule(
        "safety.overheat",
        "safety_hazard",
        ("tenere", "surriscald", "scald", "rovente", "bollente", "incandescente", "scotta", "toccare"),
        r"\bsurriscald\w*|\bsi (\w+ )?scald(a|ava|ato|ata) (\w+ ){0,2}(tantissimo|troppo|moltissimo|parecchio"
        r"|da morire|in modo eccessivo|eccessivamente|esageratamente)\b|\btroppo caldo (da|per) (toccare|tenere)"
        rf"|\bimpossibile (da )?toccare\b|\b{_DEVICE}\b{_GAP} (rovente|bollente|incandescente|scotta|scottava"
        rf"|scottano)\b",
        0.85,
        unless=r"protezione (da|contro|dal) (il )?surriscaldamento|acqua|caffè|tisana|latte|brodo|doccia",
    ),
    _rule(
        "safety.melt",
        "safety_hazard",
        ("fus", "sciolt", "squagliat"),
        r"\b(plastica|cavo|filo|spina|presa|connettore|involucro|guaina|scocca|caricatore|alimentatore)\b"
        rf"{_GAP} (fus[oaie]|sciolt[oaie]|si è (sciolt[oaie]|fus[oaie]|squagliat[oaie])|squagliat[oaie])\b"
        r"|\bplastica (fusa|sciolta|squagliata)\b",
        0.85,
        unless=r"fuso orario|in bocca|cioccolat|burro|formaggio|ghiaccio|neve|cera",
    ),
    _rule(
        "safety.spark",
        "safety_hazard",
        ("scintill", "corto", "arco elettrico"),
        r"\b(fa|fatto|faceva|ha fatto|sono uscite|uscivano|escono|sprizzava|sprizza|vedere|visto) (delle |le |una"
        r" |)?scintill(e|a)\b|\bscintille (dalla|dal|dalle|uscivano|sono uscite|ovunque)\b|\bcortocircuito\w*"
        r"|\bcorto circuito\b|\b(andato|andata|va) in corto\b|\barco elettrico\b",
        0.85,
        unless=r"scintilla (d'amore|di speranza|creativa)|scintillant",
    ),
    _rule(
        "safety.shock",
        "safety_hazard",
        ("scoss", "scarica elettrica", "folgorat", "elettrocu"),
        r"\b(preso|prendere|prende|presa|prendo|dato|dava|dare|dà|ha dato) (\w+ )?(la |una |delle )?"
        r"(scossa|scosse|scossetta)\b|\bscossa elettrica\b|\bscarica elettrica\b|\bfolgorat[oaie]\b|\belettrocu\w*",
        0.85,
        unless=r"scossa di terremoto|folgorat[oaie] (dalla|da) (bellezza|amore)|colpo di fulmine",
    ),
    _rule(
        "safety.burn",
        "safety_hazard",
        ("ustion", "ustionat", "scottatur", "bruciat", "scottat", "vescic", "bolle"),
        r"\bustion[ie]\b|\bustionat[oaie]\b|\bscottatur[ae]\b|\bmi sono (\w+ )?(bruciat|scottat)[oaie]\b"
        rf"|\b(si è|mi sono) (\w+ )?(bruciat|scottat)[oaie] (la|le|il|i|un|una) {_BODY}\b"
        rf"|\b(mi|gli|le|ci) ha (\w+ )?(bruciato|scottato|ustionato) (\w+ )?(la|le|il|i|un|una) {_BODY}\b"
        rf"|\b(vesciche|vescica|bolle) (sulla|sulle|sul|alle|alla|ai|sui) {_BODY}\b",
        0.85,
        unless=r"scottatura solare|brucia ?grassi|bruciare (i )?grassi|calorie",
    ),
    _rule(
        "safety.cut",
        "safety_hazard",
        ("graffiato", " viv", "taglient", "affilat", "appuntit", "tagliat", "ferit", "sanguin", "sutura"),
        r"\b(bordi|bordo|spigoli|spigolo|angoli|punte|punta|sbavature|bave) (\w+ )?(taglient[ei]|affilat[oaie]"
        r"|appuntit[oaie]|viv[oi])\b|\bmi sono (\w+ )?(tagliat|ferit)[oaie]\b|\bsi è (\w+ )?(tagliat|ferit)[oaie]\b"
        rf"|\b(mi|gli|le|ci) ha (\w+ )?(tagliato|ferito|graffiato) (\w+ )?(la|le|il|i|un) {_BODY}\b"
        r"|\b(sanguinava|sanguinato|sanguinare|sanguinante|sanguina)\b|\bpunti di sutura\b|\bferit[ae] (profond"
        r"|sulla|sul|alla|al)\w*",
        0.85,
        unless=r"capelli|unghie|barba|sentit[oa] ferit|umorismo tagliente|battuta tagliente",
    ),
    _rule(
        "safety.choking",
        "safety_hazard",
        (
            "pile a bottone",
            "strozz",
            "soffoc",
            "ingoi",
            "ingerit",
            "traverso",
            "soffocamento",
            "ingestione",
            "pezzi",
            "pezzett",
            "pila a bottone",
        ),
        rf"\b{_CHILD}\b{_GAP} (si è strozzat[oa]|ha ingoiato|ingoiava|ha ingerito)\b"
        r"|\bstrozzat[oa]\b|\bsoffoc\w* con (un|una|il|la|dei|delle|un') ?(pezz\w*|parte|pallin\w*|perlin\w*|tappo)\b"
        r"|\bingoi(ato|ava|are) (\w+ ){0,3}(pezz\w*|pil\w*|batteri\w*|magnet\w*|calamit\w*|bottone"
        r"|bottoni|perlin\w*|parte)\b|\bingerit[oaie]\b|\b(andato|andata|andati) di traverso\b"
        r"|\b(pericolo|rischio) (di )?(soffocamento|ingestione)\b|\bpezzi(ni|etti)? (piccoli )?(che )?si (staccano"
        r"|sono staccati|staccava)\b|\bsi (staccano|sono staccati|stacca|è staccato) (\w+ ){0,2}pezz(i|ini|etti)"
        r"\b|\bpil[ae] a bottone (accessibil|sciolt|uscit)\w*",
        0.9,
        unless=r"caffè|acqua|ridere|risata|mi è andato di traverso",
    ),
    _rule(
        "safety.entrapment",
        "safety_hazard",
        ("strangol", "soffoc", "collo", "incastrat", "bloccat", "intrappolat", "schiacciat", "pizzicat"),
        r"\bstrangol\w*|\bsoffocamento\b|\bsoffoc(ato|ata|ava|ando)\b"
        r"|\b(cordino|cordone|cordoncino|laccio|lacci|corda|filo|cavo|cinghia|nastro)\b[^.!?]{0,50}\b(intorno|attorno)"
        rf" al collo\b|\b({_BODY}|testa|testolina|manina|manine|piedino|ditino|ditina|{_CHILD})\b{_GAP}"
        r" (incastrat|bloccat|intrappolat|schiacciat|pizzicat)[oaie]\b",
        0.85,
        unless=r"cerniera|zip|lampo|tappo",
    ),
    _rule(
        "safety.allergy",
        "safety_hazard",
        (
            "allergi",
            "reazione",
            "eruzion",
            "orticaria",
            "ponfi",
            "bollicine",
            "macchie rosse",
            "arrossament",
            "irritazion",
            "dermatit",
            "gonfi",
        ),
        r"\breazione (allergica|cutanea|sulla pelle)\b|\bmi ha (fatto|dato|provocato|causato) (\w+ )?(un'|una |la |l')?"
        r"(allergia|reazione|orticaria|irritazione|bollicine)\b|\beruzion[ei] (cutane[ae]|sulla pelle)\b|\borticaria\b"
        r"|\bponfi\b|\bbollicine rosse\b|\bmacchie rosse\b|\barrossament[oi]\b|\birritazion[ei]\b|\bdermatite\b"
        r"|\b(viso|labbra|occhi|faccia|lingua|gola|palpebre) (\w+ ){0,2}(gonfi[oe]?|gonfiat[oaie]|si sono gonfiat"
        r"[oaie])\b",
        0.85,
        unless=r"(riduce|calma|lenisce|attenua|diminuisce|elimina|toglie|contro)\w* (gli |le |l')?(arrossament"
        r"|irritazion)"
        r"|(anti|contro)[- ]?(arrossament|irritazion)",
    ),
    _rule(
        "safety.toxic",
        "safety_hazard",
        (
            "giramenti",
            "mal di gola",
            "bruciore",
            "tossic",
            "velenos",
            "cancerogen",
            "mal di testa",
            "nausea",
            "vertigini",
            "capogiri",
            "occhi",
            "esalazion",
        ),
        r"\btossic[oaie]\b|\btossich[ei]\b|\bvelenos[oaie]\b|\bcancerogen[oaie]\b|\besalazioni (tossiche|nocive"
        r"|chimiche)\b|\bodore (\w+ )?(chimico|di plastica|fortissimo|forte|insopportabile|di solvente|di vernice)"
        r"[^.!?]{0,80}\b(mal di testa|nausea|vertigini|giramenti di testa|bruciore agli occhi|occhi che lacrimano"
        r"|mal di gola)|\b(mal di testa|nausea|vertigini|capogiri)\b[^.!?]{0,40}\b(odore|puzza|esalazion\w*|fumi)\b"
        r"|\bgli occhi (mi )?(bruciano|bruciavano|lacrimano|lacrimavano)\b",
        0.8,
        unless=r"atossic|rapporto tossico|relazione tossica|persona tossica|cipoll",
    ),
    _rule(
        "safety.explode",
        "safety_hazard",
        ("esplo", "scoppi", "gonfi", "rigonfi", "deformat"),
        r"\besplo(so|sa|si|se|dere|deva|sione|sioni|da|dono)\b|\buno scoppio\b"
        rf"|\b(batteria|pila|powerbank|power bank|cella)\b{_GAP} (gonfiat[oaie]|gonfi[aoe]|rigonfi[aoe]|rigonfiat"
        r"[oaie]|deformat[oaie]|esplos[oaie]|scoppiat[oaie])\b|\bbatteria (gonfia|rigonfia)\b",
        0.9,
        unless=r"esplosione di (gusto|sapori|sapore|colori|colore|gioia)|esplos[oa] (a|dal) ridere|boom",
    ),
    _rule(
        "safety.tip_over",
        "safety_hazard",
        ("rovescia", "ribalt", "rovesciat", "capovolt", "caduto", "caduta", "crollat", "crolla", "cade", "addosso"),
        r"\b(mobile|cassettiera|libreria|scaffale|armadio|televisore|tv|specchio|tavolo|sedia|seggiolone|lampada"
        rf"|piantana|passeggino|letto a castello|scrivania|mensola)\b{_GAP} (si è (\w+ )?(ribaltat|rovesciat"
        r"|capovolt)[oa]|è caduto|è caduta|è crollat[oa]|si ribalta|si rovescia|cade|crolla)\b"
        r"|\b(è caduto|è caduta|è crollat[oa]|crollato) (\w+ )?(addosso|sopra) (a me|al bambino|alla bambina|a mio"
        r"|a mia|al mio|alla mia)\b|\brischio (di )?ribaltamento\b|\bsi ribalta (facilmente|con niente|da sol[oa])\b",
        0.85,
        unless=r"(prezzo|linea|connessione|segnale|wifi) (\w+ )?(cade|è caduto|è caduta)",
    ),
    _rule(
        "safety.food",
        "safety_hazard",
        (
            "estrane",
            "ferro",
            "plastica dura",
            "intossica",
            "vomit",
            "diarrea",
            "gastroenterit",
            "vetro",
            "metallo",
            "corpo estraneo",
            "corpi estranei",
            "muffa",
            "ammuffit",
            "vermi",
            "larve",
        ),
        r"\bintossicazion[ei]\b|\bintossicat[oaie]\b|\bvomit(ato|ata|ava|are|o|i|avano)\b|\bdiarrea\b"
        r"|\bgastroenterite\b|\b(pezzo|pezzi|pezzetto|pezzetti|frammento|frammenti|scheggia|schegge) di (vetro"
        r"|metallo|plastica dura|ferro)\b[^.!?]{0,40}\b(nel|nella|nei|dentro|in bocca|masticando|mangiando|trovato"
        r"|trovata)\b|\b(trovato|trovata|trovati|masticato) (\w+ ){0,3}(pezz\w*|frammenti|frammento|scheggi\w*) di"
        r" (vetro|metallo|plastica dura|ferro)\b|\bcorp[oi] estrane[oi]\b|\bmuffa\b|\bammuffit[oaie]\b|\b(vermi"
        r"|larve)\b",
        0.85,
        unless=r"vomitevole|da vomito",
    ),
    _rule(
        "safety.hazard_words",
        "safety_hazard",
        ("pericol", "rischio per", "nociv", "dannos", "ritirat", "ritiro", "ritirar"),
        r"\bpericolos[oaie]\b|\bpericolo\b|\brischio per la salute\b|\bnociv[oaie]\b|\bdannos[oaie] per la salute\b"
        r"|\bdovrebbero (ritirarl[oaie]|ritirare)\b|\britirat[oaie] dal (mercato|commercio)\b|\britiro dal mercato\b",
        0.8,
        unless=r"pericolosamente (buon|comod|bell)\w*|buono da paura|bello da paura|da paura",
    ),
    # --- legal_threat: not negatable, threats are conditional ("se non mi rimborsate, vi denuncio") ---
    _rule(
        "legal.lawyer",
        "legal_threat",
        ("avvocat", "legal", "diffida"),
        r"\b(mio|un|il mio|nostro|dal mio|dall'|dal|al mio|all'|un') ?avvocat[oaie]\b|\bavvocat[oaie] (è stato"
        r"|è già|sarà|ha) (\w+ )?(contattat|informat|incaricat)\w*|\bazion[ei] legal[ei]\b|\b(per )?vie legali\b"
        r"|\bprocediamo legalmente\b|\b(il mio|un) legale\b|\bufficio legale\b|\bdiffida\b",
        0.9,
        unless=r"avvocato del diavolo|(sono|come) avvocat",
        negatable=False,
    ),
    _rule(
        "legal.lawsuit",
        "legal_threat",
        (
            "denunc",
            "querel",
            "causa",
            "tribunale",
            "giudice di pace",
            "carabinieri",
            "polizia",
            "risarcimento",
            "danni morali",
        ),
        r"\bdenunc\w*|\bquerel\w*|\bfar(vi|li|e|gli)? causa\b|\bfaccio causa\b|\bfarò causa\b|\bintent\w* (una )?causa"
        r"|\bcausa (legale|civile)\b|\btribunale\b|\bgiudice di pace\b|\b(chiamato|chiamare|chiamerò|denuncia ai"
        r"|dai|ai) carabinieri\b|\bpolizia postale\b|\brisarcimento\w*|\bdanni morali\b",
        0.9,
        negatable=False,
    ),
    _rule(
        "legal.regulator",
        "legal_threat",
        (
            "altroconsumo",
            "codacons",
            "adiconsum",
            "federconsumatori",
            "consumatori",
            "assoutenti",
            "cittadinanzattiva",
            "agcm",
            "antitrust",
            "garante",
            "consumatore",
        ),
        r"\b(altroconsumo|codacons|adiconsum|federconsumatori|assoutenti|cittadinanzattiva|agcm|antitrust)\b"
        r"|\bunione (nazionale )?consumatori\b|\bassociazion[ei] (dei |di |per i |a tutela dei )?consumatori\b"
        r"|\bmovimento consumatori\b|\bautorità garante\b|\bgarante (della concorrenza|per la protezione)\b"
        r"|\bsportello del consumatore\b|\bcentro europeo consumatori\b",
        0.9,
        unless=r"miglior acquisto|migliore del test|test di altroconsumo|secondo altroconsumo|consigliato da",
        negatable=False,
    ),
    # --- refund_intent ---------------------------------------------------------------------------------
    _rule(
        "refund.refund_request",
        "refund_intent",
        ("rimbors", "soldi"),
        r"\brimbors\w*|\b(restituire|restituito|restituitemi|ridatemi|ridare|riavere|rivoglio|rivogliamo|voglio)"
        r" (\w+ )?(i )?(miei )?soldi\b|\bsoldi indietro\b|\bi miei soldi\b",
        0.85,
        negatable=False,
    ),
    _rule(
        "refund.return_request",
        "refund_intent",
        ("restitu", "reso", "rispedi", "indietro", "rendo", "rendere", "renderò", "mittente"),
        r"\brestitu(ire|ito|ita|iti|ite|isco|irò|irlo|irla|irli|ito)\b|\b(il|un|al|del|per il|fare|farò|fatto"
        r"|effettuato|chiesto|richiesto|avviato|aperto|procedo con il|procedura di|etichetta di|etichetta per il)"
        r" reso\b|\breso (gratuito|effettuato|accettato|richiesto|immediato)\b|\brispedi\w*"
        r"|\b(rimandat[oaie]|rimando|rimandare|rimandarlo|mandato|mandarlo|mandata) indietro\b"
        r"|\b(torna|tornato|tornata) (indietro )?al mittente\b|\b(lo|la|li|le) (rendo|renderò)\b|\bda rendere\b",
        0.85,
        unless=r"restituit\w* (il sorriso|la vita|la voglia)",
    ),
    _rule(
        "refund.chargeback",
        "refund_intent",
        ("storno", "stornat", "chargeback", "contest", "controversia", "disputa", "protezione acquisti"),
        r"\bstorno\b|\bstornat[oaie]\b|\bchargeback\b|\bcontestazione (\w+ ){0,3}(banca|carta|paypal|addebito)\b"
        r"|\bcontest\w* (l'|il )?addebito\b|\b(aperto|aprire|apro|aprirò) (una )?(contestazione|controversia|disputa)\b"
        r"|\b(banca|carta di credito|paypal)\b[^.!?]{0,30}\b(contestazione|controversia|disputa)\b"
        r"|\bprotezione acquisti\b",
        0.9,
        negatable=False,
    ),
)

LEXICON = LanguageLexicon.build(
    "it",
    RULES,
    negations=_NEG,
    hypotheticals=r"no|zero|paura|timore|temo|nel caso|in caso|protezione|protegge|evita\w*|impedisce|anti|invece di"
    r"|privo di|priva di|esente",
    # "e" (and) cannot break a clause: folded, it is also "è" (is), as in "non è pericoloso".
    clause_breaks=_BREAKS,
)
