"""The OpenAPI schema's common parts (drf-spectacular postprocessing): every operation documents
the problem documents it may answer (docs/API.md#errors), so clients and schemathesis know
them."""

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "What kind of problem (a tag URI)."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "In the request's language."},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string"}},
            "description": "Messages per field (`non_field_errors` for the whole input)."},
    },
}

DESCRIPTIONS = {
    "400": "The input is not valid (`errors` per field).",
    "401": "No valid API token (or session).",
    "403": "The role or the token's scope does not allow this.",
    "404": "Not found, or another reseller's.",
    "409": "The object's state refuses the action (or an Idempotency-Key still in use).",
    "422": "Refused by the domain's rules (`errors` per field), or an Idempotency-Key reused "
           "with a different request.",
    "429": "Too many requests for this token; see Retry-After.",
}
READS = ("400", "401", "403", "404", "429")
WRITES = READS + ("409", "422")


def add_problem_responses(result, generator, request, public):
    """Every operation's problem responses; ids in paths are positive (the URL patterns take
    digits only)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    reference = {"$ref": "#/components/schemas/Problem"}
    for url, path in result.get("paths", {}).items():
        for method, operation in path.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "id":
                    parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 2**62}
            codes = READS if method == "get" else WRITES
            if url.endswith("/pdf/"):
                codes += ("409",)  # a draft, or a signed PDF still being prepared
            if url.endswith("/price-preview/"):
                codes += ("422",)  # the pricing engine refuses (e.g. skyPBX alone)
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": {
                    "application/problem+json": {"schema": reference}}})
            if method != "get":
                responses.setdefault("415", {"description": "Unsupported media type.",
                                             "content": {"application/problem+json": {
                                                 "schema": reference}}})
            responses.setdefault("405", {"description": "Method not allowed.", "content": {
                "application/problem+json": {"schema": reference}}})
            responses.setdefault("406", {"description": "Not acceptable.", "content": {
                "application/problem+json": {"schema": reference}}})
    return result
