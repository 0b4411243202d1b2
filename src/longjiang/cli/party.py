"""``longjiang party ...``: keys and the registry of ledger parties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from longjiang.cli._errors import handle_errors
from longjiang.cli.ledger import database_url
from longjiang.errors import InputError
from longjiang.ledger.parties import Party, Role, generate_key, write_key_file
from longjiang.ledger.service import Ledger

__all__ = ["app"]

app = typer.Typer(help="Ledger parties: keys and the registry.", no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy database URL "
                                              "(default: $LONGJIANG_DB, then settings)")]


@app.command()
@handle_errors
def keygen(
    name: Annotated[str, typer.Argument(help="party id, e.g. rzd-fer")],
    output: Annotated[Path, typer.Option("-o", "--output", help="private key file to create")],
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
) -> None:
    """Create an Ed25519 key: the private key goes to a 0600 file, the public key is printed."""
    signer = generate_key(name)
    write_key_file(output, signer, overwrite=force)
    typer.echo(signer.verifier().to_string())


@app.command()
@handle_errors
def add(
    public_key: Annotated[str, typer.Option(
        help="the party's public key (name+keyid+base64, as printed by keygen), or @FILE")],
    role: Annotated[Role, typer.Option(help="what the party does")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country, e.g. CN or RU")],
    name_en: Annotated[str, typer.Option(help="display name in English")],
    name_zh: Annotated[str, typer.Option(help="display name in Chinese")] = "",
    name_ru: Annotated[str, typer.Option(help="display name in Russian")] = "",
    identifier: Annotated[list[str] | None, typer.Option(
        "--id", help="an EPCIS identifier naming the party in events (PGLN / SGLN URI); "
        "repeatable")] = None,
    db: DbOption = None,
) -> None:
    """Register a party with its public key (the key's name is the party id).

    The registration (names, role, country, identifiers, key) is signed with the log's key
    and appended to the log.
    """
    party = Party.from_verifier_key(_read_public_key(public_key), role=role, country=country,
                                    name_en=name_en, name_zh=name_zh, name_ru=name_ru,
                                    identifiers=tuple(identifier or ()))
    with Ledger.open(database_url(db)) as ledger:
        ledger.add_party(party)
    typer.echo(f"registered {party.party_id} ({party.role.value}, {party.country})")


def _read_public_key(text: str) -> str:
    if text.startswith("@"):
        try:
            return Path(text[1:]).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {text[1:]}: {exc}") from None
    return text.strip()


@app.command()
@handle_errors
def rotate(
    public_key: Annotated[str, typer.Argument(
        metavar="PUBLIC_KEY", help="the party's new public key (name+keyid+base64), or @FILE")],
    db: DbOption = None,
) -> None:
    """Give a party a new key (the key's name is the party id), recorded in the log.

    What the party signed before stays verifiable with its old key; from now on only the
    new key signs for it.
    """
    key = _read_public_key(public_key)
    party_id = key.split("+", 1)[0]
    with Ledger.open(database_url(db)) as ledger:
        record = ledger.change_key(party_id, "rotate", key)
    typer.echo(f"{party_id}: new key from leaf #{record.leaf_index}; tree size "
               f"{record.tree_size}")


@app.command()
@handle_errors
def revoke(
    party_id: Annotated[str, typer.Argument(metavar="PARTY", help="party id")],
    db: DbOption = None,
) -> None:
    """Revoke a party's current key (say, when it leaked), recorded in the log.

    The party signs nothing, and its signed requests are refused, until `party rotate`
    gives it a new key.
    """
    with Ledger.open(database_url(db)) as ledger:
        current = ledger.get_party(party_id).verifier_key
        record = ledger.change_key(party_id, "revoke", current)
    typer.echo(f"{party_id}: key {current} revoked at leaf #{record.leaf_index}")


@app.command(name="list")
@handle_errors
def list_parties(
    db: DbOption = None,
    lang: Annotated[str, typer.Option(help="names in en, zh or ru")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the registered parties and their public keys."""
    with Ledger.open(database_url(db)) as ledger:
        found = ledger.list_parties()
    if as_json:
        typer.echo(json.dumps([{"party": p.party_id, "role": p.role.value, "country": p.country,
                                "names": {"en": p.name_en, "zh": p.name_zh, "ru": p.name_ru},
                                "identifiers": list(p.identifiers), "key": p.verifier_key}
                               for p in found], ensure_ascii=False, indent=2))
        return
    table = Table(title="Ledger parties")
    for column in ("party", "role", "country", "name", "public key"):
        table.add_column(column)
    for p in found:
        table.add_row(p.party_id, p.role.value, p.country, p.display_name(lang), p.verifier_key)
    Console(width=200).print(table)
