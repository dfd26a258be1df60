"""Perspective's discovery document, for Google's API client libraries.

Perspective's own Python sample builds its client with::

    discovery.build("commentanalyzer", "v1alpha1", developerKey=KEY,
        discoveryServiceUrl="https://commentanalyzer.googleapis.com/$discovery/rest?version=v1alpha1",
        static_discovery=False)

so the same code works here when that URL's host is this service's. The
document is Google's (the same resources, methods and paths) with
``rootUrl`` pointing at the host that served it; the library then sends
its requests (``?key=`` included) to this service. The schemas list the
fields this service reads; Google's clients use them for documentation
only.
"""

from flask import Blueprint, jsonify, request

from moderation.web.perspective_wire import error_response, with_cors

bp = Blueprint("perspective_discovery", __name__)
VERSION = "v1alpha1"


def _object(description: str, **properties) -> dict:
    return {"id": description, "type": "object", "properties": properties}


SCORE = {"$ref": "Score"}
SCHEMAS = {
    "TextEntry": _object("TextEntry", text={"type": "string"}, type={"type": "string"}),
    "Context": _object("Context", entries={"type": "array", "items": {"$ref": "TextEntry"}}),
    "AttributeParameters": _object(
        "AttributeParameters",
        scoreType={"type": "string"},
        scoreThreshold={"type": "number", "format": "float"},
    ),
    "Score": _object("Score", value={"type": "number", "format": "float"}, type={"type": "string"}),
    "SpanScore": _object(
        "SpanScore",
        begin={"type": "integer", "format": "int32"},
        end={"type": "integer", "format": "int32"},
        score=SCORE,
    ),
    "AttributeScores": _object(
        "AttributeScores",
        summaryScore=SCORE,
        spanScores={"type": "array", "items": {"$ref": "SpanScore"}},
    ),
    "AnalyzeCommentRequest": _object(
        "AnalyzeCommentRequest",
        comment={"$ref": "TextEntry"},
        context={"$ref": "Context"},
        requestedAttributes={
            "type": "object",
            "additionalProperties": {"$ref": "AttributeParameters"},
        },
        languages={"type": "array", "items": {"type": "string"}},
        doNotStore={"type": "boolean"},
        spanAnnotations={"type": "boolean"},
        dropUnsupportedAttributes={"type": "boolean"},
        clientToken={"type": "string"},
        communityId={"type": "string"},
        sessionId={"type": "string"},
    ),
    "AnalyzeCommentResponse": _object(
        "AnalyzeCommentResponse",
        attributeScores={"type": "object", "additionalProperties": {"$ref": "AttributeScores"}},
        languages={"type": "array", "items": {"type": "string"}},
        detectedLanguages={"type": "array", "items": {"type": "string"}},
        clientToken={"type": "string"},
    ),
    "SuggestCommentScoreRequest": _object(
        "SuggestCommentScoreRequest",
        comment={"$ref": "TextEntry"},
        context={"$ref": "Context"},
        attributeScores={"type": "object", "additionalProperties": {"$ref": "AttributeScores"}},
        languages={"type": "array", "items": {"type": "string"}},
        communityId={"type": "string"},
        clientToken={"type": "string"},
    ),
    "SuggestCommentScoreResponse": _object(
        "SuggestCommentScoreResponse", clientToken={"type": "string"}
    ),
}
# Query parameters every Google API method accepts; the client library
# sends "key" and "alt" from these.
PARAMETERS = {
    "key": {"type": "string", "location": "query", "description": "API key."},
    "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"]},
    "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
    "fields": {"type": "string", "location": "query"},
    "quotaUser": {"type": "string", "location": "query"},
    "$.xgafv": {"type": "string", "location": "query", "enum": ["1", "2"]},
}


def _method(name: str, request_schema: str, description: str) -> dict:
    path = f"{VERSION}/comments:{name}"
    return {
        "id": f"commentanalyzer.comments.{name}",
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "description": description,
        "parameters": {},
        "parameterOrder": [],
        "request": {"$ref": request_schema},
        "response": {"$ref": request_schema.replace("Request", "Response")},
    }


def document(root_url: str) -> dict:
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"commentanalyzer:{VERSION}",
        "name": "commentanalyzer",
        "version": VERSION,
        "title": "Perspective Comment Analyzer API (self-hosted)",
        "description": "Perspective API's AnalyzeComment and SuggestCommentScore, self-hosted.",
        "protocol": "rest",
        "rootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "parameters": PARAMETERS,
        "schemas": SCHEMAS,
        "resources": {
            "comments": {
                "methods": {
                    "analyze": _method(
                        "analyze",
                        "AnalyzeCommentRequest",
                        "Analyzes the provided text and returns scores for requested attributes.",
                    ),
                    "suggestscore": _method(
                        "suggestscore",
                        "SuggestCommentScoreRequest",
                        "Suggest comment scores as training data.",
                    ),
                }
            }
        },
    }


@bp.get("/$discovery/rest")
def discovery_v2():
    """Where ``discoveryServiceUrl`` points in Perspective's samples."""
    version = request.args.get("version", VERSION)
    if version != VERSION:
        return error_response(404, f"No API commentanalyzer at version {version}.")
    return with_cors(jsonify(document(request.host_url)))


@bp.get(f"/discovery/v1/apis/commentanalyzer/{VERSION}/rest")
def discovery_v1():
    """The older discovery path that googleapiclient uses by default."""
    return with_cors(jsonify(document(request.host_url)))
