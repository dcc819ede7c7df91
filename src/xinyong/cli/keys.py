"""``xinyong keys``: key rotation (docs/operations.md, "Key rotation").

xinyong keys new field|hmac       print a fresh random key (SM4: 32 hex digits; HMAC: 64)
xinyong keys status               the current SM4 and blind index key ids, the old ones, and what is still under them
xinyong keys rotate               re-encrypt every token and rebuild every blind index under the current keys, in
                                  chunks, resumable
"""

from __future__ import annotations

import json
import secrets

import typer

from xinyong.core import blindrotation
from xinyong.core.auth.service import WEBHOOK_CIPHER_CONTEXT
from xinyong.core.crypto import get_blind_index, get_cipher
from xinyong.core.db import get_database
from xinyong.core.keyrotation import count_old_tokens, rotate
from xinyong.enterprise.service import MOBILE_CONTEXT, NAME_CONTEXT
from xinyong.entities.service import ID_CONTEXT, person_blind_indexed
from xinyong.records.blindindex import blind_indexed as record_blind_indexed
from xinyong.records.ingestion import REJECTION_CONTEXT
from xinyong.records.privacy import TEXT_CONTEXT, TITLE_CONTEXT
from xinyong.records.service import CONTENT_ID_CONTEXT


def blind_indexed_tables() -> list[blindrotation.BlindIndexedTable]:
    """Every table that keeps blind indexes (each area names its own)."""
    return [person_blind_indexed(), record_blind_indexed()]


app = typer.Typer(help="Rotate the SM4 field key and the HMAC keys.", no_args_is_help=True)

# Every column context a field token is made for (a token opens only under its own context).
CONTEXTS = (
    ID_CONTEXT,
    CONTENT_ID_CONTEXT,
    TEXT_CONTEXT,
    TITLE_CONTEXT,
    REJECTION_CONTEXT,
    NAME_CONTEXT,
    MOBILE_CONTEXT,
    WEBHOOK_CIPHER_CONTEXT,
)


@app.command("new")
def new(kind: str = typer.Argument(..., help="field (SM4, 32 hex digits) or hmac (64 hex digits)")) -> None:
    """Print a fresh random key for XINYONG_FIELD_KEY (field) or an HMAC key (hmac: blind index, report, outbox)."""
    if kind not in ("field", "hmac"):
        typer.echo("error: the kind is field or hmac", err=True)
        raise typer.Exit(2)
    typer.echo(secrets.token_hex(16 if kind == "field" else 32))


@app.command("status")
def status() -> None:
    """The current field key's id, the old keys still accepted, and how many tokens each table holds under an old
    key; the same for the blind index key and the rows whose blind indexes are not under it (one JSON line)."""
    cipher, index = get_cipher(), get_blind_index()
    with get_database().unit_of_work() as session:
        old = count_old_tokens(session, cipher)
        stale = blindrotation.count_stale(session, blind_indexed_tables())
    line = {
        "field_key_id": cipher.key_id,
        "accepted_key_ids": sorted(cipher.key_ids),
        "old_tokens": dict(old),
        "old_tokens_total": sum(old.values()),
        "blind_index_key_id": index.key_id,
        "blind_index_accepted_key_ids": list(index.key_ids),
        "stale_blind_indexes": dict(stale),
        "stale_blind_indexes_total": sum(stale.values()),
    }
    typer.echo(json.dumps(line, ensure_ascii=False))


@app.command("rotate")
def rotate_command(
    chunk: int = typer.Option(500, min=1, max=100_000, help="Rows per transaction."),
    restart: bool = typer.Option(False, "--restart", help="Walk every table again instead of resuming."),
    quiet: bool = typer.Option(False, "--quiet", help="Only the final JSON line."),
) -> None:
    """Re-encrypt every SM4 token made with an old key under XINYONG_FIELD_KEY, then rebuild every blind index not
    made with XINYONG_BLIND_INDEX_KEY, a chunk of rows per transaction, while the platform serves. Interrupted, it
    resumes where it stopped. Prints one JSON line at the end."""
    cipher = get_cipher()

    def progress(table: str, rows: int) -> None:
        if not quiet:
            typer.echo(f"{table}: {rows} rows checked", err=True)

    report = rotate(get_database(), cipher, CONTEXTS, chunk=chunk, restart=restart, progress=progress)
    blind = blindrotation.rebuild(
        get_database(),
        get_blind_index().key_id,
        blind_indexed_tables(),
        chunk=chunk,
        restart=restart,
        progress=progress,
    )
    line = report.as_dict()
    line["blind_index"] = blind.as_dict()
    typer.echo(json.dumps(line, ensure_ascii=False))
    if report.unreadable or blind.conflicts:
        raise typer.Exit(1)
