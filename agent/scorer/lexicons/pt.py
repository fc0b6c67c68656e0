"""Portuguese rules (Brazil and Portugal). Patterns are lowercase; accents and cedillas are optional in the text."""

from __future__ import annotations

from functools import partial

from agent.scorer.lexicons.language import LanguageLexicon, build_rule, gap

_rule = partial(build_rule, "pt")
_NEG = r"não|sem|nunca|jamais|nenhum|nenhuma|nem|nada"
_BREAKS = r"mas|porém|contudo|entretanto|todavia|no entanto|porque|pois|já que"
_GAP = gap(f"{_NEG}|{_BREAKS}")

_DEVICE = (
    r"(carregador|cabo|tomada|bateria|pilha|adaptador|fonte|celular|telemóvel|telefone|notebook|portátil"
    r"|computador|power ?bank|fone|fones|lâmpada|aparelho|régua|extensão|ficha|plugue|plug|motor|controle|comando"
    r"|dispositivo)"
)
_BODY = (
    r"(mão|mãos|dedo|dedos|pele|braço|braços|perna|pernas|rosto|cara|boca|língua|lábio|lábios|pescoço|pé|pés"
    r"|pulso|joelho|olho|olhos)"
)
_CHILD = (
    r"(bebê|bebé|criança|filho|filha|neném|nenê|menino|menina|miúdo|miúda|sobrinho|sobrinha|neto|neta"
    r"|(o|a|meu|minha) (pequeno|pequena))"
)

RULES = (
    # --- safety_hazard -----------------------------------------------------------------------------
    _rule(
        "safety.fire",
        "safety_hazard",
        ("fogo", "chama", "labareda", "incendi", "bombeiros", "arder"),
        r"\b(pegou|pegar|pega|pegando|pegaram|pegava|pegue) fogo\b|\bem chamas\b|\bchamas (saindo|saíram|saíam"
        r"|por todo)\b|\blabaredas?\b|\bincendi(ou|ar|ada|ado|aram)\b|\b(um|princípio de|início de|risco de"
        r"|perigo de|causar um|causou um) incêndio\b|\bcomeçou a (arder|pegar fogo)\b"
        r"|\b(chamar|chamei|chamamos|chamaram|chegaram) (\w+ )?(os )?bombeiros\b",
        0.95,
        unless=r"fogo de artifício|fogos de artifício|à prova de fogo|arma de fogo|fogo (baixo|alto|brando)",
    ),
    _rule(
        "safety.smoke",
        "safety_hazard",
        ("queimad", "fumaça", "fumo", "fumegando", "queimado"),
        r"\b(saiu|saindo|sai|saía|saíram|soltou|soltando|solta|soltava|fez|fazendo|faz|fazia) (\w+ ){0,2}fumaça\b"
        r"|\bfumaça (saindo|saiu|preta|branca|por todo)\b|\bfumo (preto|branco|a sair|saiu)\b|\b(soltou|sair|saiu"
        r"|deitou|deitar|deitava|a deitar) fumo\b|\bfumegando\b"
        r"|\b(cheiro|cheira|cheirando|cheirava|cheirou) (de |a )?(queimado|fumaça|plástico queimado|borracha queimada"
        r"|fio queimado)\b",
        0.9,
        unless=r"fumaça (cinza|colorida)|máquina de fumaça|cor fumaça|fumo de cigarro|tabaco",
    ),
    _rule(
        "safety.overheat",
        "safety_hazard",
        (
            "demais",
            "absurdamente",
            "excessivamente",
            "a ponto de",
            "muitíssimo",
            "quente",
            "aquec",
            "esquent",
            "pelando",
            "fervendo",
            "escaldante",
            "tocar",
            "segurar",
        ),
        r"\b(super|sobre)aquec\w*|\bimpossível (de )?(tocar|segurar)\b|\bquente demais (para|pra) (tocar|segurar)\b"
        rf"|\b{_DEVICE}\b{_GAP} (esquenta|esquentou|esquentava|aquece|aqueceu|aquecia|fica|ficou|ficava) (\w+ ){{0,2}}"
        r"(demais|muito quente|quente demais|muitíssimo|absurdamente|excessivamente|pelando|fervendo|a ponto de)\b"
        rf"|\b{_DEVICE}\b{_GAP} (pelando|fervendo|escaldante)\b",
        0.85,
        unless=r"proteção contra (o )?(super|sobre)aquecimento|água|café|leite",
    ),
    _rule(
        "safety.melt",
        "safety_hazard",
        ("derret", "fundiu", "fundid"),
        r"\b(plástico|cabo|fio|tomada|plugue|plug|ficha|carcaça|conector|carregador|fonte|capa)s?\b"
        rf"{_GAP} (derreteu|derreteram|derretid[oa]s?|derretendo|fundiu|fundid[oa]s?)\b|\bplástico (derretido|fundido)"
        r"\b|\b(derreteu|derreteram|fundiu) (\w+ )?(o|a) (plástico|cabo|fio|tomada|plugue|ficha|carcaça|conector)\b",
        0.85,
        unless=r"na boca|coração|chocolate|manteiga|queijo|gelo|neve|cera|sorvete",
    ),
    _rule(
        "safety.spark",
        "safety_hazard",
        ("faísc", "curto"),
        r"\b(soltou|solta|soltando|saiu|saíram|saindo|sai|deu|dando|dá|fez|faz|vi) (\w+ ){0,2}faíscas?\b"
        r"|\bfaíscas? (saindo|saíram|saiu)\b|\bfaísc(ou|ando|ava|a)\b|\bcurto(-| )?circuito\b|\bdeu (um )?curto\b"
        r"|\bem curto\b",
        0.85,
        unless=r"faísca (de|da) (paixão|esperança|criatividade)",
    ),
    _rule(
        "safety.shock",
        "safety_hazard",
        ("choque", "choquinho", "descarga", "eletrocut"),
        r"\b(levei|levou|levamos|leva|levar|tomei|tomou|tomar|toma|dei|deu|dá|dava|dando) (\w+ )?(um |uma )?(choque"
        r"|choques|choquinho|descarga|descargas)\b|\bchoque elétrico\b|\bdescarga elétrica\b|\beletrocut\w*",
        0.85,
        unless=r"choque (com|de) (o |a )?(preço|qualidade|realidade|cultura)|choque cultural|fiquei em choque",
    ),
    _rule(
        "safety.burn",
        "safety_hazard",
        ("queimadura", "queimei", "queimou", "bolha", "escaldad"),
        r"\bqueimaduras?\b|\bme queimei\b|\bse queimou (na|no|nas|nos) \w+"
        rf"|\bqueimou (\w+ )?(a|o|minha|meu|as|os|sua|seu) {_BODY}\b"
        rf"|\bbolhas? (na|nas|no|nos) {_BODY}\b|\bescaldad[oa]s?\b",
        0.85,
        unless=r"queimadura solar|queima gordura|queimar calorias|(lâmpada|motor|fonte|placa) (\w+ )?se queimou",
    ),
    _rule(
        "safety.cut",
        "safety_hazard",
        (
            "machuq",
            "afiad",
            "cortante",
            "pontiagud",
            "cortei",
            "cortou",
            "sangr",
            "pontos",
            "machuc",
            "ferimento",
            "feriu",
            "me feri",
        ),
        r"\b(bordas?|arestas?|cantos?|pontas?|rebarbas?|quinas?) (\w+ )?(afiad[oa]s?|cortantes?|pontiagud[oa]s?)\b"
        rf"|\bme cortei\b|\bse cortou\b|\bcortou (\w+ )?(a|o|minha|meu|os|as|sua|seu) {_BODY}\b"
        r"|\bsangr(ou|ando|ava|aram|amento)\b|\bpontos (de sutura|no dedo|na mão)\b"
        r"|\b(me machuquei|se machucou|machucou (\w+ )?(a|o|minha|meu|o meu|a minha) \w+)\b|\bferimentos?\b"
        r"|\b(me feri|se feriu)\b",
        0.85,
        unless=r"cabelo|unhas|barba|frio cortante",
    ),
    _rule(
        "safety.choking",
        "safety_hazard",
        (
            "sufocamento",
            "asfixia",
            "engasg",
            "engol",
            "peças pequenas",
            "pecinhas",
            "ingestão",
            "pilha de botão",
            "pilha botão",
        ),
        r"\bengasg\w*|\bengol(iu|iram|ir|indo) (\w+ ){0,3}(peça|peças|pecinha|pecinhas|pilha|bateria|ímã|ímãs|botão"
        r"|botões|pedaço|pedacinho|bolinha|conta|contas)\b|\b(peças pequenas|pecinhas) (que )?(se )?(solt(am|aram"
        r"|ou)|desprend\w*|sai(ram|u|em))\b|\b(soltou|soltaram|solta|soltam) (\w+ ){0,2}(peças pequenas|pecinhas)\b"
        r"|\brisco de (engasgo|asfixia|sufocamento|ingestão)\b|\bpilha (de )?botão (solta|acessível|saiu)",
        0.9,
        unless=r"engasguei (com|de) (água|café|rir|riso)|de tanto rir",
    ),
    _rule(
        "safety.entrapment",
        "safety_hazard",
        (
            "estrangul",
            "asfixi",
            "sufoc",
            "pescoço",
            "preso",
            "presa",
            "entalad",
            "encravad",
            "prensad",
            "esmagad",
            "prendeu",
        ),
        r"\bestrangul\w*|\basfixi(ou|ado|ada|ar|ando)\b|\bsufocamento\b|\bsufoc(ou|ado|ada)\b"
        r"|\b(cordão|cordinha|corda|fio|cabo|alça|fita|tira)\b[^.!?]{0,50}\b(em volta|ao redor|enrolad[oa]) (do|no)"
        r" pescoço\b|\b(enrolou|enroscou|enrolado|enroscado) (\w+ ){0,3}(no|ao redor do|em volta do) pescoço\b"
        rf"|\b({_BODY}|cabeça|cabecinha|mãozinha|pezinho|bracinho|perninha|dedinho|{_CHILD})\b{_GAP} (preso|presa"
        r"|presos|presas|entalad[oa]s?|encravad[oa]s?|prensad[oa]s?|esmagad[oa]s?)\b|\bprendeu (\w+ )?(o|a|os|as)"
        r" (dedo|dedos|dedinho|mão|mãozinha|cabeça|braço|perna|pé)\b",
        0.85,
        unless=r"zíper|fecho|tampa|cabelo preso",
    ),
    _rule(
        "safety.allergy",
        "safety_hazard",
        (
            "bolinhas",
            "manchas",
            "reação",
            "alergia",
            "erupç",
            "urticária",
            "brotoeja",
            "manchas vermelhas",
            "vermelhidão",
            "dermatite",
            "empol",
            "inch",
            "irritaç",
            "coceira",
            "comichão",
        ),
        r"\breação alérgica\b|\b(fiz|tive|deu|me deu) (uma )?alergia\b|\bme (deu|causou|provocou|deixou com)"
        r" (\w+ )?(alergia|reação|irritação|coceira|comichão|manchas|bolinhas)\b|\berupç(ão|ões)\b|\burticária\b"
        r"|\bbrotoejas?\b|\bmanchas vermelhas\b|\bvermelhidão\b|\bdermatite\b|\bempol(ou|aram|ad[oa]s?)\b"
        r"|\binch(ou|aram) (\w+ ){0,2}(o rosto|a boca|os lábios|os olhos|a língua|a garganta)\b"
        r"|\b(rosto|boca|lábios|olhos|língua|garganta|pálpebras) (\w+ ){0,2}(inchad[oa]s?|inchou|incharam)\b"
        r"|\birritaç(ão|ões) (na|da) pele\b",
        0.85,
        unless=r"(reduz|diminui|acalma|alivia|suaviza|tira|contra)\w* (a |as )?(vermelhidão|irritação|coceira)",
    ),
    _rule(
        "safety.toxic",
        "safety_hazard",
        ("tóxic", "venenos", "cancerígen", "dor de cabeça", "enjoo", "náusea", "tontura", "olhos", "arde"),
        r"\btóxic[oa]s?\b|\bvenenos[oa]s?\b|\bcancerígen[oa]s?\b"
        r"|\bcheiro (\w+ )?(químico|forte|muito forte|insuportável|de plástico|de solvente|de tinta)[^.!?]{0,80}"
        r"\b(dor de cabeça|enjoo|enjoos|náusea|náuseas|tontura|tonturas|ardência nos olhos)"
        r"|\b(dor de cabeça|enjoo|náusea|tontura)s?\b[^.!?]{0,40}\b(cheiro|vapores|gases|fumos)\b"
        r"|\b(os )?olhos (ardem|ardiam|arderam|lacrimejam|lacrimejavam|lacrimejando|ardendo)\b|\barde (os|o) olhos?\b",
        0.8,
        unless=r"atóxic|relacionamento tóxico|relação tóxica|pessoa tóxica|cebola",
    ),
    _rule(
        "safety.explode",
        "safety_hazard",
        ("inch", "explod", "explos", "inchad", "inchou", "estufad", "estufou", "deformad", "estourou"),
        r"\bexplod(iu|ir|indo|iram|e)\b|\bexplos(ão|ões)\b"
        rf"|\b(bateria|pilha|power ?bank|powerbank|célula)s?\b{_GAP} (inchad[oa]s?|inchou|incharam|estufad[oa]s?"
        r"|estufou|deformad[oa]s?|explodiu|estourou)\b|\bbateria (inchada|estufada)\b",
        0.9,
        unless=r"explosão de (sabor|sabores|cor|cores|alegria)|explodiu de (rir|sabor)",
    ),
    _rule(
        "safety.tip_over",
        "safety_hazard",
        ("tombou", "tomba", "caiu", "desabou", "despencou", "tombamento"),
        r"\b(móvel|cômoda|cómoda|estante|armário|guarda-roupa|guarda roupa|tv|televisão|televisor|espelho|mesa"
        rf"|cadeira|cadeirão|cadeirinha|luminária|carrinho|beliche|prateleira|rack|escrivaninha)s?\b{_GAP} (tombou"
        r"|caiu|desabou|despencou|tomba)\b|\b(caiu|tombou|desabou|despencou) (\w+ )?(em cima|por cima) (de mim|do meu"
        r"|da minha|do bebê|do bebé|da criança|do menino|da menina|do neném)\b|\brisco de (tombamento|tombar)\b"
        r"|\btomba (facilmente|com facilidade|sozinh[oa])\b",
        0.85,
        unless=r"preço (\w+ )?caiu|caiu (o )?(de )?preço|caiu a (ficha|conexão|ligação)",
    ),
    _rule(
        "safety.food",
        "safety_hazard",
        (
            "estranh",
            "plástico duro",
            "ferro",
            "intoxica",
            "vomit",
            "vômit",
            "vómit",
            "diarreia",
            "gastroenterite",
            "vidro",
            "metal",
            "corpo estranho",
            "corpos estranhos",
            "mofo",
            "mofad",
            "bolor",
            "larva",
        ),
        r"\bintoxica(ção|do|da|dos|das)\b|\bvomit(ei|ou|ar|ando|aram|ava)\b|\bv[oô]mitos?\b|\bdiarreia\b"
        r"|\bgastroenterite\b|\b(caco|cacos|pedaço|pedaços|pedacinho|pedacinhos|lasca|lascas|fragmento|fragmentos)"
        r" de (vidro|metal|plástico duro|ferro)\b[^.!?]{0,40}\b(no|na|nos|nas|dentro|na boca|mastigando|comendo"
        r"|encontr\w*|achei)\b|\b(encontrei|achei|mastiguei|mordi) (\w+ ){0,3}(caco|cacos|pedaço|pedaços|pedacinho"
        r"|lasca|fragmento)s? de (vidro|metal|plástico duro|ferro)\b|\bcorpos? estranhos?\b|\bmofo\b"
        r"|\bmofad[oa]s?\b|\bbolor\b|\bbolorent[oa]s?\b|\blarvas?\b",
        0.85,
        unless=r"vontade de vomitar",
    ),
    _rule(
        "safety.hazard_words",
        "safety_hazard",
        (
            "perig",
            "risco para",
            "risco à",
            "nociv",
            "prejudicial",
            "recolhid",
            "recolher",
            "retirad",
            "recall",
            "insegur",
        ),
        r"\bperigos[oa]s?\b|\bperigo\b|\brisco (para|à) (a )?saúde\b|\bnociv[oa]s?\b|\bprejudicial (à|para a) saúde\b"
        r"|\bdeveria(m)? ser (recolhid|retirad)[oa]s?\b|\b(recolhid|retirad)[oa]s? do mercado\b|\brecall\b"
        r"|\binsegur[oa]s?\b",
        0.8,
        unless=r"perigosamente (bom|boa|gostos[oa]|confortável|viciante)|um perigo de (bom|gostoso)|(me sinto|me senti"
        r"|fiquei|ficar) insegur|insegur[oa] (de|com) (compra|comprar)",
    ),
    # --- legal_threat: not negatable, threats are conditional ("se não devolverem o dinheiro, vou ao Procon") ---
    _rule(
        "legal.lawyer",
        "legal_threat",
        ("advogad", "judicia", "legais", "legal", "juridicamente"),
        r"\b(meu|um|uma|nosso|ao|o meu|a minha|minha) advogad[oa]s?\b|\badvogad[oa]s? (já )?(foi|foram|está|estão)"
        r" (acionad|contactad|contatad|informad)\w*|\bação (judicial|legal)\b|\bações (judiciais|legais)\b"
        r"|\bmedidas (legais|judiciais)\b|\bvias (legais|judiciais)\b|\bjuridicamente\b|\bprocesso judicial\b",
        0.9,
        unless=r"advogado do diabo|(sou|como) advogad",
        negatable=False,
    ),
    _rule(
        "legal.lawsuit",
        "legal_threat",
        (
            "process",
            "justiça",
            "juizado",
            "pequenas causas",
            "tribunal",
            "julgado de paz",
            "queixa",
            "boletim de",
            "denunci",
            "indeniz",
            "indemniz",
            "danos morais",
        ),
        r"\b(vou|vamos|irei|iremos|vai|quero|pretendo|devo|deveria|posso) (\w+ )?process(ar|á-?l[oa]s?)\b"
        r"|\bprocessar (a |o |vocês|voces|essa|esta|eles|a empresa|a loja)|\bprocessei (a|o)\b|\bprocesso contra\b"
        r"|\b(entrar|entrarei|entrei|entro|vou entrar) na justiça\b|\bna justiça\b|\bjuizado (especial|de pequenas"
        r" causas)\b|\bpequenas causas\b|\btribunal\b|\bjulgado de paz\b|\bqueixa (na|à) polícia\b|\bqueixa-crime\b"
        r"|\bboletim de ocorrência\b|\bdenunci\w*|\binde(m)?niz\w*|\bdanos morais\b",
        0.9,
        negatable=False,
    ),
    _rule(
        "legal.regulator",
        "legal_threat",
        (
            "procon",
            "deco",
            "proteste",
            "reclame aqui",
            "reclameaqui",
            "consumidor",
            "reclamaç",
            "asae",
            "portal da queixa",
        ),
        r"\bprocon\b|\b(a|na|para a|pra|à) deco\b(?! (do|da|de))|\bdeco proteste\b|\breclame ?aqui\b"
        r"|\bconsumidor\.gov|\blivro de reclamaç(ões|ão)\b|\basae\b|\bportal da queixa\b"
        r"|\bcódigo de defesa do consumidor\b|\bdefesa do consumidor\b|\bdireção-geral do consumidor\b",
        0.9,
        unless=r"art deco|estilo deco|escolha acertada|melhor do teste|(segundo|recomendado pela) (a )?deco",
        negatable=False,
    ),
    # --- refund_intent ---------------------------------------------------------------------------------
    _rule(
        "refund.refund_request",
        "refund_intent",
        ("reembols", "estorn", "dinheiro", "ressarci"),
        r"\breembols\w*|\bestorn(o|ar|ado|ada|aram|em|ou)\b|\b(meu|o meu) dinheiro (de volta|devolvido)\b"
        r"|\bdinheiro de volta\b|\bdevoluç(ão|ões) do (meu )?dinheiro\b|\bdevolv(am|er|eram|eu|a) (o )?(meu )?dinheiro"
        r"\b|\bressarci\w*|\breaver (o )?(meu )?dinheiro\b",
        0.85,
        unless=r"garantia",
        negatable=False,
    ),
    _rule(
        "refund.return_request",
        "refund_intent",
        ("devolv", "devoluç", "de volta"),
        r"\bdevolv(er|i|emos|erei|eremos|ido|ida|endo|ê-lo|e-lo|ê-la|e-la|o)\b|\bdevoluç(ão|ões)\b"
        r"|\b(mandei|mandar|enviar|enviei|mandando|mandamos|enviamos|vou mandar) (\w+ )?de volta\b",
        0.85,
        unless=r"devolv\w* (a )?(ligação|chamada)|devolveu a (vida|alegria|esperança)|devolver o favor",
    ),
    _rule(
        "refund.chargeback",
        "refund_intent",
        ("administradora", "chargeback", "contest", "disputa", "cartão", "banco", "paypal", "operadora"),
        r"\bchargeback\b|\bcontest(ei|ar|ação|ou|amos) (\w+ ){0,3}(no|na|com o|com a|junto (ao|à)) (cartão|banco"
        r"|operadora|paypal|administradora)\b|\b(cartão|banco|operadora do cartão|paypal|administradora)\b"
        r"[^.!?]{0,30}\b(contestaç(ão|ões)|disputa|cancelou a compra)\b|\b(abri|abrir|abrimos) (uma )?(disputa"
        r"|contestação)\b",
        0.9,
        negatable=False,
    ),
)

LEXICON = LanguageLexicon.build(
    "pt",
    RULES,
    negations=_NEG,
    hypotheticals=r"sequer|zero|medo|receio|caso|proteção|protege|evita\w*|impede|anti|em vez de|ao invés de"
    r"|livre de|isento",
    # "e" (and) cannot break a clause: folded, it is also "é" (is), as in "não é perigoso".
    clause_breaks=_BREAKS,
)
