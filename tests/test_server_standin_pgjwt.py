"""The pgjwt development stand-in on the embedded server: real HS256/384/512 JWTs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import psycopg
import pytest

from support import connect


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def python_jwt(payload: dict, secret: str, alg: str = "HS256") -> str:
    """A token made the way any JWT library makes one (compact JSON, base64url, HMAC)."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    signature = b64url(hmac.new(secret.encode(), f"{header}.{body}".encode(), digest).digest())
    return f"{header}.{body}.{signature}"


@pytest.fixture
def supabase_db(bootstrapped_url):
    """A bootstrapped database with pgjwt created as dumps of older projects spell it (new projects
    no longer have pgjwt preinstalled; the bootstrap leaves it to the dump)."""
    with connect(bootstrapped_url) as conn:
        conn.execute('CREATE EXTENSION IF NOT EXISTS "pgjwt" WITH SCHEMA "extensions"')
    return bootstrapped_url


def test_installs_as_dumps_spell_it_and_drops_cleanly(supabase_db):
    with connect(supabase_db) as conn:
        assert conn.execute("SELECT extversion, extnamespace::regnamespace::text FROM pg_extension "
                            "WHERE extname = 'pgjwt'").fetchone() == ("0.2.0", "extensions")
        conn.execute('CREATE EXTENSION IF NOT EXISTS "pgjwt" WITH SCHEMA "extensions"')  # again: a no-op
        signatures = conn.execute(
            "SELECT proname || '(' || pg_get_function_arguments(p.oid) || ') ' || pg_get_function_result(p.oid) "
            "FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass "
            "JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pgjwt' ORDER BY proname").fetchall()
        assert [s[0] for s in signatures] == [
            "algorithm_sign(signables text, secret text, algorithm text) text",
            "sign(payload json, secret text, algorithm text DEFAULT 'HS256'::text) text",
            "try_cast_double(inp text) double precision",
            "url_decode(data text) bytea",
            "url_encode(data bytea) text",
            "verify(token text, secret text, algorithm text DEFAULT 'HS256'::text) "
            "TABLE(header json, payload json, valid boolean)",
        ]
        conn.execute("DROP EXTENSION pgjwt")
        assert conn.execute("SELECT to_regprocedure('extensions.sign(json,text,text)')").fetchone() == (None,)
        # pgcrypto, which pgjwt requires, may be dropped and recreated once pgjwt is gone
        conn.execute("DROP EXTENSION pgcrypto")
        conn.execute("CREATE EXTENSION pgjwt WITH SCHEMA extensions CASCADE")
        assert conn.execute("SELECT valid FROM extensions.verify(extensions.sign('{}', 'k'), 'k')"
                            ).fetchone() == (True,)


def test_bare_database_cascade_brings_pgcrypto(db_url):
    with connect(db_url) as conn:
        conn.execute("CREATE EXTENSION pgjwt CASCADE")
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname IN ('pgjwt', 'pgcrypto')"
                            ).fetchone() == (2,)
        assert conn.execute("SELECT valid FROM verify(sign('{\"a\":1}', 'k'), 'k')").fetchone() == (True,)
        conn.execute("DROP EXTENSION pgjwt, pgcrypto")


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_sign_matches_python_and_python_tokens_verify(supabase_db, alg):
    payload = {"role": "authenticated", "sub": "d0c5-ünï", "exp": int(time.time()) + 3600}
    with connect(supabase_db) as conn:
        conn.execute("SET search_path = ''")  # the functions bind their references: they work without one
        ours = conn.execute("SELECT extensions.sign(%s::json, 'super-secret-jwt-token', %s)",
                            (json.dumps(payload, separators=(",", ":"), ensure_ascii=False), alg)).fetchone()[0]
        theirs = python_jwt(payload, "super-secret-jwt-token", alg)
        # the same token byte for byte: pgjwt's header {"alg":..,"typ":"JWT"}, the JSON text unchanged
        assert ours == theirs
        assert conn.execute("SELECT header, payload, valid FROM extensions.verify(%s, 'super-secret-jwt-token', %s)",
                            (theirs, alg)).fetchone() == ({"alg": alg, "typ": "JWT"}, payload, True)
        assert conn.execute("SELECT valid FROM extensions.verify(%s, 'super-secret-jwt-token', %s)",
                            (ours, alg)).fetchone() == (True,)
        assert conn.execute("SELECT valid FROM extensions.verify(%s, 'wrong-secret', %s)",
                            (theirs, alg)).fetchone() == (False,)


def test_the_pgjwt_reference_token(supabase_db):
    """pgjwt's own documented example: HS256 over this payload with secret 'secret'."""
    payload = '{"sub":"1234567890","name":"John Doe","admin":true}'
    with connect(supabase_db) as conn:
        token = conn.execute("SELECT extensions.sign(%s, 'secret')", (payload,)).fetchone()[0]
    assert token == python_jwt(json.loads(payload), "secret")


def test_exp_and_nbf_window(supabase_db):
    now = int(time.time())
    cases = [
        ({"sub": "x"}, True),                               # no claims: no window
        ({"exp": now - 10}, False),                         # expired
        ({"exp": now + 600}, True),
        ({"nbf": now + 600}, False),                        # not yet valid
        ({"nbf": now - 600, "exp": now + 600}, True),
        ({"exp": "not a number"}, True),                    # pgjwt ignores a non-numeric claim
        ({"exp": f"{now - 10}"}, False),                    # a numeric string counts
    ]
    with connect(supabase_db) as conn:
        for payload, valid in cases:
            token = python_jwt(payload, "k")
            assert conn.execute("SELECT valid FROM extensions.verify(%s, 'k')", (token,)).fetchone() \
                == (valid,), payload
        # a tampered payload keeps the old signature: invalid
        head, _, sig = python_jwt({"role": "anon"}, "k").split(".")
        forged_body = b64url(b'{"role":"service_role"}')
        forged = f"{head}.{forged_body}.{sig}"
        assert conn.execute("SELECT payload ->> 'role', valid FROM extensions.verify(%s, 'k')",
                            (forged,)).fetchone() == ("service_role", False)


def test_migration_function_mints_tokens_for_a_role(supabase_db):
    """A migration's helper that signs a short-lived token, the way projects use pgjwt."""
    with connect(supabase_db) as conn:
        conn.execute("""
            CREATE FUNCTION public.mint_token(user_id uuid, secret text) RETURNS text
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
                SELECT extensions.sign(
                    json_build_object('sub', user_id, 'role', 'authenticated',
                                      'exp', extract(epoch FROM now() + interval '5 minutes')::bigint),
                    secret)
            $$;
        """)
        token = conn.execute("SELECT public.mint_token('00000000-0000-0000-0000-000000000001', 'k')"
                             ).fetchone()[0]
        head, body, sig = token.split(".")
        expected = b64url(hmac.new(b"k", f"{head}.{body}".encode(), hashlib.sha256).digest())
        assert sig == expected
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        assert claims["sub"] == "00000000-0000-0000-0000-000000000001" and claims["exp"] > time.time()
        assert conn.execute("SELECT extensions.url_decode(extensions.url_encode('\\xfbff00'::bytea))"
                            ).fetchone() == (b"\xfb\xff\x00",)
        assert conn.execute("SELECT extensions.try_cast_double('1.5'), extensions.try_cast_double('x')"
                            ).fetchone() == (1.5, None)


def test_unknown_algorithm_raises(supabase_db):
    with connect(supabase_db) as conn:
        with pytest.raises(psycopg.Error, match="No such hash algorithm"):
            conn.execute("SELECT extensions.sign('{}', 'k', 'RS256')")
