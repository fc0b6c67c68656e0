"""French rules (France, Belgium, Switzerland, Québec). Patterns are lowercase; accents are optional in the text."""

from __future__ import annotations

from functools import partial

from agent.scorer.lexicons.language import LanguageLexicon, build_rule, gap

_rule = partial(build_rule, "fr")
# "pas mal" means "quite a lot": "pas mal de fumée" is a hazard.
_NEG = r"ne|n'|pas(?! mal)|sans|jamais|aucun|aucune|ni|rien|non"
_BREAKS = r"mais|cependant|pourtant|toutefois|sauf que|par contre|en revanche|parce que|car|puisque|et"
_GAP = gap(f"{_NEG}|{_BREAKS}")

_DEVICE = (
    r"(chargeur|câble|cable|prise|batterie|pile|adaptateur|téléphone|portable|ordinateur|transfo|transformateur"
    r"|multiprise|rallonge|ampoule|lampe|appareil|power ?bank|écouteurs|casque|manette|console|moteur|boîtier"
    r"|coque|embout|bloc|fil)"
)
_BODY = (
    r"(main|mains|doigt|doigts|peau|bras|visage|jambe|jambes|cuisse|cou|bouche|langue|lèvre|lèvres|pied|pieds"
    r"|poignet|genou|oeil|yeux)"
)
_CHILD = (
    r"(bébé|enfant|fils|fille|gamin|gamine|loulou|nourrisson|neveu|nièce|petit-fils|petite-fille"
    r"|(le|la|mon|ma|notre) (petit|petite))"
)

RULES = (
    # --- safety_hazard -----------------------------------------------------------------------------
    _rule(
        "safety.fire",
        "safety_hazard",
        ("feu", "flamme", "enflamm", "incendie", "pompier", "cramé"),
        r"\b(pris|prend|prendre|prenait|prennent|a pris|ont pris) (\w+ )?feu\b|\ben flammes\b|\b(des |les "
        r"|de grandes )?"
        r"flammes (sont |étaient )?(sorties|sortaient|sortent|jaillissaient|partout)\b|\bs'est enflammée?\b"
        r"|\bs'enflamm(e|ait|er)\b|\bincendie\b|\bdépart de feu|\bdébut d'incendie"
        r"|\b(appeler|appelé|appelle|venue des|intervention des|les|aux) pompiers\b|\b(a|est|avait|était) cramée?\b",
        0.95,
        unless=r"tout feu,? tout flamme|feu d'artifice|coup de feu|feu vert|arme à feu|à feu (doux|vif)",
    ),
    _rule(
        "safety.smoke",
        "safety_hazard",
        ("plastique fondu", "fume", "fumée", "fumer", "fumait", "brûlé", "cramé"),
        r"\bfumée (noire|blanche|épaisse|sortait|sort|est sortie|s'échappait|s'est échappée|partout)\b"
        r"|\b(de la|beaucoup de|pas mal de|un peu de|plein de|dégage de la|dégageait de la|une) fumée\b"
        rf"|\b{_DEVICE}\b{_GAP} (fume|fumait|a fumé|s'est mise? à fumer|commence à fumer)\b"
        r"|\b(odeur|odeurs|sent|sentait|senti|sentir|ça sent) (de |le |du |la |une odeur de )?(brûlé|cramé"
        r"|plastique (brûlé|fondu)|fumée|cramée|câble brûlé|caoutchouc brûlé)\b",
        0.9,
        unless=r"verres? fumée|vitre fumée|couleur fumée|saumon|jambon|gris fumé|effet fumée|machine à fumée"
        r"|fumée de cigarette",
    ),
    _rule(
        "safety.overheat",
        "safety_hazard",
        (
            "tenir",
            "trop",
            "énorm",
            "anormal",
            "dangereus",
            "à mort",
            "surchauff",
            "chauff",
            "brûlant",
            "bouillant",
            "chaud",
            "toucher",
        ),
        r"\bsurchauff\w*|\btrop chaud pour (le |la )?(toucher|tenir)|\bimpossible (à|de le|de la) (toucher|tenir)\b"
        rf"|\b{_DEVICE}\b{_GAP} (chauffe|chauffait|a chauffé|devient|devenait|est devenue?|était|est) (\w+ ){{0,2}}"
        r"(énormément|beaucoup trop|trop|anormalement|dangereusement|à mort|brûlante?|bouillante?|très chaude?"
        r"|hyper chaude?|super chaude?|ultra chaude?|extrêmement chaude?)\b",
        0.85,
        unless=r"contre (la )?surchauffe|anti-?surchauffe|sécurité (de |anti-?)?surchauffe|(pièce|salle|appartement"
        r"|ambiance|public) surchauff|café|thé\b|soupe|boisson|eau\b",
    ),
    _rule(
        "safety.melt",
        "safety_hazard",
        ("fondu", "fondre", "fondait"),
        r"\b(plastique|câble|cable|fil|prise|embout|boîtier|coque|connecteur|chargeur|gaine|isolant|semelle)s?\b"
        rf"{_GAP} (a fondu|fondu|fondue|fondus|fondait|a commencé à fondre|s'est mise? à fondre)\b"
        r"|\bplastique fondu\b|\b(il|elle|ça|qui|tout|la prise|le câble) (a|avait|ont) fondu\b",
        0.85,
        unless=r"fondu en larmes|dans la bouche|fondre de plaisir|fondu enchaîné|j'ai fondu|fromage|chocolat|beurre"
        r"|neige|cire|fondue",
    ),
    _rule(
        "safety.spark",
        "safety_hazard",
        ("courtcircuit", "étincel", "court-circuit", "court circuit", "arc électrique"),
        r"\b(des|les|une|grosses?|quelques|plein d') étincelles?\b|\bétincelles? (jaillissaient|sont sorties"
        r"|sortaient|partout)\b|\bcourt-?circuit\w*|\bcourt circuit\w*|\barc électrique",
        0.85,
        unless=r"faire des étincelles (en|sur)|va faire des étincelles|étincelle (dans|de) (ses|les|mes) yeux"
        r"|étincelle de (génie|vie|magie)",
    ),
    _rule(
        "safety.shock",
        "safety_hazard",
        ("décharge", "jus", "châtaigne", "électrocut", "électris", "courant"),
        r"\bdécharges? électriques?|\b(pris|prend|prendre|reçu|eu) (une|un|des) (bonne |grosse |petite )?(décharge"
        r"|coup de jus|châtaigne|courant)\b|\b(m'a|lui a|nous a|m'ont|m'en a) (donné|filé|mis|envoyé|collé) (une|un"
        r"|des) (\w+ )?(décharge|coup de jus|châtaigne|courant)\b|\bcoup de jus\b|\bélectrocut\w*"
        r"|\b(je me suis|il s'est|elle s'est) (fait )?électrisée?\b",
        0.85,
    ),
    _rule(
        "safety.burn",
        "safety_hazard",
        ("brûl", "cloque", "ampoule"),
        r"\bbrûlures?\b|\b(je me suis|il s'est|elle s'est|on s'est|s'est) (\w+ )?brûlée?s?\b"
        rf"|\b(m'a|lui a|nous a|leur a) (\w+ )?brûlé (\w+ )?(la|le|les|ma|mon|mes|sa|son|ses) {_BODY}\b"
        rf"|\b(cloques?|ampoules?) (sur|aux|à la|au|à) (la |les |ma |mes |sa |ses |mon |son )?{_BODY}\b",
        0.85,
        unless=r"brûlures? d'estomac|brûle-graisse|brûler (des )?calories",
    ),
    _rule(
        "safety.cut",
        "safety_hazard",
        (
            "vif",
            "ouvert",
            "tranchant",
            "coupant",
            "acéré",
            "coupé",
            "entaill",
            "écorch",
            "blessé",
            "blessure",
            "saign",
            "suture",
            "coupure",
        ),
        r"\b(bords?|arêtes?|angles?|coins?|pointes?|bavures?|ébarbures?) (\w+ )?(tranchante?s?|coupante?s?|acérée?s?"
        r"|vifs?)\b|\b(très|super|hyper|vraiment) coupante?s?\b"
        r"|\b(je me suis|il s'est|elle s'est|s'est|on s'est) (\w+ )?(coupée?|entaillée?|écorchée?|blessée?)s?\b"
        rf"|\b(m'a|lui a|nous a) (\w+ )?(coupé|entaillé|ouvert|blessé) (le|la|les|mon|ma|mes|son|sa|ses) {_BODY}\b"
        r"|\b(saigne|saignait|saignent|saigné|saignement|saignements)\b|\bpoints de suture\b|\bblessures?\b"
        r"|\bcoupures?\b",
        0.85,
        unless=r"coupures? (de courant|d'électricité|réseau|internet|de son|de presse)|cheveux|ongles|barbe",
    ),
    _rule(
        "safety.choking",
        "safety_hazard",
        (
            "suffocation",
            "étouff",
            "avalé",
            "fausse route",
            "petites pièces",
            "pile bouton",
            "piles bouton",
            "ingestion",
        ),
        r"\b(s'est|se sont|s'était|s'étouffait|s'étouffe|failli s') (\w+ )?étouff\w*|\bs'étouff\w*"
        r"|\b(a|ont|avait) avalé (\w+ ){0,3}(une|un|des|la|le|les) (\w+ )?(pièce|pièces|pile|piles|aimant|aimants"
        r"|bouton|boutons|morceau|morceaux|bille|billes|perle|perles)\b|\bfausse route\b|\bpetites pièces (qui )?"
        r"(se détachent|se sont détachées|se décrochent|tombent|se cassent)\b|\brisque (d'étouffement|de suffocation"
        r"|d'ingestion)\b|\bpiles? bouton (accessible|avalée|sort|tombe)",
        0.9,
        unless=r"étouffant|on étouffe|chaleur",
    ),
    _rule(
        "safety.entrapment",
        "safety_hazard",
        ("suffoqu", "étrangl", "suffoc", "asphyxi", "cou", "coincé", "bloqué", "piégé", "pincé"),
        r"\bétrangl(é|ée|ement|er|ait)\b|\bsuffoqu(é|ée|er|ait)\b|\basphyxi\w*"
        r"|\b(cordon|cordons|cordelette|ficelle|corde|câble|sangle|lanière|lacet)s?\b[^.!?]{0,50}\bautour (du|de son"
        r"|de sa) cou\b"
        rf"|\b({_BODY}|tête|{_CHILD})\b{_GAP} (coincée?s?|bloquée?s?|piégée?s?|pincée?s?)\b"
        rf"|\b(s'est|se sont|s'était) (\w+ )?(coincé|pincé|bloqué) (\w+ ){{0,2}}(la |le |les |sa |son |ses )?({_BODY}"
        rf"|tête)\b",
        0.85,
        unless=r"fermeture|zip|tirette|bouchon",
    ),
    _rule(
        "safety.allergy",
        "safety_hazard",
        (
            "allergi",
            "réaction",
            "plaques",
            "boutons",
            "urticaire",
            "eczéma",
            "éruption",
            "gonfl",
            "oedème",
            "rougeur",
            "irritation",
        ),
        r"\bréaction (allergique|cutanée)\b|\b(fait|fais|eu|a fait) (une |des )?(réaction|allergie|allergies)\b"
        r"|\bplaques rouges\b|\bboutons (rouges|sur (le|la|les|mon|ma|mes) (visage|peau|corps|bras|cou))\b"
        r"|\bplein de boutons\b|\burticaire\b|\b(crise|poussée) d'eczéma|\béruptions? cutanées?"
        r"|\b(visage|lèvres|yeux|langue|gorge|paupières) (\w+ ){0,2}(gonflée?s?|ont gonflé|a gonflé)\b|\boedème\b"
        r"|\brougeurs?\b|\birritations?\b",
        0.85,
        unless=r"anti-?(rougeurs?|irritations?)|boutons? (de|du) (manteau|gilet)|(atténue|réduit|calme|apaise|diminue"
        r"|estompe|camoufle|cache|masque|soulage)\w* (les |mes |des )?(rougeurs|irritations)",
    ),
    _rule(
        "safety.toxic",
        "safety_hazard",
        (
            "gorge",
            "toxique",
            "cancérigène",
            "cancérogène",
            "perturbateur",
            "mal de tête",
            "maux de tête",
            "migraine",
            "nausée",
            "vertige",
            "yeux",
        ),
        r"\btoxiques?\b|\bcancérigènes?\b|\bcancérogènes?\b|\bperturbateurs? endocriniens?"
        r"|\bodeur (\w+ )?(chimique|de produit chimique|de plastique|forte|très forte|insupportable|de solvant"
        r"|de peinture)[^.!?]{0,80}\b(mal de tête|maux de tête|migraines?|nausées?|vertiges?|gorge qui gratte"
        r"|yeux qui (piquent|pleurent))|\b(mal de tête|maux de tête|migraines?|nausées?|vertiges?)\b[^.!?]{0,40}"
        r"\b(odeur|vapeurs?|émanations?)\b|\bles yeux (qui )?(piquent|piquaient|pleurent|pleuraient|brûlent"
        r"|brûlaient)\b",
        0.8,
        unless=r"relation toxique|personne toxique|oignon",
    ),
    _rule(
        "safety.explode",
        "safety_hazard",
        ("déform", "explos", "gonfl", "bombé"),
        r"\bexplos(é|ée|er|ion|é en)\b|\ba explosé\b"
        rf"|\b(batterie|pile|accu|power ?bank)s?\b{_GAP} (a )?(gonflée?s?|a gonflé|ont gonflé|déformée?s?|bombée?s?"
        r"|explosée?s?)\b|\b(gonflée|bombée) (la |sa )?batterie\b|\bbatteries? (gonflée|bombée)s?\b",
        0.9,
        unless=r"explosé de rire|explosé (le|les) (compteurs?|prix|records?|scores?)|explosion de (saveurs?|couleurs?"
        r"|goûts?|joie)",
    ),
    _rule(
        "safety.tip_over",
        "safety_hazard",
        ("tombé", "bascul", "renvers", "effondr"),
        r"\b(meuble|commode|étagère|armoire|bibliothèque|télévision|télé|tv|écran|miroir|table|chaise|chaise haute"
        rf"|lampadaire|poussette|lit superposé|bureau|colonne)s?\b{_GAP} (est tombée?|a basculé|bascule|s'est"
        r" renversée?|se renverse|s'est effondrée?)\b|\b(est tombée?|s'est effondrée?|a basculé) sur (moi|mon|ma|mes"
        r"|lui|elle|le bébé|l'enfant|notre|nos)\b|\brisque de (basculement|renversement)\b"
        r"|\bbascule (facilement|très facilement|en avant|en arrière|au moindre)",
        0.85,
    ),
    _rule(
        "safety.food",
        "safety_hazard",
        ("de fer", "intoxi", "vomi", "gastro", "diarrhée", "verre", "métal", "plastique", "corps étranger", "moisi"),
        r"\bintoxication\w*|\bintoxiquée?s?\b|\b(vomi|vomir|vomissements?|vomissait|a vomi|ont vomi)\b"
        r"|\bgastro(-entérite)?\b|\bdiarrhées?\b|\b(morceau|morceaux|bout|éclat|éclats|débris) de (verre|métal"
        r"|plastique dur|fer)\b[^.!?]{0,40}\b(dans (le|la|les|mon|ma|mes)|sous la dent|en mangeant|en mâchant)\b"
        r"|\b(trouvé|croqué|mordu|mâché) (\w+ ){0,3}(morceau|morceaux|bout|éclat|éclats|débris) de (verre|métal"
        r"|plastique dur|fer)\b|\bcorps étrangers?\b|\bmoisie?s?\b|\bmoisissures?\b",
        0.85,
        unless=r"c'est à vomir|à vomir|rouge moisi",
    ),
    _rule(
        "safety.hazard_words",
        "safety_hazard",
        ("dangereu", "danger", "sécuris", "nocif", "nocive", "nuisible", "rappel", "retir", "risque pour"),
        r"\bdangereu(x|se|ses|sement)\b|\bdanger\b|\bpas (du tout )?sécurisée?s?\b|\bnon sécurisée?s?\b"
        r"|\bmise en danger\b|\brisque pour (la santé|les enfants|le bébé)\b|\bnoci(f|ve|fs|ves)\b"
        r"|\bnuisibles? (pour|à) la santé\b|\bdevrai(t|ent) être (rappelée?s?|retirée?s?)|\bretirée?s? (de la vente"
        r"|du marché)|\brappel (de produit|produit|de lot)",
        0.8,
        unless=r"dangereusement (bon|bonne|addictif|addictive|confortable|beau|belle)",
    ),
    # --- legal_threat: not negatable, threats are conditional ("si je ne suis pas remboursé, je porte plainte") ---
    _rule(
        "legal.lawyer",
        "legal_threat",
        ("avocat", "juriste", "juridique", "judiciaire", "justice", "mise en demeure"),
        r"\b(mon|notre|ma) (avocat|avocate|juriste)\b|\b(contacter|contacté|consulter|consulté|prendre|pris|saisir"
        r"|saisi|appeler|appelé|voir) (un|une|mon|ma) (avocat|avocate|juriste)\b"
        r"|\bprotection juridique\b|\b(service|assistance) juridique\b|\bpoursuites? (judiciaires?|en justice)\b"
        r"|\bactions? (en justice|judiciaires?)\b|\bmise en demeure\b|\bvoie judiciaire\b",
        0.9,
        unless=r"(je suis|en tant qu') avocat",
        negatable=False,
    ),
    _rule(
        "legal.lawsuit",
        "legal_threat",
        (
            "juge",
            "plainte",
            "poursuiv",
            "justice",
            "tribunal",
            "procès",
            "injonction",
            "conciliateur",
            "créances",
            "dommages",
            "gendarmerie",
            "commissariat",
            "police",
        ),
        r"\b(porter|porte|portée?|déposer|déposé|dépose|déposerai|porterai) (une )?plainte\b|\bplainte (contre|auprès"
        r"|à la police|à la gendarmerie|pénale)\b|\bpoursuivre en justice|\bvous poursuivre\b|\ben justice\b"
        r"|\btribunal\w*|\bjuge de proximité|\bprocès\b|\binjonction de payer|\bconciliateur de justice"
        r"|\bpetites créances|\bdommages(-| et )intérêts|\b(commissariat|gendarmerie)\b|\b(appeler|appelé|prévenir"
        r"|préviendrai) la police",
        0.9,
        unless=r"procès verbal|procès-verbal",
        negatable=False,
    ),
    _rule(
        "legal.regulator",
        "legal_threat",
        (
            "testachats",
            "dgccrf",
            "ufc",
            "consommat",
            "signal conso",
            "signalconso",
            "clcv",
            "test-achats",
            "test achats",
            "opc",
            "frc",
        ),
        r"\b(dgccrf|ufc(-| )?que choisir|ufc|clcv|signal ?conso|test-?achats|frc|opc)\b|\bassociations? de"
        r" (défense des )?consommateurs?\b|\bmédiateur de la consommation\b|\boffice de la protection du consommateur"
        r"|\bprotection des consommateurs\b|\bfédération romande des consommateurs",
        0.9,
        unless=r"meilleur (choix|du test|achat)|test(é|s)? (de|par) (l')?(ufc-?)?que choisir|selon (l')?(ufc-?)?que"
        r" choisir|recommandé par",
        negatable=False,
    ),
    # --- refund_intent ---------------------------------------------------------------------------------
    _rule(
        "refund.refund_request",
        "refund_intent",
        ("rembours", "argent"),
        r"\brembours\w*|\b(rendre|rendez|rende|rendez-moi|récupérer|récupéré|revoir|veux|voudrais|exige) (\w+ )?"
        r"(mon|notre) argent\b|\bmon argent (en retour|de retour|rendu)\b",
        0.85,
        unless=r"satisfait ou remboursé|(non|pas) remboursable",
        negatable=False,
    ),
    _rule(
        "refund.return_request",
        "refund_intent",
        ("renvo", "renverr", "retour"),
        r"\b(renvoy\w*|renvoie|renvoient|renverrai\w*|renvoyé\w*)\b"
        r"|\b(je|on|nous|vais|va|allons|dois|devoir|ai|avons|l'ai|les ai|je le|je la|je les|le|la|les) (\w+ ){0,2}"
        r"retourn(e|er|erai|ons|é|ée|és|ées|ez)\b|\bretour (au|à l') (vendeur|expéditeur|envoyeur|magasin|amazon)\b"
        r"|\b(demande|procédure|bon|étiquette|bordereau) de retour\b|\b(faire|fait|mis|mettre) (un |en )?retour\b"
        r"|\bretour (effectué|demandé|accepté|en cours)\b",
        0.85,
        unless=r"retourn\w* (la|les) (crêpe|page|situation)|(le|la|les) retourner pour|retour d'expérience"
        r"|renvoyer (l'ascenseur|la balle|vers)|renvoie (vers|à la|au)",
    ),
    _rule(
        "refund.chargeback",
        "refund_intent",
        ("rejet", "opposition", "contest", "litige", "chargeback", "prélèvement", "banque"),
        r"\brejet de (paiement|prélèvement)|\b(opposition|contestation|litige) (\w+ ){0,4}(banque|carte|paypal|cb"
        r"|visa|mastercard)\b|\b(banque|paypal|carte bancaire|cb)\b[^.!?]{0,30}\b(litige|contestation|opposition)\b"
        r"|\b(ouvert|ouvrir|ouvre|ouvrirai) un litige\b|\bcontest(er|é|erai) (le|la|ce|cette) (paiement|prélèvement"
        r"|transaction|débit)\b|\bfaire opposition\b|\bchargeback\b",
        0.9,
        negatable=False,
    ),
)

LEXICON = LanguageLexicon.build(
    "fr",
    RULES,
    negations=_NEG,
    hypotheticals=r"zéro|guère|peur|crainte|craint|au cas où|protection|protège|évite\w*|empêche\w*|anti|au lieu de"
    r"|exempte?",
    clause_breaks=_BREAKS,
    trailing_negations=r"pas(?! mal)|jamais|point|nullement|aucunement",
    trailing_stops=r"et|mais|car|parce que|que",
)
