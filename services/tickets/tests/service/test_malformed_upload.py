from ..factories import PNG, customer, open_ticket, sql, upload

BOUNDARY = "b0undary"
FILE_HEADERS = 'Content-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'

MALFORMED = {
    "no-crlf-after-the-boundary": f"--{BOUNDARY}XYZ garbage".encode(),
    "a-header-line-without-a-colon": f"--{BOUNDARY}\r\nthis is not a header\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
    "nul-in-a-header-name": f"--{BOUNDARY}\r\nConte\x00nt-Type: x\r\n{FILE_HEADERS}x\r\n--{BOUNDARY}--\r\n".encode(),
    "not-multipart-at-all": b'{"file": "this is json"}',
    "garbage-after-the-file-part": f"--{BOUNDARY}\r\n{FILE_HEADERS}".encode() + PNG + b"\r\n--" + BOUNDARY.encode()
    + b"\r\n\x00\x01 not a header\r\n\r\n",
}


async def stored_attachments(client) -> int:
    return (await sql(client, "SELECT count(*) FROM attachments"))[0][0]


async def post_raw(client, ticket_id: str, body: bytes, boundary: str = BOUNDARY):
    return await client.post(
        f"/v1/tickets/{ticket_id}/attachments",
        content=body,
        headers=customer("c-mal") | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


async def test_a_malformed_multipart_body_is_a_400_problem_and_stores_nothing(client):
    ticket = await open_ticket(client, customer("c-mal"))
    for name, body in MALFORMED.items():
        response = await post_raw(client, ticket["id"], body)
        assert response.status_code == 400, (name, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), name
        problem = response.json()
        assert problem["type"] == "https://helpdesk.dev/problems/bad-request", name
        assert problem["errors"][0]["field"] == "body", name
    assert await stored_attachments(client) == 0
    assert (await upload(client, ticket["id"], customer("c-mal"), PNG)).status_code == 201

