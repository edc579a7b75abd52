from datetime import UTC, datetime

import pytest
from hypothesis import given, strategies as st

from helpdesk_contracts import normalize_tags
from helpdesk_tickets.attachments.s3 import EMPTY_SHA256, sign_v4
from helpdesk_tickets.domain.attachments import (
    MAX_FILENAME_BYTES,
    content_disposition,
    refusal,
    sanitize_filename,
    sniff,
)
from helpdesk_tickets.settings import DENIED_EXTENSIONS, DENIED_TYPES


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.txt", "evil.txt"),
        ("a\x00b\x1f.png", "a_b_.png"),
        ('he said "hi".txt', "he said _hi_.txt"),
        ("...", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        (".bashrc", "bashrc"),
    ],
)
def test_file_names_are_sanitized(raw, safe):
    assert sanitize_filename(raw) == safe


@given(st.text(max_size=400))
def test_any_name_becomes_a_short_name_without_paths_or_controls(raw):
    name = sanitize_filename(raw)
    assert name and "/" not in name and "\\" not in name and len(name.encode()) <= MAX_FILENAME_BYTES + 17
    assert not any(ord(c) < 32 for c in name)


@pytest.mark.parametrize(
    "head, mime",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"MZ\x90\x00" + b"\x00" * 60, "application/x-msdownload"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "application/x-executable"),
        (b"\xcf\xfa\xed\xfe" + b"\x00" * 60, "application/x-mach-binary"),
        (b"#!/usr/bin/env python\n", "text/x-shellscript"),
        ("héllo wörld".encode(), "text/plain"),
        (b"\xff\xfe\xfd\x00\x01", "application/octet-stream"),
    ],
)
def test_the_content_type_comes_from_the_bytes(head, mime):
    assert sniff(head) == mime


def test_the_deny_list_catches_sniffed_executables_and_dangerous_extensions():
    assert refusal("invoice.pdf", "application/x-msdownload", DENIED_EXTENSIONS, DENIED_TYPES)
    assert refusal("setup.EXE", "image/png", DENIED_EXTENSIONS, DENIED_TYPES)
    assert refusal("photo.png", "image/png", DENIED_EXTENSIONS, DENIED_TYPES) is None


def test_content_disposition_is_always_a_download_with_an_escaped_utf8_name():
    assert content_disposition('ré"sumé.pdf') == (
        "attachment; filename=\"re_sume.pdf\"; filename*=UTF-8''r%C3%A9%22sum%C3%A9.pdf"
    )


def test_tags_are_normalized_case_insensitively():
    assert normalize_tags(["VIP", " vip ", "Needs  Callback", "", "\uff26\uff55\uff4c\uff4c"]) == [
        "vip",
        "needs-callback",
        "full",
    ]


def test_s3_requests_are_signed_as_the_aws_sigv4_reference_example():
    headers = sign_v4(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {"Range": "bytes=0-9"},
        EMPTY_SHA256,
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region="us-east-1",
        now=datetime(2013, 5, 24, tzinfo=UTC),
    )
    assert headers["Authorization"].endswith(
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        " Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
