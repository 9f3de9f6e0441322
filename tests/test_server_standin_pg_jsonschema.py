"""The pg_jsonschema stand-in on the embedded PostgreSQL 18 server: real JSON Schema validation."""

from __future__ import annotations

import json

import psycopg
import pytest

from conftest import create_database

# (schema, instance, valid?)
CASES = [
    ({"type": "string"}, "x", True),
    ({"type": "string"}, 1, False),
    ({"type": "integer"}, 3, True),
    ({"type": "integer"}, 3.0, True),
    ({"type": "integer"}, 3.5, False),
    ({"type": "number"}, 3.5, True),
    ({"type": ["string", "null"]}, None, True),
    ({"type": ["string", "null"]}, False, False),
    ({"type": "object"}, [], False),
    ({"type": "array"}, [], True),
    ({"type": "boolean"}, 0, False),
    ({"required": ["a", "b"]}, {"a": 1}, False),
    ({"required": ["a"]}, {"a": None}, True),
    ({"required": ["a"]}, "not an object", True),
    ({"properties": {"n": {"type": "integer", "minimum": 1}}}, {"n": 0}, False),
    ({"properties": {"n": {"type": "integer", "minimum": 1}}}, {"m": 0}, True),
    ({"enum": ["red", "green", 3]}, "green", True),
    ({"enum": ["red", "green", 3]}, 3.0, True),
    ({"enum": ["red", "green"]}, "blue", False),
    ({"const": {"a": [1, 2]}}, {"a": [1, 2]}, True),
    ({"const": {"a": [1, 2]}}, {"a": [2, 1]}, False),
    ({"minimum": 5}, 5, True),
    ({"exclusiveMinimum": 5}, 5, False),
    ({"maximum": 5}, 5.01, False),
    ({"exclusiveMaximum": 5}, 4.99, True),
    ({"minimum": 5, "exclusiveMinimum": True}, 5, False),
    ({"multipleOf": 0.1}, 0.3, True),
    ({"multipleOf": 2}, 7, False),
    ({"minLength": 2}, "é", False),
    ({"maxLength": 2}, "éé", True),
    ({"maxLength": 2}, "abc", False),
    ({"minimum": 3}, "strings are not numbers", True),
    ({"pattern": "^[a-z]+-\\d{2}$"}, "abc-12", True),
    ({"pattern": "^[a-z]+-\\d{2}$"}, "abc-123", False),
    ({"pattern": "b\\w"}, "abc", True),
    ({"pattern": "\\bcat\\b"}, "a cat sat", True),
    ({"pattern": "\\bcat\\b"}, "concatenate", False),
    ({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1}, True),
    ({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "b": 2}, False),
    ({"additionalProperties": {"type": "number"}}, {"x": 1, "y": 2}, True),
    ({"additionalProperties": {"type": "number"}}, {"x": 1, "y": "2"}, False),
    ({"patternProperties": {"^s_": {"type": "string"}}, "additionalProperties": False}, {"s_a": "x"}, True),
    ({"patternProperties": {"^s_": {"type": "string"}}, "additionalProperties": False}, {"s_a": 1}, False),
    ({"patternProperties": {"^s_": {"type": "string"}}, "additionalProperties": False}, {"t": "x"}, False),
    ({"items": {"type": "string"}}, ["a", "b"], True),
    ({"items": {"type": "string"}}, ["a", 2], False),
    ({"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False}, [1, "a"], True),
    ({"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False}, [1, "a", 3], False),
    ({"prefixItems": [{"type": "integer"}, {"type": "string"}]}, ["1"], False),
    ({"items": [{"type": "integer"}], "additionalItems": {"type": "string"}}, [1, "x", "y"], True),
    ({"items": [{"type": "integer"}], "additionalItems": {"type": "string"}}, [1, "x", 2], False),
    ({"minItems": 2}, [1], False),
    ({"maxItems": 2}, [1, 2, 3], False),
    ({"uniqueItems": True}, [1, 2, 3], True),
    ({"uniqueItems": True}, [1, 2, 1.0], False),
    ({"uniqueItems": True}, [{"a": 1, "b": 2}, {"b": 2, "a": 1}], False),
    ({"contains": {"const": 3}}, [1, 2, 3], True),
    ({"contains": {"const": 3}}, [1, 2], False),
    ({"minProperties": 1}, {}, False),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"ok": 1, "NO": 2}, False),
    ({"dependentRequired": {"card": ["cvv"]}}, {"card": "1"}, False),
    ({"dependencies": {"card": ["cvv"]}}, {"card": "1", "cvv": "2"}, True),
    ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, 3, True),
    ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, 1, False),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1, True),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, False),
    ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1.5, True),
    ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False),
    ({"not": {"type": "null"}}, None, False),
    ({"not": {"type": "null"}}, 0, True),
    ({"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x"]}, "else": {"required": ["y"]}},
     {"kind": "a", "y": 1}, False),
    ({"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x"]}, "else": {"required": ["y"]}},
     {"kind": "b", "y": 1}, True),
    (True, {"anything": 1}, True),
    (False, {}, False),
    ({"properties": {"a": False}}, {"a": 1}, False),
    ({"$defs": {"pos": {"type": "integer", "minimum": 1}}, "properties": {"n": {"$ref": "#/$defs/pos"}}},
     {"n": 0}, False),
    ({"definitions": {"pos": {"type": "integer", "minimum": 1}}, "items": {"$ref": "#/definitions/pos"}},
     [1, 2], True),
    # a recursive tree through "#"
    ({"type": "object", "properties": {"v": {"type": "integer"},
                                       "children": {"type": "array", "items": {"$ref": "#"}}}},
     {"v": 1, "children": [{"v": 2, "children": [{"v": "three"}]}]}, False),
    ({"format": "email"}, "a@example.com", True),
    ({"format": "email"}, "not an email", False),
    ({"format": "date"}, "2024-02-29", True),
    ({"format": "date"}, "2023-02-29", False),
    ({"format": "date-time"}, "2024-05-01T10:20:30.5Z", True),
    ({"format": "date-time"}, "2024-05-01 10:20", False),
    ({"format": "uuid"}, "0e8a2b44-7f1c-4f0e-9a43-1df1b4a6c6a1", True),
    ({"format": "uuid"}, "0e8a2b44", False),
    ({"format": "ipv4"}, "256.1.1.1", False),
    ({"format": "ipv6"}, "::1", True),
    ({"format": "something-custom"}, "anything", True),
    ({"$schema": "http://json-schema.org/draft-07/schema#", "$id": "https://example.com/x", "title": "T",
      "description": "d", "default": 1, "examples": [1], "$comment": "c", "type": "integer"}, 1, True),
]


@pytest.fixture(scope="module")
def conn(pg_server):
    url = create_database(pg_server)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create schema if not exists extensions")
        conn.execute("create extension if not exists pg_jsonschema with schema extensions")
        conn.execute("set search_path = public, extensions")
        yield conn


@pytest.mark.parametrize(("schema", "instance", "valid"), CASES)
def test_keyword_semantics(conn, schema, instance, valid):
    s, i = json.dumps(schema), json.dumps(instance)
    row = conn.execute("select json_matches_schema(%s::json, %s::json), jsonb_matches_schema(%s::json, %s::jsonb), "
                       "jsonschema_validation_errors(%s::json, %s::json)", (s, i, s, i, s, i)).fetchone()
    assert row[0] is valid and row[1] is valid, row[2]
    assert (row[2] == []) is valid, row[2]


def test_error_messages(conn):
    errors = conn.execute(
        """select jsonschema_validation_errors(
             '{"type": "object", "required": ["name", "age"],
               "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
               "additionalProperties": false}',
             '{"age": -1, "nick": "x"}')""").fetchone()[0]
    assert '"name" is a required property' in errors
    assert "-1 is less than the minimum of 0" in errors
    assert any("Additional properties are not allowed ('nick' was unexpected)" == e for e in errors)
    assert len(errors) == 3


def test_unsupported_keywords_raise_annotations_do_not(conn):
    for schema in ('{"unevaluatedProperties": false}', '{"properties": {"a": {"$dynamicRef": "#x"}}}',
                   '{"nullable": true, "type": "string"}'):
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="pg_jsonschema stand-in: keyword .* is not supported"):
            conn.execute("select jsonb_matches_schema(%s, '{}')", (schema,))
    # even where the instance would never reach the keyword
    with pytest.raises(psycopg.errors.FeatureNotSupported, match="unevaluatedItems"):
        conn.execute("""select jsonb_matches_schema('{"properties": {"a": {"unevaluatedItems": false}}}', '5')""")
    with pytest.raises(psycopg.errors.FeatureNotSupported, match=r"\$ref"):
        conn.execute("""select jsonb_matches_schema('{"$ref": "https://example.com/other.json"}', '5')""")
    assert conn.execute("""select jsonb_matches_schema('{"title": "x", "readOnly": true, "deprecated": false}', '5')""") \
        .fetchone() == (True,)


def test_jsonschema_is_valid(conn):
    assert conn.execute("""select jsonschema_is_valid('{"type": "object", "properties": {"a": {"type": "string"}}}')""") \
        .fetchone() == (True,)
    assert conn.execute("""select jsonschema_is_valid('{"type": "object", "properties": {"a": {"type": "strin"}}}')""") \
        .fetchone() == (False,)
    assert conn.execute("""select jsonschema_is_valid('{"required": "a"}')""").fetchone() == (False,)
    assert conn.execute("""select jsonschema_is_valid('{"minLength": -1}')""").fetchone() == (False,)
    assert conn.execute("""select jsonschema_is_valid('{"pattern": "(unclosed"}')""").fetchone() == (False,)
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="invalid JSON schema"):
        conn.execute("""select jsonb_matches_schema('{"type": "strin"}', '"x"')""")


def test_check_constraint_refuses_invalid_rows(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create schema extensions")
        conn.execute("create extension pg_jsonschema with schema extensions")
        assert conn.execute("select provolatile from pg_proc where proname = 'jsonb_matches_schema'").fetchone() \
            == ("i",)
        conn.execute("""
            create table public.products (
              id bigint generated always as identity primary key,
              attrs jsonb not null,
              constraint attrs_shape check (extensions.jsonb_matches_schema(
                '{"type": "object",
                  "required": ["sku", "price"],
                  "properties": {
                    "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
                    "price": {"type": "number", "exclusiveMinimum": 0},
                    "tags": {"type": "array", "items": {"type": "string", "maxLength": 16}, "uniqueItems": true}
                  },
                  "additionalProperties": false}',
                attrs))
            )""")
        conn.execute("""insert into public.products (attrs) values ('{"sku": "ABC-0001", "price": 9.5, "tags": ["new"]}')""")
        bad = ['{"sku": "ABC-0001"}', '{"sku": "abc-0001", "price": 1}', '{"sku": "ABC-0001", "price": 0}',
               '{"sku": "ABC-0001", "price": 1, "tags": ["a", "a"]}', '{"sku": "ABC-0001", "price": 1, "x": 1}']
        for attrs in bad:
            with pytest.raises(psycopg.errors.CheckViolation) as info:
                conn.execute("insert into public.products (attrs) values (%s)", (attrs,))
            assert info.value.sqlstate == "23514"
        assert conn.execute("select count(*) from public.products").fetchone() == (1,)
        # the constraint still works under pg_dump's empty search_path
        conn.execute("set search_path = ''")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("""insert into public.products (attrs) values ('{"sku": 1, "price": 1}')""")
        conn.execute("reset search_path")
        conn.execute("drop extension pg_jsonschema cascade")
        assert conn.execute("select count(*) from pg_proc where proname like '%%jsonschema%%'").fetchone() == (0,)
        assert conn.execute("select count(*) from pg_constraint where conname = 'attrs_shape'").fetchone() == (0,)
