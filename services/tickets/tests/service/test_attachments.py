import hashlib
import uuid

import pytest

from ..factories import PNG, agent, customer, manager, open_ticket, reply, sql, upload

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


async def stored_rows(client) -> tuple[int, int]:
    attachments = (await sql(client, "SELECT count(*) FROM attachments"))[0][0]
    chunks = (await sql(client, "SELECT count(*) FROM attachment_chunks"))[0][0]
    return attachments, chunks


async def test_an_upload_is_stored_sniffed_and_downloaded_with_a_safe_disposition(client):
    ticket = await open_ticket(client, customer("c-up"))
    content = PNG + bytes(range(256)) * 4000
    response = await upload(client, ticket["id"], customer("c-up"), content, filename="../../etc/photo<1>.txt")
    assert response.status_code == 201, response.text
    meta = response.json()
    assert meta["content_type"] == "image/png"
    assert meta["filename"] == "photo_1_.txt"
    assert meta["size_bytes"] == len(content) and meta["sha256"] == hashlib.sha256(content).hexdigest()
    download = await client.get(f"/v1/attachments/{meta['id']}", headers=customer("c-up"))
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith('attachment; filename="photo_1_.txt"')
    assert download.headers["x-content-type-options"] == "nosniff"


async def test_an_upload_over_the_cap_is_413_and_stores_nothing(tickets_settings):
    from helpdesk_tickets.main import build

    from ..harness import serving

    async with serving(build(tickets_settings(attachment_max_bytes=100_000, attachment_chunk_bytes=16_384))) as client:
        ticket = await open_ticket(client, customer("c-big"))
        too_big = PNG + b"\x00" * 100_000
        response = await upload(client, ticket["id"], customer("c-big"), too_big)
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")
        assert await stored_rows(client) == (0, 0)
        just_fits = PNG + b"\x00" * (100_000 - len(PNG))
        assert (await upload(client, ticket["id"], customer("c-big"), just_fits)).status_code == 201


async def test_an_upload_over_the_cap_without_content_length_is_cut_off_while_streaming(tickets_settings):
    from helpdesk_tickets.main import build

    from ..harness import serving

    async with serving(build(tickets_settings(attachment_max_bytes=50_000))) as client:
        ticket = await open_ticket(client, customer("c-stream"))
        boundary = "b0undary"

        async def body():
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.dat"\r\n\r\n'.encode()
            for _ in range(100):
                yield b"\x00" * 10_000
            yield f"\r\n--{boundary}--\r\n".encode()

        response = await client.post(
            f"/v1/tickets/{ticket['id']}/attachments",
            content=body(),
            headers=customer("c-stream") | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert response.status_code == 413
        assert await stored_rows(client) == (0, 0)


@pytest.mark.parametrize(
    "content, filename",
    [(PE, "invoice.pdf"), (ELF, "holiday.jpg"), (b"#!/bin/sh\nrm -rf /\n", "notes.txt"), (PNG, "setup.exe")],
    ids=["windows-exe-renamed", "elf-renamed", "shell-script-renamed", "exe-extension"],
)
async def test_executables_are_refused_whatever_their_name(client, content, filename):
    ticket = await open_ticket(client, customer("c-exe"))
    response = await upload(client, ticket["id"], customer("c-exe"), content, filename=filename)
    assert response.status_code == 415, response.text
    assert response.json()["type"].endswith("/attachment-refused")
    assert await stored_rows(client) == (0, 0)


async def test_a_customer_cannot_fetch_an_internal_notes_attachment(client):
    ticket = await open_ticket(client, customer("c-secret"))
    uploaded = (await upload(client, ticket["id"], agent(), PNG, filename="fraud-report.png")).json()
    note = await reply(
        client, ticket["id"], agent(), "see report", visibility="internal", attachment_ids=[uploaded["id"]]
    )
    assert note.status_code == 201 and note.json()["attachments"][0]["id"] == uploaded["id"]
    assert (await client.get(f"/v1/attachments/{uploaded['id']}", headers=customer("c-secret"))).status_code == 404
    assert (await client.get(f"/v1/attachments/{uploaded['id']}", headers=agent("agent-9"))).status_code == 200
    listed = await client.get(f"/v1/tickets/{ticket['id']}/attachments", headers=customer("c-secret"))
    assert listed.json() == []


async def test_an_unsent_staff_upload_is_not_visible_to_the_customer(client):
    ticket = await open_ticket(client, customer("c-draft"))
    uploaded = (await upload(client, ticket["id"], agent(), PNG)).json()
    assert (await client.get(f"/v1/attachments/{uploaded['id']}", headers=customer("c-draft"))).status_code == 404


async def test_a_message_can_only_use_the_authors_own_unused_uploads_to_that_ticket(client):
    ticket = await open_ticket(client, customer("c-own-files"))
    other = await open_ticket(client, customer("c-own-files"))
    mine = (await upload(client, ticket["id"], customer("c-own-files"), PNG)).json()
    theirs = (await upload(client, ticket["id"], agent(), PNG)).json()
    elsewhere = (await upload(client, other["id"], customer("c-own-files"), PNG)).json()
    who = customer("c-own-files")
    for ids in ([theirs["id"]], [elsewhere["id"]], [str(uuid.uuid4())]):
        assert (await reply(client, ticket["id"], who, "x", attachment_ids=ids)).status_code == 422
    assert (await reply(client, ticket["id"], who, "x", attachment_ids=[mine["id"]])).status_code == 201
    assert (await reply(client, ticket["id"], who, "y", attachment_ids=[mine["id"]])).status_code == 422


async def test_uploads_need_a_multipart_file_field(client):
    ticket = await open_ticket(client, customer("c-form"))
    url = f"/v1/tickets/{ticket['id']}/attachments"
    not_multipart = await client.post(url, content=b"raw", headers=customer("c-form") | {"Content-Type": "image/png"})
    assert not_multipart.status_code == 422
    wrong_field = await client.post(url, files={"photo": ("a.png", PNG, "image/png")}, headers=customer("c-form"))
    assert wrong_field.status_code == 422
    assert await stored_rows(client) == (0, 0)


async def test_the_same_idempotency_key_uploads_once(client):
    ticket = await open_ticket(client, customer("c-idem-up"))
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await upload(client, ticket["id"], customer("c-idem-up"), PNG, **key)
    second = await upload(client, ticket["id"], customer("c-idem-up"), PNG, **key)
    assert first.json()["id"] == second.json()["id"]
    assert (await stored_rows(client))[0] == 1
    assert (await client.get(f"/v1/attachments/{first.json()['id']}", headers=manager())).content == PNG
