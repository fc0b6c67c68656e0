"""Spanish rules (Spain and Latin America). Patterns are lowercase; accents are optional in the reviewed text."""

from __future__ import annotations

from functools import partial

from agent.scorer.lexicons.language import LanguageLexicon, build_rule, gap

_rule = partial(build_rule, "es")
_NEG = r"no|ni|nunca|jamás|sin|tampoco|nada|ningún|ninguna|ninguno"
_BREAKS = r"pero|sino|aunque|sin embargo|porque|ya que|pues|y"
_GAP = gap(f"{_NEG}|{_BREAKS}")

_DEVICE = (
    r"(cargador|cable|enchufe|batería|pila|adaptador|móvil|celular|teléfono|portátil|laptop|transformador|regleta"
    r"|alargador|bombilla|foco|lámpara|aparato|power ?bank|auriculares|mando|consola|motor|carcasa|base|clavija"
    r"|toma|dispositivo)"
)
_BODY = (
    r"(mano|manos|dedo|dedos|piel|brazo|brazos|pierna|piernas|cara|boca|lengua|labio|labios|cuello|pie|pies"
    r"|muñeca|rodilla|ojo|ojos)"
)
_CHILD = (
    r"(bebé|niño|niña|hijo|hija|nene|nena|crío|cría|sobrino|sobrina|nieto|nieta|(el|la|mi) (peque|pequeño|pequeña)"
    r")"
)

RULES = (
    # --- safety_hazard -----------------------------------------------------------------------------
    _rule(
        "safety.fire",
        "safety_hazard",
        ("fuego", "llama", "incendi", "arder", "ardió", "bomberos"),
        r"\b(prendió|prendieron|agarró|agarraron|cogió|cogieron|tomó|tomaron|prende|coge|agarra|empezó a echar)"
        r" (\w+ )?fuego\b|\bse prendió (en )?(fuego|llamas)|\ben llamas\b|\bllamaradas?\b"
        r"|\b(salieron|salían|salió|salía|sale|salen|vi|había) (\w+ )?llamas\b|\bllamas (salieron|salían|salió|por)\b"
        r"|\b(se )?incendi(ó|aron|ado|ada|arse)\b|\b(un|provocar|provocó|casi provoca|riesgo de|peligro de|inicio de"
        r"|principio de|conato de) incendio\b|\b(empezó|comenzó) a arder|\bardió\b"
        r"|\b(llamar|llamamos|llamé|llegaron|vinieron|vinieron los|a los) (\w+ )?bomberos",
        0.95,
        unless=r"fuego lento|a fuego (medio|alto|bajo|vivo)|apto para (fuego|vitro)|a prueba de (fuego|incendio)"
        r"|precio de (locura|incendio)|arma de fuego|fuegos artificiales",
    ),
    _rule(
        "safety.smoke",
        "safety_hazard",
        ("quemad", "humo", "hume", "quemado", "chamusc", "chamusq"),
        r"\b(echa|echó|echaba|echando|suelta|soltó|soltaba|sale|salió|salía|saliendo|salir|desprende|desprendió"
        r"|empezó a (echar|soltar)) (\w+ ){0,2}humo\b|\bhumo (salía|salió|sale|saliendo|negro|blanco)\b"
        r"|\bhume(a|ó|aba|ando)\b|\b(olor|olía|huele|oler|olió) (a |de )?(quemado|humo|plástico quemado"
        r"|cable quemado|goma quemada|chamusquina)\b|\bchamus(c|q)\w*",
        0.9,
        unless=r"estoy que echo humo|estaba que echaba humo|color humo|máquina de humo|ahumad",
    ),
    _rule(
        "safety.overheat",
        "safety_hazard",
        (
            "pone",
            "puso",
            "ponía",
            "se pone",
            "se puso",
            "se ponía",
            "calent",
            "calient",
            "ardiendo",
            "hirviendo",
            "rojo vivo",
            "quema",
            "tocar",
        ),
        r"\bsobrecal(e|ie)nt\w*|\bse (\w+ )?recal(e|ie)nt\w*|\brecalentamiento\b"
        r"|\bse (\w+ )?(calienta|calentó|calentaba|calentaban|calientan|pone|puso|ponía) (\w+ ){0,2}(muchísimo"
        r"|demasiado|una barbaridad|un montón|en exceso|excesivamente|tanto que|hirviendo|ardiendo|al rojo)"
        r"|\b(quema|quemaba|quemaban|queman) al (tacto|tocar(lo|la)?)\b|\bimposible (de )?tocar(lo|la)?\b"
        r"|\b(tan|muy|demasiado|súper|super) caliente (al tacto|para tocar(lo|la)?)\b"
        rf"|\b{_DEVICE}\b{_GAP} (ardiendo|hirviendo|al rojo vivo|que quema)\b",
        0.85,
        unless=r"contra (el )?sobrecalentamiento|recalentar (la |el )?(comida|café|sobras|pizza|leche)",
    ),
    _rule(
        "safety.melt",
        "safety_hazard",
        ("derrit", "derret", "fundi", "fundió"),
        r"\b(plástico|cable|enchufe|clavija|conector|toma|cargador|carcasa|funda|adaptador|base)\w*"
        rf"{_GAP} (se (\w+ )?derritió|se (\w+ )?fundió|derretid[oa]s?|fundid[oa]s?|empezó a derretirse)\b"
        r"|\bplástico (derretido|fundido)\b|\bse (\w+ )?derriti(ó|eron) (\w+ )?(el|la) (plástico|cable|enchufe|carcasa"
        r"|funda)\b",
        0.85,
        unless=r"en la boca|corazón|chocolate|mantequilla|queso|helado|hielo|cera|bombilla fundida",
    ),
    _rule(
        "safety.spark",
        "safety_hazard",
        ("chisp", "cortocircuito", "corto circuito"),
        r"\b(echó|echa|echaba|echando|soltó|suelta|saltaron|saltan|saltaban|saltó|salieron|salían|salen|salió|vi"
        r"|hace|hizo|hacía|sacó|saca) (\w+ ){0,2}chispas?\b|\bchispas? (salieron|saltaron|por todos|del|de la)\b"
        r"|\bchispazos?\b|\bchisporrot\w*|\b(corto ?circuito|cortocircuito)\w*",
        0.85,
        unless=r"chispa de (humor|gracia|vida)|con chispa|le falta chispa",
    ),
    _rule(
        "safety.shock",
        "safety_hazard",
        ("toque eléctric", "descarga", "corriente", "calambr", "electrocut", "corrientazo"),
        r"\bdescargas? eléctricas?|\b(me|le|nos|te|les) (dio|da|daba|dieron|pegó|pega|pegaba) (una |la |un |las )?"
        r"(\w+ )?(descarga|corriente|calambre|calambrazo|corrientazo|toque eléctrico)s?\b|\bcalambrazo\b"
        r"|\bcorrientazo\b|\belectrocut\w*|\b(da|daba|dio|pasa|pasaba) corriente\b",
        0.85,
        unless=r"calambres? (en las|en la|de) (piernas|pierna|estómago|gemelos)",
    ),
    _rule(
        "safety.burn",
        "safety_hazard",
        ("quem", "ampolla", "escald"),
        r"\bquemaduras?\b|\bme quemé\b"
        rf"|\b(me|le|se|nos|te|les) (\w+ )?quem(ó|é|aron|aba|a) (\w+ )?(el|la|los|las|mi|mis|su|sus) {_BODY}\b"
        rf"|\bampollas? (en|por) (el |la |las |los |mis |mi |sus |su )?{_BODY}\b|\bescaldad\w*",
        0.85,
        unless=r"quemadura solar|quema grasa|quemagrasa|quemar calorías",
    ),
    _rule(
        "safety.cut",
        "safety_hazard",
        (
            "herí",
            "cortaba",
            "afilad",
            "cortante",
            "punzante",
            "corté",
            "cortó",
            "cortaron",
            "sangr",
            "sutura",
            "herid",
            "lastim",
            "hirió",
        ),
        r"\b(bordes?|aristas?|esquinas?|puntas?|rebabas?|filos?|cantos?) (\w+ )?(afilad[oa]s?|cortantes?|punzantes?)\b"
        rf"|\bme corté\b|\b(me|le|se|nos|te) (\w+ )?cort(ó|é|aron|aba) (el|la|los|las|mi|mis|su|sus) {_BODY}\b"
        r"|\b(sangró|sangraba|sangraron|sangrando|hizo sangre|salió sangre|sangre por todas partes)\b"
        rf"|\b{_CHILD}\b{_GAP} se (\w+ )?(cortó|hirió|lastimó)\b|\bpuntos de sutura|\b(se|me|le) (\w+ )?(lastimó"
        rf"|lastimé|hirió|herí)\b|\bheridas? (en|de|profunda)\b",
        0.85,
        unless=r"respuesta cortante|tono cortante|sangría|me hirió (que|el|la) (comentario|actitud)|me corté (las|el"
        r"|mis) (uñas|pelo|flequillo|barba)",
    ),
    _rule(
        "safety.choking",
        "safety_hazard",
        (
            "ingestión",
            "piez",
            "atragant",
            "ahog",
            "trag",
            "piezas pequeñas",
            "piececitas",
            "pila de botón",
            "pilas de botón",
            "asfixia",
        ),
        rf"\batragant\w*|\b{_CHILD}\b{_GAP} (casi )?se (ahoga|ahogó|ahogaba)\b|\bse ahogó con (una|un|el|la) \w+"
        rf"|\b{_CHILD}\b{_GAP} (se )?trag(ó|aron|aba)\b"
        r"|\b(se )?trag(ó|aron|aba) (\w+ ){0,2}(pieza|piezas|pila|botón|imán|imanes|batería|trozo|parte|bolita"
        r"|cuenta)s?\b|\b(piezas pequeñas|piececitas) (que )?(se )?(sueltan|soltó|soltaron|desprenden|desprendió|salen"
        r"|salieron)|\bse (sueltan|soltó|soltaron|desprenden|desprendió|desprendieron) (\w+ ){0,2}piez(as|itas)"
        r"\b|\b(peligro|riesgo) de (asfixia|atragantamiento|ingestión)|\bpilas? de botón (\w+ )?(accesible|suelta"
        r"|se sale"
        r"|se salió|tragó)",
        0.9,
        unless=r"atragantó (el libro|la película|la serie)",
    ),
    _rule(
        "safety.entrapment",
        "safety_hazard",
        (
            "asfixi",
            "estrangul",
            "ahorc",
            "cuello",
            "atrapad",
            "atascad",
            "atorad",
            "aprisionad",
            "enganchad",
            "pillé",
            "pilló",
            "pellizc",
        ),
        r"\basfixi(ó|ar|arse|ado|ada|ando)\b|\bestrangul\w*|\bahorc(ó|ar|arse|ado|ada|ando)\b"
        r"|\b(cordón|cordones|cuerda|cinta|cable|tira|correa|lazo)\w*[^.!?]{0,50}\b(alrededor del|en el) cuello\b"
        r"|\bse (le )?(enrolló|enredó) (\w+ ){0,3}(en|alrededor de)l? cuello"
        rf"|\b({_BODY}|cabeza|cabecita|{_CHILD})\b{_GAP} (atrapad[oa]s?|atascad[oa]s?|aprisionad[oa]s?|atorad[oa]s?"
        r"|enganchad[oa]s?)\b|\b(se|me) (\w+ )?(pilló|pillé|pellizcó) (\w+ )?(el|los|la|las) (dedo|dedos|mano|manos)\b",
        0.85,
        unless=r"atrapad[oa] (en|por) la (trama|historia|lectura)",
    ),
    _rule(
        "safety.allergy",
        "safety_hazard",
        (
            "manchas",
            "alergi",
            "alérgic",
            "reacción",
            "sarpullido",
            "erupción",
            "urticaria",
            "roncha",
            "habones",
            "dermatitis",
            "granos",
            "granitos",
            "hinch",
            "irrit",
        ),
        r"\b(me|le|nos|les) (\w+ )?(dio|dieron|provocó|causó|produjo) (\w+ )?(alergia|reacción|urticaria|sarpullido"
        r"|ronchas|granos|granitos)\b|\breacción (alérgica|en la piel|cutánea)\b|\b(sarpullido|urticaria|ronchas"
        r"|habones|dermatitis)\b|\berupción (en la piel|cutánea)\b|\bme salieron (\w+ ){0,2}(granos|granitos|ronchas"
        r"|manchas)\b|\bse me (hincharon|hinchó) (los|las|la|el) (labios|ojos|cara|lengua|párpados|garganta)\b"
        r"|\b(labios|ojos|cara|lengua|párpados|garganta) (\w+ ){0,2}hinchad[oa]s\b|\b(me|le) (\w+ )?irrit(ó|a|aba)"
        r" (la piel|los ojos)\b|\birritación (en la piel|cutánea|de piel)\b",
        0.85,
    ),
    _rule(
        "safety.toxic",
        "safety_hazard",
        ("picor", "tóxic", "venenos", "cancerígen", "dolor de cabeza", "mareo", "náusea", "ojos"),
        r"\btóxic[oa]s?\b|\bvenenos[oa]s?\b|\bcancerígen[oa]s?\b"
        r"|\bolor (\w+ )?(químico|a químico|a plástico|fuerte|muy fuerte|insoportable|a disolvente|a pintura)"
        r"[^.!?]{0,80}\b(dolor de cabeza|mareos?|náuseas|me mareó|picor de garganta|lloraban los ojos)"
        r"|\b(dolor de cabeza|mareos?|náuseas)\b[^.!?]{0,40}\b(olor|olía|huele|vapores|gases)\b"
        r"|\bme (lloran|lloraban|pican|picaban|ardían|arden) los ojos\b",
        0.8,
        unless=r"relación tóxica|persona tóxica|cebolla",
    ),
    _rule(
        "safety.explode",
        "safety_hazard",
        (
            "deform",
            "explot",
            "explosi",
            "revent",
            "hinchad",
            "hinchó",
            "infló",
            "inflad",
            "abombad",
            "abombó",
            "deformad",
        ),
        r"\bexplot(ó|aron|a|aba|ando)\b|\bexplosión\b|\bexplotado\b"
        rf"|\b(batería|pila|celda|power ?bank|powerbank)s?\b{_GAP} (hinchad[oa]s?|se (\w+ )?(hinchó|infló|abombó"
        r"|deformó)|inflad[oa]s?|abombad[oa]s?|deformad[oa]s?|reventad[oa]s?|reventó)\b"
        r"|\b(batería|pila)s? (hinchad[oa]s?|abombad[oa]s?)\b",
        0.9,
        unless=r"explosión de (sabor|color|sabores|colores)|explotó de (sabor|risa)|explotar (al máximo|todo)",
    ),
    _rule(
        "safety.tip_over",
        "safety_hazard",
        ("vino abajo", "cayó", "cae", "volc", "vuelca", "tumbó", "desplom", "encima", "vuelco"),
        r"\b(mueble|cómoda|estantería|armario|librero|tv|tele|televisión|televisor|espejo|mesa|silla|trona|lámpara"
        rf"|cochecito|carrito|litera|estante|escritorio|perchero|soporte)s?\b{_GAP} (se (\w+ )?(cayó|volcó|vuelca|cae"
        r"|tumbó|desplomó|vino abajo)|volcó|vuelca)\b|\b(se )?(le |nos |me )?(cayó|vino) encima\b"
        r"|\bcayó (\w+ )?(sobre|encima de) (mi|mis|su|sus|el niño|la niña|el bebé|nosotros)\b"
        r"|\briesgo de (vuelco|volcar)|\bse vuelca (fácilmente|con facilidad|sol[oa])",
        0.85,
    ),
    _rule(
        "safety.food",
        "safety_hazard",
        (
            "plástico duro",
            "extrañ",
            "intoxica",
            "intoxiqu",
            "vomit",
            "vómit",
            "diarrea",
            "gastroenteritis",
            "cristal",
            "vidrio",
            "metal",
            "cuerpo extraño",
            "moho",
            "mohos",
            "gusano",
            "larva",
        ),
        r"\bintoxica(ción|do|da|dos|das|rme|rse)\b|\bintoxiqu(é|ó|aron|amos)\b|\b(vomit(é|ó|aron|ando|ar|aba)"
        r"|vómitos?)\b|\bdiarrea\b"
        r"|\bgastroenteritis\b|\b(trozo|trozos|pedazo|pedazos|trocito|trocitos|astilla|astillas) de (cristal|vidrio"
        r"|metal|plástico duro)\b[^.!?]{0,40}\b(en el|en la|en mi|dentro|en la boca|masticando|comiendo)\b"
        r"|\b(encontré|encontramos|mordí|masticé) (\w+ ){0,3}(trozo|trozos|pedazo|pedazos|trocito|trocitos|astilla"
        r"|astillas) de (cristal|vidrio|metal|plástico duro)\b|\bcuerpos? extraños?\b|\b(con|tenía|lleno de|había"
        r"|salió) moho\b|\bmohos[oa]s?\b"
        r"|\b(había|tenía|encontré|con|salieron) (\w+ )?(gusanos|larvas)\b",
        0.85,
        unless=r"vomitivo|da ganas de vomitar",
    ),
    _rule(
        "safety.hazard_words",
        "safety_hazard",
        ("peligr", "riesgo para", "nociv", "perjudicial", "retirar", "retirad", "insegur"),
        r"\bpeligros[oa]s?\b|\bpeligro\b|\briesgo para (la salud|los niños|el bebé)|\bnociv[oa]s?\b"
        r"|\bperjudicial(es)? para la salud|\bdeberían retirar\w*|\b(retirar|retirado|retirada)(lo|la)? del mercado"
        r"|\bretirada de (producto|lotes?)|\binsegur[oa]s?\b",
        0.8,
        unless=r"peligrosamente (bueno|rico|adictivo|cómodo|delicioso|bonito)|un peligro (de lo |lo )?(rico|bueno"
        r"|adictivo)|(me|se) (siento|sentí|sentía|siente) insegur|insegur[oa] (de|sobre)",
    ),
    # --- legal_threat: not negatable, threats are conditional ("si no me devuelven el dinero, iré a juicio") ---
    _rule(
        "legal.lawyer",
        "legal_threat",
        ("abogad", "letrad", "bufete", "legal", "judicial", "jurídic"),
        r"\b(mi|un|una|nuestro|nuestra|al|el|mis|unos) (abogad[oa]s?|letrad[oa]s?)\b|\bbufete\b"
        r"|\b(acciones|acción|medidas|vía|vías|asesoría) (legal|legales|judicial|judiciales|jurídica|jurídicas)\b",
        0.9,
        unless=r"abogado del diablo|(soy|como) abogad",
        negatable=False,
    ),
    _rule(
        "legal.lawsuit",
        "legal_threat",
        (
            "demand",
            "denunci",
            "juzgado",
            "tribunal",
            "juicio",
            "policía",
            "querella",
            "monitorio",
            "perjuicios",
            "indemniza",
        ),
        r"\b(voy a|vamos a|pienso|piensa|pensamos|van a|les voy a|los voy a|debería|os voy a|tendré que) (\w+ )?"
        r"demandar\w*|\bdemandar(los|las|les|te|os)\b|\b(pondré|poner|interponer|interpuse|puse) (una )?demanda\b"
        r"|\bdemanda judicial|\b(los|les|las|te|os) (voy a )?demand(o|aré|aremos)\b|\bdenunci\w*|\bjuzgado\w*"
        r"|\btribunal(es)?\b|\b(llevar|llevaré|llevarlos|llevarles|ir|iré|iremos) (\w+ ){0,2}a juicio\b|\bquerella\w*"
        r"|\bmonitorio\b"
        r"|\bdaños y perjuicios|\bindemnización\b|\b(llamar|llamaré|llamé|denunciar|ir|iré|acudir) (a la|ante la|en la)"
        r" policía",
        0.9,
        negatable=False,
    ),
    _rule(
        "legal.regulator",
        "legal_threat",
        (
            "adicae",
            "ocu",
            "facua",
            "consum",
            "omic",
            "profeco",
            "sernac",
            "indecopi",
            "reclamaciones",
            "arbitra",
            "superintendencia",
        ),
        r"\b(ocu|facua|omic|profeco|sernac|indecopi|adicae)\b|\b(oficina|autoridad|autoridades|departamento|asociación)"
        r" (municipal )?(de|del|de información al) consum(o|idor|idores)\b|\b(defensa|protección) (al|del|de los)"
        r" consumidor(es)?\b|\b(denunciar|denuncia|reclamar|reclamación|queja|acudir|ir|iré) (\w+ ){0,3}(a|en|ante)"
        r" consumo\b|\b(hoja|hojas|libro) de reclamaciones\b|\b(junta arbitral|arbitraje) de consumo\b"
        r"|\bsuperintendencia de industria",
        0.9,
        unless=r"compra maestra|mejor del análisis|(recomendado por|según) (la )?ocu",
        negatable=False,
    ),
    # --- refund_intent ---------------------------------------------------------------------------------
    _rule(
        "refund.refund_request",
        "refund_intent",
        ("reembols", "rembols", "dinero", "reintegro"),
        r"\bre?embols\w*|\b(devolución|devuelvan|devuelven|devolvieron|devuelto|devuelta|devolver|devolverme"
        r"|reintegro) (\w+ )?(del |de mi |el |mi |todo el )?dinero\b|\bmi dinero (de vuelta|devuelto)"
        r"|\bquiero (\w+ )?mi dinero\b|\breintegro\b",
        0.85,
        unless=r"sin necesidad|no hizo falta",
        negatable=False,
    ),
    _rule(
        "refund.return_request",
        "refund_intent",
        ("devol", "devuel", "retorn", "de vuelta"),
        r"\b(lo|la|los|las)? ?devolv(í|er|emos|eré|eremos|iendo|ido)(lo|la|los|las)?\b|\b(lo|la|los|las) devuelvo\b"
        r"|\bdevolución\w*|\bdevuelto\b|\bse va de vuelta\b|\bde vuelta (a|al) (amazon|la tienda|vendedor|remitente)\b"
        r"|\b(pedí|solicité|tramité|inicié|hice) (la |una )?devolución",
        0.85,
        unless=r"devolv\w* (la|las|mi) llamadas?|devolvió la (vida|sonrisa|esperanza)|devolver (el|los) favor",
    ),
    _rule(
        "refund.chargeback",
        "refund_intent",
        (
            "visa",
            "mastercard",
            "retroceder",
            "anul",
            "desconoc",
            "contracargo",
            "disputa",
            "paypal",
            "banco",
            "tarjeta",
            "anular el",
            "cargo",
            "protección al comprador",
        ),
        r"\bcontracargo\w*|\b(disputa|reclamación|reclamo) (\w+ ){0,3}(paypal|banco|tarjeta|visa|mastercard)\b"
        r"|\b(paypal|banco|tarjeta)\b[^.!?]{0,30}\b(disputa|anular el cargo|anuló el cargo|devolvió el cargo"
        r"|desconocer el cargo)\b|\b(anular|anulé|desconocer|desconocí|retroceder) (el|un) (cargo|cobro|pago)\b"
        r"|\bprotección al comprador",
        0.9,
        negatable=False,
    ),
)

LEXICON = LanguageLexicon.build(
    "es",
    RULES,
    negations=f"{_NEG}|nadie",
    hypotheticals=r"cero|apenas|miedo|temor|temo|por si|protección|protege|evita\w*|anti|en vez de|en lugar de"
    r"|libres? de",
    clause_breaks=_BREAKS,
)
