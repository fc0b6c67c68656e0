"""Phrase banks for the demo stream's everyday chatter; placeholders are filled by `lab.demo.text`.

Placeholders: {item} product noun, {a_item} with its article ("a pair of jeans"), {name} product name,
{color}, {size}, {n} a small number, {carrier}, {part} a breakable part of the product, {price}, {shop}.
Complaint banks are keyed by taxonomy topic id, then by product group (apparel, shoes, electronics, home),
with "any" as the shared fallback.
"""

from __future__ import annotations

__all__ = [
    "APP_COMPLAINT",
    "APP_NEUTRAL",
    "APP_POSITIVE",
    "COMPLAINT",
    "CONFLICT_PREFIXES",
    "DEFECT_PARTS",
    "MILD",
    "MISSPELLINGS",
    "NEG_CLOSERS",
    "NEG_OPENERS",
    "NEUTRAL",
    "NEUTRAL_ANY",
    "NEUTRAL_TITLES",
    "NPS_NEUTRAL",
    "NPS_POSITIVE",
    "POSITIVE",
    "POSITIVE_ANY",
    "POS_CLOSERS",
    "POS_OPENERS",
    "POS_TITLES",
    "SHOP_HANDLES",
    "SOCIAL_HASHTAGS",
    "SOCIAL_NEUTRAL",
    "SOCIAL_POSITIVE",
    "SUPPORT_ASKS",
    "SUPPORT_CONTEXT",
    "SUPPORT_GREETINGS",
    "SUPPORT_QUESTIONS",
    "SUPPORT_SIGNOFFS",
    "SUPPORT_THANKS",
    "TOPIC_TITLES",
]

SHOP_HANDLES = ("@mapleandco", "@mapleco_help", "@MapleAndCo")

POSITIVE: dict[str, tuple[str, ...]] = {
    "apparel": (
        "Fits true to size and the fabric feels really nice.",
        "The {color} is even prettier in person.",
        "So comfortable I wore it three days in a row.",
        "Washed it twice already and it still looks new.",
        "Got so many compliments at work today.",
        "Great quality for the price, the stitching looks solid.",
        "Perfect fit in size {size}, exactly as the size chart said.",
        "Soft, breathable and it doesn't wrinkle much.",
        "Bought a second one in another color.",
        "Looks way more expensive than it was.",
        "Flattering cut and it has real pockets!",
        "Warm without being bulky.",
    ),
    "shoes": (
        "Comfortable right out of the box, no break-in needed.",
        "Walked all day in them at a festival, feet were fine.",
        "Good arch support and they look sharp.",
        "True to size, I got my usual {size}.",
        "Light, grippy and they go with everything.",
        "Second pair I've bought, still love them.",
    ),
    "electronics": (
        "Charges my phone fast, exactly as advertised.",
        "Feels sturdy and the connector clicks in firmly.",
        "Small enough to throw in my bag, works great.",
        "Does what it says, no complaints at all.",
        "Works with my laptop and my phone, very handy.",
        "Good value compared to the brand-name one.",
    ),
    "home": (
        "Looks lovely on the shelf and feels solid.",
        "Really cozy, the whole family fights over it.",
        "Exactly the {color} I was hoping for.",
        "Nice weight to it, clearly well made.",
        "Gave one as a gift and ordered another for myself.",
        "Makes the living room feel so much nicer.",
    ),
}
POSITIVE_ANY = (
    "Love it!", "Exactly what I wanted.", "Would buy again.", "Delivery was quicker than expected too.",
    "Very happy with this purchase.", "Highly recommend the {name}.", "Great {item}, no notes.",
    "Super happy with my {item}.", "Arrived fast and well packed.", "Five stars from me.",
)  # fmt: skip
POS_OPENERS = (
    "", "", "", "Honestly ", "So happy with this. ", "Bought this for my sister. ", "Second time ordering. ",
    "Ordered the {color} one. ", "Update after two weeks: ", "Wasn't sure at first but ", "Wow. ",
)  # fmt: skip
POS_CLOSERS = (
    "",
    "",
    "",
    " Would recommend.",
    " 10/10.",
    " Thanks!",
    " Buying another one.",
    " 😊",
    " Love love love.",
)
POS_TITLES = (
    "Love it", "Perfect", "Great {item}", "So comfy", "Exactly as described", "Five stars", "Obsessed",
    "Great value", "Would buy again", "Beautiful", "Really nice", "Happy customer",
)  # fmt: skip

NEUTRAL: dict[str, tuple[str, ...]] = {
    "apparel": ("Fabric is fine, nothing special.", "Nice {color} but the cut is a bit plain.",
                "It's fine for lounging around the house."),
    "shoes": ("Comfortable enough, a bit plain.", "They're okay, took a week to break in."),
    "electronics": ("Works, but a bit slower than my old one.", "It's fine. Does the job."),
    "home": ("It's nice but smaller than I pictured.", "Decent, nothing to write home about."),
}  # fmt: skip
NEUTRAL_ANY = (
    "It's okay.", "Fine for the price.", "Does the job.", "Nothing special but no real complaints.",
    "Mixed feelings about the {item}.", "Average. Might keep it, might not.", "It's alright I guess.",
)  # fmt: skip
NEUTRAL_TITLES = ("It's ok", "Meh", "Decent", "Fine", "Average", "Not bad", "Okay for the price")

MILD: dict[str, tuple[str, ...]] = {
    "product_quality.defect": (
        "One button was a little loose when it arrived.",
        "A couple of loose threads on the hem.",
    ),
    "product_quality.material": ("Fabric is a bit thinner than I expected.", "Material feels a little cheap up close."),
    "product_quality.durability": ("Color faded a little after the first wash.", "Starting to pill slightly already."),
    "sizing_fit.runs_small": ("A little snug, maybe size up.", "Slightly tight across the shoulders."),
    "sizing_fit.runs_large": ("Runs a touch big.", "A bit roomy, could have sized down."),
    "sizing_fit.fit_cut": ("Sleeves are a little long on me.", "The cut is slightly boxy."),
    "shipping_delivery.late": ("Arrived a couple of days later than promised.", "Shipping was slower than I'd like."),
    "shipping_delivery.lost_or_wrong": ("They first sent the wrong color but fixed it.",),
    "packaging.damaged": ("Box was a bit dented but the item was fine.",),
    "listing_accuracy.photo_mismatch": (
        "Color is a shade darker than the photo.",
        "Looks a bit different than pictured.",
    ),
    "listing_accuracy.description_mismatch": ("Not quite as described but close enough.",),
    "support_experience.unresponsive": ("Took a while to hear back from support.",),
    "support_experience.returns_refunds": ("Exchange took longer than it should have.",),
    "pricing_value.overpriced": ("A bit pricey for what it is.", "Would be better at a lower price."),
}

DEFECT_PARTS: dict[str, tuple[str, ...]] = {
    "JKT": ("button", "snap", "sleeve seam", "drawcord", "hood toggle", "zipper"),
    "DRS": ("strap", "side seam", "back zipper", "hem stitching", "button"),
    "TOP": ("button", "shoulder seam", "hem", "strap"),
    "JNS": ("button", "fly zipper", "belt loop", "rivet"),
    "SHO": ("sole", "heel", "strap", "buckle", "insole"),
    "CHG": ("USB-C port", "cable", "indicator light"),
    "CBL": ("connector", "cable"),
    "PWB": ("port", "power button"),
    "EAR": ("left earbud", "charging case", "right earbud"),
    "MUG": ("handle", "lid"),
    "BLK": ("seam", "edge stitching"),
    "LMP": ("switch", "shade clip"),
    "PLW": ("cover zipper", "seam"),
}

COMPLAINT: dict[str, dict[str, tuple[str, ...]]] = {
    "product_quality.defect": {
        "apparel": (
            "The {part} broke after {n} days.",
            "The {part} came off the first time I wore it.",
            "Arrived with a ripped {part}.",
            "The {part} tore after one wear.",
        ),
        "shoes": (
            "The {part} came apart after {n} days.",
            "The {part} snapped on the second wear.",
            "One of the {part}s was broken out of the box.",
        ),
        "electronics": (
            "Stopped working after {n} days.",
            "The {part} is loose and only works at an angle.",
            "Dead on arrival, the {part} doesn't work at all.",
            "Worked for a week then nothing.",
        ),
        "home": (
            "The {part} broke after {n} days.",
            "Arrived with a broken {part}.",
            "The {part} came off in my hand.",
        ),
    },
    "product_quality.material": {
        "apparel": (
            "Fabric feels cheap and thin.",
            "It's completely see-through, had to wear a slip under it.",
            "Scratchy fabric, I can't wear it for more than an hour.",
            "Feels like plastic, not cotton.",
        ),
        "shoes": ("The leather feels like cardboard.", "Cheap plastic feel, not what you expect at this price."),
        "electronics": ("The casing feels flimsy and cheap.", "Plastic creaks when you hold it."),
        "home": ("The material feels cheap and thin.", "Feels flimsy, much cheaper than it looks online."),
    },
    "product_quality.durability": {
        "apparel": (
            "Faded after three washes.",
            "Shrank a full size in the wash.",
            "Pilled badly within {n} weeks.",
            "Holes appeared after a month.",
        ),
        "shoes": ("The soles wore through in six weeks.", "Sole started peeling after a month."),
        "electronics": ("The cable frayed after a month of light use.", "Battery life dropped a lot after {n} weeks."),
        "home": ("The finish wore off after a few weeks.", "Started falling apart within a month."),
    },
    "sizing_fit.runs_small": {
        "apparel": (
            "Runs at least one size small, size up.",
            "Ordered my usual {size} and it's way too tight.",
            "Couldn't get it over my shoulders.",
        ),
        "shoes": ("Runs small, my toes are squashed.", "Half a size too small, order up."),
    },
    "sizing_fit.runs_large": {
        "apparel": ("Huge. Order a size down.", "Way too big everywhere, I'm swimming in it.", "Runs really large."),
        "shoes": ("My heel slips out, they run big.", "A full size too large."),
    },
    "sizing_fit.fit_cut": {
        "apparel": (
            "The sleeves are way too long.",
            "Very boxy cut, not flattering at all.",
            "The rise is weird and the torso is short.",
            "Hem hits at a really awkward length.",
        ),
        "shoes": ("Very narrow toe box.", "The shape is odd, rubs on the side."),
    },
    "shipping_delivery.late": {
        "any": (
            "Took {n} weeks to arrive.",
            "Delivery was a week later than promised.",
            "Tracking was stuck for days.",
            "{carrier} kept pushing the delivery date.",
            "Arrived {n} days late.",
        ),
    },
    "shipping_delivery.lost_or_wrong": {
        "any": (
            "Never arrived.",
            "Received the wrong size.",
            "They sent a completely different color.",
            "Package says delivered but it's not here.",
            "Got someone else's order.",
        ),
    },
    "packaging.damaged": {
        "any": (
            "Box arrived crushed.",
            "Packaging was torn open when it got here.",
            "Came in a flimsy bag with a hole in it.",
            "Barely any packing, it was rattling around in the box.",
        ),
    },
    "listing_accuracy.photo_mismatch": {
        "any": (
            "Color looks nothing like the photo.",
            "Much duller than pictured.",
            "The {color} is way off from the listing photo.",
            "Looks cheaper than in the pictures.",
        ),
    },
    "listing_accuracy.description_mismatch": {
        "apparel": (
            "Listing says 100% cotton, the label says polyester.",
            "Description says it has pockets. It does not.",
            "Says machine washable, the tag says dry clean only.",
        ),
        "shoes": ("Advertised as waterproof, they are not.", "Says leather, it's synthetic."),
        "electronics": (
            "Advertised as fast charging but it's really slow.",
            "Description says it works with my phone, it doesn't.",
        ),
        "home": (
            "Listing says dishwasher safe, the box says hand wash only.",
            "Smaller than the dimensions in the description.",
        ),
    },
    "support_experience.unresponsive": {
        "any": (
            "Emailed support three times, no reply.",
            "The chatbot just loops, can't reach a human.",
            "Waited 40 minutes on hold and got cut off.",
            "Support never answered my question.",
        ),
    },
    "support_experience.returns_refunds": {
        "any": (
            "Still waiting for my refund after {n} weeks.",
            "The return label never came.",
            "They charged a restocking fee nobody mentioned.",
            "Exchange request has been pending for ages.",
        ),
    },
    "pricing_value.overpriced": {
        "any": (
            "Not worth ${price}.",
            "Found the same thing for half the price elsewhere.",
            "Overpriced for what you get.",
            "Way too expensive for this quality.",
        ),
    },
}
TOPIC_TITLES: dict[str, tuple[str, ...]] = {
    "product_quality.defect": ("Broke quickly", "Defective", "Fell apart", "Broken on arrival"),
    "product_quality.material": ("Cheap fabric", "Thin material", "Feels cheap"),
    "product_quality.durability": ("Didn't last", "Poor durability", "Wore out fast"),
    "sizing_fit.runs_small": ("Runs small!", "Too tight", "Size up"),
    "sizing_fit.runs_large": ("Runs big", "Too large", "Size down"),
    "sizing_fit.fit_cut": ("Odd fit", "Weird cut", "Unflattering"),
    "shipping_delivery.late": ("Late delivery", "Slow shipping", "Took forever"),
    "shipping_delivery.lost_or_wrong": ("Wrong item", "Never arrived", "Wrong size sent"),
    "packaging.damaged": ("Damaged box", "Poor packaging", "Arrived damaged"),
    "listing_accuracy.photo_mismatch": ("Not like the photo", "Color is off", "Misleading pictures"),
    "listing_accuracy.description_mismatch": ("Not as described", "Misleading description"),
    "support_experience.unresponsive": ("No reply from support", "Terrible service"),
    "support_experience.returns_refunds": ("Refund nightmare", "Return problems"),
    "pricing_value.overpriced": ("Overpriced", "Not worth it"),
}
NEG_OPENERS = (
    "", "", "", "Disappointed. ", "Ugh. ", "Not happy. ", "Really wanted to love this. ", "Where do I start. ",
    "Bought the {name}. ", "First order here and ", "",
)  # fmt: skip
NEG_CLOSERS = (
    "", "", " Returning it.", " Won't order again.", " Very disappointed.", " Not impressed.", " Avoid.",
    " Expected better.", " Such a shame.", " 👎",
)  # fmt: skip
CONFLICT_PREFIXES = ("Love the style, but ", "Five stars for the look. ", "Gorgeous otherwise. ", "")

SUPPORT_GREETINGS = ("Hi, ", "Hello, ", "Hi there, ", "Good morning, ", "", "Dear support team, ")
SUPPORT_CONTEXT = (
    "I ordered the {name} last week and ", "about my recent order: ", "I bought {a_item} from you and ",
    "regarding the {name}: ", "",
)  # fmt: skip
SUPPORT_ASKS = (
    " Can you help?", " What are my options?", " Please advise.", " I'd like a replacement.", " Please get back to me.",
    " Can someone look into this?", "",
)  # fmt: skip
SUPPORT_SIGNOFFS = ("", " Thanks", " Thank you.", " Regards", " Cheers", " Best")
SUPPORT_QUESTIONS = (
    ("Change delivery address", "How do I change the delivery address on my order?"),
    ("Size exchange", "Can I exchange the {item} for a different size?"),
    ("Gift wrap", "Is it possible to add gift wrapping after ordering?"),
    ("Invoice", "Could you send me an invoice for my order?"),
    ("Care instructions", "What are the washing instructions for the {name}?"),
    ("Restock", "Will the {name} in {color} be back in stock?"),
)  # fmt: skip
SUPPORT_THANKS = (
    ("Thank you", "Just wanted to say thanks, the {item} arrived and it's perfect."),
    ("Great service", "Thanks for sorting out my exchange so quickly!"),
)  # fmt: skip

NPS_POSITIVE = (
    "Fast shipping, good quality", "Love the clothes", "Easy to order and quick delivery", "great service",
    "Good prices and nice stuff", "Always happy with my orders", "The {item} is great", "Quick and easy",
)  # fmt: skip
NPS_NEUTRAL = ("It's ok", "Decent but delivery could be faster", "Prices are a bit high", "fine", "Average experience")

SOCIAL_POSITIVE = (
    "Obsessed with my new {item} from {shop} 😍", "{shop} never misses. The {name} is so good",
    "new {item} day 🙌 thanks {shop}",
    "ok the {color} {item} from {shop} is perfect", "shoutout to {shop} for the super fast delivery",
)  # fmt: skip
SOCIAL_NEUTRAL = (
    "anyone tried the {name} from {shop}? worth it?",
    "{shop} when is the sale",
    "thinking about the {item} from {shop} hmm",
)
SOCIAL_HASHTAGS = ("", "", "", " #fail", " #customerservice", " #disappointed", " #neveragain", " smh")

APP_POSITIVE = (
    "Easy to use, checkout is quick.", "Love the app, reordering takes seconds.", "Great app, smooth and fast.",
    "Nice design and the wishlist is handy.", "Tracking in the app is really useful.",
)  # fmt: skip
APP_NEUTRAL = ("Works fine mostly.", "Okay app, search could be better.", "Decent but a bit slow sometimes.")
APP_COMPLAINT = (
    "App crashes every time I hit checkout.", "Can't log in since the last update.",
    "Payment keeps failing, had to use the website.", "Search is useless, filters reset every time.",
    "Way too many notifications.", "Promo code field doesn't work.", "Cart empties itself randomly.",
    "Stuck on the loading screen.", "Keeps logging me out.",
)  # fmt: skip

MISSPELLINGS = {
    "received": "recieved", "definitely": "definately", "disappointed": "dissapointed", "because": "becuase",
    "really": "realy", "it's": "its", "quality": "qualtiy", "beautiful": "beautifull", "comfortable": "comfortible",
    "jacket": "jaket", "package": "pakage", "weeks": "weks", "arrived": "arived",
}  # fmt: skip
