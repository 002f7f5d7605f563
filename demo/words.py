"""Word lists, tables and note templates for `crm.demo`.

Everything here is invented: company names are built from these parts, people from per-region first and last
names, phone numbers come from ranges reserved for fiction where a country has one (US 555-01xx, UK Ofcom
drama ranges, AU 5550), and every email domain ends in the reserved `.example` TLD.
"""

from __future__ import annotations

from typing import NamedTuple

from touches.message_library import MessageDraft
from touches.models import Channel, Kind, Theme

# fmt: off

# (username, first name, last name, role, home time zone): the manager first, then the reps.
STAFF = (
    ("maria", "Maria", "Okafor", "manager", "America/Chicago"),
    ("alex", "Alex", "Moreno", "rep", "America/Chicago"),
    ("sam", "Sam", "Whitfield", "rep", "America/New_York"),
    ("jordan", "Jordan", "Brooks", "rep", "America/Denver"),
    ("priya", "Priya", "Raman", "rep", "Europe/London"),
    ("lee", "Lee", "Nakamura", "rep", "Australia/Sydney"),
)
ON_VACATION = "jordan"
# Reps own accounts in their part of the world, so an account's calling windows fall in the rep's working day.
TERRITORIES = {
    **dict.fromkeys(("US", "CA", "MX", "BR"), ("alex", "sam", "jordan")),
    **dict.fromkeys(("GB", "DE", "FR", "NL"), ("priya",)),
    **dict.fromkeys(("IN", "AU", "JP", "SG"), ("lee",)),
}
# Prospect statuses; with Joe's account (active) that makes 200.
STATUS_MIX = {"active": 125, "engaged": 22, "won": 10, "lost": 14, "dormant": 22, "do_not_contact": 6}
SOURCES = {"outbound": 55, "inbound": 15, "referral": 10, "event": 8, "import": 10, "other": 2}
# (yes, no) percentages for is_right_buyer, buys_what_we_sell, still_there; the rest stay unknown.
MARKERS = {
    "won": ((100, 0), (100, 0), (100, 0)),
    "engaged": ((70, 0), (80, 0), (90, 0)),
    "lost": ((70, 0), (40, 50), (80, 0)),
    "other": ((20, 6), (25, 6), (12, 3)),
}
# The attempt on which a reached prospect picked up: 48% on the 1st, 93% by the 6th (Velocify; docs/field-reports.md).
REACHED_ON = {1: 48, 2: 15, 3: 11, 4: 8, 5: 6, 6: 5, 7: 3, 8: 2, 10: 1, 12: 1}
# How a reached prospect's status shows in the call's outcome (engaged ones sometimes book at once).
REACH_OUTCOME = {"engaged": "connected", "won": "meeting_booked", "lost": "not_interested",
                 "do_not_contact": "opted_out"}
REACH_SECONDS = {"connected": (180, 1080), "meeting_booked": (300, 1200), "not_interested": (60, 200),
                 "opted_out": (30, 90)}
# Weights for how many attempts an active prospect has had so far, 0 to 8; 0 is a lead that just came in.
ACTIVE_ATTEMPTS = (8, 14, 13, 12, 11, 10, 9, 8, 9)
# Besides the buyer (a decision maker, sometimes an influencer), an account has 0-2 more contacts.
MORE_CONTACTS = {0: 40, 1: 40, 2: 20}
OTHER_ROLES = {"assistant": 3, "receptionist": 3, "influencer": 3, "other": 1}

# Seed 004: Joe never picks up, and everyone else at the company says "you have to talk to Joe".
JOE_ACCOUNT = "Lakeshore Packaging Co."
JOE_CAST = (
    ("Joe Kowalski", "decision_maker", "VP Supply Chain", "joe.kowalski@lakeshorepack.example"),
    ("Dana Ruiz", "receptionist", "Receptionist", "frontdesk@lakeshorepack.example"),
    ("Marcus Bell", "assistant", "Executive Assistant", "marcus.bell@lakeshorepack.example"),
    ("Tom Hale", "influencer", "Plant Manager", "tom.hale@lakeshorepack.example"),
)
JOE_LANE = "Chicago→Memphis"
JOE_SWITCHBOARD = "+1 312 555 01##"
JOE_ATTEMPTS = 26
JOE_SPECIAL_STEPS = {3: ("gate", "receptionist"), 5: ("email", ""), 6: ("gate", "assistant"),
                     10: ("gate", "influencer"), 12: ("email", ""), 14: ("dial", "pleasantly_persistent"),
                     18: ("email", ""), 23: ("gate", "receptionist")}

class Country(NamedTuple):
    weight: int
    # Repeats weight the pick: most US shippers sit in the Eastern and Central zones.
    timezones: tuple[str, ...]
    # Where a contact sits when not at the account's head office (a regional buyer, a parent company).
    away_timezones: tuple[str, ...]
    people: str
    prefixes: tuple[str, ...]
    industries: tuple[str, ...]
    suffixes: tuple[str, ...]
    pattern: str
    lanes: tuple[str, ...]


EN_PREFIXES = (
    "Blue Heron", "Granite Ridge", "Prairie", "Harbor Point", "Summit", "Ironwood", "Cedar Creek", "Redline",
    "Keystone", "Pioneer", "Silver Maple", "Coastal", "Big Sky", "Heartland", "Tri-County", "Northgate",
    "Riverbend", "Copperline", "Bluewater", "Timberline", "Sterling", "Eastbrook", "Westfield", "Oakridge",
    "Falcon", "Anchor", "Compass", "Brightwater", "Stonebridge", "Great Plains", "Crescent", "Hilltop",
    "Evergreen", "Red Rock", "Sandhill", "Twin Rivers", "Lone Pine", "Bayside", "Clearwater", "Ember",
)
EN_INDUSTRIES = (
    "Packaging", "Foods", "Plastics", "Steel", "Building Supply", "Beverages", "Paper Products", "Lumber",
    "Chemicals", "Furniture", "Auto Parts", "Produce", "Pet Foods", "Appliances", "Tile & Stone", "Textiles",
    "Fasteners", "Farm Supply", "Cold Storage", "Glassworks", "Home Goods", "Electrical Supply", "Brewing",
    "Bakeries", "Dairy", "Tire", "Paint & Coatings", "Metal Works",
)

COUNTRIES: dict[str, Country] = {
    "US": Country(
        48,
        ("America/New_York",) * 4 + ("America/Chicago",) * 4 + ("America/Denver",)
        + ("America/Los_Angeles",) * 3,
        ("America/New_York", "America/Chicago", "America/Los_Angeles", "America/Denver"),
        "en", EN_PREFIXES, EN_INDUSTRIES, ("Inc.", "LLC", "Co.", "Corp."), "{prefix} {industry} {suffix}",
        ("Chicago→Dallas", "Atlanta→Miami", "Los Angeles→Phoenix", "Memphis→Columbus", "Laredo→Houston",
         "Newark→Boston", "Denver→Salt Lake City", "Seattle→Portland"),
    ),
    "CA": Country(
        7, ("America/Toronto",) * 3 + ("America/Vancouver",), ("America/Edmonton", "America/Chicago"),
        "en", EN_PREFIXES, EN_INDUSTRIES, ("Inc.", "Ltd."), "{prefix} {industry} {suffix}",
        ("Toronto→Montreal", "Calgary→Vancouver", "Windsor→Detroit"),
    ),
    "MX": Country(
        3, ("America/Mexico_City",), ("America/Chicago",), "es",
        ("Sierra Madre", "Bajío", "Norteño", "Pacífico", "Altiplano", "Golfo"),
        ("Empaques", "Alimentos", "Plásticos", "Aceros", "Bebidas", "Autopartes"), ("S.A. de C.V.",),
        "Grupo {prefix} {industry} {suffix}", ("Monterrey→Laredo", "Mexico City→Guadalajara"),
    ),
    "BR": Country(
        4, ("America/Sao_Paulo",), ("America/New_York",), "pt",
        ("Paulista", "Serra Azul", "Atlântico", "Cerrado", "Vale Verde", "Guanabara"),
        ("Embalagens", "Alimentos", "Plásticos", "Aço", "Bebidas", "Madeiras", "Química"), ("Ltda.", "S.A."),
        "{prefix} {industry} {suffix}", ("Santos→São Paulo", "Curitiba→Porto Alegre"),
    ),
    "GB": Country(
        7, ("Europe/London",), ("Europe/Dublin",), "en", EN_PREFIXES, EN_INDUSTRIES, ("Ltd", "plc"),
        "{prefix} {industry} {suffix}", ("Felixstowe→Birmingham", "Manchester→Glasgow", "Southampton→Leeds"),
    ),
    "DE": Country(
        6, ("Europe/Berlin",), ("Europe/Zurich", "Europe/Vienna"), "de",
        ("Rheintal", "Nordstern", "Alpenland", "Hansa", "Elbtal", "Schwarzwald", "Mainfranken", "Weserland"),
        ("Verpackung", "Kunststofftechnik", "Lebensmittel", "Stahlbau", "Getränke", "Papierwerke",
         "Möbelwerk"),
        ("GmbH", "AG", "GmbH & Co. KG"), "{prefix} {industry} {suffix}",
        ("Hamburg→Munich", "Duisburg→Stuttgart"),
    ),
    "FR": Country(
        4, ("Europe/Paris",), ("Europe/Brussels",), "fr",
        ("Atlantique", "Rhône-Alpes", "Provence", "Normandie", "Bretagne", "Aquitaine", "Val de Loire"),
        ("Emballages", "Plastiques", "Agroalimentaire", "Aciers", "Boissons", "Papeteries", "Meubles"),
        ("SAS", "SA", "SARL"), "{industry} {prefix} {suffix}", ("Le Havre→Lyon", "Paris→Marseille"),
    ),
    "NL": Country(
        4, ("Europe/Amsterdam",), ("Europe/Brussels",), "nl",
        ("Delta", "Zuiderzee", "Oranje", "Polder", "Maasland", "Kempen"),
        ("Verpakkingen", "Kunststoffen", "Voeding", "Staal", "Dranken", "Bloemen"), ("B.V.", "N.V."),
        "{prefix} {industry} {suffix}", ("Rotterdam→Venlo", "Rotterdam→Duisburg"),
    ),
    "IN": Country(
        5, ("Asia/Kolkata",), ("Asia/Dubai", "Asia/Singapore"), "in",
        ("Deccan", "Sahyadri", "Kaveri", "Ganga", "Coromandel", "Malabar", "Aravalli"),
        ("Plastics", "Packaging", "Textiles", "Auto Components", "Agro Foods", "Steel Tubes", "Pharma"),
        ("Pvt Ltd", "Ltd"), "{prefix} {industry} {suffix}", ("Nhava Sheva→Pune", "Chennai→Bengaluru"),
    ),
    "AU": Country(
        5, ("Australia/Sydney",) * 3 + ("Australia/Perth",), ("Australia/Brisbane", "Pacific/Auckland"),
        "en", EN_PREFIXES, EN_INDUSTRIES, ("Pty Ltd",), "{prefix} {industry} {suffix}",
        ("Sydney→Melbourne", "Brisbane→Sydney", "Perth→Adelaide"),
    ),
    "JP": Country(
        3, ("Asia/Tokyo",), ("Asia/Seoul",), "ja",
        ("Sakura", "Minato", "Fujimi", "Kitano", "Hoshino", "Aoba"),
        ("Packaging", "Foods", "Precision", "Chemical", "Electric", "Paper"), ("K.K.", "Co., Ltd."),
        "{prefix} {industry} {suffix}", ("Tokyo→Osaka", "Nagoya→Yokohama"),
    ),
    "SG": Country(
        4, ("Asia/Singapore",), ("Asia/Jakarta", "Asia/Kolkata"), "sg",
        ("Merlion", "Straits", "Orchid", "Harbourfront", "Kallang", "Jurong"),
        ("Trading", "Packaging", "Foods", "Electronics", "Marine Supply", "Chemicals"), ("Pte Ltd",),
        "{prefix} {industry} {suffix}", ("Singapore→Johor Bahru", "Singapore→Kuala Lumpur"),
    ),
}

# Fictional or reserved ranges; "#" is a random digit. Keyed by time zone so the area code matches the desk.
PHONES: dict[str, tuple[str, ...]] = {
    "America/New_York": ("+1 212 555 01##", "+1 404 555 01##", "+1 617 555 01##"),
    "America/Chicago": ("+1 312 555 01##", "+1 214 555 01##", "+1 612 555 01##"),
    "America/Denver": ("+1 303 555 01##", "+1 801 555 01##"),
    "America/Los_Angeles": ("+1 213 555 01##", "+1 206 555 01##", "+1 415 555 01##"),
    "America/Toronto": ("+1 416 555 01##", "+1 514 555 01##"),
    "America/Vancouver": ("+1 604 555 01##",),
    "America/Edmonton": ("+1 403 555 01##",),
    "America/Mexico_City": ("+52 55 #### ####",),
    "America/Sao_Paulo": ("+55 11 #### ####",),
    "Europe/London": ("+44 20 7946 0###", "+44 161 496 0###", "+44 121 496 0###"),
    "Europe/Dublin": ("+353 1 ### ####",),
    "Europe/Berlin": ("+49 30 #### ####", "+49 40 #### ####", "+49 89 #### ####"),
    "Europe/Zurich": ("+41 44 ### ## ##",),
    "Europe/Vienna": ("+43 1 #### ####",),
    "Europe/Paris": ("+33 1 ## ## ## ##", "+33 4 ## ## ## ##"),
    "Europe/Brussels": ("+32 2 ### ## ##",),
    "Europe/Amsterdam": ("+31 20 ### ####", "+31 10 ### ####"),
    "Asia/Kolkata": ("+91 22 #### ####", "+91 80 #### ####"),
    "Asia/Dubai": ("+971 4 ### ####",),
    "Asia/Singapore": ("+65 6### ####",),
    "Asia/Jakarta": ("+62 21 #### ####",),
    "Asia/Tokyo": ("+81 3 #### ####", "+81 6 #### ####"),
    "Asia/Seoul": ("+82 2 #### ####",),
    "Australia/Sydney": ("+61 2 5550 ####",),
    "Australia/Perth": ("+61 8 5550 ####",),
    "Australia/Brisbane": ("+61 7 5550 ####",),
    "Pacific/Auckland": ("+64 9 ### ####",),
}

PEOPLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Mike", "Karen", "Dave", "Tom", "Sarah", "Jessica", "Brian", "Kevin", "Angela", "Rachel", "Tony",
         "Marcus", "Denise", "Greg", "Heather", "Carlos", "Tyler", "Nicole", "Amanda", "Derek", "Shawn",
         "Ray",
         "Keisha", "Luis", "Dana", "Megan", "Phil", "Trish", "Colin", "Fiona"),
        ("Miller", "Johnson", "Reyes", "Thompson", "Nguyen", "Patel", "Walsh", "Brennan", "Hughes", "Carter",
         "Delgado", "Foster", "Grant", "Hayes", "Jensen", "Keller", "Morgan", "O'Neill", "Price", "Quinn",
         "Russo", "Sullivan", "Turner", "Vaughn", "Whitaker", "Young", "Campbell", "Fraser"),
    ),
    "es": (("Alejandro", "Sofía", "Diego", "Valeria", "Javier", "Lucía", "Andrés", "Paola"),
           ("Hernández", "García", "Martínez", "López", "Ramírez", "Flores", "Torres", "Vargas")),
    "pt": (("João", "Ana", "Pedro", "Mariana", "Rafael", "Camila", "Lucas", "Fernanda", "Thiago", "Beatriz"),
           ("Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Ribeiro", "Carvalho")),
    "de": (("Jan", "Lukas", "Katrin", "Stefan", "Anja", "Matthias", "Sabine", "Jürgen", "Tobias", "Julia"),
           ("Müller", "Schmidt", "Becker", "Hoffmann", "Wagner", "Krüger", "Schulz", "Neumann", "Vogel",
            "Brandt")),
    "fr": (("Camille", "Julien", "Sophie", "Nicolas", "Élodie", "Thomas", "Claire", "Antoine", "Manon"),
           ("Martin", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux", "Fournier", "Mercier")),
    "nl": (("Daan", "Sanne", "Bram", "Lotte", "Joost", "Femke", "Ruben", "Eva", "Pieter", "Marloes"),
           ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos")),
    "in": (("Arjun", "Priyanka", "Rahul", "Sneha", "Vikram", "Ananya", "Rohan", "Kavita", "Sanjay", "Deepa"),
           ("Sharma", "Iyer", "Reddy", "Nair", "Gupta", "Mehta", "Desai", "Kulkarni", "Chatterjee", "Menon")),
    "ja": (("Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Naoko", "Daisuke", "Emi", "Satoshi", "Mai"),
           ("Tanaka", "Suzuki", "Sato", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato")),
    "sg": (("Wei", "Jun", "Mei", "Hui", "Ravi", "Siti", "Kelvin", "Rachel", "Farah", "Daniel"),
           ("Tan", "Lim", "Ng", "Lee", "Wong", "Goh", "Chua", "Koh", "Rahman")),
}

TITLES: dict[str, tuple[str, ...]] = {
    "decision_maker": ("VP Supply Chain", "Director of Logistics", "Transportation Manager",
                       "Head of Logistics", "Shipping Manager", "COO", "Owner", "Logistics Manager"),
    "influencer": ("Logistics Coordinator", "Procurement Manager", "Plant Manager", "Warehouse Manager",
                   "Operations Manager"),
    "assistant": ("Executive Assistant", "Office Manager"),
    "receptionist": ("Receptionist", "Front Desk"),
    "other": ("Accounts Payable", "Customer Service Lead", "Dispatcher", "Shipping Clerk"),
}

# The three I's (docs/field-reports.md §4): every message carries something of value, never "just touching base".
VOICEMAIL: dict[str, tuple[str, ...]] = {
    "information": (
        "Told {first} about the lane savings we got for a Chicago shipper: 11% under contract on {lane}.",
        "Shared that spot rates on {lane} dropped again this month; offered a free lane review.",
        "Mentioned we added 40 vetted reefer carriers near {city}; relevant to their seasonal peak.",
        "Told {first} about the detention audit we ran for a {peer} shipper: recovered $18k in fees.",
        "Passed on that their main carrier is cutting capacity on {lane} next quarter (trade press).",
        "Told {first} we now run Saturday pickups around {city}; their Friday overflow could ship same week.",
    ),
    "invitation": (
        "Invited {first} to our shippers' breakfast next Thursday: capacity outlook for peak season.",
        "Offered {first} a seat at the cold-chain roundtable we host next month; two {peer} shippers attend.",
        "Invited {first} to a 20-minute lane review over coffee, my treat, any morning next week.",
        "Invited {first} to tour our 24/7 tracking desk; most shippers leave with a new escalation plan.",
        "Invited {first} to our peak-season webinar: how {peer} shippers locked capacity before Q4.",
        "Invited {first} to join a ride-along with one of our carriers on {lane}.",
    ),
    "introduction": (
        "Offered to introduce {first} to the logistics lead at a {peer} shipper we haul for: same dock woes.",
        "Offered an intro to our cross-border team for their {lane} freight.",
        "Offered to connect {first} with a warehouse partner near {city} with spare pallet space.",
        "Offered an intro to a {peer} customer who cut tender rejections to under 2% with us.",
        "Offered to introduce {first} to a customs broker we trust for their import freight.",
        "Offered an intro to the carrier who covers {lane} for us every week without a rejection.",
    ),
}
EMAIL_NOTES: dict[str, tuple[str, ...]] = {
    "information": ("Emailed the one-page case study: {peer} shipper, 11% saved on {lane}.",
                    "Emailed our monthly rate snapshot for {lane} with their likely savings highlighted.",
                    "Emailed the detention-fee checklist we use with {peer} shippers."),
    "invitation": ("Emailed the invite to our shippers' breakfast with the agenda and two speaker names.",
                   "Emailed three time slots for a 20-minute lane review.",
                   "Emailed a link to book a tracking-desk tour, any weekday morning."),
    "introduction": ("Emailed an offer to intro {first} to a {peer} customer with the same seasonal swings.",
                     "Emailed a short intro to our account manager covering {city}.",
                     "Emailed an intro to the carrier we use most on {lane}, with his on-time record."),
}
# Gatekeepers and colleagues (docs/field-reports.md §4: "They all told me I had to talk to Joe").
GATEKEEPER_NOTES: dict[str, tuple[str, ...]] = {
    "receptionist": (
        "Front desk: {first} is at the plant until Thursday; best to call before 9.",
        "Front desk confirmed {first} still runs transportation; took a message.",
    ),
    "assistant": (
        "Assistant says {first} reviews carrier proposals on Fridays; asked for a one-pager by email.",
        "Spoke to the assistant: everything carrier-related goes through {first}.",
    ),
    "influencer": (
        "Plant manager says tender rejections on {lane} are hurting them, but {first} picks the carriers.",
    ),
}
REACH_NOTES: dict[str, tuple[str, ...]] = {
    "connected": (
        "Talked {minutes} min: ~30 loads/week on {lane}, tired of tender rejections. Wants rates on 3 lanes.",
        "{first} picked up: 'I got your messages, just hadn't called back.' Sending a quote for {lane}.",
        "Good call. Contract renews in 8 weeks; open to a test lane on {lane}. Quote by Friday.",
    ),
    "meeting_booked": (
        "Booked a lane review with {first} and their ops manager for next Wednesday 10:00.",
        "{first} picked up on this attempt; meeting booked at their {city} office next week.",
    ),
    "not_interested": (
        "{first}: locked into a 2-year contract with their 3PL. Revisit after renewal.",
        "Not moving freight on our lanes any more: production moved overseas.",
    ),
    "opted_out": ("{first} asked us to stop calling. Marked do not contact.",),
}
# The two special messages (seeds 002, 003): permission to say no, and a visit unless told otherwise.
KIND_VOICEMAIL = {
    "breakup": (
        "Breakup voicemail: I don't want to keep filling your voicemail. If freight isn't a priority now, "
        "just tell me and I'll close the file; if it is, call me back."
    ),
    "pleasantly_persistent": (
        "Pleasantly persistent: I'll stop by the {city} office Tuesday unless I hear it's a bad time. "
        "If things have changed, that's okay too."
    ),
}
BREAKUP_EMAIL = "Breakup email: 'Should I close your file?' The same message in writing, easy to say no to."
# One-touch steps: (channel, outcome, note, meeting length in minutes or None). A breakup message gives permission to
# say no, which is often what finally gets a reply (docs/field-reports.md §3).
LOGGED = {
    "later": ("email", "replied", "Replied to the breakup: 'Not dead, just busy. Call me after peak season.'",
              None),
    "rates": ("email", "replied", "Replied to the breakup: 'Send me rates for {lane} and we'll talk.'", None),
    "meeting": ("in_person", "connected",
                "Lane review at their {city} site with {first} and ops; agreed a 6-week trial on {lane}.",
                (45, 75)),
    "won": ("email", "replied", "Signed carrier packet came back; first 5 loads tendered on {lane}.", None),
}
LEFT_COMPANY_NOTE = "Front desk: {first} left the company last month; new contact is {new}."
RESEARCH = (
    "Trade press: they are opening a new distribution center near {city}.",
    "Their RFP season starts in October per a former carrier rep.",
    "LinkedIn: {first} posted about tender rejections on {lane}; good hook for the next call.",
)
# fmt: on


# The demo team's ready messages, about freight: a new team starts from touches.message_library.GENERIC_LIBRARY.
FREIGHT_LIBRARY: tuple[MessageDraft, ...] = (
    MessageDraft(
        "Information",
        Kind.REGULAR,
        Theme.INFORMATION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. We just helped a shipper like {company} cut two days off "
        "their lead times on the same lanes. I think we can do the same for you. Call me back when it suits.",
    ),
    MessageDraft(
        "Information",
        Kind.REGULAR,
        Theme.INFORMATION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. Capacity on your lanes is tightening next month and rates "
        "will follow. I have a short note on what that means for {company}; happy to walk you through it.",
    ),
    MessageDraft(
        "Information",
        Kind.REGULAR,
        Theme.INFORMATION,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nA quick one: carriers on your main lanes are filling up early this "
        "season. Here is what we are seeing and how shippers like {company} are getting ahead of it.\n\n"
        "Best,\n{rep_name}",
        subject="What we're seeing on your lanes",
    ),
    MessageDraft(
        "Invitation",
        Kind.REGULAR,
        Theme.INVITATION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. We're hosting a short breakfast for logistics leads next "
        "week, with a speaker on carrier capacity. I'd love to save a seat for someone from {company}.",
    ),
    MessageDraft(
        "Invitation",
        Kind.REGULAR,
        Theme.INVITATION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. I'll be at the trade show on Thursday; if you or your team "
        "are going, let's grab ten minutes. Call me back and I'll set it up.",
    ),
    MessageDraft(
        "Invitation",
        Kind.REGULAR,
        Theme.INVITATION,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nWe're running a 30-minute webinar on planning peak season capacity. "
        "I thought of {company} straight away. Shall I send you an invitation?\n\nBest,\n{rep_name}",
        subject="An invitation for {company}",
    ),
    MessageDraft(
        "Introduction",
        Kind.REGULAR,
        Theme.INTRODUCTION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. I work with a receiver who is looking for suppliers like "
        "{company}. I'd be glad to introduce you; call me back and I'll make the connection.",
    ),
    MessageDraft(
        "Introduction",
        Kind.REGULAR,
        Theme.INTRODUCTION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. One of our customers solved the same dock scheduling problem "
        "{company} has, and is happy to tell you how. Want me to put you two in touch?",
    ),
    MessageDraft(
        "Introduction",
        Kind.REGULAR,
        Theme.INTRODUCTION,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nI know someone you should meet: a logistics lead who faced what "
        "{company} is facing now. Would a short introduction be useful?\n\nBest,\n{rep_name}",
        subject="An introduction you might like",
    ),
    MessageDraft(
        "Breakup",
        Kind.BREAKUP,
        Theme.NONE,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. I know you're busy, and I don't want to waste your time. "
        "If this isn't a fit for {company} right now, just tell me and I'll stop calling. If it is, call me back "
        "and we'll take it from there.",
    ),
    MessageDraft(
        "Breakup",
        Kind.BREAKUP,
        Theme.NONE,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nI've reached out a few times and haven't heard back, which usually means "
        "the timing is wrong. If it's a no for {company}, a one-word reply is fine and I'll close the file. "
        "If it's a not-yet, tell me when to check back.\n\nThanks,\n{rep_name}",
        subject="Should I close your file?",
    ),
    MessageDraft(
        "Pleasantly persistent",
        Kind.PLEASANTLY_PERSISTENT,
        Theme.NONE,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. I'm starting to feel like I'm pestering you, and that's the "
        "last thing I want. I'll {action} on {action_day} unless I hear from you before then. And if things have "
        "changed at {company}, that's okay too; just let me know.",
    ),
    MessageDraft(
        "Pleasantly persistent",
        Kind.PLEASANTLY_PERSISTENT,
        Theme.NONE,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nI don't want to pester you. I'll {action} on {action_day} unless I hear "
        "otherwise, and if plans at {company} have changed, that's fine; a quick note saves us both time.\n\n"
        "Best,\n{rep_name}",
        subject="Next {action_day}",
    ),
)
