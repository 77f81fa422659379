"""The shared transition-table machinery, on a table of its own."""

from __future__ import annotations

import enum

import pytest

from campaigns.deals.common import AGENCY, OWNER, IllegalTransition, Party
from campaigns.deals.moves import Move, markdown_table, table_actions, table_next


class Light(enum.StrEnum):
    RED = "red"
    GREEN = "green"


class Switch(enum.StrEnum):
    GO = "go"
    STOP = "stop"


class LightRefused(IllegalTransition):
    pass


TABLE = {
    (Light.RED, Switch.GO): Move(Light.GREEN, AGENCY),
    (Light.GREEN, Switch.STOP): Move(Light.RED, AGENCY | OWNER),
}


def test_a_move_in_the_table_by_a_party_it_names_goes_where_the_row_says() -> None:
    assert table_next(TABLE, Light.RED, Switch.GO, Party.STAFF, subject="a light") == Light.GREEN


def test_a_party_the_row_does_not_name_is_refused_with_the_named_error() -> None:
    with pytest.raises(LightRefused, match="a light cannot go from red by owner"):
        table_next(TABLE, Light.RED, Switch.GO, Party.OWNER, subject="a light", error=LightRefused)


def test_a_move_missing_from_the_table_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="a light cannot stop from red by staff"):
        table_next(TABLE, Light.RED, Switch.STOP, Party.STAFF, subject="a light")


def test_the_actions_a_party_may_take_are_read_from_the_table() -> None:
    assert table_actions(TABLE, Light.GREEN, Party.OWNER) == [Switch.STOP]
    assert table_actions(TABLE, Light.RED, Party.OWNER) == []


def test_the_markdown_table_names_who_may_in_party_order_with_notes() -> None:
    text = markdown_table(TABLE.items(), {(Light.RED, Switch.GO): "daytime"})
    assert text.splitlines()[2:] == [
        "| `red` | `go` | `green` | staff, admin (daytime) |",
        "| `green` | `stop` | `red` | owner, staff, admin |",
    ]
