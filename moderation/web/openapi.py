"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json."""

ID = {"type": ["string", "integer"], "description": "the site's own id", "maxLength": 255}
PROBABILITY = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
SPAN = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "start": {"type": "integer"},
        "end": {"type": "integer"},
        "weight": {"type": "number"},
    },
}
ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
COMMENT_IN = {
    "type": "object",
    "required": ["id", "article_id", "text"],
    "properties": {
        "id": ID,
        "article_id": ID,
        "text": {"type": "string", "minLength": 1, "maxLength": 20000},
        "author": {
            "type": "object",
            "properties": {"id": ID, "name": {"type": "string", "maxLength": 255}},
        },
        "parent_id": ID,
        "created_at": {"type": "string", "format": "date-time"},
        "language": {
            "type": "string",
            "pattern": "^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$",
            "description": "The comment's language if the site knows it (ISO 639-1 or BCP-47, "
            "such as 'de' or 'pt-BR'); otherwise it is detected.",
        },
    },
}
DECISION = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "decided_at": {"type": "string", "format": "date-time"},
        "actor_type": {"enum": ["model", "moderator", "readers"]},
        "actor": {"type": "string"},
        "from_status": {"type": ["string", "null"]},
        "to_status": {"enum": ["pending", "approved", "rejected"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "note": {"type": ["string", "null"]},
    },
}
COMMENT_OUT = {
    "type": "object",
    "required": ["id", "article_id", "status", "scores", "reasons", "model_version"],
    "properties": {
        "id": {"type": "string"},
        "article_id": {"type": "string"},
        "parent_id": {"type": ["string", "null"]},
        "author": {"type": "object"},
        "text": {"type": "string"},
        "language": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "status": {"enum": ["pending", "approved", "rejected"]},
        "scores": {
            "type": "object",
            "properties": {"abusive": PROBABILITY, "on_topic": PROBABILITY},
        },
        "reasons": {"type": "array", "items": {"type": "string"}},
        "model_version": {"type": ["string", "null"]},
        "explanations": {"type": ["object", "null"]},
        "history": {"type": "array", "items": DECISION},
    },
}


# The id the site gave the comment; one with "/" in it is sent percent-encoded.
_COMMENT_ID = {
    "name": "comment_id",
    "in": "path",
    "required": True,
    "description": "the site's id of the comment ('/' as %2F)",
    "schema": {"type": "string"},
}


def _errors(*codes):
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(code): {"description": "error", "content": content} for code in codes}


def _json(schema, description="ok"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}


COMMON = (400, 401, 413, 415, 429, 503)

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Reader-comment moderation", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "security": [{"siteKey": []}],
    "components": {
        "securitySchemes": {"siteKey": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Error": ERROR, "Comment": COMMENT_OUT},
    },
    "paths": {
        "/articles": {
            "post": {
                "summary": "Create or update an article",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["id", "title", "body"],
                        "properties": {
                            "id": ID,
                            "title": {"type": "string", "minLength": 1, "maxLength": 1000},
                            "body": {"type": "string"},
                            "url": {"type": "string", "format": "uri"},
                        },
                    }
                ),
                "responses": {
                    "200": _json({"type": "object"}, "updated"),
                    "201": _json({"type": "object"}, "created"),
                    **_errors(*COMMON),
                },
            }
        },
        "/comments": {
            "post": {
                "summary": "Store, score and decide a comment",
                "requestBody": _body(COMMENT_IN),
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Comment"}, "posted before"),
                    "201": _json({"$ref": "#/components/schemas/Comment"}, "stored"),
                    **_errors(*COMMON, 404, 409),
                },
            },
            "get": {
                "summary": "The feed of decisions, oldest first",
                "description": (
                    "Every decision exactly once: pass next_cursor back as cursor. "
                    "The cursor is opaque; a decision shows once every transaction "
                    "that began writing before it has ended."
                ),
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"enum": ["pending", "approved", "rejected"]},
                    },
                    {"name": "article_id", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "since",
                        "in": "query",
                        "schema": {"type": "string", "format": "date-time"},
                    },
                    {
                        "name": "cursor",
                        "in": "query",
                        "schema": {"type": "string", "pattern": "^([0-9]{1,19}[.])?[0-9]{1,10}$"},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items", "next_cursor", "has_more"],
                            "properties": {
                                "items": {"type": "array", "items": {"type": "object"}},
                                "next_cursor": {"type": "string"},
                                "has_more": {"type": "boolean"},
                            },
                        }
                    ),
                    **_errors(*COMMON),
                },
            },
        },
        "/comments/batch": {
            "post": {
                "summary": "Up to 500 comments; per-item results",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["comments"],
                        "properties": {
                            "comments": {"type": "array", "items": COMMENT_IN, "minItems": 1}
                        },
                    }
                ),
                "responses": {"200": _json({"type": "object"}), **_errors(*COMMON)},
            }
        },
        "/comments/{comment_id}": {
            "get": {
                "summary": "A comment with its decision history",
                "parameters": [
                    _COMMENT_ID,
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Comment"}),
                    **_errors(400, 401, 404, 429, 503),
                },
            }
        },
        "/comments/{comment_id}/reports": {
            "post": {
                "summary": "A reader's report of a comment; the same reader again changes nothing",
                "parameters": [
                    _COMMENT_ID,
                ],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["reader_id", "reason"],
                        "properties": {
                            "reader_id": ID,
                            "reason": {"enum": ["abusive", "off_topic", "spam", "other"]},
                            "text": {"type": "string", "maxLength": 2000},
                        },
                    }
                ),
                "responses": {
                    "201": _json({"type": "object"}, "a new report"),
                    "200": _json({"type": "object"}, "this reader had already reported it"),
                    **_errors(*COMMON, 404),
                },
            }
        },
        "/score": {
            "post": {
                "summary": "Score a text (and article) without storing anything",
                "parameters": [{"name": "explain", "in": "query", "schema": {"enum": ["0", "1"]}}],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["text"],
                        "properties": {
                            "text": {"type": "string", "minLength": 1, "maxLength": 20000},
                            "article": {
                                "type": "object",
                                "properties": {
                                    "title": {"type": "string"},
                                    "body": {"type": "string"},
                                },
                            },
                            "language": COMMENT_IN["properties"]["language"],
                        },
                    }
                ),
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["scores", "decision", "model_version"],
                            "properties": {
                                "scores": {"type": "object"},
                                "decision": {"type": "object"},
                                "model_version": {"type": "string"},
                                "language": {"type": "string"},
                                "explanations": {
                                    "type": "object",
                                    "properties": {
                                        "abusive": {"type": "array", "items": SPAN},
                                        "on_topic": {"type": "array", "items": SPAN},
                                    },
                                },
                            },
                        }
                    ),
                    **_errors(*COMMON),
                },
            }
        },
        "/policy": {
            "get": {
                "summary": "The policy text, thresholds and reasons",
                "responses": {"200": _json({"type": "object"}), **_errors(401, 429)},
            }
        },
    },
}
