"""A synthetic Atlas: realistic partnership records and their pages, deterministic per seed.

``generate(n, seed)`` yields ``Record``s; ``write_atlas(out_dir, n, seed, render=...)`` writes
one page per record (``prjId_<id>.txt`` or ``.html``, rendered by ``atlas_kg.render``) and
``truth.jsonl``, the record each page was made from (what ``atlas_kg.parse`` must read back).
The same seed gives the same bytes on every machine: randomness comes only from
``random.Random`` seeded with the seed (or with strings derived from it), never from
Python's salted ``hash`` or from set order.

The model (scaled to ``n``; figures are for 12,000 records)
-----------------------------------------------------------
- **Atlas ids**: unique, sorted, in 2,000–17,000 (the range grows beyond 12,000 records);
  the id tells when the record was entered (2006 → 2024), the start year precedes it.
- **Who works with whom**: a record is a relationship between a French collectivity and
  one or more foreign ones. Relationships are reused (the same pair's successive
  projects, ``REUSE_RELATIONSHIP``, the pair drawn in proportion to its records). French
  collectivities are drawn from the gazetteer with weights by kind (``FRENCH_SHARES``)
  and size (a commune in proportion to its population, a département or région to its
  square root): as populations are Zipf-like, Paris, Île-de-France and the big régions
  are in hundreds of records while most collectivities are in one (~4,800 distinct).
  Foreign collectivities: a Yule–Simon urn per country (``NEW_FOREIGN``: a new one, else
  an existing one in proportion to its records), about 9,900 distinct in ~140 countries
  whose weights follow the real Atlas (Mali, Burkina Faso, Sénégal, Madagascar, Maroc…
  lead; a long tail of countries with one record or two).
- **Names as the Atlas writes them**: French communes mostly bare (``Malakoff``), else
  ``Ville de …``; ``Département de l'Isère`` / ``Conseil départemental de l'Isère`` (``Conseil
  général`` before 2015); ``Région Bretagne``, pre-2016 records of merged regions under
  the former name (``Région Basse-Normandie``); EPCI with their kind spelled out
  (``Communauté d'agglomération …``, ``Bordeaux Métropole``). Foreign names are made from
  syllables of the country's language family with the country's administrative prefixes
  (``Commune rurale de``, ``Communauté rurale de``, ``Cercle de``, ``Municipalité de``…),
  never equal to a French commune name. When a country's simple names run out (beyond
  ~20,000 records for Canada, Haïti, China…), new ones are derived from them as real names
  are (``Saint-Marc-du-Nord``, ``Beit Sahour al-Fauqa``, ``Upper Ashford``; ``_COMPOUNDS``).
- **Spelling variants** of the same foreign partner across records (``VARIANT_SPELLING``
  of mentions): ``’`` vs ``'``, hyphens vs spaces, a ``Commune de`` prefix added, dropped
  or changed to ``Communauté rurale de``, upper case.
- **Posts**: one per partner country, named after the capital (``Ambassade de France à
  Bamako``, ``Tananarive``; ``Consul général à Jérusalem`` for the Palestinian territories;
  ``AMBASSADE DE FRANCE A TUNIS`` on half the Tunisian records), sometimes an extra one,
  up to three; per post and period two staff (correspondent and counsellor), sometimes
  absent (``Pas de correspondant…``), without a name or an e-mail, or the same person.
- **Content**: a primary theme and 0–5 other themes from ``ontology/themes.ttl``; SDGs
  (weights 2 then 1) on records starting 2022 or later; status, end date, free texts
  (context, history, objectives, description, beneficiaries); funding rows (the Ministry
  under its successive names and acronyms, the collectivities themselves, the water
  agencies with 1% amounts, ``Autre``, the EU, AFD…) dated within the partnership's
  years: all in one year (as on the seed page) or a row per funder and year, for each of
  the projects a partnership runs (``FUNDED_PROJECTS``), about 9 rows per record as in
  ``MEASURED.md``'s Atlas-shaped data; triennial flag; foreign contacts; volunteers;
  evaluation flags.

Anomalies (rates are per record and documented constants below)
----------------------------------------------------------------
- ``FRENCH_AS_FOREIGN``: a French commune listed as a foreign partner (written with
  spaces for hyphens, ``Mantes la Jolie``), in the partner country, often also a funder
  and an "other partner" (as in the seed).
- ``STRAY_PUNCTUATION``: stray punctuation around one funder name (``, Mantes la Jolie``):
  a rendering noise; the truth keeps the clean name and the parser's warning.
- ``DUPLICATE``: a later record repeating an earlier partnership with another status.
- ``FUNDING_OUTSIDE``: a funding row dated before the partnership's start year.
- ``TEXT_NOISE``: trailing spaces, no-break spaces or CRLF line ends (silently repaired).
Truncated or incomplete pages are never generated: every page has its footer.

What the pages cannot represent, hence never generated (see ``atlas_kg.parse``)
--------------------------------------------------------------------------------
- values with surrounding or repeated spaces, or with ``|``; free texts with blank lines;
  no line of a text equal to a section label, starting with ``<``/``>``, or all digits;
- foreign-contact first names of several words (hyphens instead: ``Jean-Pierre``), last
  names of several words unless all upper case; a contact has a last and a first name,
  and a function whenever it has an e-mail (the pipe rendering moves empty cells);
- funder names ending with a number (EPCI such as ``CC Altitude 800`` are left out) or
  starting/ending with punctuation; amounts without thousands separators; every funding
  row has an amount and a year; at most three 1% amounts;
- volunteer missions and fields from the parser's ``VOLUNTEER_MISSIONS`` /
  ``VOLUNTEER_FIELDS``, single-word first names, and a field whenever there is an
  ``assigned_to``;
- foreign partner names that end with a country name (checked with
  ``countries.split_trailing_country``), and partner names of one record that are
  prefixes of one another;
- theme rows with a theme and a sub-theme from the taxonomy; no other themes on pages of
  the first template (``render.page_layout`` = ``old``), no ``history`` on 2022 pages;
- at most one contact per role in a post, in the page's role order.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import math
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from . import countries as _countries
from . import gazetteer
from .errors import ConfigError
from .parse import VOLUNTEER_FIELDS, VOLUNTEER_MISSIONS
from .record import (
    SDG,
    STATUSES,
    Contact,
    DiplomaticPost,
    ForeignContact,
    ForeignPartner,
    Funding,
    OtherTheme,
    Record,
    Source,
    Theme,
    Volunteer,
)
from .render import STYLES, RenderNoise, page_layout, render_page
from .themes import taxonomy

T = TypeVar("T")

RENDERINGS = (*STYLES, "mixed")
MIXED_WEIGHTS = {"plain": 0.5, "pipe": 0.35, "html": 0.15}

# Rates (probabilities per record unless stated).
REUSE_RELATIONSHIP = 0.2
NEW_FOREIGN = 0.79
VARIANT_SPELLING = 0.08  # per foreign-partner mention
FRENCH_AS_FOREIGN = 0.005
STRAY_PUNCTUATION = 0.01
DUPLICATE = 0.01
FUNDING_OUTSIDE = 0.03  # of records with funding
FUNDED_YEARS_OPEN = 7
"""Mean years of funding after the start of a partnership without an end date (exponential)."""
FUNDED_PROJECTS = 2.0
"""Mean number of projects funded apart in a partnership, beyond the first (exponential)."""
TEXT_NOISE = 0.05
FRENCH_SHARES = {"region": 0.11, "departement": 0.17, "commune": 0.60, "epci": 0.12}
"""How new French partners split by kind (then by size within a kind)."""

STATUS_LABELS = {code: label for label, code in STATUSES.items()}

# -- countries: ISO code, weight (≈ records per 12,000), embassy city, name family -------

_COUNTRY_TABLE = """
ML 1100 Bamako sahel|BF 1000 Ouagadougou sahel|SN 900 Dakar sahel|MG 700 Tananarive malagasy
MA 550 Rabat maghreb|BJ 450 Cotonou sahel|TN 400 Tunis maghreb|NE 350 Niamey sahel
CM 300 Yaoundé sahel|CN 300 Pékin chinese|DE 300 Berlin germanic|TG 280 Lomé sahel
VN 250 Hanoï viet|LB 220 Beyrouth levant|RO 220 Bucarest romanian|HT 200 Port-au-Prince franco
PS 200 Jérusalem levant|PL 200 Varsovie slavic|IT 200 Rome italian|MR 200 Nouakchott maghreb
CA 200 Ottawa franco|GN 180 Conakry sahel|CI 180 Abidjan sahel|ES 150 Madrid hispanic
BR 150 Brasilia lusophone|DZ 150 Alger maghreb|JP 150 Tokyo japanese|GB 120 Londres anglo
AM 120 Erevan armenian|US 120 Washington anglo|RU 100 Moscou slavic|KH 100 Phnom-Penh seasia
CL 80 Santiago hispanic|UA 80 Kiev slavic|AR 70 Buenos-Aires hispanic|IN 70 New-Delhi southasia
LA 70 Vientiane seasia|CD 60 Kinshasa bantu|TD 60 N'Djamena sahel|MD 60 Chisinau romanian
KM 60 Moroni bantu|BE 60 Bruxelles franco|HU 60 Budapest hungarian|CZ 60 Prague slavic
CG 50 Brazzaville bantu|MX 50 Mexico hispanic|PT 50 Lisbonne lusophone|CO 40 Bogota hispanic
PE 40 Lima hispanic|BO 40 La-Paz hispanic|NI 40 Managua hispanic|CU 40 La-Havane hispanic
CV 40 Praia lusophone|ZA 40 Pretoria bantu|IL 40 Tel-Aviv levant|CH 40 Berne franco
BG 40 Sofia slavic|GA 30 Libreville bantu|MZ 30 Maputo lusophone|GH 30 Accra sahel
EG 30 Le-Caire levant|TR 30 Ankara turkic|GE 30 Tbilissi armenian|KR 30 Séoul korean
BI 25 Bujumbura bantu|JO 25 Amman levant|CF 20 Bangui sahel|ET 20 Addis-Abeba bantu
RW 20 Kigali bantu|GM 20 Banjul sahel|GW 20 Bissau lusophone|TH 20 Bangkok seasia
EC 20 Quito hispanic|GT 20 Guatemala hispanic|NL 20 La-Haye germanic|GR 20 Athènes greek
SK 20 Bratislava slavic|RS 20 Belgrade slavic|BA 20 Sarajevo slavic|SV 15 San-Salvador hispanic
DJ 15 Djibouti bantu|KE 15 Nairobi bantu|TZ 15 Dar-es-Salaam bantu|NG 15 Abuja sahel
UZ 15 Tachkent turkic|ID 15 Jakarta seasia|HR 15 Zagreb slavic|AL 15 Tirana slavic
LT 15 Vilnius nordic|SE 15 Stockholm nordic|IE 15 Dublin anglo|AT 15 Vienne germanic
NP 15 Katmandou southasia|VU 15 Port-Vila franco|UG 10 Kampala bantu|SL 10 Freetown sahel
NA 10 Windhoek bantu|AO 10 Luanda lusophone|SY 10 Damas levant|AZ 10 Bakou turkic
KZ 10 Astana turkic|MN 10 Oulan-Bator turkic|PH 10 Manille seasia|HN 10 Tegucigalpa hispanic
DO 10 Saint-Domingue hispanic|UY 10 Montevideo hispanic|PY 10 Asuncion hispanic
CR 10 San-José hispanic|LU 10 Luxembourg franco|SI 10 Ljubljana slavic|MK 10 Skopje slavic
LV 10 Riga nordic|EE 10 Tallinn nordic|FI 10 Helsinki nordic|NO 10 Oslo nordic
DK 10 Copenhague nordic|IQ 10 Bagdad levant|AF 10 Kaboul southasia|BD 10 Dacca southasia
LK 10 Colombo southasia|MM 10 Rangoun seasia|AU 10 Canberra anglo|MU 10 Port-Louis franco
XK 10 Pristina slavic|LR 5 Monrovia sahel|LY 2 Tripoli maghreb|MY 5 Kuala-Lumpur seasia
VE 2 Caracas hispanic|PA 2 Panama hispanic|BY 2 Minsk slavic|AE 2 Abou-Dabi levant
IR 2 Téhéran turkic|PK 2 Islamabad southasia|NZ 5 Wellington anglo|SC 5 Victoria franco
ZW 2 Harare bantu|ZM 2 Lusaka bantu|MW 2 Lilongwe bantu|ST 5 Sao-Tomé lusophone
GQ 5 Malabo bantu|CY 5 Nicosie greek|MT 5 La-Valette italian|TJ 5 Douchanbé turkic
ME 5 Podgorica slavic|QA 1 Doha levant|SA 1 Riyad levant|FJ 1 Suva anglo|BW 1 Gaborone bantu
LS 1 Maseru bantu|IS 1 Reykjavik nordic|KG 1 Bichkek turkic|MC 1 Monaco franco
AD 1 Andorre-la-Vieille hispanic
"""
# Embassy cities whose name has spaces are written with "-" above; these keep the spaces.
_CITY_SPACES = {"Buenos-Aires", "New-Delhi", "La-Paz", "La-Havane", "Le-Caire", "Tel-Aviv",
                "San-Salvador", "Dar-es-Salaam", "Kuala-Lumpur", "Abou-Dabi", "San-José",
                "Phnom-Penh", "La-Haye", "La-Valette", "Sao-Tomé"}  # fmt: skip


@dataclass(frozen=True)
class _Country:
    alpha2: str
    label: str
    weight: float
    city: str
    family: str


def _country_table() -> list[_Country]:
    out = []
    for item in _COUNTRY_TABLE.replace("\n", "|").split("|"):
        if not item.strip():
            continue
        code, weight, city, family = item.split()
        country = _countries.by_code(code)
        if country is None:  # a table error: fail loudly in the tests, not silently
            raise ConfigError("country", code, "an ISO code known to atlas_kg.countries")
        if city in _CITY_SPACES:
            city = city.replace("-", " ")
        out.append(_Country(code, country.label_fr, float(weight), city, family))
    return out


# -- foreign names: syllables per language family, prefixes per country --------------------

_FAMILIES: dict[str, tuple[str, str, str]] = {
    # starts | middles | ends (space-separated; "_" = empty; a start ending with "+" takes a
    # second capitalised word instead of a suffix)
    "sahel": (
        "Ba Bou Da Dia Dou Ga Go Ka Ki Kou Ma Mou Na Ndi Ni Ou Sa Si So Ta Ti To Wa Ya Za Fa "
        "Fo Ké Lé Mé Sé Dé Gou Kan Bam San Ndé Tam Bor Dji Kar Sin Tou Nia Ko Bé Sou Tié Gan",
        "ba bou da dia dou ga go ka ki kou ma mou na ni ra ri sa si so ta ti to ya la lé né ré "
        "mé ssa nda ngo ssé gui fa",
        "_ ko ba ga na ra la dougou bougou dé bé ni ré go gou sso rou ya kro ta ma kana gué",
    ),
    "malagasy": (
        "Ambo Amba Ambato Anta Anka Antsi Ando Ambi Fiana Mahi Mana Mora Ambala Tsara Ivo Ala "
        "Vato Ampa Anja Ambohi Ano Mahaja Soa Ambatoa Andra Ifa",
        "na ra tsi va ka ho mi zo ri fa tra mpa ndri la ma so vo dro nda nta lo",
        "na ra ka tra vo ny ry be kely ndry hy fy sy dro tsy mena",
    ),
    "maghreb": (
        "Aït+ Sidi+ Oued+ Ben+ Bir+ Aïn+ Dar+ Ksar+ Tam Ouar Zag Ta Bou Ma Ra Kha Ze Ha Me Kai "
        "Nab Sfa Gab Mah Tat Tiz Bej Kel Sou Moul Ghar Jer",
        "ra ba za ou ka ti ne lal mes ker dou zi ga na ra",
        "ine ane ette a i ouine t ia ssa dir ghar ba lia ous jane mine rit",
    ),
    "levant": (
        "Beit+ Deir+ Kafr+ Ain+ Tell+ Jabal+ Bani+ Ras+ Sa Ja Ba Ha Ma Ra Ka Na Za Ta Qa Jez Bat",
        "ha ja ba fa ra ma na ka sa ta",
        "hour jjar ra mra rqa lil bra yyeh ssa dal naq zine roun lit",
    ),
    "viet": (
        "Hai Thua Quang Binh Thanh Ninh Lao Dong Bac Son Tay Vinh Hung Long Ha Ben Kon Dak Phu "
        "Ca Cao Lang Tuyen Yen Nghe Tra Soc Kien Hau",
        "_",
        "Duong Thien Nam Dinh Hoa Cai Thap Giang Phuc Yen An Tinh Tre Tum Lak Tho Mau Bang Son "
        "Quang Vinh Trang Vang",
    ),
    "chinese": (
        "Wu Cheng Xi Nan Jing Hang Su Guang Shen Chang Qing Tian He Kun Gui Lan Tai Da Lian Ha "
        "Luo Shan Yi Zhen Fu Xia Ning Bao",
        "_",
        "han du an jing zhou ning yang sha dao jin fei ming men bin yuan lian yun xi chang",
    ),
    "germanic": (
        "Wetz Lud Fried Karls Mar Hei Ober Unter Neu Alt Rosen Linden Schön Wald Stein Hoch Würz "
        "Mein Eich Hamm Kirch Mühl Wies Grün Sonne Elster Ahr Tüb Esch Mett",
        "en er el in",
        "burg heim stadt dorf hausen bach berg feld au lar ingen rode tal kirchen hofen see",
    ),
    "slavic": (
        "Kra Wro Pozn Ost Bia Zam Lub Rad Sło Kiel Tar Pra Ol Kos Nov Vol Kam Zel Bel Dob Pod "
        "Cher Vin Kolo Lvi Zhy Sum Pere Bor Mil Kru",
        "ko no la ra zi lo ve si ro mi ne",
        "ów ice owo sk ec in grad ov ovo ica any nik ino ets ivka opol ac",
    ),
    "romanian": (
        "Bra Cra Tim Sib Buz Pit Ora Dej Tur Vas Gal Foc Cal Bis Sla Târ Roș Câmp Mio Med Alba+",
        "la ra si ve te",
        "ov iova ișoara iu eni ești ăuți ani ia ulung ina iți oara",
    ),
    "italian": (
        "Ca Ro Fi Mon Sa Ve Bo Pe Ter Gro Luc Sien Mar Pia Cas Vil Ser Alb Fos Tor San+",
        "ta sa le ri no ve ra gna ci",
        "no na ra ia ello ano ino ate ento ola ore ese ona",
    ),
    "greek": (
        "Thes Pat Ioan Kala Lar Vol Kav Ser Dra Kom Xan Tri Ler Lim",
        "sa ra ni ma la",
        "ki ra nina mata issa os ala ini ada",
    ),
    "hungarian": (
        "Deb Sze Kecs Nyír Mis Szom Győ Ba Eger Pa Kapos Vesz Hód Sop",
        "re ke e ó",
        "cen ged kemét háza kolc bathely r ja vár pa mező ron",
    ),
    "nordic": (
        "Sund Ås Tamp Oul Lin Väs Norr Jyv Kuo Tart Pär Haap Ros Od Kau Šiau Jel Vent",
        "_",
        "sval by ere u köping äskylä pio tu nu salu kilde borg vik ense nas liai gava spils",
    ),
    "hispanic": (
        "San+ Santa+ Villa Puerto+ Cór Gra Mu Sal Tol Bar Mon Zar Cuen Alca Tari Pal Ca Co Tu "
        "Chi Hua Que Yu Ma Coca Tla Ayo Cusi Poto",
        "ra do lla na ta ca go ma cho que",
        "ga da lla na co tepec mba ya ra ro nas te ta ena ejo pampa",
    ),
    "lusophone": (
        "São+ Santa+ Porto+ Vila+ Rio+ Mon Bra Coim Gui Ave Fei Sal Ita Curi Bel Para Jua Ara "
        "Tere Cam Chi Inha",
        "ra ma ti ci do li na pi",
        "ga ra eiro ópolis inha ão al ba ense to ina ás aba mane",
    ),
    "anglo": (
        "Ash Brad Chel Dun East Glou Har King Lan Mid North Ox Ports Red Shef South Tun West "
        "York Bright Wind Stan Car Lei New",
        "_",
        "ford ton field borough bury ham ley mouth wick stone bridge dale port chester land wood",
    ),
    "japanese": (
        "Ka Ki Ku Ko Sa Shi Su Ta Na No Mi Ya Ma To Ri Wa Ha Hi Fu O I Se Tsu",
        "ka ki ku ko sa shi su ta na no mi ya ma to ri wa ha",
        "ta ma gawa yama saki shima hara no da ki sawa oka",
    ),
    "korean": (
        "Seo Dae Gwang Jeon Bu Ul Su In Cheon Gyeong Ju Chang Won Pyeong Gang Mok Po An Yang Hwa",
        "_",
        "san ju won cheon do gu nam buk pyeong seong dong",
    ),
    "turkic": (
        "Ak Kara Sar Tash Bukh Sam Nam Fer Ur Ar Bat Tel Ziv Er Kon Shym Nav Kho Darkh Gan",
        "ka ra ta ma li gan zi do",
        "kent abad an ara isi ri tepe ik ash ul ur li zan gah",
    ),
    "armenian": (
        "Gyum Van Dil Goris Ijev Sev Kap Ash Art Ararat Zugd Kut Gor Tel",
        "a i e",
        "ri adzor ijan an avan ashen ik vank berd ani ari idi",
    ),
    "southasia": (
        "Pu Ko Ban Chan Hy Jai Luck Ma Na Pa Ra Sri Ka Bha Go Dha Pok Bir Bhak Kan Kalu",
        "ra di la ga ya na ma ta",
        "pur bad nagar garh pura ganj kot tan pore gama hara tara",
    ),
    "seasia": (
        "Luang Savan Siem Kam Nong Bat Mandal Su Ja Ban Chiang Svay Kra Pur Takeo Kampot Xieng",
        "_",
        "pong bang nakhet reap cham tambang khai rieng tie sat mai khouang dalay baya",
    ),
    "bantu": (
        "Ki Mu Nya Bu Ka Ma Ngo Ru Gi Lu Mbo Ba Ko Li Mwa Tsho Bi Mi Ntsa Fo",
        "ga li la ra za mba nyi ku si ta ngo be",
        "ni li ra la ma nga ndi mbe gu za ko ri ti ga ndu",
    ),
    "franco": (
        "Saint+ Sainte+ Petit+ Grand+ Port+ Mont+ Belle+ Fort+ Val+ Trois+ Cap+ L'Anse+ Anse+",
        "_",
        "Marc Louis Goâve Rivières Bois Plaine Lac Pierre Jérémie Michel Laurent Côte Fonds Croix "
        "Étienne Rose Morin Georges Jean Hainaut Vaudreuil Ours Bourg Plateau",
    ),
}
_FAMILY_CACHE: dict[str, tuple[list[str], list[str], list[str]]] = {
    name: tuple(  # type: ignore[misc]
        [w.replace("_", "") for w in part.split()] for part in parts
    )
    for name, parts in _FAMILIES.items()
}

# Derived names per family, used once a country's simple names run out (beyond ~20,000
# records): {n} a simple name of the family, {m} a second one, {w} a final word of the family
# (franco, viet), {low} the simple name in lower case (agglutinated, as in "Nagykanizsa").
# As real collectivity names: a part or a newer settlement of a place (Saint-Louis-du-Nord,
# Beit Ur al-Fauqa, Ambohimanga Atsimo), or two places joined (Bobo-Dioulasso).
_COMPOUNDS: dict[str, tuple[str, ...]] = {
    "sahel": ("{n}-Nord", "{n}-Sud", "{n}-Est", "{n}-Ouest", "{n}-Centre", "{n}-Coura",
              "{n}-{m}"),
    "malagasy": ("{n} Avaratra", "{n} Atsimo", "{n} Atsinanana", "{n} Andrefana",
                 "{n} Renivohitra"),
    "maghreb": ("{n} El Kebir", "{n} Sghir", "{n} Jdid", "Ouled {n}", "Hay {n}"),
    "levant": ("{n} al-Fauqa", "{n} al-Tahta", "{n} al-Jadida", "{n} al-Sharqiya",
               "{n} al-Gharbiya"),
    "viet": ("Bac {n}", "Nam {n}", "{n} {w}", "{n}-{m}"),
    "chinese": ("{n} Xinqu", "{n} Kaifaqu", "{n} Xian", "Xin{low}", "Dong{low}", "Bei{low}"),
    "germanic": ("Bad {n}", "Groß-{n}", "Klein-{n}", "{n}-{m}"),
    "slavic": ("Nowy {n}", "Stary {n}", "Novi {n}", "{n}-{m}"),
    "romanian": ("{n} de Jos", "{n} de Sus", "Târgu {n}", "{n}-{m}"),
    "italian": ("{n} di Sopra", "{n} di Sotto", "{n} Marittima", "{n} Terme", "Borgo {n}",
                "Castel {n}"),
    "greek": ("Nea {n}", "Ano {n}", "Kato {n}", "Palaio {n}"),
    "hungarian": ("Nagy{low}", "Kis{low}", "Felső{low}", "Alsó{low}"),
    "nordic": ("Nord-{n}", "Sør-{n}", "Øvre {n}", "Nedre {n}", "Norra {n}", "Södra {n}"),
    "hispanic": ("{n} de Arriba", "{n} de Abajo", "{n} del Valle", "{n} del Río"),
    "lusophone": ("{n} do Sul", "{n} do Norte", "{n} de Cima", "{n} de Baixo"),
    "anglo": ("Upper {n}", "Lower {n}", "Great {n}", "Little {n}", "{n}-on-Sea"),
    "japanese": ("Higashi{low}", "Nishi{low}", "Kita{low}", "Minami{low}"),
    "korean": ("Nam{low}", "Buk{low}", "Dong{low}", "{n}-gun"),
    "turkic": ("Yangi{low}", "Yeni{low}", "Eski{low}", "{n}-{m}"),
    "armenian": ("Nor {n}", "Verin {n}", "Nerkin {n}", "Mets {n}", "Pokr {n}"),
    "southasia": ("{n} Kalan", "{n} Khurd", "{n} Bazar", "Naya {n}"),
    "seasia": ("Muang {n}", "Krong {n}", "Srok {n}", "{n} Nua", "{n} Tai"),
    "bantu": ("{n} Kaskazini", "{n} Kusini", "{n} Mashariki", "{n} Magharibi", "{n}-{m}"),
    "franco": ("{n}-du-Nord", "{n}-du-Sud", "{n}-de-l'Est", "{n}-de-l'Ouest", "{n}-de-{w}"),
}  # fmt: skip
COMPOUND_ATTEMPTS = 1000
"""Draws of a derived name before a country's names count as exhausted (at 60,000 records,
seeds 1–3, a derived name takes at most a handful of draws)."""

# Prefix formats per country ({n} = the base name, weights as integers); default below.
_PREFIXES: dict[str, list[tuple[str, int]]] = {
    "ML": [
        ("Commune de {n}", 5),
        ("Commune rurale de {n}", 3),
        ("Cercle de {n}", 2),
        ("Conseil de cercle de {n}", 1),
        ("Région de {n}", 1),
        ("{n}", 2),
    ],
    "BF": [
        ("Commune de {n}", 5),
        ("Commune rurale de {n}", 3),
        ("Commune urbaine de {n}", 1),
        ("Région de {n}", 1),
        ("{n}", 2),
    ],
    "SN": [
        ("Commune de {n}", 4),
        ("Communauté rurale de {n}", 3),
        ("Département de {n}", 1),
        ("Région de {n}", 1),
        ("Ville de {n}", 1),
        ("{n}", 2),
    ],
    "NE": [
        ("Commune de {n}", 4),
        ("Commune rurale de {n}", 3),
        ("Commune urbaine de {n}", 1),
        ("Région de {n}", 1),
        ("{n}", 2),
    ],
    "MG": [
        ("Commune de {n}", 3),
        ("Commune rurale de {n}", 3),
        ("Commune urbaine de {n}", 2),
        ("Région {n}", 2),
        ("{n}", 1),
    ],
    "MA": [
        ("Commune de {n}", 4),
        ("Commune urbaine de {n}", 2),
        ("Commune rurale de {n}", 2),
        ("Région de {n}", 1),
        ("Province de {n}", 1),
        ("{n}", 1),
    ],
    "TN": [
        ("Municipalité de {n}", 4),
        ("Commune de {n}", 2),
        ("Gouvernorat de {n}", 1),
        ("{n}", 1),
    ],
    "DZ": [("Wilaya de {n}", 2), ("APC de {n}", 1), ("Commune de {n}", 3), ("{n}", 1)],
    "LB": [("Municipalité de {n}", 4), ("Fédération des municipalités de {n}", 2), ("{n}", 1)],
    "PS": [
        ("Municipalité de {n}", 4),
        ("Conseil villageois de {n}", 1),
        ("Ville de {n}", 1),
        ("{n}", 1),
    ],
    "VN": [
        ("Province de {n}", 3),
        ("Comité populaire de la province de {n}", 1),
        ("Ville de {n}", 2),
        ("District de {n}", 1),
    ],
    "CN": [("Ville de {n}", 4), ("Province du {n}", 1), ("Municipalité de {n}", 1)],
    "DE": [
        ("Ville de {n}", 2),
        ("Stadt {n}", 2),
        ("Landkreis {n}", 1),
        ("Gemeinde {n}", 1),
        ("{n}", 3),
    ],
    "AT": [("Ville de {n}", 2), ("Stadt {n}", 2), ("Gemeinde {n}", 1), ("{n}", 3)],
    "PL": [("Gmina {n}", 2), ("Powiat {n}", 1), ("Ville de {n}", 2), ("{n}", 2)],
    "RO": [("Commune de {n}", 3), ("Municipiul {n}", 1), ("Ville de {n}", 2), ("Judet de {n}", 1)],
    "MD": [("Commune de {n}", 3), ("Ville de {n}", 2), ("Raion de {n}", 1)],
    "IT": [("Comune di {n}", 4), ("Provincia di {n}", 1), ("Ville de {n}", 1), ("{n}", 2)],
    "ES": [("Ayuntamiento de {n}", 3), ("Diputación de {n}", 1), ("Ville de {n}", 1), ("{n}", 2)],
    "BO": [("Gobierno Autónomo Municipal de {n}", 2), ("Municipio de {n}", 2), ("{n}", 1)],
    "BR": [("Prefeitura de {n}", 3), ("Município de {n}", 2), ("Ville de {n}", 1), ("{n}", 2)],
    "PT": [("Câmara Municipal de {n}", 3), ("Município de {n}", 1), ("{n}", 2)],
    "CV": [("Câmara Municipal de {n}", 2), ("Município de {n}", 2), ("Commune de {n}", 1)],
    "GB": [("{n} City Council", 2), ("{n} County Council", 1), ("City of {n}", 1), ("{n}", 2)],
    "US": [("City of {n}", 3), ("County of {n}", 1), ("{n}", 2)],
    "IE": [("{n} County Council", 2), ("{n} City Council", 1), ("{n}", 1)],
    "CA": [("Ville de {n}", 3), ("MRC de {n}", 1), ("Municipalité de {n}", 2), ("{n}", 2)],
    "HT": [("Commune de {n}", 4), ("Mairie de {n}", 1), ("Ville de {n}", 1), ("{n}", 1)],
    "BE": [("Commune de {n}", 2), ("Ville de {n}", 2), ("Province de {n}", 1), ("{n}", 2)],
    "CH": [("Commune de {n}", 2), ("Ville de {n}", 2), ("Canton de {n}", 1), ("{n}", 2)],
    "JP": [("Ville de {n}", 4), ("Préfecture de {n}", 1), ("Bourg de {n}", 1)],
    "KR": [("Ville de {n}", 3), ("Province de {n}", 1)],
    "CD": [
        ("Ville de {n}", 2),
        ("Commune de {n}", 3),
        ("Territoire de {n}", 1),
        ("Province de {n}", 1),
    ],
    "RW": [("District de {n}", 4), ("Ville de {n}", 1)],
    "BI": [("Commune de {n}", 4), ("Province de {n}", 1)],
    "GH": [("{n} District Assembly", 3), ("{n} Municipal Assembly", 1), ("{n}", 1)],
    "NG": [("{n} Local Government", 3), ("{n}", 1)],
    "KE": [("{n} County", 2), ("{n} Municipal Council", 2), ("{n}", 1)],
    "TZ": [("{n} District Council", 2), ("{n} Municipal Council", 2), ("{n}", 1)],
    "AM": [("Communauté de {n}", 2), ("Ville de {n}", 2), ("Marz de {n}", 1), ("{n}", 1)],
    "KH": [("Province de {n}", 3), ("District de {n}", 1), ("Ville de {n}", 1)],
    "LA": [("Province de {n}", 3), ("District de {n}", 2), ("Ville de {n}", 1)],
}
_DEFAULT_PREFIXES = [
    ("Commune de {n}", 3),
    ("Ville de {n}", 2),
    ("Municipalité de {n}", 2),
    ("{n}", 3),
]

_VOWELS = "AEIOUYÉÈÊÂÎÔÀaeiouyéèêâîôàH"

# -- people ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_FR_FIRST = _words(
    "Julie Laurent Marion Pascal Aurélie Pierre Antoine Gilles Sophie Nicolas Claire Thomas "
    "Isabelle Philippe Anne Olivier Catherine Jérôme Nathalie Frédéric Hélène Christophe Caroline "
    "Sébastien Élodie Vincent Céline Guillaume Camille Stéphane Agnès Benoît Delphine François "
    "Valérie Emmanuel Florence Arnaud Sandrine Mathieu Cécile Jean-Michel Marie-Hélène "
    "Jean-Paul Anne-Sophie Pierre-Yves Marie-Claire Jean-Luc Françoise Sherazade Nils Clarisse"
)
_FR_LAST = _words(
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Andre Mercier "
    "Dupont Lambert Bonnet Francois Martinez Legrand Garnier Faure Rousseau Blanc Guerin Muller "
    "Henry Roussel Nicolas Perrin Morin Mathieu Clement Gauthier Dumont Lopez Fontaine Chevalier "
    "Robin Masson Sanchez Gerard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy "
    "Noel Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie Barbier Brun Dumas "
    "Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud "
    "Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard Philippe Lacroix Camy Gianviti "
    "Anvroin Barbot Danieli Ganivet Boudou Marchadour Herlem-Hamidi Coulon-Lascaux Filiu-Derleth"
)
_LOCAL_NAMES: dict[str, tuple[str, str]] = {
    "sahel": (
        "Mamadou Aminata Ousmane Fatoumata Ibrahim Moussa Adama Awa Seydou Boubacar Mariam Issa "
        "Salif Kadiatou Abdoulaye Ramatou Souleymane Aïssata Idrissa Oumou Lassina Djénéba",
        "TRAORE DIALLO COULIBALY KEITA OUEDRAOGO SAWADOGO NDIAYE DIOP SOW BA KONATE CAMARA "
        "KABORE ZONGO SANOGO Diarra Touré Cissé Ndour Faye Kone N'DIAYE Sylla Sidibé Maïga",
    ),
    "malagasy": (
        "Hery Voahangy Rivo Lalao Tiana Nirina Haja Fanja Mamy Soa Tojo Hanta",
        "RAKOTO RANDRIA RASOA RAZAFY ANDRIAMBOLOLONA Rakotomalala Randrianarisoa Rasolofo "
        "Razafindrakoto Andrianaivo",
    ),
    "arabic": (
        "Mohamed Fatima Youssef Khadija Ahmed Leila Karim Samira Hassan Nadia Omar Amina Rachid",
        "BENALI BENNANI ALAOUI TAZI CHRAIBI BELHAJ TRABELSI Ben-Salah Haddad Khoury Nassar "
        "Mansour Saleh Jaber Hamdan",
    ),
    "latin": (
        "José María Juan Ana Carlos Lucía Pedro Carmen Luis Rosa Paulo Joana Marco Giulia",
        "GARCIA PEREZ LOPEZ SILVA SANTOS Rossi Ferreira Fernández González Oliveira Bianchi "
        "Rodríguez Costa",
    ),
    "other": (
        "Anna Peter Maria Jan Eva Thomas Katarina Andrei Elena Ivan Olga Hans Ingrid Minh Lan "
        "Wei Yuki Hiroshi Sergei Irina",
        "MULLER NOWAK POPESCU IVANOV NGUYEN WANG TANAKA Schmidt Kowalski Ionescu Petrov Tran Li "
        "Sato Horvath Novak",
    ),
}
_LOCAL_BY_FAMILY = {
    "sahel": "sahel", "bantu": "sahel", "malagasy": "malagasy", "maghreb": "arabic",
    "levant": "arabic", "hispanic": "latin", "lusophone": "latin", "italian": "latin",
    "franco": "latin",
}  # fmt: skip
_FUNCTIONS = (
    "Maire", "Adjoint au maire", "Premier adjoint", "Secrétaire général",
    "Chargé de la coopération", "Président du conseil de cercle", "Président",
    "Directeur des services techniques", "Responsable des relations internationales",
    "Coordinateur du jumelage", "Président du comité de jumelage", "Agent de développement local",
)  # fmt: skip

# -- themes, texts -------------------------------------------------------------------------

SDG_LABELS = {
    1: "Pas de pauvreté",
    2: "Faim « zéro »",
    3: "Bonne santé et bien-être",
    4: "Éducation de qualité",
    5: "Égalité entre les sexes",
    6: "Eau propre et assainissement",
    7: "Énergie propre et d’un coût abordable",
    8: "Travail décent et croissance économique",
    9: "Industrie, innovation et infrastructure",
    10: "Inégalités réduites",
    11: "Villes et communautés durables",
    12: "Consommation et production responsables",
    13: "Mesures relatives à la lutte contre le changement climatique",
    14: "Vie aquatique",
    15: "Vie terrestre",
    16: "Paix, justice et institutions efficaces",
    17: "Partenariats pour la réalisation des objectifs",
}
"""The 17 UN goals as the Atlas labels them (French, as on the 2022+ pages)."""

_TOPICS: dict[str, tuple[str, ...]] = {
    "Eau et déchets": (
        "l’accès à l’eau potable",
        "l’assainissement",
        "l’adduction d’eau potable",
        "la gestion des déchets",
        "la gestion du service de l’eau",
    ),
    "Agriculture et développement rural": (
        "la sécurité alimentaire",
        "les filières agricoles",
        "le maraîchage",
        "l’élevage",
        "les jardins partagés",
    ),
    "Gouvernance locale et appui institutionnel": (
        "la gouvernance locale",
        "la maîtrise d’ouvrage communale",
        "l’état civil",
        "les finances locales",
    ),
    "Education, emploi, formation professionnelle": (
        "l’éducation de base",
        "la formation professionnelle des jeunes",
        "les bibliothèques scolaires",
    ),
    "Santé": ("l’accès aux soins", "les centres de santé communautaires", "la santé maternelle"),
    "Energie": ("les énergies renouvelables", "l’électrification rurale solaire"),
    "Culture": ("les échanges culturels", "la lecture publique", "les échanges artistiques"),
    "Patrimoine": ("la valorisation du patrimoine", "la sauvegarde du patrimoine bâti"),
    "Tourisme": ("le tourisme solidaire", "l’accueil touristique villageois"),
    "Technologies de l'information et de la communication": (
        "la solidarité numérique",
        "l’accès à internet",
    ),
    "Jeunesse & genre": (
        "la mobilité des jeunes",
        "l’engagement des jeunes",
        "l’égalité femmes-hommes",
    ),
    "Humanitaire": ("la reconstruction", "l’aide d’urgence aux populations"),
    "Climat": ("l’adaptation au changement climatique", "la lutte contre la désertification"),
}
_DEFAULT_TOPICS = ("le développement local", "les échanges entre les deux territoires",
                   "le renforcement des capacités locales")  # fmt: skip
_FORMS = (("Projet de coopération décentralisée", 14), ("Jumelage-coopération", 2),
          ("Convention de coopération décentralisée", 2), ("Programme pluriannuel", 1),
          ("Action ponctuelle", 1))  # fmt: skip
_NGOS = (
    "GRET", "Eau Vive Internationale", "Experts-Solidaires", "Aquassistance",
    "Cités Unies France", "Électriciens sans frontières", "Agronomes et Vétérinaires sans frontières",
    "Enfants du Monde", "Secours populaire français", "Partenariat", "ACTED", "Initiative Développement",
)  # fmt: skip
_WATER_AGENCIES = {
    "11": "Seine-Normandie", "28": "Seine-Normandie", "24": "Loire-Bretagne",
    "52": "Loire-Bretagne", "53": "Loire-Bretagne", "75": "Adour-Garonne",
    "76": "Adour-Garonne", "27": "Rhône Méditerranée Corse", "84": "Rhône Méditerranée Corse",
    "93": "Rhône Méditerranée Corse", "94": "Rhône Méditerranée Corse", "32": "Artois-Picardie",
    "44": "Rhin-Meuse",
}  # fmt: skip
_OTHER_FUNDERS = ("Union européenne", "Agence française de développement", "AFD", "SEDIF",
                  "Syndicat des eaux d'Île-de-France", "SIAAP", "Fondation de France")  # fmt: skip


def _ministry(year: int, rng: random.Random) -> str:
    """The Ministry of Foreign Affairs under the name it had that year (or its acronym)."""
    if year < 2007:
        names = ("Ministère des Affaires étrangères", "MAE")
    elif year < 2012:
        names = ("Ministère des Affaires étrangères et européennes", "MAEE")
    elif year < 2014:
        names = ("Ministère des Affaires étrangères", "MAE")
    elif year < 2017:
        names = ("Ministère des Affaires étrangères et du Développement international", "MAEDI")
    else:
        names = ("Ministère de l'Europe et des Affaires étrangères", "MEAE")
    return names[0] if rng.random() < 0.75 else names[1]


# -- small helpers -----------------------------------------------------------------------


def _ascii(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in bare if not unicodedata.combining(ch) and ch.isascii())


def _email_part(text: str) -> str:
    return _ascii(text).lower().replace(" ", "-").replace("'", "").replace("’", "")


def _of(prefix_fmt: str, base: str) -> str:
    """Apply a prefix format with French elision (``Commune de Aït…`` → ``Commune d'Aït…``)."""
    if " de {n}" in prefix_fmt and base[:1] in _VOWELS:
        return prefix_fmt.replace(" de {n}", " d'{n}").format(n=base)
    if " du {n}" in prefix_fmt and base[:1] in _VOWELS:
        return prefix_fmt.replace(" du {n}", " de l'{n}").format(n=base)
    return prefix_fmt.format(n=base)


def _weighted(rng: random.Random, items: Sequence[tuple[T, float]]) -> T:
    """One item, drawn in proportion to its weight."""
    total = sum(w for _, w in items)
    x = rng.random() * total
    for item, w in items:
        x -= w
        if x < 0:
            return item
    return items[-1][0]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Urn:
    """Yule–Simon reuse: ``pick`` returns an existing item in proportion to its uses."""

    def __init__(self) -> None:
        self.draws: list[int] = []

    def pick(self, rng: random.Random) -> int:
        return self.draws[int(rng.random() * len(self.draws))]

    def add(self, item: int) -> None:
        self.draws.append(item)


# -- entities ------------------------------------------------------------------------------


@dataclass
class _French:
    kind: str  # commune | departement | region | epci
    code: str
    name: str
    tncc: int | None
    region: str | None
    style: str
    countries: list[str] = field(default_factory=list)


@dataclass
class _Foreign:
    base: str
    prefix: str
    country: str
    name: str


@dataclass
class _Relationship:
    french: int
    foreign: int


@dataclass
class SynthSummary:
    """What ``write_atlas`` wrote, with the realism figures of the generated records."""

    out_dir: str
    records: int
    render: str
    seconds: float
    styles: dict[str, int]
    countries: int
    french_collectivities: int
    foreign_collectivities: int
    anomalies: dict[str, int]

    def line(self) -> str:
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        anomalies = ", ".join(f"{k} {v}" for k, v in sorted(self.anomalies.items())) or "none"
        return (
            f"{self.records} pages ({', '.join(f'{k} {v}' for k, v in sorted(self.styles.items()))}) "
            f"+ truth.jsonl in {self.out_dir} in {self.seconds:.1f}s ({rate:,.0f} pages/s); "
            f"{self.countries} countries, {self.french_collectivities} French and "
            f"{self.foreign_collectivities} foreign collectivities; anomalies: {anomalies}"
        )


@dataclass
class SynthPage:
    """One generated record, the noise its page carries, and anomaly tags (for counting)."""

    record: Record
    noise: RenderNoise | None
    anomalies: list[str]


class _Generator:
    def __init__(self, n: int, seed: int) -> None:
        if n < 0:
            raise ConfigError("records", n, "a number >= 0")
        self.n, self.seed = n, seed
        self.rng = random.Random(seed)
        self.countries = _country_table()
        self.by_code = {c.alpha2: c for c in self.countries}
        self.country_cum = list(_cumulate(c.weight for c in self.countries))
        self._french_candidates()
        self.french: list[_French] = []
        self.french_index: dict[tuple[str, str], int] = {}
        self.foreign: list[_Foreign] = []
        self.foreign_urns: dict[str, _Urn] = {}
        self.foreign_names: dict[str, set[str]] = {}
        self.relationships: list[_Relationship] = []
        self.rel_urn = _Urn()
        self.history: list[Record] = []
        self.staff: dict[tuple[str, int], list[tuple[str, str] | None]] = {}
        self.french_keys = {
            _countries.normalize(c.name) for c in gazetteer.communes() if c.is_current
        }
        tax = taxonomy()
        self.theme_paths: list[tuple[str, str | None, str | None]] = []
        self.other_rows: list[tuple[str, str, str | None]] = []
        for top in tax.top():
            self.theme_paths.append((top.label_fr, None, None))
            for sub in tax.children(top.iri):
                self.theme_paths.append((top.label_fr, sub.label_fr, None))
                self.other_rows.append((top.label_fr, sub.label_fr, None))
                for leaf in tax.children(sub.iri):
                    self.theme_paths.append((top.label_fr, sub.label_fr, leaf.label_fr))
                    self.other_rows.append((top.label_fr, sub.label_fr, leaf.label_fr))
        self.ids = self._ids()

    # -- setup

    def _ids(self) -> list[int]:
        low, high = 2000, max(17000, 2000 + int(self.n * 1.25) + 1)
        return sorted(self.rng.sample(range(low, high), self.n))

    def _french_candidates(self) -> None:
        """The gazetteer's collectivities with the weights new French partners are drawn by."""
        cands: list[tuple[str, str, str, int | None, str | None, float]] = []
        kinds: dict[str, list[tuple[str, str, str, int | None, str | None, float]]] = {
            "region": [], "departement": [], "commune": [], "epci": []
        }  # fmt: skip
        for r in gazetteer.regions():
            if r.zone in ("metro", "drom"):
                kinds["region"].append(
                    ("region", r.code, r.name, r.tncc, r.code, (r.population / 5e6) ** 0.5)
                )
        for d in gazetteer.departements():
            if d.zone in ("metro", "drom"):
                kinds["departement"].append(
                    ("departement", d.code, d.name, d.tncc, d.region, (d.population / 6e5) ** 0.5)
                )
        for c in gazetteer.communes():
            if c.is_current and c.region and len(c.region) == 2 and c.population:
                kinds["commune"].append(
                    ("commune", c.code, c.name, c.tncc, c.region, c.population / 1000)
                )
        for e in gazetteer.epcis():
            if not e.name[-1].isdigit():
                kinds["epci"].append(
                    ("epci", e.siren, e.name, None, None, ((e.population or 1e4) / 1e5) ** 0.6)
                )
        for kind, items in kinds.items():
            total = sum(w for *_, w in items)
            cands.extend((*item[:5], FRENCH_SHARES[kind] * item[5] / total) for item in items)
        self.french_cands = cands
        self.french_cum = list(_cumulate(w for *_, w in cands))

    # -- drawing entities

    def _draw_country(self) -> str:
        x = self.rng.random() * self.country_cum[-1]
        return self.countries[bisect.bisect_right(self.country_cum, x)].alpha2

    def _draw_french(self) -> int:
        x = self.rng.random() * self.french_cum[-1]
        kind, code, name, tncc, region, _ = self.french_cands[
            bisect.bisect_right(self.french_cum, x)
        ]
        index = self.french_index.get((kind, code), -1)
        if index < 0:
            style = self._french_style(kind)
            name = " ".join(name.split())  # the source has a few double spaces
            self.french.append(_French(kind, code, name, tncc, region, style))
            index = len(self.french) - 1
            self.french_index[(kind, code)] = index
        return index

    def _french_style(self, kind: str) -> str:
        x = self.rng.random()
        if kind == "commune":
            return (
                "bare" if x < 0.8 else "ville" if x < 0.92 else "commune" if x < 0.97 else "mairie"
            )
        if kind == "departement":
            return "departement" if x < 0.65 else "conseil"
        if kind == "region":
            return "region" if x < 0.85 else "conseil"
        return "expanded" if x < 0.7 else "bare"

    def _draw_foreign(self, country: str) -> int:
        rng = self.rng
        urn = self.foreign_urns.setdefault(country, _Urn())
        if urn.draws and rng.random() >= NEW_FOREIGN:
            index = urn.pick(rng)
        else:
            index = self._new_foreign(country)
        urn.add(index)
        return index

    def _new_foreign(self, country: str) -> int:
        family = self.by_code[country].family
        for _ in range(50):
            index = self._add_foreign(country, self._base_name(family))
            if index is not None:
                return index
        # The simple names are (nearly) all taken. Only this path draws derived names, so
        # every size that never gets here keeps its records byte for byte.
        for _ in range(COMPOUND_ATTEMPTS):
            index = self._add_foreign(country, self._compound_name(family))
            if index is not None:
                return index
        taken = len(self.foreign_names[country])
        raise RuntimeError(
            f"no new foreign name found for {country}: its {taken} names use up the "
            f"{family!r} family ({COMPOUND_ATTEMPTS} derived names drawn, all taken or unfit); "
            "add syllables to _FAMILIES or forms to _COMPOUNDS"
        )

    def _add_foreign(self, country: str, base: str) -> int | None:
        """A new collectivity of ``country`` named ``base``; None when the name is not usable
        (too short, taken in the country, a French commune's, or read back otherwise)."""
        seen = self.foreign_names.setdefault(country, set())
        key = _countries.normalize(base)
        if len(key) < 4 or key in seen or key in self.french_keys:
            return None
        prefix = _weighted(self.rng, _PREFIXES.get(country, _DEFAULT_PREFIXES))
        name = _of(prefix, base)
        if not _fits(name, self.by_code[country].label):
            return None
        seen.add(key)
        self.foreign.append(_Foreign(base, prefix, country, name))
        return len(self.foreign) - 1

    def _compound_name(self, family: str) -> str:
        """A derived name of the family: a simple name with a qualifier, or two joined."""
        rng = self.rng
        form = rng.choice(_COMPOUNDS[family])
        base = self._base_name(family)
        if family == "franco":  # Saint-Louis-du-Nord: hyphens throughout, as in Québec, Haïti
            base = base.replace(" ", "-")
        second = word = ""
        if "{m}" in form:
            second = self._base_name(family)
            if second == base:
                return ""  # not "Kaya-Kaya": the caller rejects it and draws again
        if "{w}" in form:
            word = rng.choice(_FAMILY_CACHE[family][2])
            if form.endswith("-de-{w}") and word[:1] in _VOWELS:
                form = form.replace("-de-{w}", "-d'{w}")  # Saint-Marc-d'Étienne
        low = base[:1].lower() + base[1:]
        return form.format(n=base, m=second, w=word, low=low)

    def _base_name(self, family: str) -> str:
        rng = self.rng
        starts, mids, ends = _FAMILY_CACHE[family]
        start = rng.choice(starts)
        if family in ("viet",):
            return f"{start} {rng.choice(ends)}"
        if family == "franco":
            word = rng.choice(ends)
            return f"{start[:-1]}-{word}" if rng.random() < 0.7 else f"{start[:-1]} {word}"
        if start.endswith("+"):
            second = rng.choice(mids) + rng.choice(ends)
            joiner = "-" if rng.random() < 0.3 else " "
            return f"{start[:-1]}{joiner}{_cap(second)}"
        middle = rng.choice(mids) if mids and rng.random() < 0.5 else ""
        word = start + middle + rng.choice(ends)
        if family == "sahel" and rng.random() < 0.04:
            word = "N'" + _cap(word)  # N'Gogom, N'Djaména…
        if family in ("sahel", "malagasy", "bantu") and rng.random() < 0.08:
            word += (" " if rng.random() < 0.6 else "-") + _cap(
                rng.choice(starts) + rng.choice(ends)
            )
        return _cap(word)

    # -- written forms

    def french_name(self, index: int, year: int) -> str:
        """A French collectivity as a record of that year writes it."""
        ent = self.french[index]
        rng = self.rng
        style = ent.style if rng.random() >= 0.05 else self._french_style(ent.kind)
        of = gazetteer.of_form(ent.name, ent.tncc)
        if ent.kind == "commune":
            return {"bare": ent.name, "ville": "Ville " + of, "commune": "Commune " + of,
                    "mairie": "Mairie " + of}[style]  # fmt: skip
        if ent.kind == "departement":
            if style == "conseil":
                return ("Conseil départemental " if year >= 2015 else "Conseil général ") + of
            return "Département " + of
        if ent.kind == "region":
            name = ent.name
            if year < 2016:
                former = [
                    f
                    for f in gazetteer.regions_former()
                    if f.region == ent.code and f.kind == "former region"
                ]
                if former:
                    name = former[int(rng.random() * len(former))].name
            elif ent.code == "93" and year >= 2017 and rng.random() < 0.3:
                return "Région Sud"
            if style == "conseil":
                return "Conseil régional " + gazetteer.of_form(
                    name, ent.tncc if name == ent.name else None
                )
            return "Région " + name
        if style == "expanded":
            for short, long in (("CC ", "Communauté de communes "), ("CA ", "Communauté d'agglomération "),
                                ("CU ", "Communauté urbaine ")):  # fmt: skip
                if ent.name.startswith(short):
                    return long + ent.name[len(short) :]
        return ent.name

    def foreign_name(self, index: int) -> str:
        """A foreign collectivity as one record writes it (sometimes a spelling variant)."""
        ent = self.foreign[index]
        rng = self.rng
        if rng.random() >= VARIANT_SPELLING:
            return ent.name
        label = self.by_code[ent.country].label
        options = []
        if "'" in ent.name:
            options.append(ent.name.replace("'", "’"))
        if "-" in ent.base:
            options.append(ent.name.replace(ent.base, ent.base.replace("-", " ")))
        elif " " in ent.base:
            options.append(ent.name.replace(ent.base, ent.base.replace(" ", "-")))
        if ent.prefix == "{n}":
            options.append(_of("Commune de {n}", ent.base))
        else:
            options.append(ent.base)
        if "Commune rurale" in ent.prefix:
            options.append(_of("Communauté rurale de {n}", ent.base))
        options.append(ent.name.upper())
        for choice in rng.sample(options, len(options)):
            if _fits(choice, label):
                return choice
        return ent.name

    # -- people

    def post_staff(self, country: str, era: int) -> list[tuple[str, str] | None]:
        """The correspondent and the counsellor of a post in a period (stable per seed)."""
        key = (country, era)
        if key not in self.staff:
            rng = random.Random(f"{self.seed}/post/{country}/{era}")
            people: list[tuple[str, str] | None] = []
            for _ in range(2):
                first, last = rng.choice(_FR_FIRST), rng.choice(_FR_LAST)
                domain = (
                    "diplomatie.gouv.fr"
                    if rng.random() < 0.9
                    else rng.choice(("gmail.com", "hotmail.com"))
                )
                people.append(
                    (
                        f"{first} {last.upper()}",
                        f"{_email_part(first)}.{_email_part(last)}@{domain}",
                    )
                )
            if rng.random() < 0.1:
                people[1] = people[0]  # one person holds both roles (small posts)
            for i in range(2):
                if rng.random() < 0.07:
                    people[i] = None  # "Pas de correspondant…"
            self.staff[key] = people
        return self.staff[key]

    def local_person(self, family: str) -> tuple[str, str]:
        firsts, lasts = _LOCAL_NAMES[_LOCAL_BY_FAMILY.get(family, "other")]
        first = self.rng.choice(firsts.split())
        last = self.rng.choice(lasts.split())
        return last, first

    # -- one record

    def record(self, atlas_id: int) -> SynthPage:
        rng = self.rng
        if self.history and rng.random() < DUPLICATE:
            return self._duplicate(atlas_id)
        anomalies: list[str] = []
        entered = 2006 + (atlas_id - 2000) * 18 / 15000
        entered_year = min(2025, int(entered + rng.random() * 1.5))
        lag = (
            0 if rng.random() < 0.45 else 1 if rng.random() < 0.4 else int(rng.expovariate(0.3)) + 2
        )
        start_year = max(1985, entered_year - lag)

        # who: a relationship (reused or new), then extra partners
        if self.relationships and rng.random() < REUSE_RELATIONSHIP:
            rel_index = self.rel_urn.pick(rng)
            rel = self.relationships[rel_index]
            fr_index, fg_index = rel.french, rel.foreign
            self.rel_urn.add(rel_index)
        else:
            fr_index = self._draw_french()
            ent = self.french[fr_index]
            if ent.countries and rng.random() < 0.5:
                country = rng.choice(ent.countries)
            else:
                country = self._draw_country()
            fg_index = self._draw_foreign(country)
            if country not in ent.countries:
                ent.countries.append(country)
            self.relationships.append(_Relationship(fr_index, fg_index))
            rel_index = len(self.relationships) - 1
            self.rel_urn.add(rel_index)
        main_country = self.foreign[fg_index].country
        foreign_ids = [fg_index]
        x = rng.random()
        extra = 2 if x < 0.04 else 1 if x < 0.2 else 0
        for _ in range(extra):
            country = main_country if rng.random() < 0.7 else self._draw_country()
            foreign_ids.append(self._draw_foreign(country))
        french_ids = [fr_index]
        x = rng.random()
        for _ in range(2 if x < 0.05 else 1 if x < 0.22 else 0):
            french_ids.append(self._draw_french())
        french_ids = list(dict.fromkeys(french_ids))
        foreign_ids = list(dict.fromkeys(foreign_ids))

        partners: list[ForeignPartner] = []
        for i in foreign_ids:
            name = self.foreign_name(i)
            label = self.by_code[self.foreign[i].country].label
            if all(not _prefix_clash(name, p.name) for p in partners):
                partners.append(ForeignPartner(name, label))
        french_as_foreign = None
        if rng.random() < FRENCH_AS_FOREIGN:
            commune = self.french_cands[int(rng.random() * len(self.french_cands))]
            while commune[0] != "commune":
                commune = self.french_cands[int(rng.random() * len(self.french_cands))]
            written = commune[2].replace("-", " ")
            label = self.by_code[main_country].label
            if _fits(written, label) and all(not _prefix_clash(written, p.name) for p in partners):
                french_as_foreign = written
                partners.append(ForeignPartner(written, label))
                anomalies.append("french_as_foreign")

        french_names = list(dict.fromkeys(self.french_name(i, start_year) for i in french_ids))
        main_french = french_names[0]
        main_foreign = partners[0].name
        base = self.foreign[fg_index].base
        country_label = self.by_code[main_country].label

        # what
        theme = rng.choice(self.theme_paths)
        if rng.random() < 0.3 and theme[2] is not None:
            theme = (theme[0], theme[1], None)
        primary = None if rng.random() < 0.02 else Theme(*theme)
        layout = page_layout(atlas_id, start_year)
        other_themes: list[OtherTheme] = []
        if layout != "old":
            k = _weighted(rng, ((0, 55), (1, 20), (2, 12), (3, 7), (4, 4), (5, 2)))
            rows = [r for r in rng.sample(self.other_rows, k + 2) if r[:2] != theme[:2]][:k]
            for priority, (t, s, ss) in enumerate(rows, start=1):
                if ss is not None and rng.random() < 0.5:
                    ss = None
                other_themes.append(OtherTheme(t, s, ss, priority))
        sdgs: list[SDG] = []
        if start_year >= 2022:
            goals = sorted(rng.sample(range(1, 18), rng.randint(1, 12)))
            strong = set(rng.sample(goals, min(len(goals), rng.randint(1, 3))))
            sdgs = [SDG(g, SDG_LABELS[g], 2) for g in goals if g in strong]
            sdgs += [SDG(g, SDG_LABELS[g], 1) for g in goals if g not in strong]

        # when, and how it stands
        age = 2025 - entered_year
        x = rng.random()
        status = (
            "dormant"
            if x < 0.06
            else "finished"
            if x < 0.06 + min(0.8, 0.2 + age * 0.04)
            else "ongoing"
        )
        end_year = min(2026, start_year + rng.randint(1, 4))
        has_end = rng.random() < {"finished": 0.92, "ongoing": 0.45, "dormant": 0.3}[status]
        end_date = None
        if has_end:
            end_date = (
                f"{end_year}-12-31"
                if rng.random() < 0.75
                else (f"{end_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
            )
        if rng.random() < 0.15:
            signature = None
        elif rng.random() < 0.8:
            signature = start_year
        else:
            signature = max(1980, start_year - rng.randint(1, 15))

        # texts
        topic = rng.choice(_TOPICS.get(theme[1] or "", _DEFAULT_TOPICS))
        title = self._title(main_french, main_foreign, base, country_label, topic, start_year)
        context, history, objectives, description = self._texts(
            main_french, base, country_label, topic, start_year, signature, layout == "new"
        )
        beneficiaries = None if rng.random() < 0.2 else "".join(
            rng.sample([
                f"Les habitants de {base}", "Les élus et les agents communaux",
                "Les associations locales", f"Les jeunes de {base} et de {_short(main_french)}",
                "Les femmes des groupements villageois", "Les élèves et leurs enseignants",
            ], rng.randint(1, 4))
        )  # fmt: skip

        # implementation
        contracting = _weighted(
            rng, (([main_french], 80), (french_names[:2], 8), ([main_foreign], 7), ([], 5))
        )
        ngo = rng.choice(_NGOS)
        implementing = _weighted(
            rng, (([main_foreign], 40), ([main_french], 25), ([ngo], 20), ([], 15))
        )
        other_partners = []
        if rng.random() < 0.45:
            pool = list(_NGOS) + [f"Association des femmes de {base}", f"Comité de jumelage {_short(main_french)}",
                                  f"Centre de santé de {base}", f"Groupement des producteurs de {base}"]  # fmt: skip
            other_partners = rng.sample(pool, rng.randint(1, 3))
        if french_as_foreign and rng.random() < 0.6:
            other_partners.append(french_as_foreign)

        # people
        posts = self._posts(partners, entered_year)
        contacts = self._foreign_contacts(partners)
        volunteers = self._volunteers(french_names, main_foreign) if rng.random() < 0.05 else []

        # money
        funding, outside = self._funding(
            french_names, main_foreign, french_as_foreign, theme, start_year,
            int(end_date[:4]) if end_date else None,
            self.french[fr_index].region,
        )  # fmt: skip
        if outside:
            anomalies.append("funding_outside")
        meae = any(f.funder and f.funder.startswith(("Minist", "MAE", "MEAE")) for f in funding)
        triennial = rng.random() < (0.2 if meae and 2010 <= start_year <= 2021 else 0.03)

        record = Record(
            source=Source(atlas_id=atlas_id, complete=True),
            title=title,
            diplomatic_posts=posts,
            first_signature_year=signature,
            theme=primary,
            other_themes=other_themes,
            sdgs=sdgs,
            start_year=start_year,
            status=status,
            status_label=STATUS_LABELS[status],
            end_date=end_date,
            context=context,
            history=history,
            objectives=objectives,
            description=description,
            form=None if rng.random() < 0.05 else _weighted(rng, list(_FORMS)),
            implementing_parties=implementing,
            contracting_authorities=contracting,
            beneficiaries=beneficiaries,
            foreign_partners=partners,
            foreign_contacts=contacts,
            french_partners=french_names,
            other_partners=list(dict.fromkeys(other_partners)),
            triennial=triennial,
            funding=funding,
            communication_france=rng.random() < 0.55,
            communication_partner_countries=rng.random() < 0.4,
            evaluation=rng.random() < 0.35,
            volunteers=volunteers,
        )
        noise = self._noise(record, anomalies)
        self.history.append(record)
        if len(self.history) > 2000:
            self.history = self.history[-1000:]
        return SynthPage(record, noise, anomalies)

    def _duplicate(self, atlas_id: int) -> SynthPage:
        rng = self.rng
        original = self.history[int(rng.random() * len(self.history))]
        record = copy.deepcopy(original)
        record.source = Source(atlas_id=atlas_id, complete=True)
        others = [s for s in STATUS_LABELS if s != original.status]
        record.status = rng.choice(others)
        record.status_label = STATUS_LABELS[record.status]
        if page_layout(atlas_id, record.start_year) == "old":
            record.other_themes = []
        return SynthPage(record, None, ["duplicate"])

    def _title(self, fr: str, fp: str, base: str, country: str, topic: str, year: int) -> str:
        rng = self.rng
        templates = (
            f"Appui à {topic} dans la commune de {base}",
            f"Amélioration de {topic} à {base} ({country})",
            f"Coopération décentralisée entre {fr} et {fp}",
            f"{_short(fr)} - {base} : {topic}",
            f"Programme triennal de coopération décentralisée {_short(fr)}/{base}",
            f"Renforcement de {topic} – {fp}",
            f"Partenariat {_short(fr)} - {base} pour {topic}",
            f"Projet d’appui au développement local de {base} ({country}) {year}-{year + 2}",
        )
        title = _cap(rng.choice(templates))
        x = rng.random()
        if x < 0.02:
            title = title.upper()
        elif x < 0.04:
            title = f"« {title} »"
        elif x < 0.05:
            title = f'"{title}"'
        elif x < 0.08:
            long = (
                f"Le programme a pour but de renforcer {topic} pour la population de {base} "
                f"en vue d’améliorer durablement les conditions de vie des habitants. Il vise en "
                f"particulier à mettre en place les infrastructures et les compétences nécessaires "
                f"à la gestion du service par la collectivité, avec l’appui de {fr}"
            )
            title = long[:250].rstrip(" ,.")
        return title

    def _texts(
        self,
        fr: str,
        base: str,
        country: str,
        topic: str,
        start: int,
        signature: int | None,
        new: bool,
    ) -> tuple[str | None, str | None, str | None, str | None]:
        rng = self.rng
        km = rng.randint(12, 900)
        pop = rng.randint(3, 400) * 500
        context_lines = [
            f"{base} est située à environ {km} km de la capitale du pays ({country}).",
            f"La collectivité compte environ {pop:,} habitants répartis dans {rng.randint(3, 60)} villages.".replace(",", " "),
            f"Les besoins identifiés par les élus portent en priorité sur {topic}.",
            "La décentralisation a transféré aux collectivités locales des compétences nouvelles sans les moyens correspondants.",
            f"La coopération entre {fr} et {base} permet une action de proximité dans la durée.",
            "Le contexte sécuritaire rend parfois difficile le suivi des actions sur le terrain.",
        ]  # fmt: skip
        history_lines = [
            f"Les premiers échanges entre les deux collectivités remontent à {start - rng.randint(0, 12)}.",
            f"Une convention de coopération a été signée en {signature or start}.",
            "Des missions réciproques ont permis d’identifier les priorités du partenariat.",
            "Plusieurs projets ont déjà été réalisés avec le soutien des partenaires institutionnels.",
        ]  # fmt: skip
        objective_lines = ["Les objectifs sont les suivants :"] + [
            f"- {v}" for v in rng.sample([
                f"Améliorer {topic}", "Renforcer les capacités des services techniques locaux",
                "Favoriser la participation des habitants", "Former les agents et les élus",
                "Pérenniser les équipements mis en place", "Développer les échanges entre les jeunes",
            ], rng.randint(2, 5))
        ]  # fmt: skip
        description_lines = [
            f"Le projet porte sur {topic} et comprend plusieurs volets complémentaires.",
            "Des formations seront dispensées aux comités de gestion.",
            "Un comité de pilotage conjoint se réunit chaque année pour évaluer l’avancement.",
            f"Projet cofinancé par le Ministère en {start + rng.randint(0, 2)}.",
        ]  # fmt: skip

        def pick(lines: list[str], empty: float) -> str | None:
            if rng.random() < empty:
                return None
            return "\n".join(rng.sample(lines, rng.randint(1, len(lines))))

        # The 2022 template merges context and history ("Contexte et historique").
        context = pick(context_lines + (history_lines[:2] if new else []), 0.05)
        history = None if new else pick(history_lines, 0.2)
        objectives = None if rng.random() < 0.15 else "\n".join(objective_lines)
        return context, history, objectives, pick(description_lines, 0.2)

    def _posts(self, partners: list[ForeignPartner], year: int) -> list[DiplomaticPost]:
        rng = self.rng
        if rng.random() < 0.03:
            return []
        codes = []
        for p in partners:
            country = _countries.lookup(p.country or "")
            if country and country.alpha2 in self.by_code and country.alpha2 not in codes:
                codes.append(country.alpha2)
        if rng.random() < 0.04:
            codes.append(self._draw_country())
        posts = []
        for code in list(dict.fromkeys(codes))[:3]:
            info = self.by_code[code]
            if code == "PS":
                name = "Consul général à Jérusalem"
            elif code == "TN" and rng.random() < 0.5:
                name = "AMBASSADE DE FRANCE A TUNIS"
            else:
                name = f"Ambassade de France à {info.city}"
            contacts = []
            staff = self.post_staff(code, (year - 2004) // 3)
            for role, person in zip(("Correspondant coopération décentralisée",
                                     "Conseiller de coopération et d'action culturelle"), staff, strict=True):  # fmt: skip
                if person is None:
                    continue
                name_, email = person
                x = rng.random()
                if x < 0.03:
                    contacts.append(Contact(role, None, email))
                elif x < 0.07:
                    contacts.append(Contact(role, name_, None))
                else:
                    contacts.append(Contact(role, name_, email))
            posts.append(DiplomaticPost(name, contacts))
        return posts

    def _foreign_contacts(self, partners: list[ForeignPartner]) -> list[ForeignContact]:
        rng = self.rng
        if rng.random() >= 0.35:
            return []
        out = []
        for p in rng.sample(partners, min(len(partners), rng.randint(1, 2))):
            country = _countries.lookup(p.country or "")
            family = (
                self.by_code[country.alpha2].family
                if country and country.alpha2 in self.by_code
                else "other"
            )
            last, first = self.local_person(family)
            function = rng.choice(_FUNCTIONS) if rng.random() < 0.9 else None
            email = None
            if function and rng.random() < 0.75:
                domain = rng.choice(("gmail.com", "yahoo.fr", "hotmail.com", "orange.fr"))
                email = f"{_email_part(first)}.{_email_part(last)}@{domain}"
            out.append(ForeignContact(p.name, last, first, function, email))
        return out

    def _volunteers(self, french: list[str], foreign: str) -> list[Volunteer]:
        rng = self.rng
        out = []
        for _ in range(rng.randint(1, 2)):
            first, last = rng.choice(_FR_FIRST), rng.choice(_FR_LAST)
            last = last.upper() if rng.random() < 0.6 else last
            assigned = rng.choice([french[0], foreign, rng.choice(_NGOS), None])
            out.append(
                Volunteer(
                    last,
                    first,
                    rng.choice(VOLUNTEER_MISSIONS),
                    rng.choice(VOLUNTEER_FIELDS),
                    assigned,
                )
            )
        return out

    def _funding(
        self, french: list[str], foreign: str, french_as_foreign: str | None,
        theme: tuple[str, str | None, str | None], start: int, end: int | None,
        region: str | None,
    ) -> tuple[list[Funding], bool]:  # fmt: skip
        rng = self.rng
        if rng.random() < 0.15:
            return [], False
        water = theme[1] == "Eau et déchets"
        if end is None:  # an open partnership: funded up to some year, long ones included
            end = min(2025, start + int(rng.expovariate(1 / FUNDED_YEARS_OPEN)))
        end = max(start, end)
        # One year of funding for all funders (the seed: four rows, all 2007), or a row per
        # funder and year, as the Atlas lists the Ministry's and partners' yearly shares.
        years = [start] if rng.random() < 0.3 else list(range(start, end + 1))

        def amount() -> int | float:
            if rng.random() < 0.03:  # an amount converted from francs: cents
                euros = round(rng.randint(5, 400) * 1000 / 6.55957, 2)
                return int(euros) if euros.is_integer() else euros
            return max(200, int(round(math.exp(rng.gauss(9.2, 1.1)), -2)))

        def one_percent() -> list[int | float]:
            if not water or rng.random() < 0.5:
                return []
            k = 1 if rng.random() < 0.85 else rng.randint(2, 3)
            return [
                0
                if rng.random() < 0.35
                else max(100, int(round(math.exp(rng.gauss(8.5, 1.0)), -2)))
                for _ in range(k)
            ]

        def yearly(name: str | None, rate: float, percent: bool) -> list[Funding]:
            # a recurring funder gives in most of the funded years, not always all of them
            rows = [
                Funding(name, amount(), one_percent() if percent else [], y)
                for y in years
                if rng.random() < rate
            ]
            return rows or [Funding(name, amount(), one_percent() if percent else [], years[0])]

        rows: list[Funding] = []
        # A partnership often runs several projects, each funded apart: rows repeat a funder
        # and a year (a partnership then has about 9 rows on average, as in MEASURED.md).
        for _ in range(1 + min(5, int(rng.expovariate(1 / FUNDED_PROJECTS)))):
            if rng.random() < 0.55:
                rows += [
                    Funding(_ministry(f.year, rng), f.amount_eur, [], f.year)  # type: ignore[arg-type]
                    for f in yearly(None, 0.8, False)
                ]
            for name in french:
                if rng.random() < 0.75:
                    rows += yearly(name, 0.85, True)
            if water and rng.random() < 0.5:
                agency = _WATER_AGENCIES.get(region or "", "Seine-Normandie")
                rows += yearly(f"Agence de l'eau {agency}", 0.7, True)
        if rng.random() < 0.15:
            rows.append(
                Funding("Autre", amount(), [0] if rng.random() < 0.3 else [], rng.choice(years))
            )
        if rng.random() < 0.1:
            rows.append(Funding(foreign, amount(), [], rng.choice(years)))
        if rng.random() < 0.1:
            rows += yearly(rng.choice(_OTHER_FUNDERS), 0.5, False)
        if french_as_foreign and rng.random() < 0.5:
            rows.append(Funding(french_as_foreign, amount(), [], rng.choice(years)))
        rows = [r for r in rows if not r.funder[-1:].isdigit()]  # type: ignore[index]
        outside = False
        if rows and rng.random() < FUNDING_OUTSIDE:
            rows[int(rng.random() * len(rows))].year = start - rng.randint(1, 3)
            outside = True
        rows.sort(key=lambda f: (f.year or 0, -(f.amount_eur or 0)))
        return rows, outside

    def _noise(self, record: Record, anomalies: list[str]) -> RenderNoise | None:
        rng = self.rng
        stray: tuple[tuple[int, str, str], ...] = ()
        if record.funding and rng.random() < STRAY_PUNCTUATION:
            i = int(rng.random() * len(record.funding))
            before, after = rng.choice(
                ((", ", ""), (",", ""), ("; ", ""), ("- ", ""), ("", ","), ("", " ;"))
            )
            stray = ((i, before, after),)
            anomalies.append("stray_punctuation")
        text = rng.random() < TEXT_NOISE
        if not stray and not text:
            return None
        if text:
            anomalies.append("text_noise")
        return RenderNoise(
            funder_punctuation=stray,
            trailing_spaces=text and rng.random() < 0.5,
            nbsp=text and rng.random() < 0.5,
            crlf=text and rng.random() < 0.3,
        )


def _cumulate(weights: object) -> Iterator[float]:
    total = 0.0
    for w in weights:  # type: ignore[attr-defined]
        total += w
        yield total


_KIND_PREFIXES = ("Conseil départemental ", "Conseil général ", "Conseil régional ", "Département ",
                  "Ville ", "Commune ", "Mairie ")  # fmt: skip
_OF_PREFIXES = ("de la ", "de l'", "des ", "du ", "de ", "d'")


def _short(french_name: str) -> str:
    """``Ville de Malakoff`` → ``Malakoff``, ``Département de l'Isère`` → ``Isère``: for texts."""
    for prefix in _KIND_PREFIXES:
        if french_name.startswith(prefix):
            rest = french_name[len(prefix) :]
            for of in _OF_PREFIXES:
                if rest.startswith(of):
                    return rest[len(of) :]
            return rest
    return french_name


def _fits(name: str, country_label: str) -> bool:
    """True when ``<name> <country>`` splits back into exactly this name and country."""
    if not name or "|" in name or name != " ".join(name.split()):
        return False
    split = _countries.split_trailing_country(f"{name} {country_label}")
    return split is not None and split[0] == name and split[2] == country_label


def _prefix_clash(a: str, b: str) -> bool:
    ka, kb = _countries.normalize(a).split(), _countries.normalize(b).split()
    n = min(len(ka), len(kb))
    return ka[:n] == kb[:n]


# -- public API ------------------------------------------------------------------------------


def generate_pages(n: int, seed: int) -> Iterator[SynthPage]:
    """``n`` records with the noise their pages carry and their anomaly tags, in id order."""
    gen = _Generator(n, seed)
    for atlas_id in gen.ids:
        yield gen.record(atlas_id)


def generate(n: int, seed: int) -> Iterator[Record]:
    """``n`` synthetic records in Atlas-id order; the same ``(n, seed)`` gives the same records."""
    for page in generate_pages(n, seed):
        yield page.record


def write_atlas(
    out_dir: str | Path,
    n: int,
    seed: int,
    render: str = "plain",
    progress: Callable[[int], None] | None = None,
) -> SynthSummary:
    """Write ``n`` pages and ``truth.jsonl`` into ``out_dir``; ``progress(k)`` after k more pages.

    ``render`` is one of ``RENDERINGS``; ``mixed`` picks a style per page (``MIXED_WEIGHTS``).
    """
    if render not in RENDERINGS:
        raise ConfigError("render", render, " | ".join(RENDERINGS))
    started = time.perf_counter()
    out = Path(out_dir)
    if out.is_dir():
        old = sum(
            1 for p in out.iterdir() if p.name.startswith("prjId_") or p.name == "truth.jsonl"
        )
        if old:
            raise ConfigError(
                "out",
                str(out),
                f"a new or empty folder (it already holds {old} page(s) or truth.jsonl)",
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            "out", str(out), f"a folder that can be created ({exc.strerror})"
        ) from None
    style_rng = random.Random(f"{seed}/styles")
    styles: Counter[str] = Counter()
    anomalies: Counter[str] = Counter()
    countries: set[str] = set()
    french: set[str] = set()
    foreign: set[tuple[str, str]] = set()
    with open(out / "truth.jsonl", "w", encoding="utf-8", newline="\n") as truth:
        for page in generate_pages(n, seed):
            record = page.record
            style = render
            if render == "mixed":
                x, style = style_rng.random(), "plain"
                for name, weight in MIXED_WEIGHTS.items():
                    x -= weight
                    if x < 0:
                        style = name
                        break
            rendered = render_page(record, style, noise=page.noise)
            data = rendered.text.encode("utf-8")
            name = f"prjId_{record.source.atlas_id}.{'html' if style == 'html' else 'txt'}"
            (out / name).write_bytes(data)
            record.source.path = name
            record.source.sha256 = hashlib.sha256(data).hexdigest()
            record.source.warnings = list(rendered.warnings)
            truth.write(record.to_json() + "\n")
            styles[style] += 1
            anomalies.update(page.anomalies)
            for p in record.foreign_partners:
                countries.add(p.country or "")
                foreign.add((_countries.normalize(p.name), p.country or ""))
            french.update(_countries.normalize(f) for f in record.french_partners)
            if progress is not None:
                progress(1)
    return SynthSummary(
        out_dir=str(out),
        records=n,
        render=render,
        seconds=time.perf_counter() - started,
        styles=dict(styles),
        countries=len(countries - {""}),
        french_collectivities=len(french),
        foreign_collectivities=len(foreign),
        anomalies=dict(anomalies),
    )
