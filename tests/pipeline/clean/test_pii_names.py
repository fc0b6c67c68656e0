"""Person names: masked after cues, next to addresses and in sign-offs in seven languages; brands, colours stay."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.clean import Cleaner, PiiConfig, compile_pii_patterns, load_cleaning_config, mask_pii
from store.schemas import Channel, ReviewEvent
from store.yaml_config import ConfigError

PATTERNS = compile_pii_patterns()
FOOD_CSV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "amazon_fine_food_6k.csv"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # en
        ("Please send it to Maria Schneider, Hauptstraße 5, 10115 Berlin", "Please send it to [NAME], [ADDRESS]"),
        ("ship to John O'Neil at 42 Elm Street", "ship to [NAME] at [ADDRESS]"),
        (
            "the courier, a guy called Dave, threw it over the fence",
            "the courier, a guy called [NAME], threw it over the fence",
        ),
        ("my name is Anna Kowalska and I want a refund", "my name is [NAME] and I want a refund"),
        (
            "Great fit but the zip broke after a week. Thanks, Peter",
            "Great fit but the zip broke after a week. Thanks, [NAME]",
        ),
        ("I spoke with an agent named Priya who was lovely", "I spoke with an agent named [NAME] who was lovely"),
        ("Ask for Mr. Thompson at the front desk", "Ask for Mr. [NAME] at the front desk"),
        ("Mrs Jane Doe, Flat 3, 14 Church Lane, Leeds LS2 7EW", "Mrs [NAME], [ADDRESS]"),
        (
            "Send it to Tom Baker c/o Jenny Smith, 22 Baker Street, London NW1 6XE",
            "Send it to [NAME] c/o [NAME], [ADDRESS]",
        ),
        (
            "The driver, Kevin, left it with my neighbour Mrs Patel.",
            "The driver, [NAME], left it with my neighbour Mrs [NAME].",
        ),
        (
            "Customer service rep Jessica was rude to me on the phone.",
            "Customer service rep [NAME] was rude to me on the phone.",
        ),
        (
            "My daughter Emily loves this dress and wears it every week.",
            "My daughter [NAME] loves this dress and wears it every week.",
        ),
        (
            "Bought this for my husband Mark and he wears it daily",
            "Bought this for my husband [NAME] and he wears it daily",
        ),
        (
            "The seams split on the first wash.\nBest regards,\nLinda Johnson",
            "The seams split on the first wash.\nBest regards,\n[NAME]",
        ),
        (
            "Delivered to Robert Brown, 1234 N Main St, Springfield, IL 62704 but nobody rang",
            "Delivered to [NAME], [ADDRESS] but nobody rang",
        ),
        ("Never again. Cheers - Mike", "Never again. Cheers - [NAME]"),
        (
            "Please call me back about the refund, this is Karen Smith",
            "Please call me back about the refund, this is [NAME]",
        ),
        (
            "I was helped by Carlos in the store and he was great",
            "I was helped by [NAME] in the store and he was great",
        ),
        ("Refund still missing.\n\nSigned: Olivia Wright", "Refund still missing.\n\nSigned: [NAME]"),
        # de
        ("Bitte an Frau Müller schicken, Lindenallee 12, 50968 Köln", "Bitte an Frau [NAME] schicken, [ADDRESS]"),
        ("Mein Name ist Jürgen Weber und die Jacke ist kaputt.", "Mein Name ist [NAME] und die Jacke ist kaputt."),
        (
            "Der Fahrer namens Stefan hat das Paket einfach vor die Tür gelegt.",
            "Der Fahrer namens [NAME] hat das Paket einfach vor die Tür gelegt.",
        ),
        ("Die Naht ist gerissen. Viele Grüße, Katrin", "Die Naht ist gerissen. Viele Grüße, [NAME]"),
        ("Lieferung an Herrn Thomas Becker, Berliner Str. 12, 10115 Berlin", "Lieferung an Herrn [NAME], [ADDRESS]"),
        ("Ich heiße Lena und bin 1,70 m groß, Größe M passt.", "Ich heiße [NAME] und bin 1,70 m groß, Größe M passt."),
        # es
        ("Me llamo Lucía Fernández y el vestido llegó roto.", "Me llamo [NAME] y el vestido llegó roto."),
        ("Enviar a Sr. Javier Gómez, Calle de Alcalá, 45, 28014 Madrid", "Enviar a Sr. [NAME], [ADDRESS]"),
        (
            "El repartidor, un tal Miguel, dejó el paquete en la calle.",
            "El repartidor, un tal [NAME], dejó el paquete en la calle.",
        ),
        ("La tela es muy fina. Saludos, Carmen", "La tela es muy fina. Saludos, [NAME]"),
        ("Mi nombre es José Luis García y quiero devolverlo.", "Mi nombre es [NAME] y quiero devolverlo."),
        # fr
        ("Je m'appelle Camille Dubois et la robe est trop petite.", "Je m'appelle [NAME] et la robe est trop petite."),
        ("À livrer à Mme Sophie Martin, 12 rue de Rivoli, 75001 Paris", "À livrer à Mme [NAME], [ADDRESS]"),
        ("Le livreur, un certain Julien, a jeté le colis.", "Le livreur, un certain [NAME], a jeté le colis."),
        (
            "Toujours pas de remboursement. Cordialement, Pierre Lefèvre",
            "Toujours pas de remboursement. Cordialement, [NAME]",
        ),
        ("Merci à Chloé du service client pour son aide !", "Merci à [NAME] du service client pour son aide !"),
        # it
        ("Mi chiamo Giulia Rossi e la taglia è sbagliata.", "Mi chiamo [NAME] e la taglia è sbagliata."),
        ("Spedire a Marco Bianchi, Via Roma 12, 00184 Roma", "Spedire a [NAME], [ADDRESS]"),
        (
            "Il corriere, un certo Luca, ha lasciato il pacco fuori.",
            "Il corriere, un certo [NAME], ha lasciato il pacco fuori.",
        ),
        ("Il tessuto è bellissimo. Grazie mille, Francesca", "Il tessuto è bellissimo. Grazie mille, [NAME]"),
        # pt
        ("O meu nome é João Silva e a encomenda não chegou.", "O meu nome é [NAME] e a encomenda não chegou."),
        ("Enviar para Ana Costa, Rua Augusta 100, 1100-053 Lisboa", "Enviar para [NAME], [ADDRESS]"),
        ("A atendente chamada Fernanda foi muito simpática.", "A atendente chamada [NAME] foi muito simpática."),
        ("Chegou rasgado. Obrigada, Beatriz", "Chegou rasgado. Obrigada, [NAME]"),
        # nl
        ("Mijn naam is Sanne de Vries en de jurk is te groot.", "Mijn naam is [NAME] en de jurk is te groot."),
        ("Verzenden naar Daan Jansen, Keizersgracht 221, 1016 DV Amsterdam", "Verzenden naar [NAME], [ADDRESS]"),
        (
            "De bezorger, ene Kees, gooide het pakket over het hek.",
            "De bezorger, ene [NAME], gooide het pakket over het hek.",
        ),
        ("De rits is stuk. Groetjes, Lotte", "De rits is stuk. Groetjes, [NAME]"),
        (
            "Ik werd geholpen door Emma van den Berg van de klantenservice.",
            "Ik werd geholpen door [NAME] van de klantenservice.",
        ),
    ],
)
def test_names_after_cues_next_to_addresses_and_in_sign_offs_are_masked(text: str, masked: str) -> None:
    assert mask_pii(text, PATTERNS)[0] == masked


def test_a_name_next_to_an_address_reports_both_kinds_in_order() -> None:
    text = "Please send it to Maria Schneider, Hauptstraße 5, 10115 Berlin"
    assert mask_pii(text, PATTERNS) == ("Please send it to [NAME], [ADDRESS]", ["address", "name"])


@pytest.mark.parametrize(
    "text",
    [
        "Love this Tommy Hilfiger top, the fabric is soft",
        "The Tracy Reese dress is stunning but runs small",
        "I bought the XS in Navy and the Olive, both fit great",
        "Ordered in March, it arrived in April and I wore it in May",
        "Wore it to Easter brunch and on Christmas Day",
        "I found this at Retailer in Santa Barbara and bought the Petite",
        "The Rose and Ivory colours are lovely, the Ruby one less so",
        "Paid with PayPal, shipped via UPS, arrived on Monday",
        "Love it! Great for summer. Would buy again",
        "Perfect Summer Dress For Grace And Joy",
        "Runs large. I am 5'4 and 120 lbs, usually an XS",
        "The Maeve line from Retailer never disappoints",
        "I wore it in Florence and Paris and got compliments",
        "Thanks, Retailer, for the quick refund!",
        "Mein Mann trägt Größe L, die Farbe Marine ist schön.",
        "La talla M me queda perfecta, el color Burdeos también.",
        "J'adore cette robe, la couleur Rose est superbe.",
        "Bought it for Mother's Day and Valentine's Day",
        "The Levi's jeans and the Calvin Klein belt arrived together",
        "Amazing quality. Highly recommend. Five stars",
        "Perfect Summer Dress For Grace And Joy Jessica",
        "Love the Nadia dress, the Riley top is cute too",
        "Bought Duncan Hines and Betty Crocker mixes, Melitta filters and Maxwell House coffee",
        "Swiss Miss. Unfortunately it was cold",
        "Runs small, I ordered an M. Wish I had sized up",
        "I'm Italian and usually wear a 42",
        "this color is called mustard and it is lovely",
        "thank you retailer!! thanks, maeve!",
        "Dr Martens and Mrs. Fields' cookies",
    ],
)
def test_brands_colours_months_places_and_product_words_stay(text: str) -> None:
    assert mask_pii(text, PATTERNS) == (text, [])


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my name is anna kowalska and the zip broke", "my name is [NAME] kowalska and the zip broke"),
        ("the courier, a guy called dave, threw it", "the courier, a guy called [NAME], threw it"),
        ("ich heiße lena und trage größe m", "ich heiße [NAME] und trage größe m"),
    ],
)
def test_lowercase_names_are_masked_only_after_a_self_introduction_or_called(text: str, masked: str) -> None:
    assert mask_pii(text, PATTERNS)[0] == masked


UNSEEN = [
    ("Jessica at the returns desk refused my refund.", ["Jessica"]),
    ("I talked to Brian twice and he promised a callback.", ["Brian"]),
    ("Package was left with Mrs. Okafor next door.", ["Okafor"]),
    ("Hi, I'm Sarah and this dress is gorgeous", ["Sarah"]),
    ("Return address: Lisa Wong, 88 Pine Road, Austin, TX 78701", ["Lisa", "Wong"]),
    ("Mein Sohn Lukas trägt Größe 140.", ["Lukas"]),
    ("La dependienta, Marta, fue muy amable.", ["Marta"]),
    ("J'ai eu au téléphone Nathalie qui m'a dit d'attendre.", ["Nathalie"]),
    ("Ho parlato con Alessandro del servizio clienti.", ["Alessandro"]),
    ("A minha filha Inês adorou o vestido.", ["Inês"]),
    ("Onze bezorger Bram belde niet aan.", ["Bram"]),
    ("Regards, Hannah K.", ["Hannah"]),
    ("Customer service (a lady called Joan) was no help", ["Joan"]),
    ("Ordered for my mother-in-law, Patricia Gomez, who loved it", ["Patricia", "Gomez"]),
    ("The note was signed by Rebecca Stone from your warehouse", ["Rebecca", "Stone"]),
    ("please forward this to Ahmed Khan at 17 Station Road, Leeds LS1 4AB", ["Ahmed", "Khan"]),
    ("Lieve groet, Fleur", ["Fleur"]),
    ("Kevin from support told me to wait 10 days.", ["Kevin"]),
    ("I spoke with a supervisor, Daniel, who escalated it.", ["Daniel"]),
    ("Enviado para Pedro Almeida, Rua do Carmo 45, 4000-123 Porto", ["Pedro", "Almeida"]),
    ("Our mail carrier Tony just tossed it on the porch.", ["Tony"]),
    ("I emailed Sophie in customer care three times.", ["Sophie"]),
    ("Gracias a Valentina por su ayuda.", ["Valentina"]),
    ("Merci à Léa pour le suivi.", ["Léa"]),
    ("Danke an Herrn Schulz für die schnelle Hilfe.", ["Schulz"]),
    ("Le colis a été remis à mon voisin, M. Dupont.", ["Dupont"]),
    ("Mi amiga Sofía me lo recomendó.", ["Sofía"]),
    ("Deliver to: Olga Ivanova, 5 Rue Lepic, 75018 Paris", ["Olga", "Ivanova"]),
    ("Thank you so much Hayley!!", ["Hayley"]),
    ("My granddaughter Ava wore it to prom.", ["Ava"]),
    ("The lady at the counter, Mrs. Grant, was very kind.", ["Grant"]),
    ("Ik heb contact gehad met Sven van de klantenservice.", ["Sven"]),
    ("Sincerely,\nDeborah", ["Deborah"]),
    ("Ho chiesto a Giorgio del negozio.", ["Giorgio"]),
    ("Falei com a Juliana do atendimento.", ["Juliana"]),
    ("Shoutout to Megan at the Portland store for finding my size!", ["Megan"]),
    ("Bestellt für meine Frau Claudia, passt perfekt.", ["Claudia"]),
    ("Mi marido, Andrés, dice que es muy cómodo.", ["Andrés"]),
    ("Ma fille Manon l'adore.", ["Manon"]),
    ("Il mio compagno Matteo me l'ha regalato.", ["Matteo"]),
    ("A entregadora Carla deixou na portaria.", ["Carla"]),
    ("Mijn vriendin Femke heeft dezelfde jurk.", ["Femke"]),
    ("Please contact me, Julia Becker, about the refund.", ["Julia", "Becker"]),
    ("Signed, a very unhappy Linda", ["Linda"]),
    ("The UPS guy (Marcus) left it in the rain.", ["Marcus"]),
    ("Sent back via Hermes, the driver Tomasz never showed up.", ["Tomasz"]),
    ("xoxo, Brittany", ["Brittany"]),
    ("Spoke to a manager called Denise who was brilliant.", ["Denise"]),
    ("Ordered it for Chloe's birthday and she loved it.", ["Chloe"]),
    ("Bonjour, je suis Margaux et je fais du 38.", ["Margaux"]),
]
"""Phrasings written after the first rules, to estimate recall on text the rules were not shaped on (the cue
lists were then widened for some of the first 35; the last 15 are untouched): a floor, not a spec per sentence.

Known misses: a lone first name opening a sentence ("Jessica at the returns desk..."), a possessive ("Chloe's
birthday": possessives read as brands, "Levi's"), roles missing from the cue lists ("compagno"), "to" before a
name ("Shoutout to Megan": "switched to Melitta" is a brand).
"""


def test_most_unseen_phrasings_are_masked() -> None:
    missed = [
        text
        for text, names in UNSEEN
        if any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", mask_pii(text, PATTERNS)[0]) for name in names)
    ]
    assert len(missed) <= 0.2 * len(UNSEEN), missed  # 7 of 50 today


def test_name_masking_can_be_switched_off() -> None:
    patterns = compile_pii_patterns(PiiConfig(mask_names=False))
    assert mask_pii("Thanks, Peter", patterns) == ("Thanks, Peter", [])


def test_name_exceptions_come_from_config() -> None:
    patterns = compile_pii_patterns(PiiConfig(name_exceptions=("Brian",)))
    assert mask_pii("I talked to Brian twice", patterns) == ("I talked to Brian twice", [])
    assert mask_pii("my name is Brian", patterns) == ("my name is [NAME]", ["name"])  # a self-introduction wins


def test_brand_nouns_come_from_config() -> None:
    patterns = compile_pii_patterns(PiiConfig(brand_nouns=("gadget",)))
    assert mask_pii("I talked to Brian gadget", patterns)[1] == []
    assert mask_pii("I talked to Brian twice", patterns)[1] == ["name"]


def test_unknown_faker_locale_is_reported_with_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "cleaning.yaml"
    path.write_text("pii:\n  name_locales: [en_US, xx_XX]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r":2: pii.name_locales\[1\]: faker has no person names for 'xx_XX'"):
        load_cleaning_config(path)


def test_cleaner_reports_the_name_kind() -> None:
    now = datetime(2026, 11, 3, tzinfo=UTC)
    event = ReviewEvent(
        review_id="storefront:1",
        source="storefront",
        channel=Channel.storefront,
        sku="JKT-0042",
        title="Thanks, Peter",
        text="ship to John O'Neil at 42 Elm Street",
        created_at=now,
        received_at=now,
    )
    review = Cleaner().clean_batch([event], now)[0]
    assert (review.title, review.text) == ("Thanks, [NAME]", "ship to [NAME] at [ADDRESS]")
    assert review.pii_kinds == ["name", "address"]


def test_few_real_food_reviews_lose_a_word_to_name_masking() -> None:
    if not FOOD_CSV.exists():
        pytest.skip(f"the second dataset is not at {FOOD_CSV}")
    with FOOD_CSV.open(newline="", encoding="utf-8") as handle:
        texts = [row["Text"] for row in csv.DictReader(handle)]
    masked = [text for text in texts if "name" in mask_pii(text, PATTERNS)[1]]
    assert len(texts) > 6000
    assert len(masked) <= 0.01 * len(texts)  # 36 today, about half of them real people (signatures, staff)
