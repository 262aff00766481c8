"""Schemathesis hooks of the conformance suite (test/schemathesis.test.ts loads them via SCHEMATHESIS_HOOKS).

The document can say "binary, at least one byte", not "a decodable JPEG, PNG, WebP or GIF", so a schema-valid image
of random bytes is refused (415) by design. Before a POST /process is sent:
- an image that is schema-valid (a non-empty string) becomes a real photo, small so the run stays quick; invalid
  ones (missing, empty, not a string) are sent as generated;
- `enlarge=true` becomes `enlarge=false`: with it, sizes the schema allows plan outputs over MAX_INPUT_PIXELS, which
  the contract refuses (422) by a rule across parameters that OpenAPI cannot state (contract README, "Resize"; the
  shared vectors test it). Invalid values of `enlarge` are sent as generated.
Both turn valid values into valid values, so a positive case stays positive and a negative one negative: the case's
generation metadata is kept (schemathesis would otherwise re-validate the edited body, and it counts any binary body
as invalid). That uses two internals of the pinned schemathesis version (requirements.txt).
"""

import pathlib

import schemathesis
from schemathesis.core.parameters import ParameterLocation

PHOTO = (pathlib.Path(__file__).resolve().parents[2] / "contract" / "fixtures" / "photo-small.jpg").read_bytes()


def _replace(case, name: str, location: ParameterLocation, value) -> None:
    object.__setattr__(case, name, value)
    if case._meta is not None and location in case._meta.components:
        case._meta.update_validated_hash(location, case._hash_container(value))


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if case.operation.method.upper() != "POST" or case.operation.path != "/process":
        return
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("image"), str) and body["image"] != "":
        _replace(case, "body", ParameterLocation.BODY, {**body, "image": PHOTO})
    elif isinstance(body, str) and body != "":
        _replace(case, "body", ParameterLocation.BODY, PHOTO)
    if isinstance(case.query, dict) and case.query.get("enlarge") in ("true", "1", True):
        _replace(case, "query", ParameterLocation.QUERY, {**case.query, "enlarge": "false"})
