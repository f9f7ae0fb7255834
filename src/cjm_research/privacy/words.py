"""Words the name redaction treats apart: names that are also words, and the words firms'
names are made of."""

from __future__ import annotations

#: One-word names that are also everyday words or street and place words: replaced by
#: ``[name]``, never by a pseudonym (see ``privacy._name_table``).
WORD_NAMES = frozenset(
    "will bill hope rose amber mark grace faith joy dawn april may june summer frank jack pat "
    "sue penny ruby holly ivy iris lily daisy rob sandy chase hunter cash baker cook page price "
    "rich hill wood brown green white black young long king hall lane stone ray drew guy sky "
    "star miles don gene bud bell ash river glen dale clay reed".split()
)

#: Words that make up the names of firms and places, never a person's name on their own: a
#: listed name of several words ("Brightwell Logistics", "The Sofa Company") is hidden whole and
#: by its other words, but these alone stay ("Logistics were awful", "The van came"). Surnames
#: that are also such words (Power, House, Church, Post, Banks) are left out on purpose.
FIRM_WORDS = frozenset(
    "the and of for at on in by to a an ltd limited plc inc llc gmbh co company corp "
    "corporation group holdings services service solutions logistics couriers courier delivery "
    "deliveries express direct online insurance bank building society energy utilities telecom "
    "broadband mobile networks communications airways airlines motors furniture sofas beds "
    "kitchens interiors appliances electronics foods supermarket supermarkets store stores shop "
    "shops retail outlet pharmacy clinic hospital healthcare dental council housing lettings "
    "properties estates agency agents partners associates consulting finance financial credit "
    "loans technologies tech systems digital international global national trust foundation "
    "association club centre center studio studios media labs travel uk".split()
)
