"""Dutch rules (Netherlands and Flanders). Patterns are lowercase; accents are optional in the text."""

from __future__ import annotations

from functools import partial

from agent.scorer.lexicons.language import LanguageLexicon, build_rule, gap

_rule = partial(build_rule, "nl")
_NEG = r"geen|niet|nooit|zonder|noch|niets|niks"
_BREAKS = r"maar|echter|toch|wel|omdat|want|doordat|en"
_GAP = gap(f"{_NEG}|{_BREAKS}")

_DEVICE = (
    r"(oplader|laadkabel|adapter|accu|batterij|kabel|snoer|stekker|stopcontact|stekkerdoos|verlengsnoer|powerbank"
    r"|telefoon|mobiel|laptop|lamp|lampje|lampen|apparaat|apparaatje|oortjes|koptelefoon|motor|behuizing|ding"
    r"|handvat|voeding)"
)
_BODY = (
    r"(hand|handen|vinger|vingers|duim|huid|arm|armen|been|benen|gezicht|mond|tong|lip|lippen|nek|hals|voet|voeten"
    r"|pols|knie|oog|ogen)"
)
_CHILD = r"(baby|babytje|kind|kindje|zoon|zoontje|dochter|dochtertje|kleintje|peuter|dreumes|kleinzoon|kleindochter)"
_POSSESSIVE = r"(mijn|m'n|zijn|z'n|haar|de|ons|onze)"

RULES = (
    # --- safety_hazard -----------------------------------------------------------------------------
    _rule(
        "safety.fire",
        "safety_hazard",
        ("vlam", "brand", "fik"),
        r"\bvlam (gevat|vatte|vat|vatten)\b|\b(vatte|vat|vatten) (meteen |direct |snel |toen |plots )?vlam\b"
        r"|\bvlammen (sloegen|kwamen|schoten|uit)\b|\bin brand (gevlogen|vliegen"
        r"|vloog|gestaan|stond|staan|geraakt|raakte)\b|\bvloog (\w+ )?in brand\b|\bin vlammen (op|opgegaan)\b"
        r"|\bbrandgevaar\w*|\bbrandgevaarlijk\b|\b(de|het) brandweer\b|\bbrandweer (kwam|moest|gebeld|bellen)\b"
        r"|\b(een )?brandje\b|\bbegon te branden\b|\bfik (gevlogen|vliegen|vloog)\b|\bin de fik\b",
        0.95,
        unless=r"vlam in de pan|vuur en vlam|brandnieuw|brandweerauto",
    ),
    _rule(
        "safety.smoke",
        "safety_hazard",
        ("naar brand", "rieken", "riekt", "roken", "rook", "walm", "brandlucht", "schroei", "verbrand", "gesmolten"),
        r"\brook (kwam|komt|kwamen|steeg|stijgt)\b|\b(kwam|komt|kwamen|steeg|stijgt) (\w+ ){0,2}rook\b|\b(begon|begint"
        r"|ging|gaat) (te )?(roken|walmen)\b"
        r"|\brook(wolk|ontwikkeling|pluim)\w*|\bwalm(de|t|den)\b|\bbrandlucht\b|\bschroeilucht\b"
        rf"|\b{_DEVICE}\b{_GAP} (rookte|rookten|rookt)\b"
        r"|\b(ruikt|rook|roken|rieken|riekt) (\w+ ){0,2}(verbrand|geschroeid|naar rook|naar brand|naar verbrand"
        r"|naar gesmolten|naar geschroeid)\w*|\bgeur van (verbrand|gesmolten|geschroeid)\w*"
        r"|\brookmelder (ging|sloeg) (\w+ )?(af|alarm)\b",
        0.9,
        unless=r"rookgrijs|rookworst|roker|gerookte? (zalm|vis|worst|ham)",
    ),
    _rule(
        "safety.overheat",
        "safety_hazard",
        ("oververhit", "heet", "aanraken", "vasthouden"),
        r"\boververhit\w*|\bte heet om (aan te raken|vast te houden)\b|\bgloeiend ?heet\b|\bloeiheet\b"
        rf"|\b{_DEVICE}\b{_GAP} (gloeiend heet|bloedheet|kokend heet|extreem heet|erg heet|heel erg heet|veel te heet"
        r"|te heet|zo heet|super heet|ontzettend heet|enorm heet|bizar heet)\b",
        0.85,
        unless=r"oververhittingsbeveiliging|oververhittingsbescherming|(beveiliging|bescherming|beveiligd) tegen"
        r" oververhitting|water|koffie|thee|soep",
    ),
    _rule(
        "safety.melt",
        "safety_hazard",
        ("gesmolten", "smolt", "smelt"),
        rf"\b(plastic|kabel|snoer|stekker|snoertje|behuizing|connector|oplader|adapter|stopcontact|kunststof)\b{_GAP}"
        r" (gesmolten|smolt|smelt|begon te smelten)\b|\bgesmolten (plastic|kunststof|stekker|kabel|snoer)\b",
        0.85,
        unless=r"(op|in) (je|de|mijn) (tong|mond)|chocola|kaas|boter|\bijs\b|sneeuw|\bwas\b|kaars|hart",
    ),
    _rule(
        "safety.spark",
        "safety_hazard",
        ("vonk", "kortsluiting", "vlamboog"),
        r"\bvonk(en|te|ten|t)\b|\bvonkenregen\b|\bkortsluiting\b|\bvlamboog\b",
        0.85,
        unless=r"vonk (sloeg|slaat) over|vonkje (van|tussen)",
    ),
    _rule(
        "safety.shock",
        "safety_hazard",
        ("schok", "stroomstoot", "opdonder", "optater", "onder stroom", "elektrocut", "geëlektrocuteerd"),
        r"\b(kreeg|krijg|krijgt|kregen|gaf|geeft|gekregen) (\w+ ){0,2}(een )?(flinke |stevige |lichte )?(stroomschok"
        r"|schok|schokje|opdonder|optater|elektrische schok|stroomstoot)\b|\bstroomschok\w*|\belektrische schok\b"
        r"|\bonder stroom (staan|stond|staat|stonden)\b|\belektrocut\w*|\bgeëlektrocuteerd\b",
        0.85,
        unless=r"schok (\w+ ){0,3}(prijs|factuur|rekening|zag|las)|schokbestendig|schokdemp|schokabsorb",
    ),
    _rule(
        "safety.burn",
        "safety_hazard",
        ("verbrand", "brandde", "brandwond", "brandblaar", "blaren"),
        rf"\bverbrand(e|en|de)? {_POSSESSIVE} {_BODY}\b|\b{_POSSESSIVE} {_BODY}\b{_GAP} verbrand\b"
        r"|\bbrandwond\w*|\bbrandbla(ar|ren)\b"
        rf"|\bblaren (op|aan) {_POSSESSIVE} {_BODY}\b|\b(heb|had|heeft|hebben) (me|mij|mezelf|zich|zichzelf)"
        r" (\w+ ){0,2}(lelijk |flink )?verbrand\b|\bverbrandingen\b|\b(verbrandde|verbrandden|brandde) (zich|me|mij"
        r"|mezelf)\b",
        0.85,
        unless=r"zon\b|zonne\w*|calorie|vet ?verbrand|(toast|brood|eten|pizza) (\w+ )?verbrand",
    ),
    _rule(
        "safety.cut",
        "safety_hazard",
        (
            "scherp",
            "gesneden",
            "sneed",
            "snijdt",
            "sneden",
            "opengehaald",
            "verwond",
            "bezeerd",
            "snijwond",
            "bloed",
            "hechting",
            "gehecht",
            "snee",
        ),
        r"\b(scherpe|vlijmscherpe) (randen|rand|kanten|kant|hoeken|hoek|punten|punt|braampjes|bramen|uitsteeksels)\b"
        r"|\b(heb|had|heeft|hebben) (me|mij|mezelf|zich|zichzelf) (\w+ ){0,3}(gesneden|opengehaald|opengesneden"
        r"|verwond|bezeerd)\b|\bsnijwond\w*|\b(sneed|snijdt|sneden) (zich|me|mij|mezelf|hem|haar)\b|\b(snee"
        r"|sneetje) (in|aan) (mijn|m'n|zijn|haar|de)\b"
        r"|\b(bloedde|bloedden|bloedt|bloeden|bloedend)\b|\bhechtingen\b|\bgehecht (worden|moeten)\b",
        0.85,
        unless=r"haar knippen|nagels|baard|tandvlees",
    ),
    _rule(
        "safety.choking",
        "safety_hazard",
        (
            "stikte",
            "onderdelen",
            "onderdeel",
            "stukjes",
            "oogjes",
            "knoopjes",
            "kraaltjes",
            "verslik",
            "ingeslikt",
            "inslikken",
            "inslikte",
            "slikte",
            "verstikkingsgevaar",
            "stikgevaar",
            "knoopcel",
            "los",
        ),
        rf"\b{_CHILD}\b{_GAP} (verslikte zich|heeft zich verslikt|slikte|heeft (\w+ ){{0,3}}ingeslikt|stikte bijna)\b"
        r"|\b(ingeslikt|inslikken|inslikte)\b|\bslikte (\w+ ){0,3}(een |het )?(onderdeel|onderdeeltje|stukje|batterij"
        r"|knoopcel|magneet|magneetje|knoop|knoopje|kraal|kraaltje|steentje)\b|\b(verstikkings|stik)gevaar\b"
        rf"|\b(kleine )?(onderdeeltjes|onderdelen|stukjes|oogjes|knoopjes|kraaltjes)\b{_GAP} (los|eraf|af) ?(laten"
        r"|liet|lieten|kwamen|gingen|raakten|vallen|vielen)\b|\bknoopcel\w* (\w+ ){0,3}(ingeslikt|los|eruit"
        r"|bereikbaar)\b",
        0.9,
        unless=r"(ik|me|mij) (\w+ )?verslikt (in|aan) (mijn|m'n) (koffie|thee|water)",
    ),
    _rule(
        "safety.entrapment",
        "safety_hazard",
        ("verstikk", "verstikt", "wurg", "strangulatie", "nek", "hals", "klem", "bekneld", "gekneld"),
        r"\bverstikk\w*|\bverstikt\b|\b(ge)?wurg(d|en|de)?\b|\bstrangulatie\w*"
        r"|\b(koord|koordje|touw|touwtje|kabel|snoer|band|bandje|lint|riem)\b[^.!?]{0,50}\b(rond|om) (de|zijn|haar"
        rf"|z'n|m'n) (nek|hals)\b|\b({_BODY}|hoofd|hoofdje|armpje|beentje|voetje|vingertje|vingertjes|handje"
        rf"|{_CHILD})\b{_GAP} (klem|bekneld|vastgeklemd|ingeklemd|gekneld|geklemd) ?(gezeten|gezet|zat|kwam|raakte"
        r"|geraakt)?\b|\b(bekneld|ingeklemd|vastgeklemd|klem) (\w+ ){0,2}(hoofd|hoofdje|arm|been|voet|vinger|vingers"
        r"|hand)\b",
        0.85,
        unless=r"rits|dop|verstikkingsgevaar",
    ),
    _rule(
        "safety.allergy",
        "safety_hazard",
        (
            "zwol",
            "allergi",
            "uitslag",
            "netelroos",
            "galbulten",
            "rode vlekken",
            "bultjes",
            "zwelling",
            "opgezwollen",
            "gezwollen",
            "huidreactie",
            "huidirritatie",
            "eczeem",
        ),
        r"\ballergische reactie\b|\ballergisch (gereageerd|reageren|reageerde)\b|\bhuiduitslag\b"
        r"|\b(kreeg|kregen|krijg|krijgt|gekregen|bezorgde|gaf) (\w+ ){0,2}(uitslag|bultjes|rode vlekken|eczeem)\b"
        r"|\buitslag (op|aan|over) (mijn|m'n|zijn|haar|de|heel)\b|\bnetelroos\b|\bgalbulten\b|\brode vlekken\b"
        r"|\bhuid(reactie|irritatie)s?\b|\b(gezicht|lippen|ogen|tong|keel|oogleden) (\w+ ){0,2}(opgezwollen|gezwollen"
        r"|zwol op|zwollen op)\b|\bzwelling (in|van|aan) (het |de |mijn )?(gezicht|lippen|ogen|tong|keel)\b",
        0.85,
        unless=r"(vermindert|kalmeert|verzacht|tegen|helpt tegen) (\w+ )?(rode vlekken|huidirritatie|roodheid)",
    ),
    _rule(
        "safety.toxic",
        "safety_hazard",
        (
            "keelpijn",
            "branderig",
            "tranend",
            "giftig",
            "toxisch",
            "kankerverwekkend",
            "hoofdpijn",
            "misselijk",
            "duizelig",
            "ogen",
        ),
        r"\bgiftig\w*|\btoxisch\w*|\bkankerverwekkend\w*"
        r"|\b(chemische|sterke|penetrante|vieze|plastic|chemicaliën)\w* ?(lucht|geur|stank)\w*[^.!?]{0,80}"
        r"\b(hoofdpijn|misselijk\w*|duizelig\w*|keelpijn|branderige ogen|tranende ogen)"
        r"|\b(hoofdpijn|misselijk\w*|duizelig\w*)\b[^.!?]{0,40}\b(lucht|geur|stank|dampen)\b"
        r"|\b(mijn |de )?ogen (gingen )?(tranen|traanden|prikken|prikten|branden|brandden)\b",
        0.8,
        unless=r"giftgroen|ui(en)? snijden|\buien?\b",
    ),
    _rule(
        "safety.explode",
        "safety_hazard",
        (
            "ontplof",
            "explo",
            "opgezwollen",
            "gezwollen",
            "opgeblazen",
            "bol ",
            "opgebold",
            "uitgezet",
            "gebarsten",
            "bolle",
        ),
        r"\bontplof(t|te|ten|fen)\b|\bexplo(deerde|deren|deert|deerd|sie|sies)\b"
        rf"|\b(accu|batterij|powerbank|cel)\w*\b{_GAP} (opgezwollen|gezwollen|opgeblazen|bol (staan|staat|stond|gaan"
        r"|gegaan)|opgebold|uitgezet|gebarsten|ontploft)\b|\bopgezwollen (accu|batterij)\b|\bbolle (accu|batterij)\b",
        0.9,
        unless=r"explosie van (smaak|kleur|kleuren|smaken)|(ik|wij|we) (ben|was|waren|zijn) (bijna )?ontploft"
        r"|ontploft (van|bijna)",
    ),
    _rule(
        "safety.tip_over",
        "safety_hazard",
        (
            "viel",
            "valt",
            "omgevallen",
            "viel om",
            "valt om",
            "kiepte",
            "kiept",
            "omgekiept",
            "tuimel",
            "omver",
            "kantel",
            "gevallen",
            "valgevaar",
        ),
        r"\b(kast|kastje|ladekast|boekenkast|tv|televisie|spiegel|tafel|stoel|kinderstoel|lamp|staande lamp"
        rf"|kinderwagen|buggy|stapelbed|bureau|rek|meubel)\b{_GAP} (omgevallen|viel om|valt om|kiepte om|kiept om"
        r"|omgekiept|getuimeld|tuimelde|omver|kantelde|is gevallen)\b"
        rf"|\b(viel|valt|is gevallen) (\w+ ){{0,2}}op (mij|mijn \w+|m'n \w+|ons|onze \w+|het kind|de baby|{_CHILD})\b"
        r"|\b(val|kantel)gevaar\b|\b(kiept|valt) (heel )?(snel|makkelijk|gemakkelijk) om\b",
        0.85,
        unless=r"(ik|we|wij) (ben|zijn|was|waren) (bijna )?(omgevallen|gevallen)|(valt|viel) (\w+ )?op (mij|ons)"
        r" (dat|als|op|tegen)|uit de toon",
    ),
    _rule(
        "safety.food",
        "safety_hazard",
        (
            "ijzer",
            "gaven over",
            "braken",
            "hard plastic",
            "vergiftig",
            "overgeven",
            "overgegeven",
            "gaf over",
            "geef over",
            "braak",
            "kots",
            "diarree",
            "buikgriep",
            "glas",
            "metaal",
            "vreemd voorwerp",
            "schimmel",
            "maden",
            "wormpjes",
        ),
        r"\bvoedselvergiftiging\b|\bvergiftig\w*|\b(overgeven|overgegeven|gaf over|gaven over|geef over)\b"
        r"|\b(moest|moesten) (\w+ )?braken\b|\b(gebraakt|braakte|gekotst|kotsen)\b|\bdiarree\b|\bbuikgriep\b"
        r"|\b(stuk|stukje|stukjes|scherf|scherfje|scherven|splinter|splinters) (\w+ )?(glas|metaal|hard plastic"
        r"|ijzer)\b"
        r"[^.!?]{0,40}\b(in|erin|gevonden|gebeten|mond)\b|\b(glasscherf|glassplinter|metaaldeeltje|metaalsplinter)\w*"
        r"|\bvreemd voorwerp\b|\bbeschimmeld\b|\bschimmel (op|in|erin|erop|aan)\b|\bschimmelig\b|\bmaden\b"
        r"|\bwormpjes\b",
        0.85,
        unless=r"om te kotsen|(kots|kotst) (ik|je) (van|op)|schimmelwerend|tegen schimmel|anti-?schimmel",
    ),
    _rule(
        "safety.hazard_words",
        "safety_hazard",
        (
            "gevaar",
            "onveilig",
            "niet veilig",
            "schadelijk",
            "gezondheidsrisico",
            "terugroep",
            "teruggeroepen",
            "uit de handel",
        ),
        r"\bgevaarlijk\w*|\bgevaar\b|\blevensgevaarlijk\b|\bbrandgevaarlijk\b|\bonveilig\w*|\bniet veilig\b"
        r"|\bschadelijk voor (de )?gezondheid\b|\bgezondheidsrisico\w*|\bterugroep\w*|\bteruggeroepen (worden"
        r"|moeten)\b|\buit de handel (halen|genomen|gehaald)\b",
        0.8,
        unless=r"gevaarlijk (lekker|goed|verslavend|mooi|comfortabel)|verslavingsgevaar",
    ),
    # --- legal_threat: not negatable, threats are conditional ("als ik niets hoor, stap ik naar de rechter") ---
    _rule(
        "legal.lawyer",
        "legal_threat",
        ("advoca", "jurist", "rechtsbijstand", "juridisch", "incasso", "deurwaarder", "sommatie", "ingebrekestelling"),
        r"\b(mijn|m'n|onze) (advocaat|advocate|advocaten|jurist|juristen)\b|\b(neem|neemt|nemen|schakel|schakelen"
        r"|ingeschakeld|inschakelen|bel|gebeld|contact met|stap naar|naar) (\w+ ){0,2}(een |mijn |m'n )?(advocaat"
        r"|jurist)\b|\brechtsbijstand\w*|\bjuridische (stappen|actie|acties|weg|hulp)\b|\bjuridisch (traject|advies)\b"
        r"|\bincassobureau\b|\bdeurwaarder\b|\bsommatie\b|\bingebrekestelling\b",
        0.9,
        unless=r"(ik ben|als) (\w+ )?(advocaat|jurist)",
        negatable=False,
    ),
    _rule(
        "legal.lawsuit",
        "legal_threat",
        (
            "aanklag",
            "aangeklaagd",
            "aangifte",
            "rechtszaak",
            "dagvaard",
            "rechter",
            "schadevergoeding",
            "smartengeld",
            "politie",
        ),
        r"\b(aanklag\w*|aangeklaagd)\b|\baangifte (doen|gedaan|gaan doen|doe|ga doen|bij|van oplichting|tegen)\b"
        r"|\brechtszaak\w*|\bdagvaard\w*|\bkantonrechter\b|\b(naar|voor|bij) de rechter\b|\bschadevergoeding\b"
        r"|\bsmartengeld\b|\b(de )?politie (\w+ )?(bellen|gebeld|ingeschakeld|inschakelen)\b",
        0.9,
        negatable=False,
    ),
    _rule(
        "legal.regulator",
        "legal_threat",
        (
            "testaankoop",
            "consumentenbond",
            "acm",
            "consuwijzer",
            "nvwa",
            "geschillencommissie",
            "juridisch loket",
            "test-aankoop",
            "test aankoop",
            "fod economie",
            "ombudsman",
            "kifid",
            "consumentencentrum",
            "kassa",
        ),
        r"\b(consumentenbond|acm|consuwijzer|nvwa|geschillencommissie|kifid|ombudsman|consumentenombudsman)\b"
        r"|\bjuridisch loket\b|\btest-?aankoop\b|\bfod economie\b|\beuropees consumentencentrum\b"
        r"|\b(naar|bij|tip|tippen|mailen|mail) kassa\b",
        0.9,
        unless=r"beste (uit de test|koop|getest)|getest door|volgens (de )?consumentenbond",
        negatable=False,
    ),
    # --- refund_intent ---------------------------------------------------------------------------------
    _rule(
        "refund.refund_request",
        "refund_intent",
        ("geld", "terugbeta", "terugstort", "terug gestort", "terug betaald", "restitutie"),
        r"\bgeld (\w+ ){0,2}terug\w*|\bterugbeta(a)?l\w*|\bterugstort\w*|\bterug gestort\b|\bterug betaald\b"
        r"|\brestitutie\b",
        0.85,
        unless=r"niet goed,? geld terug|geld-?terug-?garantie|geld terug garantie",
        negatable=False,
    ),
    _rule(
        "refund.return_request",
        "refund_intent",
        ("terug", "retour"),
        r"\bterug ?(sturen|gestuurd|stuur|zenden|gezonden|brengen|gebracht)\b|\bterugstuur\w*"
        rf"|\b(stuur|stuurde|stuurden|breng|bracht|brachten)\b{_GAP} terug\b|\bretour\w*"
        rf"|\b(gaat|gaan|ging|gingen)\b{_GAP} terug\b"
        r"|\bterug naar (de winkel|de verkoper|bol|amazon|de webshop|afzender|de afzender)\b",
        0.85,
        unless=r"(gaat|ging) (\w+ )?terug (naar de jaren|in de tijd|tot)|retourtje|terug (te )?bellen"
        r"|belt? (\w+ )?terug",
    ),
    _rule(
        "refund.chargeback",
        "refund_intent",
        (
            "claim",
            "terugboek",
            "terug geboekt",
            "teruggeboekt",
            "storn",
            "chargeback",
            "geschil",
            "kopersbescherming",
            "afschrijving",
        ),
        r"\bterugboek\w*|\bterug ?geboekt\b|\bstorno\b|\bstorneren\b|\bgestorneerd\b|\bchargeback\b"
        r"|\bgeschil (\w+ ){0,3}(paypal|bank|creditcard|klarna)\b|\b(paypal|bank|creditcard|klarna)\b[^.!?]{0,30}"
        r"\b(geschil|claim)\b|\bkopersbescherming\b|\bafschrijving (\w+ )?(terugdraaien|teruggedraaid|laten"
        r" terugboeken)\b",
        0.9,
        negatable=False,
    ),
)

LEXICON = LanguageLexicon.build(
    "nl",
    RULES,
    negations=f"{_NEG}|nergens",
    hypotheticals=r"nul|amper|nauwelijks|bang|angst|vrees|voor het geval|mocht|bescherming|beschermt|beveiliging"
    r"|voorkomt|anti|in plaats van|vrij van",
    clause_breaks=_BREAKS,
    trailing_negations=r"niet|nooit",
    trailing_stops=r"en|of|maar|omdat|want|dat",
)
