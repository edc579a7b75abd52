"""Policy tags match ticket tags under the platform's one normalization (NFKC, case-folded), end to end."""

from ..harness import TicketStream, a_merchant

FULL_WIDTH_STRASSE = "".join(chr(ord(letter) + 0xFEE0) for letter in "STRASSE")  # U+FF33 U+FF34 ...


async def test_a_policy_tagged_strasse_matches_tickets_tagged_in_capitals_or_full_width_letters(sla):
    merchant = a_merchant()
    policy = await sla.create_policy(merchant, tags=["Straße"], first_response_seconds=600)
    capitals = await TicketStream(sla, merchant, tags=["STRASSE"]).created()
    full_width = await TicketStream(sla, merchant, tags=[FULL_WIDTH_STRASSE]).created()
    untagged = await TicketStream(sla, merchant).created()

    assert policy["tags"] == ["strasse"]
    for ticket in (capitals, full_width):
        view = await sla.sla_of(ticket)
        assert view["policy_id"] == policy["id"]
        assert sorted(clock["metric"] for clock in view["clocks"]) == ["first_response", "resolution"]
    assert (await sla.sla_of(untagged))["clocks"] == []
