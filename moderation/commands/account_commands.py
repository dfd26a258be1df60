"""Operators' commands for sites' keys and moderators' accounts:
``sites list|rotate-key|revoke`` and ``moderators list|disable|enable|set-password``.

Added to the ``sites`` and ``moderators`` groups of ``cli``. Each command
that writes commits once, at its end.
"""

import secrets

import click
from sqlalchemy import select

from moderation.commands.service_commands import moderators_cli, read_password, sites_cli
from moderation.domain.accounts import MIN_PASSWORD, AccountError, end_sessions, set_password
from moderation.domain.orm import Moderator, Site
from moderation.domain.sites import KEY_PREFIX, forget_cached_sites, hash_key
from moderation.infrastructure.db import as_utc, db

REVOKED = "revoked"


def _site(name: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.name == name))
    if site is None:
        raise click.ClickException(f"no site is named {name!r} (see: sites list)")
    return site


def _moderator(name: str) -> Moderator:
    moderator = db.session.scalar(select(Moderator).where(Moderator.username == name))
    if moderator is None:
        raise click.ClickException(f"no moderator is named {name!r} (see: moderators list)")
    return moderator


@sites_cli.command("list")
def sites_list():
    """Every site, its key's first characters (or "revoked"), and since when."""
    for site in db.session.scalars(select(Site).order_by(Site.name)):
        key = "revoked" if site.key_prefix == REVOKED else f"{site.key_prefix}…"
        click.echo(f"{site.name}\t{key}\tcreated {as_utc(site.created_at):%Y-%m-%d %H:%M} UTC")


@sites_cli.command("rotate-key")
@click.argument("name")
def sites_rotate_key(name):
    """Give a site a new API key (printed only now); the old one stops working."""
    site = _site(name)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    site.key_hash, site.key_prefix = hash_key(key), key[:12]
    db.session.commit()
    # This process forgets the old key now; running workers within
    # MODERATION_SITE_CACHE_SECONDS (their cache's lifetime).
    forget_cached_sites()
    click.echo(f"New API key for {site.name!r}, shown only now; the old key no longer works:")
    click.echo(key)


@sites_cli.command("revoke")
@click.argument("name")
def sites_revoke(name):
    """Stop a site's key from working (rotate-key gives it a new one)."""
    site = _site(name)
    # The hash of a secret nobody holds: no key matches it any more.
    site.key_hash, site.key_prefix = hash_key(secrets.token_urlsafe(32)), REVOKED
    db.session.commit()
    forget_cached_sites()
    click.echo(f"Revoked the API key of {site.name!r}; its comments and labels are kept.")


@moderators_cli.command("list")
def moderators_list():
    """Every account: name, role, and whether it can sign in."""
    for moderator in db.session.scalars(select(Moderator).order_by(Moderator.username)):
        state = "active" if moderator.active else "disabled"
        click.echo(f"{moderator.username}\t{moderator.role}\t{state}")


@moderators_cli.command("disable")
@click.argument("name")
def moderators_disable(name):
    """Stop an account from signing in (its decisions stay in the log)."""
    moderator = _moderator(name)
    moderator.active = False
    end_sessions(moderator)  # its cookies do not return if it is enabled again
    db.session.commit()
    click.echo(f"Disabled {moderator.username!r}.")


@moderators_cli.command("enable")
@click.argument("name")
def moderators_enable(name):
    """Let a disabled account sign in again."""
    moderator = _moderator(name)
    moderator.active = True
    db.session.commit()
    click.echo(f"Enabled {moderator.username!r}.")


@moderators_cli.command(
    "set-password",
    help=f"Set an account's password (at least {MIN_PASSWORD} characters): asked for "
    "twice, or read as one line from standard input when piped.",
)
@click.argument("name")
def moderators_set_password(name):
    moderator = _moderator(name)
    try:
        set_password(moderator, read_password())  # also ends their sessions
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Set a new password for {moderator.username!r}; their sessions have ended.")
