"""Specification of the multilingual lexicon: in German, Spanish, French, Italian, Portuguese and Dutch, precise named
rules fire on real hazard, legal and refund phrasings and stay silent on negations, idioms and ordinary complaints."""

from __future__ import annotations

import pytest

from agent.scorer.lexicon_multilingual import (
    MULTILINGUAL_LANGUAGES,
    MULTILINGUAL_LEXICON_VERSION,
    MULTILINGUAL_RULES,
    match_rules_multilingual,
)
from agent.scorer.lexicons.language import fold_text

SAFETY_CATEGORIES = {
    "safety.fire",
    "safety.smoke",
    "safety.overheat",
    "safety.melt",
    "safety.spark",
    "safety.shock",
    "safety.burn",
    "safety.cut",
    "safety.choking",
    "safety.entrapment",
    "safety.allergy",
    "safety.toxic",
    "safety.explode",
    "safety.tip_over",
    "safety.food",
    "safety.hazard_words",
}
LEGAL_AND_REFUND = {
    "legal.lawyer",
    "legal.lawsuit",
    "legal.regulator",
    "refund.refund_request",
    "refund.return_request",
    "refund.chargeback",
}
FLAG_OF_KIND = {"safety": "safety_hazard", "legal": "legal_threat", "refund": "refund_intent"}

# (language, text, rule expected to fire). Every rule of every language appears at least once.
FIRING: list[tuple[str, str, str]] = [
    # --- German -------------------------------------------------------------------------------------
    ("de", "Das Ladegerät hat nachts Feuer gefangen.", "safety.fire"),
    ("de", "Die Powerbank ging plötzlich in Flammen auf.", "safety.fire"),
    ("de", "Es hat gebrannt, wir mussten die Feuerwehr rufen.", "safety.fire"),
    ("de", "Aus dem Netzteil kam Rauch.", "safety.smoke"),
    ("de", "Es riecht nach verschmortem Plastik, sobald man es einsteckt.", "safety.smoke"),
    ("de", "Der Stecker qualmte nach zehn Minuten.", "safety.smoke"),
    ("de", "Der Akku überhitzt ständig.", "safety.overheat"),
    ("de", "Das Netzteil wird nach kurzer Zeit extrem heiß.", "safety.overheat"),
    ("de", "Zu heiß zum Anfassen!", "safety.overheat"),
    ("de", "Der Stecker ist in der Steckdose geschmolzen.", "safety.melt"),
    ("de", "Beim Einstecken sprühten Funken.", "safety.spark"),
    ("de", "Ich habe einen Stromschlag bekommen.", "safety.shock"),
    ("de", "Man bekommt einen Schlag, wenn man das Gehäuse berührt.", "safety.shock"),
    ("de", "Ich habe mir am Griff die Hand verbrannt.", "safety.burn"),
    ("de", "Mein Sohn hat Brandblasen an den Fingern.", "safety.burn"),
    ("de", "Scharfe Kanten, meine Tochter hat sich daran geschnitten.", "safety.cut"),
    ("de", "Der Finger blutete stark.", "safety.cut"),
    ("de", "Meine Tochter hat ein Teil davon verschluckt.", "safety.choking"),
    ("de", "Die Kleinteile lösen sich sofort ab, Erstickungsgefahr!", "safety.choking"),
    ("de", "Die Kordel hat sich um den Hals meines Sohnes gewickelt.", "safety.entrapment"),
    ("de", "Das Bein unseres Babys war zwischen den Stäben eingeklemmt.", "safety.entrapment"),
    ("de", "Nach einem Tag hatte ich einen Hautausschlag.", "safety.allergy"),
    ("de", "Allergische Reaktion, mein Gesicht war geschwollen.", "safety.allergy"),
    ("de", "Chemischer Geruch, nach einer Stunde hatte ich Kopfschmerzen.", "safety.toxic"),
    ("de", "Giftige Dämpfe beim ersten Einschalten.", "safety.toxic"),
    ("de", "Der Akku ist nach drei Wochen aufgebläht.", "safety.explode"),
    ("de", "Die Powerbank ist explodiert.", "safety.explode"),
    ("de", "Die Kommode ist umgekippt, obwohl sie befestigt war.", "safety.tip_over"),
    ("de", "Der Fernseher fiel auf meinen Sohn.", "safety.tip_over"),
    ("de", "Nach dem Essen mussten wir uns alle übergeben.", "safety.food"),
    ("de", "Glassplitter im Joghurt gefunden!", "safety.food"),
    ("de", "Gefährlich für Kinder!", "safety.hazard_words"),
    ("de", "So etwas gehört zurückgerufen.", "safety.hazard_words"),
    ("de", "Ich schalte jetzt meinen Anwalt ein.", "legal.lawyer"),
    ("de", "Wir prüfen rechtliche Schritte.", "legal.lawyer"),
    ("de", "Wenn ich kein Geld bekomme, verklage ich Sie.", "legal.lawsuit"),
    ("de", "Ich werde Anzeige erstatten.", "legal.lawsuit"),
    ("de", "Ich habe mich an die Verbraucherzentrale gewandt.", "legal.regulator"),
    ("de", "Ich will mein Geld zurück!", "refund.refund_request"),
    ("de", "Rückerstattung ist beantragt.", "refund.refund_request"),
    ("de", "Ich schicke es zurück.", "refund.return_request"),
    ("de", "Passt nicht, das Kleid geht zurück.", "refund.return_request"),
    ("de", "Ich habe die Lastschrift zurückgehen lassen.", "refund.chargeback"),
    ("de", "Käuferschutz bei PayPal beantragt.", "refund.chargeback"),
    # --- Spanish ------------------------------------------------------------------------------------
    ("es", "El cargador se prendió fuego mientras dormíamos.", "safety.fire"),
    ("es", "Salieron llamas del enchufe.", "safety.fire"),
    ("es", "La batería empezó a arder.", "safety.fire"),
    ("es", "Empezó a salir humo del ventilador.", "safety.smoke"),
    ("es", "Huele a quemado cada vez que lo enchufo.", "safety.smoke"),
    ("es", "El cargador se calentó muchísimo.", "safety.overheat"),
    ("es", "Se sobrecalienta a los diez minutos.", "safety.overheat"),
    ("es", "El adaptador quema al tacto.", "safety.overheat"),
    ("es", "El enchufe se derritió.", "safety.melt"),
    ("es", "Saltaron chispas del enchufe.", "safety.spark"),
    ("es", "Hizo cortocircuito el primer día.", "safety.spark"),
    ("es", "Me dio una descarga al tocarlo.", "safety.shock"),
    ("es", "Me quemé la mano con el asa.", "safety.burn"),
    ("es", "Le quemó la piel a mi hija.", "safety.burn"),
    ("es", "Tiene bordes muy afilados y mi hijo se cortó el dedo.", "safety.cut"),
    ("es", "Sangraba mucho después de engancharse con la tapa.", "safety.cut"),
    ("es", "Mi hijo se atragantó con una pieza.", "safety.choking"),
    ("es", "Las piezas pequeñas se sueltan, peligro de asfixia.", "safety.choking"),
    ("es", "El cordón se enrolló alrededor del cuello del bebé.", "safety.entrapment"),
    ("es", "La pierna del bebé se quedó atrapada entre los barrotes.", "safety.entrapment"),
    ("es", "Me dio alergia y me salieron ronchas.", "safety.allergy"),
    ("es", "Reacción alérgica tras usar la crema.", "safety.allergy"),
    ("es", "Olor químico muy fuerte, me dio dolor de cabeza.", "safety.toxic"),
    ("es", "Este material es tóxico.", "safety.toxic"),
    ("es", "La batería está hinchada.", "safety.explode"),
    ("es", "El patinete explotó en el pasillo.", "safety.explode"),
    ("es", "La cómoda se volcó encima de mi hijo.", "safety.tip_over"),
    ("es", "Se le cayó encima la estantería.", "safety.tip_over"),
    ("es", "Intoxicación alimentaria después de comerlo.", "safety.food"),
    ("es", "Encontré un trozo de cristal en el yogur.", "safety.food"),
    ("es", "Es peligroso para los niños.", "safety.hazard_words"),
    ("es", "Deberían retirarlo del mercado.", "safety.hazard_words"),
    ("es", "Ya he hablado con mi abogado.", "legal.lawyer"),
    ("es", "Si no me devuelven el dinero, voy a demandarlos.", "legal.lawsuit"),
    ("es", "Pondré una denuncia.", "legal.lawsuit"),
    ("es", "Lo he denunciado a la OCU y a FACUA.", "legal.regulator"),
    ("es", "Presenté una hoja de reclamaciones.", "legal.regulator"),
    ("es", "Me quejaré ante Profeco.", "legal.regulator"),
    ("es", "Quiero el reembolso ya.", "refund.refund_request"),
    ("es", "Que me devuelvan el dinero.", "refund.refund_request"),
    ("es", "Lo devolví al día siguiente.", "refund.return_request"),
    ("es", "Solicité la devolución.", "refund.return_request"),
    ("es", "Abrí una disputa en PayPal.", "refund.chargeback"),
    ("es", "Pedí un contracargo al banco.", "refund.chargeback"),
    # --- French -------------------------------------------------------------------------------------
    ("fr", "Le chargeur a pris feu pendant la nuit.", "safety.fire"),
    ("fr", "La multiprise s'est enflammée.", "safety.fire"),
    ("fr", "De la fumée sortait de la prise.", "safety.smoke"),
    ("fr", "Il y avait pas mal de fumée qui sortait.", "safety.smoke"),
    ("fr", "Ça sent le brûlé dès qu'on l'allume.", "safety.smoke"),
    ("fr", "Le chargeur chauffe énormément.", "safety.overheat"),
    ("fr", "Surchauffe au bout de dix minutes.", "safety.overheat"),
    ("fr", "Le câble a fondu.", "safety.melt"),
    ("fr", "Des étincelles sont sorties de la prise.", "safety.spark"),
    ("fr", "Court-circuit dès le premier branchement.", "safety.spark"),
    ("fr", "J'ai pris une décharge en le touchant.", "safety.shock"),
    ("fr", "Il m'a filé un coup de jus.", "safety.shock"),
    ("fr", "Je me suis brûlée avec la poignée.", "safety.burn"),
    ("fr", "Brûlure au deuxième degré.", "safety.burn"),
    ("fr", "Les bords sont tranchants, mon fils s'est coupé.", "safety.cut"),
    ("fr", "Mon doigt saignait.", "safety.cut"),
    ("fr", "Mon fils s'est étouffé avec une petite pièce.", "safety.choking"),
    ("fr", "Risque d'étouffement, les petites pièces se détachent.", "safety.choking"),
    ("fr", "Le cordon s'est enroulé autour du cou de mon bébé.", "safety.entrapment"),
    ("fr", "La jambe du bébé est restée coincée entre les barreaux.", "safety.entrapment"),
    ("fr", "Réaction allergique, plaques rouges partout.", "safety.allergy"),
    ("fr", "Mes lèvres ont gonflé.", "safety.allergy"),
    ("fr", "Odeur chimique très forte, migraine garantie.", "safety.toxic"),
    ("fr", "Produit toxique.", "safety.toxic"),
    ("fr", "La batterie a gonflé.", "safety.explode"),
    ("fr", "Le téléphone a explosé dans ma poche.", "safety.explode"),
    ("fr", "L'armoire est tombée sur mon fils.", "safety.tip_over"),
    ("fr", "La commode bascule au moindre mouvement.", "safety.tip_over"),
    ("fr", "Intoxication alimentaire après avoir mangé ça.", "safety.food"),
    ("fr", "Trouvé un morceau de verre dans le pot.", "safety.food"),
    ("fr", "Toute la famille a vomi.", "safety.food"),
    ("fr", "Dangereux pour les enfants.", "safety.hazard_words"),
    ("fr", "Ce produit devrait être retiré de la vente.", "safety.hazard_words"),
    ("fr", "J'ai contacté mon avocat.", "legal.lawyer"),
    ("fr", "Mise en demeure envoyée.", "legal.lawyer"),
    ("fr", "Si je ne suis pas remboursé, je vais porter plainte.", "legal.lawsuit"),
    ("fr", "Direction le tribunal.", "legal.lawsuit"),
    ("fr", "Signalement fait à la DGCCRF.", "legal.regulator"),
    ("fr", "J'ai saisi l'UFC-Que Choisir.", "legal.regulator"),
    ("fr", "Je veux être remboursé.", "refund.refund_request"),
    ("fr", "Rendez-moi mon argent !", "refund.refund_request"),
    ("fr", "Je le renvoie demain.", "refund.return_request"),
    ("fr", "Je vais le retourner.", "refund.return_request"),
    ("fr", "J'ai ouvert un litige avec PayPal.", "refund.chargeback"),
    ("fr", "Contestation auprès de ma banque.", "refund.chargeback"),
    # --- Italian ------------------------------------------------------------------------------------
    ("it", "Il caricatore ha preso fuoco.", "safety.fire"),
    ("it", "La ciabatta è andata a fuoco.", "safety.fire"),
    ("it", "È uscito del fumo dall'alimentatore.", "safety.smoke"),
    ("it", "Puzza di bruciato appena acceso.", "safety.smoke"),
    ("it", "Il caricatore si surriscalda.", "safety.overheat"),
    ("it", "L'alimentatore è rovente.", "safety.overheat"),
    ("it", "La spina si è fusa.", "safety.melt"),
    ("it", "Ha fatto delle scintille.", "safety.spark"),
    ("it", "È andato in cortocircuito.", "safety.spark"),
    ("it", "Ho preso la scossa toccandolo.", "safety.shock"),
    ("it", "Mi sono ustionata la mano.", "safety.burn"),
    ("it", "Mi sono bruciato con il manico.", "safety.burn"),
    ("it", "Bordi taglienti, mi sono tagliato un dito.", "safety.cut"),
    ("it", "Il dito sanguinava.", "safety.cut"),
    ("it", "Mio figlio ha ingoiato un pezzo.", "safety.choking"),
    ("it", "Pericolo di soffocamento per i più piccoli.", "safety.choking"),
    ("it", "Il cordino si è avvolto intorno al collo.", "safety.entrapment"),
    ("it", "La gamba del bambino è rimasta incastrata.", "safety.entrapment"),
    ("it", "Reazione allergica, orticaria su tutto il corpo.", "safety.allergy"),
    ("it", "Mi ha provocato un'irritazione.", "safety.allergy"),
    ("it", "Odore chimico fortissimo, mal di testa tutto il giorno.", "safety.toxic"),
    ("it", "Materiale tossico.", "safety.toxic"),
    ("it", "La batteria si è gonfiata.", "safety.explode"),
    ("it", "Il telefono è esploso.", "safety.explode"),
    ("it", "La cassettiera si è ribaltata.", "safety.tip_over"),
    ("it", "Il mobile è caduto addosso a mio figlio.", "safety.tip_over"),
    ("it", "Intossicazione alimentare dopo averlo mangiato.", "safety.food"),
    ("it", "Ho trovato un pezzo di vetro nella pasta.", "safety.food"),
    ("it", "Abbiamo vomitato tutta la notte.", "safety.food"),
    ("it", "Pericoloso per i bambini.", "safety.hazard_words"),
    ("it", "Dovrebbero ritirarlo dal mercato.", "safety.hazard_words"),
    ("it", "Ho contattato il mio avvocato.", "legal.lawyer"),
    ("it", "Procederò per vie legali.", "legal.lawyer"),
    ("it", "Se non mi rimborsate, vi denuncio.", "legal.lawsuit"),
    ("it", "Ci vediamo dal giudice di pace.", "legal.lawsuit"),
    ("it", "Ho segnalato tutto ad Altroconsumo e al Codacons.", "legal.regulator"),
    ("it", "Voglio il rimborso.", "refund.refund_request"),
    ("it", "Ridatemi i miei soldi.", "refund.refund_request"),
    ("it", "Ho fatto il reso.", "refund.return_request"),
    ("it", "Lo restituisco domani.", "refund.return_request"),
    ("it", "Ho aperto una contestazione con la banca.", "refund.chargeback"),
    ("it", "Ho chiesto lo storno.", "refund.chargeback"),
    # --- Portuguese ---------------------------------------------------------------------------------
    ("pt", "O carregador pegou fogo.", "safety.fire"),
    ("pt", "A tomada ficou em chamas.", "safety.fire"),
    ("pt", "Saiu fumaça do carregador.", "safety.smoke"),
    ("pt", "Começou a deitar fumo.", "safety.smoke"),
    ("pt", "Cheiro de queimado ao ligar.", "safety.smoke"),
    ("pt", "O carregador esquenta demais.", "safety.overheat"),
    ("pt", "Superaquece em poucos minutos.", "safety.overheat"),
    ("pt", "O plugue derreteu.", "safety.melt"),
    ("pt", "Soltou faíscas na tomada.", "safety.spark"),
    ("pt", "Deu curto-circuito.", "safety.spark"),
    ("pt", "Levei um choque ao tocar.", "safety.shock"),
    ("pt", "Me queimei com a alça.", "safety.burn"),
    ("pt", "Queimou a mão do meu filho.", "safety.burn"),
    ("pt", "Bordas afiadas, meu filho se cortou.", "safety.cut"),
    ("pt", "O dedo sangrou muito.", "safety.cut"),
    ("pt", "Meu filho engasgou com uma peça.", "safety.choking"),
    ("pt", "Risco de engasgo, as pecinhas se soltam.", "safety.choking"),
    ("pt", "O cordão enrolou no pescoço do bebê.", "safety.entrapment"),
    ("pt", "A perna do bebê ficou presa na grade.", "safety.entrapment"),
    ("pt", "Me deu alergia, fiquei cheia de brotoejas.", "safety.allergy"),
    ("pt", "Reação alérgica forte.", "safety.allergy"),
    ("pt", "Cheiro químico forte, me deu dor de cabeça.", "safety.toxic"),
    ("pt", "Material tóxico.", "safety.toxic"),
    ("pt", "A bateria inchou.", "safety.explode"),
    ("pt", "O celular explodiu.", "safety.explode"),
    ("pt", "A cômoda tombou em cima do meu filho.", "safety.tip_over"),
    ("pt", "Intoxicação alimentar depois de comer.", "safety.food"),
    ("pt", "Achei um pedaço de vidro no biscoito.", "safety.food"),
    ("pt", "Vomitei a noite toda.", "safety.food"),
    ("pt", "Perigoso para crianças.", "safety.hazard_words"),
    ("pt", "Deveria ser recolhido do mercado.", "safety.hazard_words"),
    ("pt", "Já falei com meu advogado.", "legal.lawyer"),
    ("pt", "Vou tomar medidas legais.", "legal.lawyer"),
    ("pt", "Vou processar a loja.", "legal.lawsuit"),
    ("pt", "Se não resolverem, vou entrar na justiça.", "legal.lawsuit"),
    ("pt", "Já abri reclamação no Procon e no Reclame Aqui.", "legal.regulator"),
    ("pt", "Fiz queixa no Livro de Reclamações.", "legal.regulator"),
    ("pt", "Quero meu dinheiro de volta.", "refund.refund_request"),
    ("pt", "Pedi o estorno.", "refund.refund_request"),
    ("pt", "Vou devolver.", "refund.return_request"),
    ("pt", "Mandei de volta no mesmo dia.", "refund.return_request"),
    ("pt", "Contestei a compra no cartão.", "refund.chargeback"),
    ("pt", "Abri uma disputa no PayPal.", "refund.chargeback"),
    # --- Dutch --------------------------------------------------------------------------------------
    ("nl", "De oplader vatte vlam.", "safety.fire"),
    ("nl", "De powerbank vloog in brand.", "safety.fire"),
    ("nl", "Er kwam rook uit de stekker.", "safety.smoke"),
    ("nl", "Het ruikt naar verbrand plastic.", "safety.smoke"),
    ("nl", "De oplader wordt gloeiend heet.", "safety.overheat"),
    ("nl", "De accu raakt oververhit.", "safety.overheat"),
    ("nl", "De stekker is gesmolten.", "safety.melt"),
    ("nl", "Er kwamen vonken uit het stopcontact.", "safety.spark"),
    ("nl", "Kortsluiting na een dag.", "safety.spark"),
    ("nl", "Ik kreeg een stroomschok.", "safety.shock"),
    ("nl", "Ik heb me lelijk verbrand aan de pan.", "safety.burn"),
    ("nl", "Brandwonden op haar arm.", "safety.burn"),
    ("nl", "Scherpe randen, mijn zoon heeft zich gesneden.", "safety.cut"),
    ("nl", "Mijn vinger bloedde flink.", "safety.cut"),
    ("nl", "Mijn dochter verslikte zich in een onderdeeltje.", "safety.choking"),
    ("nl", "Verstikkingsgevaar!", "safety.choking"),
    ("nl", "Het koord zat om zijn nek.", "safety.entrapment"),
    ("nl", "Het hoofdje van de baby zat klem tussen de spijlen.", "safety.entrapment"),
    ("nl", "Ik kreeg uitslag over mijn hele lichaam.", "safety.allergy"),
    ("nl", "Allergische reactie na gebruik.", "safety.allergy"),
    ("nl", "Chemische lucht, ik werd er misselijk van.", "safety.toxic"),
    ("nl", "Giftige dampen.", "safety.toxic"),
    ("nl", "De accu is opgezwollen.", "safety.explode"),
    ("nl", "De telefoon is ontploft.", "safety.explode"),
    ("nl", "De kast is omgevallen op mijn dochter.", "safety.tip_over"),
    ("nl", "Voedselvergiftiging na het eten.", "safety.food"),
    ("nl", "Een stukje glas in de soep gevonden.", "safety.food"),
    ("nl", "We moesten allemaal overgeven.", "safety.food"),
    ("nl", "Levensgevaarlijk product.", "safety.hazard_words"),
    ("nl", "Dit moet teruggeroepen worden.", "safety.hazard_words"),
    ("nl", "Ik schakel mijn advocaat in.", "legal.lawyer"),
    ("nl", "Juridische stappen volgen.", "legal.lawyer"),
    ("nl", "Ik doe aangifte bij de politie.", "legal.lawsuit"),
    ("nl", "We stappen naar de rechter.", "legal.lawsuit"),
    ("nl", "Gemeld bij de Consumentenbond en de ACM.", "legal.regulator"),
    ("nl", "Ik wil mijn geld terug.", "refund.refund_request"),
    ("nl", "Wanneer wordt het terugbetaald?", "refund.refund_request"),
    ("nl", "Ik stuur het terug.", "refund.return_request"),
    ("nl", "Meteen retour gestuurd.", "refund.return_request"),
    ("nl", "Ik heb het bedrag laten terugboeken.", "refund.chargeback"),
    ("nl", "Geschil geopend bij PayPal.", "refund.chargeback"),
]

# Denied, hypothetical or idiomatic uses of hazard words: no safety flag.
NOT_A_HAZARD: list[tuple[str, str]] = [
    ("de", "Das Ladegerät hat nicht gebrannt."),
    ("de", "Das Netzteil wird nicht heiß."),
    ("de", "Der Akku überhitzt nicht."),
    ("de", "Kein Rauch, keine Funken, alles gut."),
    ("de", "Ich hatte Angst, dass es Feuer fängt, aber alles gut."),
    ("de", "Ich bin Feuer und Flamme für diese Jacke!"),
    ("de", "Gefährlich lecker, diese Schokolade."),
    ("de", "Die Schokolade schmilzt auf der Zunge."),
    ("de", "Das gab den Ausschlag für den Kauf."),
    ("de", "Schmal geschnitten, fällt klein aus."),
    ("de", "Ich habe um Rückruf gebeten."),
    ("de", "Die Kleinteile sind gut verarbeitet."),
    ("de", "Brandneu und originalverpackt."),
    ("es", "No se calentó nada."),
    ("es", "No echa humo ni huele a quemado."),
    ("es", "Sin chispas ni cortocircuitos."),
    ("es", "El cargador no se calienta demasiado."),
    ("es", "Un precio de locura, me encanta."),
    ("es", "Este vestido es fuego."),
    ("es", "Se derrite en la boca, riquísimo."),
    ("es", "A fuego lento queda perfecto."),
    ("es", "Peligrosamente adictivo."),
    ("es", "No es peligroso para los niños."),
    ("es", "Me siento insegura con la talla."),
    ("es", "La batería se descarga rápido."),
    ("fr", "Le chargeur ne chauffe pas."),
    ("fr", "Le chargeur chauffe pas trop."),
    ("fr", "Aucune odeur de brûlé."),
    ("fr", "Il n'a jamais pris feu."),
    ("fr", "Je suis tout feu tout flamme pour cette robe."),
    ("fr", "Ça déchire !"),
    ("fr", "Le fromage fond dans la bouche."),
    ("fr", "Dangereusement bon."),
    ("fr", "Les verres fumés sont top."),
    ("fr", "Cette crème atténue les rougeurs."),
    ("fr", "Une coupure de courant a interrompu la cuisson."),
    ("it", "Non si surriscalda affatto."),
    ("it", "Non è pericoloso."),
    ("it", "Bello da paura!"),
    ("it", "Messa a fuoco velocissima."),
    ("it", "Si scioglie in bocca."),
    ("it", "Tanto fumo e poco arrosto."),
    ("it", "Pericolosamente buono."),
    ("it", "Orologio con fuso orario doppio."),
    ("it", "Vestito scintillante, bellissimo."),
    ("pt", "O carregador não esquenta demais."),
    ("pt", "Não é perigoso."),
    ("pt", "Sem cheiro de queimado."),
    ("pt", "É fogo!"),
    ("pt", "Derrete na boca."),
    ("pt", "Perigosamente gostoso."),
    ("pt", "Fiquei em choque com a qualidade, ótima!"),
    ("pt", "A lâmpada se queimou depois de um mês."),
    ("nl", "De oplader wordt niet heet."),
    ("nl", "De accu oververhit niet."),
    ("nl", "Geen rook, geen vonken."),
    ("nl", "Het vat geen vlam."),
    ("nl", "Ik sta in vuur en vlam voor deze jurk."),
    ("nl", "Gevaarlijk lekker!"),
    ("nl", "Smelt op je tong."),
    ("nl", "Er is geen gevaar voor kinderen."),
    ("nl", "Brandnieuw en in doos."),
    ("nl", "Mijn dochter heet Anna."),
]

# Ordinary complaints about taste, fit or delivery: no flag at all.
ORDINARY: list[tuple[str, str]] = [
    ("de", "Schmeckt nach nichts und das Paket kam drei Tage zu spät."),
    ("de", "Die Farbe ist anders als auf dem Foto, schade."),
    ("es", "Sabe fatal y el paquete llegó tarde."),
    ("es", "La talla es pequeña y el color no es el de la foto."),
    ("fr", "Le goût est fade et le colis est arrivé en retard."),
    ("fr", "Taille petit, la couleur ne correspond pas."),
    ("it", "Sapore deludente e pacco arrivato in ritardo."),
    ("it", "La taglia è piccola, il colore è diverso."),
    ("pt", "O sabor é ruim e a entrega atrasou."),
    ("pt", "O tamanho é pequeno e a cor é diferente."),
    ("nl", "Smaakt naar niks en het pakket kwam te laat."),
    ("nl", "Valt klein en de kleur is anders dan op de foto."),
]


@pytest.mark.parametrize(("language", "text", "rule"), FIRING)
def test_rule_fires_on_real_phrasing(language: str, text: str, rule: str) -> None:
    flag = FLAG_OF_KIND[rule.split(".")[0]]
    assert f"{rule}@{language}" in match_rules_multilingual(text, language).get(flag, [])


@pytest.mark.parametrize(("language", "text"), NOT_A_HAZARD)
def test_negated_and_idiomatic_hazard_words_raise_no_safety_flag(language: str, text: str) -> None:
    assert "safety_hazard" not in match_rules_multilingual(text, language)


@pytest.mark.parametrize(("language", "text"), ORDINARY)
def test_ordinary_complaints_fire_nothing(language: str, text: str) -> None:
    assert match_rules_multilingual(text, language) == {}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Ich musste nichts zurückschicken, alles passt."),
        ("es", "No lo voy a devolver, me encanta."),
        ("fr", "Je ne le renverrai pas, il est parfait."),
        ("it", "Non lo restituisco, è perfetto."),
        ("pt", "Não vou devolver, adorei."),
        ("nl", "Ik stuur het niet terug, ik ben tevreden."),
    ],
)
def test_a_denied_return_is_no_refund_intent(language: str, text: str) -> None:
    assert "refund_intent" not in match_rules_multilingual(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Wenn ich bis Freitag nichts höre, gehe ich nicht zur Verbraucherzentrale, sondern verklage Sie."),
        ("es", "Si no me devuelven el dinero, no descarto ir a la OCU."),
        ("fr", "Si je n'ai pas de réponse, je porte plainte."),
        ("nl", "Als ik niets hoor, schakel ik mijn advocaat in."),
    ],
)
def test_conditional_legal_threats_are_not_negated(language: str, text: str) -> None:
    assert "legal_threat" in match_rules_multilingual(text, language)


@pytest.mark.parametrize(
    ("language", "variants", "rule"),
    [
        (
            "de",
            ("Gefährlich für Kinder", "GEFÄHRLICH FÜR KINDER", "gefaehrlich fuer kinder", "gefahrlich"),
            "safety.hazard_words",
        ),
        ("de", ("Der Akku überhitzt", "DER AKKU UEBERHITZT", "der akku uberhitzt"), "safety.overheat"),
        ("de", ("Zu heiß zum Anfassen", "zu heiss zum anfassen", "ZU HEISS ZUM ANFASSEN"), "safety.overheat"),
        ("es", ("Se atragantó con una pieza", "se atraganto", "SE ATRAGANTÓ"), "safety.choking"),
        ("es", ("Reacción alérgica", "reaccion alergica", "REACCIÓN ALÉRGICA"), "safety.allergy"),
        ("fr", ("Ça sent le brûlé", "ca sent le brule", "ÇA SENT LE BRÛLÉ"), "safety.smoke"),
        ("fr", ("Je veux être remboursé", "je veux etre rembourse"), "refund.refund_request"),
        ("it", ("È andato a fuoco", "e andato a fuoco", "E' ANDATO A FUOCO"), "safety.fire"),
        ("pt", ("Saiu fumaça", "saiu fumaca", "SAIU FUMAÇA"), "safety.smoke"),
        ("pt", ("Não vou devolver nada", "nao vou devolver nada"), None),
        ("nl", ("Ik ben geëlektrocuteerd", "ik ben geelektrocuteerd"), "safety.shock"),
    ],
)
def test_matching_ignores_case_and_accents(language: str, variants: tuple[str, ...], rule: str | None) -> None:
    results = [match_rules_multilingual(text, language) for text in variants]
    assert all(result == results[0] for result in results)
    if rule is not None:
        assert f"{rule}@{language}" in results[0][FLAG_OF_KIND[rule.split(".")[0]]]


def test_language_codes_ignore_case_and_region_and_unknown_languages_get_no_rules() -> None:
    assert match_rules_multilingual("Das Ladegerät hat Feuer gefangen.", "de-AT") == {
        "safety_hazard": ["safety.fire@de"]
    }
    assert match_rules_multilingual("O carregador pegou fogo.", "PT_br") == {"safety_hazard": ["safety.fire@pt"]}
    assert match_rules_multilingual("Laddaren fattade eld.", "sv") == {}
    assert match_rules_multilingual("The charger caught fire.", "en") == {}


def test_every_language_covers_the_same_safety_legal_and_refund_rules() -> None:
    assert tuple(MULTILINGUAL_RULES) == MULTILINGUAL_LANGUAGES == ("de", "es", "fr", "it", "pt", "nl")
    assert MULTILINGUAL_LEXICON_VERSION == "lexicon-ml-1"
    for language, rules in MULTILINGUAL_RULES.items():
        assert {rule.name for rule in rules} == {f"{base}@{language}" for base in SAFETY_CATEGORIES | LEGAL_AND_REFUND}


def test_rules_are_named_flagged_gated_and_primed_like_the_english_ones() -> None:
    for language, rules in MULTILINGUAL_RULES.items():
        for rule in rules:
            kind = rule.name.split(".")[0]
            assert rule.name.endswith(f"@{language}")
            assert rule.flag == FLAG_OF_KIND[kind]
            assert 0.8 <= rule.precision_prior <= 0.95
            assert rule.triggers
            assert all(fold_text(trigger) == trigger for trigger in rule.triggers), rule.name
            if kind == "legal":
                assert not rule.negatable, rule.name


def test_every_rule_is_specified_by_at_least_one_firing_example() -> None:
    fired = {f"{rule}@{language}" for language, _, rule in FIRING}
    every_rule = {rule.name for rules in MULTILINGUAL_RULES.values() for rule in rules}
    assert every_rule <= fired


def test_a_review_can_raise_several_flags_at_once() -> None:
    fired = match_rules_multilingual(
        "Der Akku ist explodiert, ich will mein Geld zurück, sonst schalte ich meinen Anwalt ein.", "de"
    )
    assert fired == {
        "safety_hazard": ["safety.explode@de"],
        "legal_threat": ["legal.lawyer@de"],
        "refund_intent": ["refund.refund_request@de"],
    }
