"""Schemathesis hooks for deploy/schemathesis/run.sh (named by `hooks` in schemathesis.toml).

1. Real ids as examples. run.sh seeds the shop (see there) and exports the ids it made; they are
   added to the loaded spec as `example`s of the id-taking parameters, so that the examples phase
   (and the coverage phase, which starts from examples) reaches the handlers' logic with ids that
   exist, while fuzzing still draws random ids (404s). Only `example` keywords are added: no
   constraint of the spec under test is changed.

2. A fresh email for every schema-valid sign-up. Generated cases repeat values (the schema's own
   example `ann@example.com` first of all), and signing up an address that is already taken is a
   400 by contract, which positive_data_acceptance would report. Schemathesis' own advice for
   unique fields is a `before_call` hook: the local part of a positive case's email gets a prefix
   unique to the run, so a 400 for a schema-valid sign-up is a real finding (e.g. a password
   shorter than the server accepts), not a collision.
"""

from __future__ import annotations

import itertools
import os
import uuid

import schemathesis

# operation (method, path) -> the id-taking location to give an example, and the variable with it.
PATH_IDS = {
    ("get", "/api/tickets/{id}"): "BOXOFFICE_ST_TICKET",  # another user's ticket, for sale
    ("put", "/api/tickets/{id}"): "BOXOFFICE_ST_OWN_TICKET",  # the signed-in user's own
    # another of their own, for sale: withdrawing it must not take away the one PUT edits
    ("delete", "/api/tickets/{id}"): "BOXOFFICE_ST_WITHDRAW_TICKET",
    ("get", "/api/orders/{id}"): "BOXOFFICE_ST_ORDER",  # the signed-in user's order, held
    ("delete", "/api/orders/{id}"): "BOXOFFICE_ST_CANCEL_ORDER",  # another of theirs, to cancel
    # a ticket another user holds: its waiting list is one the signed-in user may join
    ("post", "/api/tickets/{id}/waitlist"): "BOXOFFICE_ST_HELD_TICKET",
    ("get", "/api/tickets/{id}/waitlist"): "BOXOFFICE_ST_HELD_TICKET",
    ("delete", "/api/tickets/{id}/waitlist"): "BOXOFFICE_ST_HELD_TICKET",
}
BODY_IDS = {
    ("OrderInput", "ticketId"): "BOXOFFICE_ST_FREE_TICKET",  # another user's, not yet ordered
    ("PaymentInput", "orderId"): "BOXOFFICE_ST_ORDER",
}


@schemathesis.hook
def before_load_schema(context, raw_schema):
    for (method, path), var in PATH_IDS.items():
        value = os.environ.get(var)
        operation = raw_schema.get("paths", {}).get(path, {}).get(method)
        if not value or operation is None:
            continue
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path" and parameter.get("name") == "id":
                parameter["example"] = value
    schemas = raw_schema.get("components", {}).get("schemas", {})
    for (schema, field), var in BODY_IDS.items():
        value = os.environ.get(var)
        prop = schemas.get(schema, {}).get("properties", {}).get(field)
        if value and prop is not None:
            prop["example"] = value


_RUN = uuid.uuid4().hex[:8]
_COUNTER = itertools.count(1)


@schemathesis.hook
def before_call(context, case, kwargs):
    operation = case.operation
    if operation.method.lower() != "post" or operation.path != "/api/users/signup":
        return
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return
    email = case.body.get("email")
    if not isinstance(email, str) or "@" not in email or email.startswith('"'):
        return
    fresh = f"st{_RUN}n{next(_COUNTER)}-{email}"
    if len(fresh) <= 254:
        case.body["email"] = fresh
