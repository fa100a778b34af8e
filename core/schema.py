"""What the OpenAPI schema says about every operation under /api/v1/ that views need not repeat.

A drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): every error status an
operation can answer, with the one error body (core.api.ErrorSerializer); the headers every answer carries
(request id, rate limits, cache control) and those of conditional GETs (`ETag`), 429s (`Retry-After`) and
idempotent replays (`Idempotent-Replayed`); sort keys declared as the server reads them.
"""

from typing import Any

from core.api import ERROR_MEANINGS

ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Every operation: what the plumbing may answer whatever the view (token, negotiation, limits, address length).
COMMON_ERRORS = (400, 401, 403, 404, 406, 414, 429)
BODY_ERRORS = (409, 413, 415, 422)

_HEADERS = {
    "X-Request-ID": "This answer's id (also in the error body as `request_id`): quote it when reporting a problem.",
    "RateLimit": 'The caller\'s quota left in the current window (IETF draft `ratelimit-headers`): `"read";r=1187;t=42`'
    " is 1187 requests left for 42 seconds.",
    "RateLimit-Policy": 'The quota that applies (IETF draft): `"read";q=1200;w=60` is 1,200 requests per 60 seconds.',
    "Cache-Control": "Always `private, no-cache`: keep the answer, but revalidate it with its `ETag` before reuse.",
}
_ETAG = "A weak validator: send it back in `If-None-Match` for a 304 when nothing changed."
_RETRY_AFTER = "Seconds to wait before the next request."
_REPLAYED = "`true` when this answer replays the first request made with the same `Idempotency-Key`."


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


def api_postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Complete each /api/v1/ operation's responses and headers (drf-spectacular post-processing hook)."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = COMMON_ERRORS + (BODY_ERRORS if method in ("post", "put", "patch") else ())
            for code in codes:
                responses.setdefault(
                    str(code),
                    {"description": ERROR_MEANINGS[code], "content": {"application/json": {"schema": ERROR_REF}}},
                )
            for code, response in responses.items():
                headers = response.setdefault("headers", {})
                headers.update({name: _header(text) for name, text in _HEADERS.items()})
                if method == "get" and code in ("200", "304") and "304" in responses:
                    headers["ETag"] = _header(_ETAG)
                if code == "429":
                    headers["Retry-After"] = {"description": _RETRY_AFTER, "schema": {"type": "integer"}}
                if method == "post" and code == "200":
                    headers["Idempotent-Replayed"] = _header(_REPLAYED, enum=["true"])
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] == "ordering":
                    # Generated clients send a list as `ordering=a&ordering=b`; `ordering=a,b` is read the same.
                    parameter.update(style="form", explode=True)
                    parameter["schema"]["minItems"] = 1
                    parameter["description"] = (
                        "Sort keys, most significant first; `-key` sorts descending. Repeat the parameter "
                        "(`ordering=a&ordering=b`) or separate keys with commas (`ordering=a,b`). Every "
                        "ordering ends with the id, so pages never repeat or skip a row."
                    )
    _text_without_nul(result)
    _answers_always_complete(result)
    return result


def _answers_always_complete(result: dict[str, Any]) -> None:
    """Every field of an answer is always there (null when it has no value): say so, so typed clients need no
    optional checks. Request bodies keep their own `required` lists."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") or "properties" not in component:
            continue
        component["required"] = sorted(component["properties"])


def _text_without_nul(result: dict[str, Any]) -> None:
    """Request text never holds a NUL character (a 400: PostgreSQL cannot store it); say so in each body's schema."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for prop in component.get("properties", {}).values():
            if prop.get("type") == "string" and not {"format", "enum", "pattern"} & set(prop):
                prop["pattern"] = "^[^\\x00]*$"
