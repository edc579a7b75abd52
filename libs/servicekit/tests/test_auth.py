import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from helpdesk_contracts import Role
from helpdesk_servicekit.auth import JwtVerifier
from helpdesk_servicekit.errors import Unauthorized
from helpdesk_servicekit.settings import ServiceSettings

ISSUER, AUDIENCE = "https://login.example/", "helpdesk"


def claims(**overrides):
    now = int(time.time())
    base = {"sub": "u1", "merchant_id": "m1", "role": "agent", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 60}
    return base | overrides


def pem(public_key) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def prod_verifier(public_key) -> JwtVerifier:
    settings = ServiceSettings(
        env="prod",
        amqp_url="amqp://svc:pw@rabbit/",
        jwt_public_key=pem(public_key),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )
    return JwtVerifier(settings)


async def test_prod_accepts_an_rs256_token_signed_by_the_configured_key(rsa_key):
    principal = await prod_verifier(rsa_key.public_key()).verify(jwt.encode(claims(), rsa_key, algorithm="RS256"))
    assert (principal.user_id, principal.merchant_id, principal.role) == ("u1", "m1", Role.AGENT)


async def test_prod_accepts_an_es256_token(ec_key):
    token = jwt.encode(claims(role="manager"), ec_key, algorithm="ES256")
    assert (await prod_verifier(ec_key.public_key()).verify(token)).role is Role.MANAGER


@pytest.mark.parametrize(
    "mutate",
    [
        lambda key: jwt.encode(claims(iss="https://evil.example/"), key, algorithm="RS256"),
        lambda key: jwt.encode(claims(aud="other"), key, algorithm="RS256"),
        lambda key: jwt.encode(claims(exp=int(time.time()) - 5), key, algorithm="RS256"),
        lambda key: jwt.encode(claims(), "x" * 40, algorithm="HS256"),
        lambda key: jwt.encode(claims(), None, algorithm="none"),
        lambda key: jwt.encode({k: v for k, v in claims().items() if k != "merchant_id"}, key, algorithm="RS256"),
        lambda key: jwt.encode(
            claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256"
        ),
    ],
    ids=["wrong-issuer", "wrong-audience", "expired", "hs256-in-prod", "alg-none", "no-merchant", "other-key"],
)
async def test_prod_refuses_bad_tokens(rsa_key, mutate):
    with pytest.raises(Unauthorized):
        await prod_verifier(rsa_key.public_key()).verify(mutate(rsa_key))


@pytest.mark.parametrize(
    "claim, value",
    [("sub", "u\x001"), ("merchant_id", "m\ud8001"), ("name", "Ann\x00"), ("email", "a\udc00@b.example")],
    ids=["nul-in-sub", "surrogate-in-merchant", "nul-in-name", "surrogate-in-email"],
)
async def test_claims_postgresql_cannot_store_make_the_token_invalid(rsa_key, claim, value):
    token = jwt.encode(claims(**{claim: value}), rsa_key, algorithm="RS256")
    with pytest.raises(Unauthorized):
        await prod_verifier(rsa_key.public_key()).verify(token)
